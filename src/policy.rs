//! The one place that decides what a customer may see and do: actions on a
//! subscription, the plan picker, invoices, cards, billing details and
//! quantities. The UI shows exactly what these functions allow; every
//! server function asks them again before it touches Stripe, so a hand-made
//! request cannot do more. Pure functions of the configuration and the
//! customer's data, so they are tested as tables.

use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};

use crate::error::PortalError;
use crate::model::{
    CardExpiry, InvoiceScope, PaymentCard, PlanOption, PortalEvent, Subscription, SubscriptionLine,
    SubscriptionStatus, UpdatableDetail, Wallet,
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

    /// The event the portal reports for this action, e.g. to an embedding
    /// page's `handleResponse`.
    pub fn event(self) -> PortalEvent {
        match self {
            Action::ChangePlan => PortalEvent::ChangePlan,
            Action::UpdateQuantity => PortalEvent::UpdateQuantity,
            Action::ApplyCoupon => PortalEvent::ApplyCoupon,
            Action::Cancel => PortalEvent::Cancel,
            Action::Reactivate => PortalEvent::Reactivate,
            Action::Resubscribe => PortalEvent::Resubscribe,
            Action::KeepCurrentPlan => PortalEvent::CancelScheduledChange,
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
    // So does a change Stripe holds until its payment is confirmed: a new
    // one would replace it behind the customer's back.
    let awaiting = subscription.awaiting_payment.is_some();
    // The merchant's own schedule (a ramp, a contract) is not the
    // customer's to change or end, as in Stripe's portal.
    if subscription.merchant_schedule && !status.has_ended() {
        return false;
    }
    match action {
        Action::ChangePlan => {
            config.change_plan && healthy && !pending && !scheduled && !awaiting && single_item
        }
        // Dropping a scheduled change keeps the customer on the plan they
        // have: always allowed while it is pending, like reactivating.
        // So is dropping a change that waits for its payment.
        Action::KeepCurrentPlan => (scheduled || awaiting) && !status.has_ended(),
        Action::UpdateQuantity => {
            config.quantity
                && healthy
                && !pending
                && !scheduled
                && !awaiting
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

/// Whether the portal lists `subscription` (Billflow's "show only active
/// subscriptions" hides those the customer no longer has).
pub fn lists_subscription(config: &PortalConfig, subscription: &Subscription) -> bool {
    !config.only_active_subscriptions || subscription.status.is_current()
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
    pub fn event(self) -> PortalEvent {
        match self {
            CardAction::Add => PortalEvent::UpdateCard,
            CardAction::MakeDefault => PortalEvent::SetDefaultCard,
            CardAction::Remove => PortalEvent::RemoveCard,
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

/// Whether the customer may save a new card; that depends on the
/// configuration alone, not on the cards already saved.
pub fn may_add_card(config: &PortalConfig) -> Result<(), PortalError> {
    let no_cards = Wallet {
        cards: Vec::new(),
        needs_a_card: false,
    };
    card_action(config, &no_cards, None, CardAction::Add)
}

/// Whether the portal shows the customer's saved cards at all.
pub fn shows_cards(config: &PortalConfig) -> bool {
    config.update_card
}

/// When resubscribing, whether the customer may pick another plan.
pub fn resubscribe_allows_plan_choice(config: &PortalConfig) -> bool {
    config.resubscribe && config.plan_change_for_canceled
}

/// When resubscribing, whether the customer may enter a coupon.
pub fn resubscribe_allows_coupon(config: &PortalConfig) -> bool {
    config.resubscribe && config.coupon_on_resubscribe
}

/// What the plan picker of a subscription is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PlanAccess {
    /// No plan picker for this subscription.
    Closed,
    /// The plans with their prices, to look at ("show pricing").
    ViewOnly,
    /// Pick another plan for the subscription.
    Change,
    /// Pick the plan a canceled subscription restarts on.
    Resubscribe,
}

impl PlanAccess {
    /// The customer may pick a plan (not only look).
    pub fn can_choose(self) -> bool {
        matches!(self, Self::Change | Self::Resubscribe)
    }
}

/// The plan picker a subscription offers: the UI links it, the server
/// serves and previews it under this one answer.
pub fn plan_access(config: &PortalConfig, subscription: &Subscription) -> PlanAccess {
    if subscription.status.has_ended() {
        if allows(config, subscription, Action::Resubscribe)
            && resubscribe_allows_plan_choice(config)
        {
            PlanAccess::Resubscribe
        } else {
            PlanAccess::Closed
        }
    } else if allows(config, subscription, Action::ChangePlan) {
        PlanAccess::Change
    } else if config.show_pricing && subscription.single_line().is_some() {
        PlanAccess::ViewOnly
    } else {
        PlanAccess::Closed
    }
}

/// The quantities a customer may choose (never below one).
pub fn quantity_range(config: &PortalConfig) -> RangeInclusive<u64> {
    config.quantity_min.max(1)..=config.quantity_max
}

/// Refuses a quantity outside `quantity_range`.
pub fn check_quantity(config: &PortalConfig, quantity: u64) -> Result<(), PortalError> {
    if quantity_range(config).contains(&quantity) {
        Ok(())
    } else {
        Err(PortalError::QuantityOutOfRange)
    }
}

/// How a cancellation goes under a configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CancelTerms {
    /// At once, instead of at the end of the period.
    pub immediately: bool,
    /// The form asks why, and the answer is recorded at Stripe.
    pub asks_reason: bool,
}

pub fn cancel_terms(config: &PortalConfig) -> CancelTerms {
    CancelTerms {
        immediately: config.cancel_immediately,
        asks_reason: config.cancellation_reason,
    }
}

/// Whether the customer sees invoices at all.
pub fn shows_invoices(config: &PortalConfig) -> bool {
    config.invoice_history
}

/// The billing history a session shows without naming a subscription:
/// every invoice with "show all invoices", else the one subscription a
/// scoped session shows (`scoped_to`); `None` when there is none.
pub fn default_invoice_scope(
    config: &PortalConfig,
    scoped_to: Option<&str>,
) -> Option<InvoiceScope> {
    if !shows_invoices(config) {
        None
    } else if config.show_all_invoices {
        Some(InvoiceScope::All)
    } else {
        scoped_to.map(|id| InvoiceScope::Subscription(id.to_string()))
    }
}

/// Whether each subscription card links its own billing history: when the
/// home page does not already show the history it would link.
pub fn links_subscription_invoices(config: &PortalConfig, scoped: bool) -> bool {
    shows_invoices(config) && !config.show_all_invoices && !scoped
}

/// The billing details the customer may change; empty when none.
pub fn editable_details(config: &PortalConfig) -> &[UpdatableDetail] {
    &config.customer_update
}

/// Whether the customer may change any billing detail.
pub fn may_edit_details(config: &PortalConfig) -> bool {
    !editable_details(config).is_empty()
}

#[cfg(test)]
mod tests;
