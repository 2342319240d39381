//! The one place that decides what a customer may do with a subscription.
//! The UI shows exactly these actions; every server function asks again
//! before it touches Stripe, so a hand-made request cannot do more.

use serde::{Deserialize, Serialize};

use crate::error::PortalError;
use crate::model::{
    CardExpiry, PaymentCard, PlanOption, Subscription, SubscriptionLine, SubscriptionStatus, Wallet,
};
use crate::portal_config::{PortalConfig, ScheduleCondition};

/// Something a customer can do to a subscription.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Action {
    ChangePlan,
    UpdateQuantity,
    ApplyCoupon,
    Cancel,
    Reactivate,
    Resubscribe,
    /// Drop a plan change scheduled for the end of the period.
    KeepCurrentPlan,
}

impl Action {
    /// Every action, for exhaustive tests and UI ordering.
    pub const ALL: [Action; 7] = [
        Action::ChangePlan,
        Action::KeepCurrentPlan,
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
            Action::KeepCurrentPlan => "cancel_scheduled_change",
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
    // A scheduled plan change owns the item until it is dropped: changing
    // plan or quantity again would race with it.
    let scheduled = subscription.scheduled_change.is_some();
    match action {
        Action::ChangePlan => {
            config.change_plan && healthy && !pending && !scheduled && single_item
        }
        // Dropping a scheduled change keeps the customer on the plan they
        // have: always allowed while it is pending, like reactivating.
        Action::KeepCurrentPlan => scheduled && !status.has_ended(),
        Action::UpdateQuantity => {
            config.quantity
                && healthy
                && !pending
                && !scheduled
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

/// Whether moving `from` to `to` waits for the end of the billing period:
/// the configuration schedules downgrades (a lower price per interval)
/// and/or moves to a shorter interval, as Stripe's portal does.
pub fn change_waits_for_period_end(
    config: &PortalConfig,
    from: &SubscriptionLine,
    to: &PlanOption,
) -> bool {
    let decreasing = from
        .unit_amount
        .as_ref()
        .is_some_and(|now| now.currency == to.amount.currency && to.amount.minor < now.minor);
    let shortening = from.interval.is_some_and(|i| {
        to.interval.approx_days(to.interval_count) < i.approx_days(from.interval_count)
    });
    config.schedule_at_period_end.iter().any(|c| match c {
        ScheduleCondition::DecreasingItemAmount => decreasing,
        ScheduleCondition::ShorteningInterval => shortening,
    })
}

/// Something a customer can do to their saved cards.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CardAction {
    /// Save a new card (it becomes the default).
    Add,
    MakeDefault,
    Remove,
}

impl CardAction {
    /// The event the portal reports for this action.
    pub fn event(self) -> &'static str {
        match self {
            CardAction::Add => "update_card",
            CardAction::MakeDefault => "set_default_card",
            CardAction::Remove => "remove_card",
        }
    }
}

/// Whether `action` is allowed on `card` (`None` for `Add`), and if not, the
/// reason the customer reads. The UI shows a card action when this is `Ok`;
/// the server asks again before it calls Stripe.
pub fn card_action(
    config: &PortalConfig,
    wallet: &Wallet,
    card: Option<&PaymentCard>,
    action: CardAction,
) -> Result<(), PortalError> {
    if !config.update_card {
        return Err(PortalError::NotAllowed);
    }
    let Some(card) = card else {
        return if action == CardAction::Add {
            Ok(())
        } else {
            Err(PortalError::PaymentMethodNotFound)
        };
    };
    match action {
        CardAction::Add => Ok(()),
        // An expired card cannot pay; making it the default would only
        // make the next invoice fail.
        CardAction::MakeDefault if card.is_default || card.expiry == CardExpiry::Expired => {
            Err(PortalError::NotAllowed)
        }
        CardAction::MakeDefault => Ok(()),
        CardAction::Remove if card.is_default || card.used_by_subscription => {
            Err(PortalError::CardIsDefault)
        }
        CardAction::Remove if wallet.needs_a_card && wallet.cards.len() <= 1 => {
            Err(PortalError::CardRequired)
        }
        CardAction::Remove => Ok(()),
    }
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
    use crate::model::{Interval, ScheduledChange};
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
            scheduled_change: None,
            payment_method: None,
        }
    }

    fn with_scheduled_change(mut s: Subscription) -> Subscription {
        let mut line = line(None);
        line.price_id = "price_cheaper".into();
        s.scheduled_change = Some(ScheduledChange {
            schedule_id: "sub_sched_1".into(),
            starts_at: 1,
            line,
        });
        s
    }

