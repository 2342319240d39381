//! Subscriptions as the customer sees them: status, priced lines, the
//! coupon on them, a plan change waiting for the end of the period, and why
//! a customer cancels.

use serde::{Deserialize, Serialize};

use crate::money::Money;

/// A subscription's lifecycle state, as Stripe names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SubscriptionStatus {
    Active,
    Trialing,
    PastDue,
    Unpaid,
    Canceled,
    Incomplete,
    IncompleteExpired,
    Paused,
}

impl SubscriptionStatus {
    /// Stripe's name of the status.
    pub fn stripe_name(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Trialing => "trialing",
            Self::PastDue => "past_due",
            Self::Unpaid => "unpaid",
            Self::Canceled => "canceled",
            Self::Incomplete => "incomplete",
            Self::IncompleteExpired => "incomplete_expired",
            Self::Paused => "paused",
        }
    }

    /// Whether Billflow's "show only active subscriptions" keeps it: the
    /// customer still has (or is about to regain) access.
    pub fn is_current(self) -> bool {
        matches!(self, Self::Active | Self::Trialing | Self::PastDue)
    }

    /// The subscription is over and will not bill again.
    pub fn has_ended(self) -> bool {
        matches!(self, Self::Canceled | Self::IncompleteExpired)
    }
}

/// How often a recurring price bills.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Interval {
    Day,
    Week,
    Month,
    Year,
}

impl Interval {
    /// Stripe's name (`month`, `year`, …).
    pub fn stripe_name(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
            Self::Year => "year",
        }
    }

    /// Roughly how long one interval lasts, to compare intervals (a month
    /// is shorter than a year) without a calendar.
    pub fn approx_days(self, count: u32) -> u64 {
        let days = match self {
            Self::Day => 1,
            Self::Week => 7,
            Self::Month => 30,
            Self::Year => 365,
        };
        days * u64::from(count.max(1))
    }
}

/// One priced line of a subscription.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionLine {
    /// Stripe subscription item id (`si_…`).
    pub item_id: String,
    /// Stripe price id (`price_…`).
    pub price_id: String,
    /// Stripe product id (`prod_…`).
    pub product_id: String,
    /// The product's display name.
    pub product_name: String,
    /// The price's nickname, when the merchant gave it one.
    pub price_name: Option<String>,
    /// Price of one unit for one interval; `None` for metered or tiered prices.
    pub unit_amount: Option<Money>,
    /// Billing interval, `None` for one-off prices.
    pub interval: Option<Interval>,
    /// Bill every N intervals.
    pub interval_count: u32,
    /// How many units the customer has.
    pub quantity: u64,
    /// What one unit is called, e.g. "seat" (Stripe's `product.unit_label`).
    pub unit_label: Option<String>,
}

impl SubscriptionLine {
    /// What this line costs per interval, unit price times quantity.
    pub fn total(&self) -> Option<Money> {
        self.unit_amount.as_ref().map(|m| m.times(self.quantity))
    }
}

/// A subscription as the customer sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Subscription {
    /// Stripe subscription id (`sub_…`).
    pub id: String,
    pub status: SubscriptionStatus,
    pub lines: Vec<SubscriptionLine>,
    /// End of the current billing period (Unix seconds): the renewal date.
    pub current_period_end: Option<i64>,
    /// When a trial ends (Unix seconds).
    pub trial_end: Option<i64>,
    /// The customer asked to cancel at the end of the period.
    pub cancel_at_period_end: bool,
    /// When a scheduled cancellation takes effect (Unix seconds).
    pub cancel_at: Option<i64>,
    /// When the subscription ended, for canceled ones (Unix seconds).
    pub ended_at: Option<i64>,
    /// The coupon applied to the subscription, if any.
    pub discount: Option<Discount>,
    /// For a subscription started by "resubscribe": the canceled one it replaced.
    pub resubscribed_from: Option<String>,
    /// A current subscription was already started from this ended one, so it
    /// must not be restarted again.
    pub superseded: bool,
    /// A plan change waiting for the end of the billing period.
    pub scheduled_change: Option<ScheduledChange>,
    /// A subscription schedule the merchant made (an intro price then the
    /// full one, a contract's ramp) manages the subscription. As in
    /// Stripe's portal, the customer can neither update nor cancel it, and
    /// Portico never releases it: only schedules Portico made are its own.
    #[serde(default)]
    pub merchant_schedule: bool,
    /// The card this subscription charges instead of the customer's default
    /// (Stripe's subscription-level `default_payment_method`).
    pub payment_method: Option<String>,
    /// A change invoiced at once whose payment waits for the customer's
    /// bank (Stripe's `pending_update`): the old price holds until then.
    #[serde(default)]
    pub awaiting_payment: Option<AwaitingPayment>,
    /// The subscription's latest invoice (`in_…`): part of the state a
    /// change acts on, so a retry after a failed payment is a new request.
    #[serde(default)]
    pub latest_invoice: Option<String>,
    /// Stripe charges the customer's payment method (`charge_automatically`)
    /// rather than emailing invoices; only then can a change wait for its
    /// payment (Stripe's pending updates).
    #[serde(default)]
    pub charges_automatically: bool,
}

