//! Portico's own view of billing data: what the UI renders and server
//! functions return. Built by the Stripe layer (`server::stripe`) from
//! async-stripe types, which never cross into this module.

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

/// One priced line of a subscription.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionLine {
    /// Stripe subscription item id (`si_…`).
    pub item_id: String,
    /// Stripe price id (`price_…`).
    pub price_id: String,
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
}

impl Subscription {
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
}
