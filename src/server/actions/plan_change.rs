//! Moving a subscription to another plan, now or (downgrades, shorter
//! intervals, when the configuration says so) at the end of the period; and
//! dropping such a waiting change.

use super::guard::{self, Checked};
use super::{Outcome, audited, idempotency, update_item};
use crate::error::PortalError;
use crate::policy::{self, Action};
use crate::server::plans;
use crate::server::session::PortalSession;
use crate::server::state::AppState;
use crate::server::stripe::ItemChange;

/// Moves a subscription to another offered price.
pub async fn change_plan(
    state: &AppState,
    session: &PortalSession,
    id: &str,
    price: &str,
    form_nonce: &str,
) -> Result<Outcome, PortalError> {
    audited(state, session, Action::ChangePlan, id, async {
        let Checked {
            subscription: sub,
            nonce,
        } = guard::check(state, session, id, form_nonce, Action::ChangePlan).await?;
        let option = plans::offered_option(state, session, &sub, price).await?;
        if option.current {
            return Err(PortalError::PlanUnavailable);
        }
        let line = sub.single_line().ok_or(PortalError::NotAllowed)?;
        let latest_invoice = sub.latest_invoice.as_deref().unwrap_or_default();
        let params = [line.price_id.as_str(), price, latest_invoice];
        let key = idempotency::key(
            session,
            Action::ChangePlan.event().as_str(),
            id,
            &params,
            &nonce,
        );
        let change = ItemChange {
            price: Some(&option.price_id),
            quantity: None,
        };
        if policy::change_waits_for_period_end(&session.config, line, &option) {
            return state
                .stripe
                .schedule_item_change(id, line, change, &key)
                .await
                .map_err(|e| e.into_write_error());
        }
        update_item(state, session, &sub, &line.item_id, change, &key).await
    })
    .await
}

/// Drops a plan change scheduled for the end of the period, or one Stripe
/// holds until its payment is confirmed.
pub async fn keep_current_plan(
    state: &AppState,
    session: &PortalSession,
    id: &str,
    form_nonce: &str,
) -> Result<Outcome, PortalError> {
    audited(state, session, Action::KeepCurrentPlan, id, async {
        let Checked {
            subscription: sub,
            nonce,
        } = guard::check(state, session, id, form_nonce, Action::KeepCurrentPlan).await?;
        if let Some(awaiting) = &sub.awaiting_payment {
            let event = Action::KeepCurrentPlan.event().as_str();
            let key = idempotency::key(session, event, id, &[&awaiting.invoice_id], &nonce);
            super::discard_awaiting(state, &awaiting.invoice_id, &key).await?;
            return Ok(sub.id.clone());
        }
        let change = sub
            .scheduled_change
            .as_ref()
            .ok_or(PortalError::NotAllowed)?;
        let event = Action::KeepCurrentPlan.event().as_str();
        let version = idempotency::version(state, session, event, Some(id), None).await?;
        let key = idempotency::key(session, event, id, &[&change.schedule_id, &version], &nonce);
        state
            .stripe
            .release_schedule(id, &change.schedule_id, &key)
            .await
            .map_err(|e| e.into_write_error())
    })
    .await
}
