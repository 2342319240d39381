//! The one error type the UI sees. It carries no internal detail: the cause is
//! logged once on the server where it is converted (a Stripe failure in
//! `server::stripe::StripeApiError`, a storage failure where it is read), and
//! the customer reads a translated message chosen by the variant
//! (`components::format::error`).

use serde::{Deserialize, Serialize};

use crate::model::DetailField;

/// Why a portal request failed, in terms a customer can act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum PortalError {
    /// No portal session cookie.
    #[error("not signed in")]
    NotSignedIn,
    /// The session existed but has expired.
    #[error("session expired")]
    SessionExpired,
    /// A one-time link into the portal was used already, waited too long,
    /// or never existed.
    #[error("link expired")]
    LinkExpired,
    /// The sign-in link names no customer (neither `email` nor `customer_id`).
    #[error("sign-in link names no customer")]
    MissingIdentity,
    /// The sign-in link has no identity hash although one is required.
    #[error("identity hash missing")]
    HashMissing,
    /// The identity hash is malformed or does not match.
    #[error("identity hash invalid")]
    HashInvalid,
    /// A signed identity is genuine but older than its maximum age.
    #[error("signed identity expired")]
    HashExpired,
    /// The page embedding the portal is not on an allowed origin.
    #[error("embedding site not allowed")]
    EmbedNotAllowed,
    /// An email sign-in link was used already, waited more than 10 minutes,
    /// or never existed.
    #[error("sign-in link expired")]
    LoginLinkExpired,
    /// Too many requests of this kind; try again later.
    #[error("rate limited")]
    RateLimited,
    /// Sign-in by email is turned off, or no email can be sent.
    #[error("email login unavailable")]
    EmailLoginUnavailable,
    /// No Stripe customer matches the sign-in link.
    #[error("customer not found")]
    CustomerNotFound,
    /// Several Stripe customers share the sign-in link's email address: the
    /// merchant must name the customer by id.
    #[error("several customers share this email")]
    AmbiguousEmail,
    /// Another customer holds the email address a customer asked for.
    #[error("email address taken")]
    EmailTaken,
    /// The subscription does not exist or is not the customer's.
    #[error("subscription not found")]
    SubscriptionNotFound,
    /// The invoice does not exist or is not the customer's.
    #[error("invoice not found")]
    InvoiceNotFound,
    /// The payment method does not exist or is not the customer's.
    #[error("payment method not found")]
    PaymentMethodNotFound,
    /// The default card cannot be removed; another must become default first.
    #[error("default card")]
    CardIsDefault,
    /// The last card cannot be removed while a subscription still bills.
    #[error("card required")]
    CardRequired,
    /// Saving a new card did not complete (declined, authentication failed
    /// or abandoned); nothing changed.
    #[error("card setup incomplete")]
    CardSetupFailed,
    /// A billing detail is not valid; the field says which.
    #[error("invalid {0:?}")]
    InvalidDetail(DetailField),
    /// The configuration or the subscription's state does not allow the action.
    #[error("action not allowed")]
    NotAllowed,
    /// The coupon or promotion code is unknown, expired or not applicable.
    #[error("coupon not valid")]
    CouponInvalid,
    /// The card was declined or needs authentication the portal cannot do here.
    #[error("payment failed")]
    PaymentFailed,
    /// A change invoiced at once waits for the customer's bank to confirm
    /// the payment (3-D Secure); until then the old price holds.
    #[error("payment needs confirmation")]
    PaymentNeedsConfirmation,
    /// Resubscribing needs a saved payment method.
    #[error("no payment method")]
    NoPaymentMethod,
    /// The quantity is outside what the configuration allows.
    #[error("quantity out of range")]
    QuantityOutOfRange,
    /// The chosen plan is not offered for this subscription.
    #[error("plan not offered")]
    PlanUnavailable,
    /// The same request is still being processed (a double submit).
    #[error("request in progress")]
    InProgress,
    /// Stripe (or the emulator) could not be reached or answered garbage.
    #[error("billing provider unavailable")]
    BillingUnavailable,
    /// Portico's own storage failed.
    #[error("service unavailable")]
    Unavailable,
    /// The request was malformed.
    #[error("invalid request")]
    InvalidInput,
    /// The request never reached the server, or its answer could not be read.
    #[error("request failed")]
    Request,
}

impl PortalError {
    /// The HTTP status a page or endpoint answers with for this error.
    pub fn status(self) -> u16 {
        match self {
            Self::NotSignedIn | Self::SessionExpired | Self::HashMissing | Self::HashExpired => 401,
            Self::LinkExpired | Self::LoginLinkExpired => 410,
            Self::HashInvalid | Self::NotAllowed | Self::EmbedNotAllowed => 403,
            Self::RateLimited => 429,
            Self::EmailLoginUnavailable => 404,
            Self::CouponInvalid
            | Self::NoPaymentMethod
            | Self::PaymentFailed
            | Self::PaymentNeedsConfirmation
            | Self::QuantityOutOfRange
            | Self::PlanUnavailable
            | Self::CardIsDefault
            | Self::CardRequired
            | Self::CardSetupFailed
            | Self::EmailTaken
            | Self::InvalidDetail(_) => 422,
            Self::AmbiguousEmail => 409,
            Self::InProgress => 409,
            Self::CustomerNotFound
            | Self::SubscriptionNotFound
            | Self::InvoiceNotFound
            | Self::PaymentMethodNotFound => 404,
            Self::MissingIdentity | Self::InvalidInput | Self::Request => 400,
            Self::BillingUnavailable | Self::Unavailable => 503,
        }
    }

    /// Every variant (with one field for `InvalidDetail`), for tests that
    /// check each one has a translation.
    pub const ALL: [PortalError; 33] = [
        Self::AmbiguousEmail,
        Self::EmailTaken,
        Self::HashExpired,
        Self::EmbedNotAllowed,
        Self::LoginLinkExpired,
        Self::RateLimited,
        Self::EmailLoginUnavailable,
        Self::LinkExpired,
        Self::InvoiceNotFound,
        Self::PaymentMethodNotFound,
        Self::CardIsDefault,
        Self::CardRequired,
        Self::CardSetupFailed,
        Self::InvalidDetail(DetailField::Email),
        Self::NotSignedIn,
        Self::SessionExpired,
        Self::MissingIdentity,
        Self::HashMissing,
        Self::HashInvalid,
        Self::CustomerNotFound,
        Self::SubscriptionNotFound,
        Self::NotAllowed,
        Self::CouponInvalid,
        Self::NoPaymentMethod,
        Self::PaymentFailed,
        Self::PaymentNeedsConfirmation,
        Self::QuantityOutOfRange,
        Self::PlanUnavailable,
        Self::InProgress,
        Self::BillingUnavailable,
        Self::Unavailable,
        Self::InvalidInput,
        Self::Request,
    ];
}

// Server functions return `PortalError` directly; transport failures map onto it.
impl leptos::server_fn::error::FromServerFnError for PortalError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(e: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match e {
            E::Args(_) | E::MissingArg(_) => Self::InvalidInput,
            E::Request(_)
            | E::UnsupportedRequestMethod(_)
            | E::Deserialization(_)
            | E::Serialization(_) => Self::Request,
            _ => Self::Unavailable,
        }
    }
}

impl From<leptos::server_fn::error::ServerFnErrorErr> for PortalError {
    fn from(e: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        <Self as leptos::server_fn::error::FromServerFnError>::from_server_fn_error(e)
    }
}
