//! What the portal's pages show of the signed-in customer and their session.

use serde::{Deserialize, Serialize};

use super::{
    CustomerDetails, Discount, EmbedFrame, EventNotice, InvoicePage, PortalFlow, Subscription,
    Wallet,
};

/// The signed-in customer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    /// Stripe customer id (`cus_…`).
    pub id: String,
    pub email: Option<String>,
    pub name: Option<String>,
}

/// Everything the portal home page shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PortalOverview {
    pub customer: Customer,
    /// Subscriptions the configuration and session let this customer see.
    pub subscriptions: Vec<Subscription>,
    /// The portal shows a single subscription (Billflow's `subscription_id`).
    pub single_subscription: bool,
    /// The configuration the session runs under; the UI asks the policy
    /// with it which actions to show.
    pub config: crate::portal_config::PortalConfig,
    /// A fresh value per page view; forms send it back so a double submit
    /// reuses one Stripe idempotency key while a later action gets a new one.
    pub form_nonce: String,
    /// The action whose notice the page's address shows, when it is the
    /// session's last action (an address typed in confirms nothing).
    pub notice: Option<EventNotice>,
    /// Quantities the sign-in link suggested (pre-fills quantity fields).
    pub quantity_preset: crate::quantity_preset::QuantityPreset,
    /// Saved cards, when the configuration lets customers manage them.
    pub wallet: Option<Wallet>,
    /// The newest invoices of the history the portal shows by default
    /// (every invoice, or the one subscription's), when it has one.
    pub recent_invoices: Option<InvoicePage>,
    /// Name, address and the like, as Stripe has them.
    pub details: CustomerDetails,
    /// A new email address waiting for its owner's confirmation.
    pub pending_email: Option<String>,
    /// The discount a deep-linked cancel flow offers before the customer
    /// confirms (Stripe's `retention.coupon_offer`).
    pub retention_offer: Option<Discount>,
}

/// What every page's frame shows about the session: the way back to the
/// merchant and the deep-linked flow, if the session came from the API.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionFrame {
    /// The merchant's `return_url` (already checked against the
    /// configuration's allowed origins).
    pub return_url: Option<String>,
    pub flow: Option<PortalFlow>,
    /// Set when the portal is embedded in the merchant's page.
    pub embed: Option<EmbedFrame>,
    /// There is a session to sign out of.
    pub signed_in: bool,
}
