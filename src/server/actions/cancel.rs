//! Canceling a subscription, and taking a pending cancellation back.

use super::guard::{self, Checked};
use super::{Outcome, audited, idempotency};
use crate::error::PortalError;
use crate::model::{CancelReason, Subscription};
use crate::policy::{self, Action};
use crate::server::session::PortalSession;
use crate::server::state::AppState;
use crate::server::stripe::Cancellation;

/// Longest cancellation comment accepted (Stripe's cancellation_details
/// takes more; a form field this long is already generous).
pub const MAX_COMMENT_LEN: usize = 1000;

/// Cancels at period end, or at once when the configuration says so, with
/// the customer's reason when the configuration asks for one.
pub async fn cancel(
    state: &AppState,
    session: &PortalSession,
    id: &str,
    reason: Option<&str>,
    comment: Option<&str>,
    form_nonce: &str,
) -> Result<Outcome, PortalError> {
    audited(state, session, Action::Cancel, id, async {
        let Checked {
            subscription: sub,
            nonce,
        } = guard::check(state, session, id, form_nonce, Action::Cancel).await?;
        let why = reason_given(reason, comment)?;
        let terms = policy::cancel_terms(&session.config);
        let why = if terms.asks_reason {
            why
        } else {
            Cancellation::default()
        };
        let event = Action::Cancel.event().as_str();
        let version = idempotency::version(state, session, event, Some(id), None).await?;
        let key = idempotency::key(session, event, id, &[&sub_state(&sub), &version], &nonce);
        // A schedule owns the subscription's end while it manages it (Stripe
        // refuses cancel_at_period_end then); canceling drops Portico's own
        // change. (The policy refuses canceling under a merchant's schedule;
        // it is never released here.)
        if let Some(change) = &sub.scheduled_change
            && !terms.immediately
            && !sub.merchant_schedule
        {
            state
                .stripe
                .release_schedule(id, &change.schedule_id, &format!("{key}-release"))
                .await
                .map_err(|e| e.into_write_error())?;
        }
        // A change still waiting for its payment is dropped first: paying
        // its invoice later must not upgrade a subscription being canceled.
        if let Some(awaiting) = &sub.awaiting_payment {
            super::discard_awaiting(state, &awaiting.invoice_id, &key).await?;
        }
        if terms.immediately {
            state.stripe.cancel_now(id, &why, &key).await
        } else {
            state
                .stripe
                .set_cancel_at_period_end(id, true, &why, &key)
                .await
        }
        .map_err(|e| e.into_write_error())
    })
    .await
}

/// The state a cancellation or its withdrawal acts on, for the key.
fn sub_state(sub: &Subscription) -> String {
    format!("{}:{}", sub.status.stripe_name(), sub.cancel_at_period_end)
}

/// The reason and comment as typed: a reason must be one of Stripe's, a
/// comment at most `MAX_COMMENT_LEN` characters.
fn reason_given(reason: Option<&str>, comment: Option<&str>) -> Result<Cancellation, PortalError> {
    let reason = match reason.filter(|r| !r.is_empty()) {
        Some(r) => Some(CancelReason::parse(r).ok_or(PortalError::InvalidInput)?),
        None => None,
    };
    let comment = comment.map(str::trim).filter(|c| !c.is_empty());
    if comment.is_some_and(|c| c.chars().count() > MAX_COMMENT_LEN) {
        return Err(PortalError::InvalidInput);
    }
    Ok(Cancellation {
        reason,
        comment: comment.map(str::to_string),
    })
}

/// Withdraws the customer's scheduled cancellation.
pub async fn reactivate(
    state: &AppState,
    session: &PortalSession,
    id: &str,
    form_nonce: &str,
) -> Result<Outcome, PortalError> {
    audited(state, session, Action::Reactivate, id, async {
        let Checked {
            subscription: sub,
            nonce,
        } = guard::check(state, session, id, form_nonce, Action::Reactivate).await?;
        let event = Action::Reactivate.event().as_str();
        let version = idempotency::version(state, session, event, Some(id), None).await?;
        let key = idempotency::key(session, event, id, &[&sub_state(&sub), &version], &nonce);
        state
            .stripe
            .set_cancel_at_period_end(id, false, &Cancellation::default(), &key)
            .await
            .map_err(|e| e.into_write_error())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_stripes_and_comments_bounded() {
        let why = reason_given(Some("too_expensive"), Some("  Budget  ")).expect("valid");
        assert_eq!(why.reason, Some(CancelReason::TooExpensive));
        assert_eq!(why.comment.as_deref(), Some("Budget"));
        let none = reason_given(Some(""), Some("   ")).expect("valid");
        assert_eq!((none.reason, none.comment), (None, None));
        assert_eq!(
            reason_given(Some("because"), None).err(),
            Some(PortalError::InvalidInput)
        );
        let long = "x".repeat(MAX_COMMENT_LEN + 1);
        assert_eq!(
            reason_given(None, Some(&long)).err(),
            Some(PortalError::InvalidInput)
        );
        assert!(reason_given(None, Some(&"é".repeat(MAX_COMMENT_LEN))).is_ok());
    }
}
