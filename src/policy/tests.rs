//! Table tests of the policy. Every expected value is written out here,
//! row by row, never computed by a second copy of the rule under test.

use super::*;
use crate::model::{AwaitingPayment, Interval, ScheduledChange};
use crate::money::Money;

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
        merchant_schedule: false,
        payment_method: None,
        awaiting_payment: None,
        latest_invoice: None,
        charges_automatically: true,
    }
}

#[test]
fn a_change_awaiting_its_payment_is_not_changed_again() {
    use SubscriptionStatus::*;
    let config = PortalConfig {
        change_plan: true,
        quantity: true,
        coupons: true,
        ..Default::default()
    };
    for status in [Active, Trialing] {
        let mut s = subscription(status, Pending::No, 1, true);
        assert!(allows(&config, &s, Action::ChangePlan), "{status:?}");
        assert!(allows(&config, &s, Action::UpdateQuantity), "{status:?}");
        assert!(!allows(&config, &s, Action::KeepCurrentPlan), "{status:?}");
        s.awaiting_payment = Some(AwaitingPayment {
            invoice_id: "in_1".into(),
            pay_url: None,
            expires_at: 1,
        });
        assert!(!allows(&config, &s, Action::ChangePlan), "{status:?}");
        assert!(!allows(&config, &s, Action::UpdateQuantity), "{status:?}");
        // The customer may drop the held change and keep their plan.
        assert!(allows(&config, &s, Action::KeepCurrentPlan), "{status:?}");
        // The rest of the subscription stays the customer's.
        assert!(allows(&config, &s, Action::Cancel), "{status:?}");
        assert!(allows(&config, &s, Action::ApplyCoupon), "{status:?}");
    }
}

#[test]
fn a_merchant_schedule_is_the_merchants_to_change() {
    use SubscriptionStatus::*;
    let config = PortalConfig::default();
    for status in [Active, Trialing, PastDue] {
        // With its next phase showing as a change, or with none.
        for shown in [false, true] {
            let mut s = subscription(status, Pending::No, 1, true);
            if shown {
                s = with_scheduled_change(s);
            }
            s.merchant_schedule = true;
            assert_eq!(
                allowed_actions(&config, &s),
                Vec::<Action>::new(),
                "{status:?} {shown}"
            );
            assert!(!allows(&config, &s, Action::KeepCurrentPlan));
            // Portico's own schedule may be dropped.
            s.merchant_schedule = false;
            assert_eq!(allows(&config, &s, Action::KeepCurrentPlan), shown);
        }
    }
    let mut ended = subscription(Canceled, Pending::No, 1, false);
    ended.merchant_schedule = true;
    assert_eq!(allowed_actions(&config, &ended), vec![Action::Resubscribe]);
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

/// A row of the action table: the toggles turned off, the subscription's
/// shape, and every action the customer gets, in display order.
struct Row {
    off: &'static [&'static str],
    status: SubscriptionStatus,
    pending: Pending,
    lines: usize,
    seats: bool,
    scheduled: bool,
    expected: &'static [Action],
}

fn config_without(off: &[&str]) -> PortalConfig {
    let mut c = PortalConfig::default();
    for toggle in off {
        match *toggle {
            "change_plan" => c.change_plan = false,
            "quantity" => c.quantity = false,
            "coupons" => c.coupons = false,
            "cancellation" => c.cancellation = false,
            "resubscribe" => c.resubscribe = false,
            other => panic!("unknown toggle {other}"),
        }
    }
    c
}

const ALL_TOGGLES: &[&str] = &[
    "change_plan",
    "quantity",
    "coupons",
    "cancellation",
    "resubscribe",
];

