//! A portal configuration: what customers may see and do. Stored as JSON in
//! the database and read on every request, so a merchant's change applies at
//! once. Every field has a default, so stored configurations keep working as
//! new toggles are added.

use serde::{Deserialize, Serialize};

/// The toggles of a portal configuration. Names follow Billflow's portal
/// settings; Stripe's `features.*` map onto them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PortalConfig {
    /// Customers may switch plan or billing interval.
    pub change_plan: bool,
    /// Customers may start a canceled subscription again.
    pub resubscribe: bool,
    /// When resubscribing, customers may pick another plan.
    pub plan_change_for_canceled: bool,
    /// Customers may enter a coupon or promotion code.
    pub coupons: bool,
    /// A coupon may be entered when resubscribing.
    pub coupon_on_resubscribe: bool,
    /// Sign-in links must carry a valid identity hash. Always enforced in live mode.
    pub require_hash: bool,
    /// Billflow's static hash (which never expires) signs customers in.
    /// Off: only signed identities (`v2.…`, which expire), portal session
    /// URLs and email links do.
    pub static_hashes: bool,
    /// Customers see the plan catalog with prices, even without acting.
    pub show_pricing: bool,
    /// Subscription actions sit in a dropdown menu instead of buttons.
    pub dropdown_actions: bool,
    /// Customers may add cards, choose the default and remove cards
    /// (Stripe's `payment_method_update`).
    pub update_card: bool,
    /// Customers see their invoices (Stripe's `invoice_history`).
    pub invoice_history: bool,
    /// The invoice list shows every invoice of the customer, one-off ones
    /// too, not only the subscription's.
    pub show_all_invoices: bool,
    /// The billing details customers may change (Stripe's
    /// `customer_update.allowed_updates`); empty turns editing off. Email is
    /// not in the default: sign-in links find customers by email, so a
    /// customer could otherwise take on another person's address.
    pub customer_update: Vec<UpdatableDetail>,
    /// Hide canceled and ended subscriptions.
    pub only_active_subscriptions: bool,
    /// Customers may change quantities of products with a unit label.
    pub quantity: bool,
    /// Smallest quantity a customer may choose.
    pub quantity_min: u64,
    /// Largest quantity a customer may choose.
    pub quantity_max: u64,
    /// How plan and quantity changes are billed (Stripe's `proration_behavior`).
    pub proration_behavior: ProrationBehavior,
    /// Plan changes that wait for the end of the billing period instead of
    /// applying now (Stripe's `subscription_update.schedule_at_period_end`).
    pub schedule_at_period_end: Vec<ScheduleCondition>,
    /// What the plan picker offers (Stripe's `subscription_update.products`).
    /// Empty: every active recurring price of the products in the
    /// subscription's product group (product metadata `portico_group`).
    pub products: Vec<OfferedProduct>,
    /// Customers may cancel.
    pub cancellation: bool,
    /// Ask for a reason when canceling.
    pub cancellation_reason: bool,
    /// Cancel at once instead of at the end of the period.
    pub cancel_immediately: bool,
    /// Shown after a cancellation; `None` uses the translated default.
    pub cancellation_confirmation_message: Option<String>,
    /// Pick the language from the browser's Accept-Language.
    pub detect_language: bool,
    /// Send events to the embedding page's `handleResponse`.
    pub handle_response: bool,
    /// Log embed events to the browser console.
    pub debug: bool,
    /// Origins (`https://shop.example.com`) a portal session's `return_url`
    /// and `after_completion` redirect may point to, and the sites that may
    /// embed the portal (CSP `frame-ancestors`). Empty: none, so a session
    /// with a return URL is refused rather than becoming an open redirect,
    /// and no other site can frame the portal.
    pub allowed_origins: Vec<String>,
    /// The return URL of API sessions that name none (Stripe's
    /// `default_return_url`); must be on an allowed origin too.
    pub default_return_url: Option<String>,
    /// Customers may ask for a sign-in link by email at `/login` (Billflow's
    /// email login, Stripe's `login_page.enabled`). Off by default, as at
    /// Stripe: it lets anyone who knows a customer's address have a link
    /// mailed to it, which a merchant should choose.
    pub email_login: bool,
    /// The merchant's name: the sender of sign-in emails and the name they
    /// mention. `None` uses the portal's host name.
    pub company_name: Option<String>,
    /// Where sign-in emails link to, when the merchant embeds the portal:
    /// a page of theirs (on an allowed origin) that receives the token as
    /// `portico_token` and hands it to the embed. `None`: Portico's own page.
    pub login_redirect_url: Option<String>,
}

/// How Stripe bills a mid-period change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProrationBehavior {
    /// Credit and charge the difference on the next invoice.
    CreateProrations,
    /// Invoice the difference at once.
    AlwaysInvoice,
    /// No proration: the new price applies from the next period.
    None,
}

impl ProrationBehavior {
    /// Stripe's name, as the configuration stores it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CreateProrations => "create_prorations",
            Self::AlwaysInvoice => "always_invoice",
            Self::None => "none",
        }
    }
}

/// When a plan change is scheduled for the end of the period (Stripe's
/// `schedule_at_period_end.conditions`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleCondition {
    /// The new price costs less per interval (a downgrade).
    DecreasingItemAmount,
    /// The new billing interval is shorter (yearly to monthly).
    ShorteningInterval,
}

/// A billing detail customers may change (Stripe's
/// `customer_update.allowed_updates`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UpdatableDetail {
    Name,
    Email,
    Address,
    Phone,
    TaxId,
}

/// A product the plan picker offers, with the prices it may offer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferedProduct {
    /// Stripe product id.
    pub product: String,
    /// Stripe price ids; empty offers every active recurring price.
    #[serde(default)]
    pub prices: Vec<String>,
}

impl Default for PortalConfig {
    fn default() -> Self {
        Self {
            change_plan: true,
            resubscribe: true,
            plan_change_for_canceled: false,
            coupons: true,
            coupon_on_resubscribe: false,
            require_hash: true,
            static_hashes: true,
            show_pricing: true,
            dropdown_actions: false,
            update_card: true,
            invoice_history: true,
            show_all_invoices: false,
            customer_update: vec![
                UpdatableDetail::Name,
                UpdatableDetail::Address,
                UpdatableDetail::Phone,
                UpdatableDetail::TaxId,
            ],
            only_active_subscriptions: false,
            quantity: true,
            quantity_min: 1,
            quantity_max: 100,
            proration_behavior: ProrationBehavior::CreateProrations,
            schedule_at_period_end: Vec::new(),
            products: Vec::new(),
            cancellation: true,
            cancellation_reason: true,
            cancel_immediately: false,
            cancellation_confirmation_message: None,
            detect_language: true,
            handle_response: true,
            debug: false,
            allowed_origins: Vec::new(),
            default_return_url: None,
            email_login: false,
            company_name: None,
            login_redirect_url: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proration_names_are_the_stored_ones() {
        for p in [
            ProrationBehavior::CreateProrations,
            ProrationBehavior::AlwaysInvoice,
            ProrationBehavior::None,
        ] {
            assert_eq!(
                serde_json::to_value(p).expect("serializes"),
                serde_json::Value::String(p.as_str().into())
            );
        }
    }

    #[test]
    fn stored_configuration_missing_new_toggles_gets_defaults() {
        let stored = r#"{"cancellation": false}"#;
        let config: PortalConfig = serde_json::from_str(stored).expect("parses");
        assert!(!config.cancellation);
        assert!(config.change_plan);
        assert!(config.require_hash);
    }
}
