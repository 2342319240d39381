//! The plan picker behind the plan page: which prices a subscription may
//! move to (or, canceled, restart on), and what a move would cost. The
//! policy's `plan_access` decides whether the picker opens at all.

use crate::error::PortalError;
use crate::model::{FlowTask, PlanChoices, PlanOption, PlanPreview, PriceId, Subscription};
use crate::policy::{self, Action, PlanAccess};
use crate::portal_config::ProrationBehavior;
use crate::server::actions::guard;
use crate::server::navigation::new_form_nonce;
use crate::server::session::PortalSession;
use crate::server::state::AppState;
use crate::server::stripe::StripeApi;

/// The plans a subscription may move to (or, canceled, restart on).
pub async fn plan_choices(
    state: &AppState,
    session: &PortalSession,
    id: &str,
) -> Result<PlanChoices, PortalError> {
    let sub = guard::owned_subscription(state, session, id).await?;
    let access = policy::plan_access(&session.config, &sub);
    if access == PlanAccess::Closed {
        return Err(PortalError::NotAllowed);
    }
    let options = options_for(state, session, &sub).await?;
    let resubscribe = sub.status.has_ended();
    Ok(PlanChoices {
        subscription: sub,
        options,
        resubscribe,
        can_choose: access.can_choose(),
        coupon: access == PlanAccess::Resubscribe
            && policy::resubscribe_allows_coupon(&session.config),
        form_nonce: new_form_nonce(),
    })
}

/// What moving to `price` would cost.
pub async fn preview_plan(
    state: &AppState,
    session: &PortalSession,
    id: &str,
    price: &str,
) -> Result<PlanPreview, PortalError> {
    let sub = guard::owned_subscription(state, session, id).await?;
    guard::authorize(session, &sub, Action::ChangePlan)?;
    let option = offered_option(state, session, &sub, price).await?;
    let line = sub.single_line().ok_or(PortalError::NotAllowed)?;
    if policy::change_waits_for_period_end(&session.config, line, &option) {
        // Nothing is invoiced now; the new price applies from the next period.
        let amount_due = option.amount.times(line.quantity);
        return Ok(PlanPreview {
            option,
            amount_due,
            due_now: false,
            next_payment_at: sub.current_period_end,
            starts_at: sub.current_period_end,
        });
    }
    let proration = session.config.proration_behavior;
    let (amount_due, next) = state
        .stripe
        .preview_price_change(
            &session.row.scope.customer_id,
            id,
            &line.item_id,
            &option.price_id,
            proration,
        )
        .await
        .map_err(|e| e.into_write_error())?;
    // Stripe invoices at once when the billing interval changes (the cycle
    // anchor resets), whatever the proration setting.
    let interval_changes =
        line.interval != Some(option.interval) || line.interval_count != option.interval_count;
    let due_now = proration == ProrationBehavior::AlwaysInvoice || interval_changes;
    Ok(PlanPreview {
        option,
        amount_due,
        due_now,
        next_payment_at: if due_now { None } else { next },
        starts_at: None,
    })
}

/// The prices the picker offers `sub`, its current one marked.
pub async fn options_for(
    state: &AppState,
    session: &PortalSession,
    sub: &Subscription,
) -> Result<Vec<PlanOption>, PortalError> {
    catalog_options(&state.stripe, session, sub).await
}

async fn catalog_options(
    stripe: &StripeApi,
    session: &PortalSession,
    sub: &Subscription,
) -> Result<Vec<PlanOption>, PortalError> {
    let line = sub.single_line().ok_or(PortalError::NotAllowed)?;
    let mut options = stripe
        .plan_options(
            &line.product_id,
            &session.config.products,
            session.row.scope.service.as_deref(),
        )
        .await
        .map_err(|e| e.into_write_error())?;
    // Only prices in the subscription's currency: Stripe cannot switch a
    // subscription's currency.
    let currency = line.unit_amount.as_ref().map(|m| m.currency.clone());
    options.retain(|o| currency.as_ref().is_none_or(|c| &o.amount.currency == c));
    // An ended subscription has no current plan: its old price is one choice
    // among the others when resubscribing.
    let ended = sub.status.has_ended();
    for o in &mut options {
        o.current = !ended && o.price_id == line.price_id;
    }
    // A `subscription_update_confirm` flow offers only the merchant's price:
    // the customer confirms that change or none.
    if let Some(price) = session.open_flow_task().and_then(FlowTask::confirmed_price) {
        options.retain(|o| o.current || o.price_id == price);
    }
    Ok(options)
}

/// The offered option for `price`, or "plan unavailable". Read from Stripe,
/// not the mirror: a change or its preview rests on the catalog as it is.
pub async fn offered_option(
    state: &AppState,
    session: &PortalSession,
    sub: &Subscription,
    price: &str,
) -> Result<PlanOption, PortalError> {
    let price = PriceId::parse(price).ok_or(PortalError::PlanUnavailable)?;
    catalog_options(&state.stripe.fresh(), session, sub)
        .await?
        .into_iter()
        .find(|o| price == o.price_id)
        .ok_or(PortalError::PlanUnavailable)
}