#[test]
fn action_table() {
    use Action::*;
    use SubscriptionStatus::*;
    #[rustfmt::skip]
    let rows = [
        // Healthy subscriptions, every toggle on.
        Row { off: &[], status: Active, pending: Pending::No, lines: 1, seats: true, scheduled: false, expected: &[ChangePlan, UpdateQuantity, ApplyCoupon, Cancel] },
        Row { off: &[], status: Active, pending: Pending::No, lines: 1, seats: false, scheduled: false, expected: &[ChangePlan, ApplyCoupon, Cancel] },
        Row { off: &[], status: Trialing, pending: Pending::No, lines: 1, seats: true, scheduled: false, expected: &[ChangePlan, UpdateQuantity, ApplyCoupon, Cancel] },
        // Unhealthy ones can only be canceled.
        Row { off: &[], status: PastDue, pending: Pending::No, lines: 1, seats: true, scheduled: false, expected: &[Cancel] },
        Row { off: &[], status: Unpaid, pending: Pending::No, lines: 1, seats: true, scheduled: false, expected: &[Cancel] },
        Row { off: &[], status: Incomplete, pending: Pending::No, lines: 1, seats: true, scheduled: false, expected: &[Cancel] },
        Row { off: &[], status: Paused, pending: Pending::No, lines: 1, seats: true, scheduled: false, expected: &[Cancel] },
        // Ended ones: only a canceled single-item one restarts.
        Row { off: &[], status: Canceled, pending: Pending::No, lines: 1, seats: false, scheduled: false, expected: &[Resubscribe] },
        Row { off: &[], status: Canceled, pending: Pending::No, lines: 2, seats: false, scheduled: false, expected: &[] },
        Row { off: &[], status: IncompleteExpired, pending: Pending::No, lines: 1, seats: false, scheduled: false, expected: &[] },
        Row { off: &[], status: Canceled, pending: Pending::No, lines: 1, seats: false, scheduled: true, expected: &[Resubscribe] },
        // A pending cancellation: only the customer's own can be undone.
        Row { off: &[], status: Active, pending: Pending::PeriodEnd, lines: 1, seats: true, scheduled: false, expected: &[Reactivate] },
        Row { off: &[], status: Trialing, pending: Pending::PeriodEnd, lines: 1, seats: true, scheduled: false, expected: &[Reactivate] },
        Row { off: &[], status: PastDue, pending: Pending::PeriodEnd, lines: 1, seats: true, scheduled: false, expected: &[Reactivate] },
        Row { off: &[], status: Active, pending: Pending::CancelAt, lines: 1, seats: true, scheduled: false, expected: &[] },
        // A scheduled plan change holds the item.
        Row { off: &[], status: Active, pending: Pending::No, lines: 1, seats: true, scheduled: true, expected: &[KeepCurrentPlan, ApplyCoupon, Cancel] },
        Row { off: &[], status: Active, pending: Pending::PeriodEnd, lines: 1, seats: true, scheduled: true, expected: &[KeepCurrentPlan, Reactivate] },
        // Several items: no plan or quantity changes.
        Row { off: &[], status: Active, pending: Pending::No, lines: 2, seats: true, scheduled: false, expected: &[ApplyCoupon, Cancel] },
        // Each toggle takes away its own action and nothing else.
        Row { off: &["change_plan"], status: Active, pending: Pending::No, lines: 1, seats: true, scheduled: false, expected: &[UpdateQuantity, ApplyCoupon, Cancel] },
        Row { off: &["quantity"], status: Active, pending: Pending::No, lines: 1, seats: true, scheduled: false, expected: &[ChangePlan, ApplyCoupon, Cancel] },
        Row { off: &["coupons"], status: Active, pending: Pending::No, lines: 1, seats: true, scheduled: false, expected: &[ChangePlan, UpdateQuantity, Cancel] },
        Row { off: &["cancellation"], status: Active, pending: Pending::No, lines: 1, seats: true, scheduled: false, expected: &[ChangePlan, UpdateQuantity, ApplyCoupon] },
        Row { off: &["resubscribe"], status: Canceled, pending: Pending::No, lines: 1, seats: false, scheduled: false, expected: &[] },
        // Keeping the customer is allowed whatever the toggles say.
        Row { off: &["cancellation"], status: Active, pending: Pending::PeriodEnd, lines: 1, seats: true, scheduled: false, expected: &[Reactivate] },
        Row { off: ALL_TOGGLES, status: Active, pending: Pending::No, lines: 1, seats: true, scheduled: false, expected: &[] },
        Row { off: ALL_TOGGLES, status: Active, pending: Pending::No, lines: 1, seats: true, scheduled: true, expected: &[KeepCurrentPlan] },
        Row { off: ALL_TOGGLES, status: Active, pending: Pending::PeriodEnd, lines: 1, seats: true, scheduled: false, expected: &[Reactivate] },
    ];
    for row in rows {
        let config = config_without(row.off);
        let mut s = subscription(row.status, row.pending, row.lines, row.seats);
        if row.scheduled {
            s = with_scheduled_change(s);
        }
        let context = format!(
            "{:?} pending={:?} lines={} seats={} scheduled={} without {:?}",
            row.status, row.pending, row.lines, row.seats, row.scheduled, row.off
        );
        assert_eq!(allowed_actions(&config, &s), row.expected, "{context}");
        for action in Action::ALL {
            assert_eq!(
                allows(&config, &s, action),
                row.expected.contains(&action),
                "{action:?}: {context}"
            );
        }
    }
}