    /// The expected answer, written independently of `allows`, row by row.
    fn expected(config: &PortalConfig, s: &Subscription, action: Action) -> bool {
        use SubscriptionStatus::*;
        let ended = matches!(s.status, Canceled | IncompleteExpired);
        let pending = (s.cancel_at_period_end || s.cancel_at.is_some()) && !ended;
        let healthy = matches!(s.status, Active | Trialing);
        let one = s.lines.len() == 1;
        let seats = s.lines.iter().all(|l| l.unit_label.is_some());
        let scheduled = s.scheduled_change.is_some();
        match action {
            Action::ChangePlan => config.change_plan && healthy && !pending && !scheduled && one,
            Action::KeepCurrentPlan => scheduled && !ended,
            Action::UpdateQuantity => {
                config.quantity && healthy && !pending && !scheduled && one && seats
            }
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
                            for scheduled in [false, true] {
                                let mut s = subscription(status, pending, lines, seats);
                                if scheduled {
                                    s = with_scheduled_change(s);
                                }
                                for action in Action::ALL {
                                    assert_eq!(
                                        allows(&config, &s, action),
                                        expected(&config, &s, action),
                                        "{action:?} on {status:?} pending={pending:?} lines={lines} seats={seats} scheduled={scheduled} under {config:?}"
                                    );
                                    checked += 1;
                                }
                            }
                        }
                    }
                }
            }
        }
        assert_eq!(checked, 32 * 8 * 3 * 2 * 2 * 2 * 7);
    }

    #[test]
    fn scheduled_change_offers_keeping_the_current_plan_instead_of_changing() {
        let s = with_scheduled_change(subscription(
            SubscriptionStatus::Active,
            Pending::No,
            1,
            true,
        ));
        assert_eq!(
            allowed_actions(&PortalConfig::default(), &s),
            [Action::KeepCurrentPlan, Action::ApplyCoupon, Action::Cancel]
        );
    }

    fn option(amount: i64, interval: Interval) -> PlanOption {
        PlanOption {
            price_id: "price_2".into(),
            product_name: "Other".into(),
            price_name: None,
            amount: Money::new(amount, "usd"),
            interval,
            interval_count: 1,
            current: false,
        }
    }

    #[test]
    fn downgrades_and_shorter_intervals_wait_only_when_configured() {
        let mut pro_yearly = line(None);
        pro_yearly.unit_amount = Some(Money::new(29000, "usd"));
        pro_yearly.interval = Some(Interval::Year);
        let starter_yearly = option(9000, Interval::Year);
        let pro_monthly = option(2900, Interval::Month);
        let premium_yearly = option(49000, Interval::Year);
        let both = PortalConfig {
            schedule_at_period_end: vec![
                ScheduleCondition::DecreasingItemAmount,
                ScheduleCondition::ShorteningInterval,
            ],
            ..PortalConfig::default()
        };
        let shorter_only = PortalConfig {
            schedule_at_period_end: vec![ScheduleCondition::ShorteningInterval],
            ..PortalConfig::default()
        };
        let cases = [
            (&both, &starter_yearly, true),
            (&both, &pro_monthly, true),
            (&both, &premium_yearly, false),
            (&shorter_only, &starter_yearly, false),
            (&shorter_only, &pro_monthly, true),
            (&PortalConfig::default(), &starter_yearly, false),
            (&PortalConfig::default(), &pro_monthly, false),
        ];
        for (config, to, waits) in cases {
            assert_eq!(
                change_waits_for_period_end(config, &pro_yearly, to),
                waits,
                "{:?} -> {} under {:?}",
                pro_yearly.interval,
                to.amount.minor,
                config.schedule_at_period_end
            );
        }
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

    fn card(id: &str, is_default: bool, expiry: CardExpiry) -> PaymentCard {
        PaymentCard {
            id: id.into(),
            brand: "visa".into(),
            last4: "4242".into(),
            exp_month: 12,
            exp_year: 2030,
            expiry,
            is_default,
            used_by_subscription: false,
        }
    }

    #[test]
    fn card_rules() {
        let config = PortalConfig::default();
        let default = card("pm_a", true, CardExpiry::Valid);
        let other = card("pm_b", false, CardExpiry::Valid);
        let expired = card("pm_c", false, CardExpiry::Expired);
        let wallet = Wallet {
            cards: vec![default.clone(), other.clone(), expired.clone()],
            needs_a_card: true,
        };
        let check = |c: &PaymentCard, a| card_action(&config, &wallet, Some(c), a);
        assert_eq!(
            check(&default, CardAction::Remove),
            Err(PortalError::CardIsDefault)
        );
        assert_eq!(
            check(&default, CardAction::MakeDefault),
            Err(PortalError::NotAllowed)
        );
        assert_eq!(check(&other, CardAction::Remove), Ok(()));
        assert_eq!(check(&other, CardAction::MakeDefault), Ok(()));
        assert_eq!(
            check(&expired, CardAction::MakeDefault),
            Err(PortalError::NotAllowed)
        );
        assert_eq!(check(&expired, CardAction::Remove), Ok(()));
        assert_eq!(card_action(&config, &wallet, None, CardAction::Add), Ok(()));
        assert_eq!(
            card_action(&config, &wallet, None, CardAction::Remove),
            Err(PortalError::PaymentMethodNotFound)
        );

        let mut in_use = other.clone();
        in_use.used_by_subscription = true;
        assert_eq!(
            check(&in_use, CardAction::Remove),
            Err(PortalError::CardIsDefault)
        );
    }

    #[test]
    fn the_last_card_stays_while_a_subscription_bills() {
        let config = PortalConfig::default();
        let only = card("pm_a", false, CardExpiry::Valid);
        let mut wallet = Wallet {
            cards: vec![only.clone()],
            needs_a_card: true,
        };
        assert_eq!(
            card_action(&config, &wallet, Some(&only), CardAction::Remove),
            Err(PortalError::CardRequired)
        );
        wallet.needs_a_card = false;
        assert_eq!(
            card_action(&config, &wallet, Some(&only), CardAction::Remove),
            Ok(())
        );
    }

    #[test]
    fn card_actions_follow_the_update_card_toggle() {
        let config = PortalConfig {
            update_card: false,
            ..PortalConfig::default()
        };
        let other = card("pm_b", false, CardExpiry::Valid);
        let wallet = Wallet {
            cards: vec![other.clone()],
            needs_a_card: false,
        };
        for action in [CardAction::Add, CardAction::MakeDefault, CardAction::Remove] {
            assert_eq!(
                card_action(&config, &wallet, Some(&other), action),
                Err(PortalError::NotAllowed)
            );
        }
    }
}