/// A plan or quantity change Stripe holds until its invoice is paid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwaitingPayment {
    /// The invoice whose payment applies the change (`in_…`).
    pub invoice_id: String,
    /// Stripe's hosted page of that invoice, where the customer confirms
    /// the payment (3-D Secure) or pays with another card.
    pub pay_url: Option<String>,
    /// When Stripe drops the change and voids its invoice if still unpaid
    /// (Unix seconds).
    pub expires_at: i64,
}

/// A plan change that takes effect at the end of the billing period (a
/// Stripe subscription schedule's next phase), e.g. a downgrade.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScheduledChange {
    /// Stripe subscription schedule id (`sub_sched_…`).
    pub schedule_id: String,
    /// When the new plan starts (Unix seconds).
    pub starts_at: i64,
    /// The line as it will be (its `item_id` is the current item's).
    pub line: SubscriptionLine,
}

/// A coupon applied to a subscription.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Discount {
    /// The coupon's id.
    pub coupon_id: String,
    /// The promotion code the customer typed, when it came from one.
    pub promotion_code: Option<String>,
    /// The coupon's display name, if the merchant gave it one.
    pub name: Option<String>,
    /// Percentage off, e.g. 20.0.
    pub percent_off: Option<f64>,
    /// Fixed amount off per invoice.
    pub amount_off: Option<Money>,
}

impl Discount {
    /// What `amount` costs after this discount (never below zero).
    pub fn apply(&self, amount: &Money) -> Money {
        let mut minor = amount.minor;
        if let Some(percent) = self.percent_off {
            minor -= ((amount.minor as f64) * percent / 100.0).round() as i64;
        }
        if let Some(off) = self
            .amount_off
            .as_ref()
            .filter(|o| o.currency == amount.currency)
        {
            minor -= off.minor;
        }
        Money {
            minor: minor.max(0),
            currency: amount.currency.clone(),
        }
    }
}

/// Marks every ended subscription that a current one was resubscribed from.
pub fn mark_superseded(subscriptions: &mut [Subscription]) {
    let restarted: Vec<String> = subscriptions
        .iter()
        .filter(|s| !s.status.has_ended())
        .filter_map(|s| s.resubscribed_from.clone())
        .collect();
    for s in subscriptions.iter_mut() {
        s.superseded = s.status.has_ended() && restarted.contains(&s.id);
    }
}

impl Subscription {
    /// What the customer pays per interval after the discount.
    pub fn discounted_total(&self) -> Option<Money> {
        let total = self.total()?;
        Some(match &self.discount {
            Some(d) => d.apply(&total),
            None => total,
        })
    }

    /// The only line of a single-item subscription.
    pub fn single_line(&self) -> Option<&SubscriptionLine> {
        match self.lines.as_slice() {
            [line] => Some(line),
            _ => None,
        }
    }

    /// A cancellation is scheduled but has not happened yet.
    pub fn cancellation_pending(&self) -> bool {
        self.status != SubscriptionStatus::Canceled
            && (self.cancel_at_period_end || self.cancel_at.is_some())
    }

    /// The day access ends when a cancellation is pending.
    pub fn access_ends_at(&self) -> Option<i64> {
        self.cancel_at.or(self.current_period_end)
    }

    /// The sum of every line per interval, when all lines share one currency.
    pub fn total(&self) -> Option<Money> {
        let mut totals = self.lines.iter().map(SubscriptionLine::total);
        let first = totals.next()??;
        totals.try_fold(first, |acc, next| {
            let next = next?;
            (next.currency == acc.currency).then(|| Money {
                minor: acc.minor.saturating_add(next.minor),
                ..acc
            })
        })
    }
}

/// Why a customer cancels: Stripe's `cancellation_details.feedback` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CancelReason {
    TooExpensive,
    MissingFeatures,
    SwitchedService,
    Unused,
    CustomerService,
    TooComplex,
    LowQuality,
    Other,
}

impl CancelReason {
    /// Every reason, in the order the cancel form lists them.
    pub const ALL: [CancelReason; 8] = [
        Self::TooExpensive,
        Self::MissingFeatures,
        Self::SwitchedService,
        Self::Unused,
        Self::CustomerService,
        Self::TooComplex,
        Self::LowQuality,
        Self::Other,
    ];

    /// Stripe's name for the reason, also used as the form value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TooExpensive => "too_expensive",
            Self::MissingFeatures => "missing_features",
            Self::SwitchedService => "switched_service",
            Self::Unused => "unused",
            Self::CustomerService => "customer_service",
            Self::TooComplex => "too_complex",
            Self::LowQuality => "low_quality",
            Self::Other => "other",
        }
    }

    /// Parses a form value.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == value)
    }
}
