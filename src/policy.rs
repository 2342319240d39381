//! The one place that decides what a customer may do with a subscription.
//! The UI shows exactly these actions; every server function asks again
//! before it touches Stripe, so a hand-made request cannot do more.

use serde::{Deserialize, Serialize};

use crate::model::{Subscription, SubscriptionStatus};
use crate::portal_config::PortalConfig;

/// Something a customer can do to a subscription.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Action {
    ChangePlan,
    UpdateQuantity,
    ApplyCoupon,
    Cancel,
    Reactivate,
    Resubscribe,
}

impl Action {
    /// Every action, for exhaustive tests and UI ordering.
    pub const ALL: [Action; 6] = [
        Action::ChangePlan,
        Action::UpdateQuantity,
        Action::ApplyCoupon,
        Action::Cancel,
        Action::Reactivate,
        Action::Resubscribe,
    ];

    /// The event name the portal reports for this action (Billflow's names
    /// where it has one), e.g. to an embedding page's `handleResponse`.
    pub fn event(self) -> &'static str {
        match self {
            Action::ChangePlan => "change_plan",
            Action::UpdateQuantity => "update_quantity",
            Action::ApplyCoupon => "apply_coupon",
            Action::Cancel => "cancel",
            Action::Reactivate => "reactivate",
            Action::Resubscribe => "resubscribe",
        }
    }
}

/// Whether `action` is allowed on `subscription` under `config`.
pub fn allows(config: &PortalConfig, subscription: &Subscription, action: Action) -> bool {
    use SubscriptionStatus::*;
    let status = subscription.status;
    let pending = subscription.cancellation_pending();
    // Stripe's portal cannot update multi-item subscriptions safely; neither
    // do we: such subscriptions can only be canceled.
    let single_item = subscription.lines.len() == 1;
    let healthy = matches!(status, Active | Trialing);
    match action {
        Action::ChangePlan => config.change_plan && healthy && !pending && single_item,
        Action::UpdateQuantity => {
            config.quantity
                && healthy
                && !pending
                && single_item
                && subscription
                    .lines
                    .first()
                    .is_some_and(|l| l.unit_label.is_some())
        }
        Action::ApplyCoupon => config.coupons && healthy && !pending,
        Action::Cancel => config.cancellation && !status.has_ended() && !pending,
        // Undoing a scheduled cancellation keeps the customer: always allowed.
        // Undoing the customer's own period-end cancellation keeps the
        // customer: always allowed. A `cancel_at` the merchant set is not the
        // customer's to undo.
        Action::Reactivate => !status.has_ended() && subscription.cancel_at_period_end,
        Action::Resubscribe => {
            config.resubscribe && status == Canceled && single_item && !subscription.superseded
        }
    }
}

/// Every action allowed on `subscription`, in display order.
pub fn allowed_actions(config: &PortalConfig, subscription: &Subscription) -> Vec<Action> {
    Action::ALL
        .into_iter()
        .filter(|a| allows(config, subscription, *a))
        .collect()
}

/// When resubscribing, whether the customer may pick another plan.
pub fn resubscribe_allows_plan_choice(config: &PortalConfig) -> bool {
    config.resubscribe && config.plan_change_for_canceled
}

