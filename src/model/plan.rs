//! The plan picker: the prices a subscription may move to, and what a move
//! would cost.

use serde::{Deserialize, Serialize};

use super::{Interval, Subscription};
use crate::money::Money;

/// A price the plan picker offers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanOption {
    pub price_id: String,
    pub product_name: String,
    pub price_name: Option<String>,
    pub amount: Money,
    pub interval: Interval,
    pub interval_count: u32,
    /// The subscription is on this price now.
    pub current: bool,
}

/// What the plan picker shows for one subscription.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanChoices {
    pub subscription: Subscription,
    pub options: Vec<PlanOption>,
    /// Picking a plan starts a new subscription (the current one is canceled).
    pub resubscribe: bool,
    /// The customer may pick (otherwise the plans are only shown: "show pricing").
    pub can_choose: bool,
    /// A coupon may be entered when resubscribing.
    pub coupon: bool,
    /// See `PortalOverview::form_nonce`.
    pub form_nonce: String,
}

/// What a plan change would cost, from Stripe's invoice preview.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanPreview {
    pub option: PlanOption,
    /// The amount of the previewed invoice.
    pub amount_due: Money,
    /// The amount is charged at once (prorations invoiced now); otherwise it
    /// is the next invoice's amount.
    pub due_now: bool,
    /// When the next invoice is due, if not now.
    pub next_payment_at: Option<i64>,
    /// The change waits for the end of the period (downgrades and shorter
    /// intervals, when the configuration says so): the day it takes effect.
    /// Nothing is charged now; `amount_due` is then the new price per interval.
    pub starts_at: Option<i64>,
}