/// Every combination of the toggles the policy reads, every status and
/// shape: rules that must hold whatever else is true. Each names a reason an
/// action is refused; none restates how `allows` decides.
#[test]
fn no_combination_breaks_a_refusal_rule() {
    use Action::*;
    use SubscriptionStatus::*;
    const STATUSES: [SubscriptionStatus; 8] = [
        Active,
        Trialing,
        PastDue,
        Unpaid,
        Canceled,
        Incomplete,
        IncompleteExpired,
        Paused,
    ];
    let toggles = [
        ("change_plan", ChangePlan),
        ("quantity", UpdateQuantity),
        ("coupons", ApplyCoupon),
        ("cancellation", Cancel),
        ("resubscribe", Resubscribe),
    ];
    let mut checked = 0;
    for bits in 0..32u8 {
        let off: Vec<&str> = toggles
            .iter()
            .enumerate()
            .filter(|(i, _)| bits & (1 << i) != 0)
            .map(|(_, (name, _))| *name)
            .collect();
        let config = config_without(&off);
        for status in STATUSES {
            for pending in [Pending::No, Pending::PeriodEnd, Pending::CancelAt] {
                for (lines, seats, scheduled) in
                    (0..8).map(|b| (1 + (b & 1), b & 2 != 0, b & 4 != 0))
                {
                    let mut s = subscription(status, pending, lines, seats);
                    if scheduled {
                        s = with_scheduled_change(s);
                    }
                    let allowed = allowed_actions(&config, &s);
                    let ctx = format!(
                        "{status:?} {pending:?} lines={lines} seats={seats} scheduled={scheduled} without {off:?}: {allowed:?}"
                    );
                    let ended = matches!(status, Canceled | IncompleteExpired);
                    let healthy = matches!(status, Active | Trialing);
                    // A toggle that is off takes its action away.
                    for (name, action) in toggles {
                        if off.contains(&name) {
                            assert!(!allowed.contains(&action), "{ctx}");
                        }
                    }
                    // An ended subscription can only restart, a canceled single one at that.
                    if ended {
                        assert!(allowed.iter().all(|a| *a == Resubscribe), "{ctx}");
                    }
                    if allowed.contains(&Resubscribe) {
                        assert!(status == Canceled && lines == 1, "{ctx}");
                    }
                    // Changes need a healthy subscription not already on its way out.
                    for change in [ChangePlan, UpdateQuantity, ApplyCoupon] {
                        if allowed.contains(&change) {
                            assert!(healthy && matches!(pending, Pending::No), "{ctx}");
                        }
                    }
                    // A pending or ended subscription cannot be canceled again.
                    if allowed.contains(&Cancel) {
                        assert!(!ended && matches!(pending, Pending::No), "{ctx}");
                    }
                    // Only the customer's own period-end cancellation is theirs to undo.
                    assert_eq!(
                        allowed.contains(&Reactivate),
                        !ended && matches!(pending, Pending::PeriodEnd),
                        "{ctx}"
                    );
                    // Keeping the current plan exists exactly while a change waits.
                    assert_eq!(
                        allowed.contains(&KeepCurrentPlan),
                        scheduled && !ended,
                        "{ctx}"
                    );
                    // Plan and quantity changes need one item, no waiting change.
                    if lines > 1 || scheduled {
                        assert!(!allowed.contains(&ChangePlan), "{ctx}");
                        assert!(!allowed.contains(&UpdateQuantity), "{ctx}");
                    }
                    if !seats {
                        assert!(!allowed.contains(&UpdateQuantity), "{ctx}");
                    }
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 32 * 8 * 3 * 8);
}

#[test]
fn plan_picker_table() {
    use PlanAccess::*;
    use SubscriptionStatus::*;
    let pricing_only = PortalConfig {
        change_plan: false,
        ..PortalConfig::default()
    };
    let nothing = PortalConfig {
        change_plan: false,
        show_pricing: false,
        ..PortalConfig::default()
    };
    let choose_on_restart = PortalConfig {
        plan_change_for_canceled: true,
        ..PortalConfig::default()
    };
    let no_restart = PortalConfig {
        resubscribe: false,
        ..choose_on_restart.clone()
    };
    let mut superseded = subscription(Canceled, Pending::No, 1, false);
    superseded.superseded = true;
    let rows = [
        (
            "default, active",
            PortalConfig::default(),
            subscription(Active, Pending::No, 1, false),
            Change,
        ),
        (
            "pricing only",
            pricing_only.clone(),
            subscription(Active, Pending::No, 1, false),
            ViewOnly,
        ),
        (
            "pricing only, past due",
            pricing_only.clone(),
            subscription(PastDue, Pending::No, 1, false),
            ViewOnly,
        ),
        (
            "nothing",
            nothing,
            subscription(Active, Pending::No, 1, false),
            Closed,
        ),
        (
            "pending cancellation",
            PortalConfig::default(),
            subscription(Active, Pending::PeriodEnd, 1, false),
            ViewOnly,
        ),
        (
            "two items",
            PortalConfig::default(),
            subscription(Active, Pending::No, 2, false),
            Closed,
        ),
        (
            "canceled, no choice",
            PortalConfig::default(),
            subscription(Canceled, Pending::No, 1, false),
            Closed,
        ),
        (
            "canceled, choice",
            choose_on_restart.clone(),
            subscription(Canceled, Pending::No, 1, false),
            Resubscribe,
        ),
        (
            "canceled, restarts off",
            no_restart,
            subscription(Canceled, Pending::No, 1, false),
            Closed,
        ),
        (
            "canceled, restarted already",
            choose_on_restart,
            superseded,
            Closed,
        ),
    ];
    for (what, config, s, expected) in rows {
        assert_eq!(plan_access(&config, &s), expected, "{what}");
    }
    assert!(Change.can_choose() && Resubscribe.can_choose());
    assert!(!ViewOnly.can_choose() && !Closed.can_choose());
}

#[test]
fn only_active_subscriptions_hides_those_the_customer_no_longer_has() {
    use SubscriptionStatus::*;
    let only_active = PortalConfig {
        only_active_subscriptions: true,
        ..PortalConfig::default()
    };
    let rows = [
        (Active, true),
        (Trialing, true),
        (PastDue, true),
        (Unpaid, false),
        (Canceled, false),
        (Incomplete, false),
        (IncompleteExpired, false),
        (Paused, false),
    ];
    for (status, listed) in rows {
        let s = subscription(status, Pending::No, 1, false);
        assert_eq!(lists_subscription(&only_active, &s), listed, "{status:?}");
        assert!(
            lists_subscription(&PortalConfig::default(), &s),
            "{status:?}"
        );
    }
}

#[test]
fn quantity_table() {
    let narrow = PortalConfig {
        quantity_min: 5,
        quantity_max: 10,
        ..PortalConfig::default()
    };
    let zero_min = PortalConfig {
        quantity_min: 0,
        ..PortalConfig::default()
    };
    let rows = [
        (&PortalConfig::default(), 0, false),
        (&PortalConfig::default(), 1, true),
        (&PortalConfig::default(), 100, true),
        (&PortalConfig::default(), 101, false),
        (&zero_min, 0, false),
        (&zero_min, 1, true),
        (&narrow, 4, false),
        (&narrow, 5, true),
        (&narrow, 10, true),
        (&narrow, 11, false),
    ];
    for (config, quantity, ok) in rows {
        let expected = if ok {
            Ok(())
        } else {
            Err(PortalError::QuantityOutOfRange)
        };
        assert_eq!(check_quantity(config, quantity), expected, "{quantity}");
    }
    assert_eq!(quantity_range(&zero_min), 1..=100);
}

#[test]
fn invoice_table() {
    let config = |history: bool, all: bool| PortalConfig {
        invoice_history: history,
        show_all_invoices: all,
        ..PortalConfig::default()
    };
    let one = Some(InvoiceScope::Subscription("sub_1".into()));
    let rows = [
        (config(true, false), None, None, true),
        (config(true, false), Some("sub_1"), one.clone(), false),
        (config(true, true), None, Some(InvoiceScope::All), false),
        (
            config(true, true),
            Some("sub_1"),
            Some(InvoiceScope::All),
            false,
        ),
        (config(false, true), Some("sub_1"), None, false),
        (config(false, false), None, None, false),
    ];
    for (config, scoped_to, scope, links) in rows {
        assert_eq!(default_invoice_scope(&config, scoped_to), scope);
        assert_eq!(
            links_subscription_invoices(&config, scoped_to.is_some()),
            links,
            "{scoped_to:?} under {config:?}"
        );
    }
    assert!(shows_invoices(&PortalConfig::default()));
}

#[test]
fn details_and_cards_follow_their_toggles() {
    let default = PortalConfig::default();
    assert!(may_edit_details(&default));
    assert_eq!(
        editable_details(&default),
        [
            UpdatableDetail::Name,
            UpdatableDetail::Address,
            UpdatableDetail::Phone,
            UpdatableDetail::TaxId
        ]
    );
    let locked = PortalConfig {
        customer_update: Vec::new(),
        ..PortalConfig::default()
    };
    assert!(!may_edit_details(&locked));

    assert!(shows_cards(&default));
    assert_eq!(may_add_card(&default), Ok(()));
    let no_cards = PortalConfig {
        update_card: false,
        ..PortalConfig::default()
    };
    assert!(!shows_cards(&no_cards));
    assert_eq!(may_add_card(&no_cards), Err(PortalError::NotAllowed));
}

#[test]
fn cancel_terms_follow_the_configuration() {
    assert_eq!(
        cancel_terms(&PortalConfig::default()),
        CancelTerms {
            immediately: false,
            asks_reason: true
        }
    );
    let now_silently = PortalConfig {
        cancel_immediately: true,
        cancellation_reason: false,
        ..PortalConfig::default()
    };
    assert_eq!(
        cancel_terms(&now_silently),
        CancelTerms {
            immediately: true,
            asks_reason: false
        }
    );
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