/// When resubscribing, whether the customer may enter a coupon.
pub fn resubscribe_allows_coupon(config: &PortalConfig) -> bool {
    config.resubscribe && config.coupon_on_resubscribe
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SubscriptionLine;
    use crate::money::Money;

    const STATUSES: [SubscriptionStatus; 8] = [
        SubscriptionStatus::Active,
        SubscriptionStatus::Trialing,
        SubscriptionStatus::PastDue,
        SubscriptionStatus::Unpaid,
        SubscriptionStatus::Canceled,
        SubscriptionStatus::Incomplete,
        SubscriptionStatus::IncompleteExpired,
        SubscriptionStatus::Paused,
    ];

    fn line(unit_label: Option<&str>) -> SubscriptionLine {
        SubscriptionLine {
            item_id: "si_1".into(),
            price_id: "price_1".into(),
            product_id: "prod_1".into(),
            product_name: "Pro".into(),
            price_name: None,
            unit_amount: Some(Money::new(2900, "usd")),
            interval: None,
            interval_count: 1,
            quantity: 1,
            unit_label: unit_label.map(str::to_string),
        }
    }

    /// How a subscription's end is scheduled.
    #[derive(Clone, Copy, Debug)]
    enum Pending {
        No,
        /// The customer canceled at period end.
        PeriodEnd,
        /// The merchant set `cancel_at`.
        CancelAt,
    }

    fn subscription(
        status: SubscriptionStatus,
        pending: Pending,
        lines: usize,
        seats: bool,
    ) -> Subscription {
        Subscription {
            id: "sub_1".into(),
            status,
            lines: (0..lines).map(|_| line(seats.then_some("seat"))).collect(),
            current_period_end: Some(1),
            trial_end: None,
            cancel_at_period_end: matches!(pending, Pending::PeriodEnd),
            cancel_at: matches!(pending, Pending::CancelAt).then_some(1),
            ended_at: None,
            discount: None,
            resubscribed_from: None,
            superseded: false,
        }
    }

    /// The expected answer, written independently of `allows`, row by row.
    fn expected(config: &PortalConfig, s: &Subscription, action: Action) -> bool {
        use SubscriptionStatus::*;
        let ended = matches!(s.status, Canceled | IncompleteExpired);
        let pending = (s.cancel_at_period_end || s.cancel_at.is_some()) && !ended;
        let healthy = matches!(s.status, Active | Trialing);
        let one = s.lines.len() == 1;
        let seats = s.lines.iter().all(|l| l.unit_label.is_some());
        match action {
            Action::ChangePlan => config.change_plan && healthy && !pending && one,
            Action::UpdateQuantity => config.quantity && healthy && !pending && one && seats,
            Action::ApplyCoupon => config.coupons && healthy && !pending,
            Action::Cancel => config.cancellation && !ended && !pending,
            Action::Reactivate => s.cancel_at_period_end && !ended,
            Action::Resubscribe => {
                config.resubscribe && s.status == Canceled && one && !s.superseded
            }
        }
    }

    /// Every combination of the toggles the policy reads.
    fn configs() -> Vec<PortalConfig> {
        (0..32u8)
            .map(|bits| PortalConfig {
                change_plan: bits & 1 != 0,
                quantity: bits & 2 != 0,
                coupons: bits & 4 != 0,
                cancellation: bits & 8 != 0,
                resubscribe: bits & 16 != 0,
                ..PortalConfig::default()
            })
            .collect()
    }

    #[test]
    fn policy_table_over_every_toggle_and_status() {
        let mut checked = 0;
        for config in configs() {
            for status in STATUSES {
                for pending in [Pending::No, Pending::PeriodEnd, Pending::CancelAt] {
                    for lines in [1, 2] {
                        for seats in [false, true] {
                            let s = subscription(status, pending, lines, seats);
                            for action in Action::ALL {
                                assert_eq!(
                                    allows(&config, &s, action),
                                    expected(&config, &s, action),
                                    "{action:?} on {status:?} pending={pending:?} lines={lines} seats={seats} under {config:?}"
                                );
                                checked += 1;
                            }
                        }
                    }
                }
            }
        }
        assert_eq!(checked, 32 * 8 * 3 * 2 * 2 * 6);
    }

    #[test]
    fn defaults_let_an_active_customer_change_cancel_and_use_coupons() {
        let config = PortalConfig::default();
        let s = subscription(SubscriptionStatus::Active, Pending::No, 1, true);
        assert_eq!(
            allowed_actions(&config, &s),
            [
                Action::ChangePlan,
                Action::UpdateQuantity,
                Action::ApplyCoupon,
                Action::Cancel
            ]
        );
    }

    #[test]
    fn pending_cancellation_offers_only_reactivation() {
        let s = subscription(SubscriptionStatus::Active, Pending::PeriodEnd, 1, true);
        assert_eq!(
            allowed_actions(&PortalConfig::default(), &s),
            [Action::Reactivate]
        );
    }

    #[test]
    fn canceled_subscription_offers_only_resubscribe() {
        let s = subscription(SubscriptionStatus::Canceled, Pending::No, 1, false);
        assert_eq!(
            allowed_actions(&PortalConfig::default(), &s),
            [Action::Resubscribe]
        );
        let no_resubscribe = PortalConfig {
            resubscribe: false,
            ..PortalConfig::default()
        };
        assert!(allowed_actions(&no_resubscribe, &s).is_empty());
    }

    #[test]
    fn merchant_scheduled_end_cannot_be_reactivated_by_the_customer() {
        let s = subscription(SubscriptionStatus::Active, Pending::CancelAt, 1, true);
        assert!(allowed_actions(&PortalConfig::default(), &s).is_empty());
    }

    #[test]
    fn canceled_subscription_already_restarted_cannot_be_restarted_again() {
        let mut s = subscription(SubscriptionStatus::Canceled, Pending::No, 1, false);
        s.superseded = true;
        assert!(allowed_actions(&PortalConfig::default(), &s).is_empty());
    }

    #[test]
    fn multi_item_subscription_can_only_be_canceled() {
        let s = subscription(SubscriptionStatus::Active, Pending::No, 2, true);
        assert_eq!(
            allowed_actions(&PortalConfig::default(), &s),
            [Action::ApplyCoupon, Action::Cancel]
        );
    }
}
