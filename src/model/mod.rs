//! Portico's own view of billing data: what the UI renders and server
//! functions return. Built by the Stripe layer (`server::stripe`) from
//! async-stripe types, which never cross into this module. One file per
//! concept; this one only gathers them.

mod card;
mod details;
mod email;
mod embed;
mod flow;
mod ids;
mod invoice;
mod overview;
mod plan;
mod subscription;

pub use card::{CardExpiry, CardForm, EXPIRES_SOON_DAYS, PaymentCard, Wallet};
pub use details::{
    Address, CustomerDetails, DetailField, DetailsForm, DetailsPage, DetailsUpdate, TaxId,
    TaxIdChange, TaxIdKind, UpdatableDetail, valid_phone,
};
pub use email::{EmailAddress, MAX_EMAIL_LEN};
pub use embed::{
    EmbedFrame, EventCard, EventNotice, EventPlan, EventResponse, EventSubscription, NoticeTarget,
    PortalEvent,
};
pub use flow::{AfterCompletion, FlowKind, FlowTask, PortalFlow};
pub use ids::{CustomerId, InvoiceId, PaymentMethodId, PriceId, SetupIntentId, SubscriptionId};
pub use invoice::{Invoice, InvoiceCursor, InvoicePage, InvoiceScope, InvoiceStatus};
pub use overview::{Customer, PortalOverview, SessionFrame};
pub use plan::{PlanChoices, PlanOption, PlanPreview};
pub use subscription::{
    AwaitingPayment, CancelReason, Discount, Interval, ScheduledChange, Subscription,
    SubscriptionLine, SubscriptionStatus, mark_superseded,
};

pub use crate::money::Money;
