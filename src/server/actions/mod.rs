//! What customers do to their subscriptions, one short file per action.
//! Every action runs in the same order:
//! 1. the guard's checks (`guard::check` for most): the form nonce, the
//!    subscription is the session's customer's and in its scope, the policy
//!    allows the action (resubscribe proves ownership from the customer's
//!    own list, and a retention offer from the session's flow first);
//! 2. the action's own checks of what the customer typed;
//! 3. Stripe, with an `idempotency::key` derived from the request and the
//!    state it acts on;
//! 4. `audited` records the outcome, success or refusal.
//!
//! The server function then sends the browser on (`server::navigation`).
//! Cards and billing details follow the same order in `server::wallet` and
//! `server::details`.

pub mod cancel;
pub mod coupon;
pub mod guard;
pub mod idempotency;
pub mod plan_change;
pub mod quantity;
pub mod resubscribe;

use crate::error::PortalError;
use crate::model::Subscription;
use crate::policy::Action;
use crate::server::audit::Audit;
use crate::server::session::PortalSession;
use crate::server::state::AppState;
use crate::server::stripe::{InvoicePayment, ItemChange, StripeApiError};

/// What an action did, for the next page and the embed's events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub action: Action,
    /// The subscription Stripe's answer names (for resubscribe: the new one).
    pub subscription: String,
}

/// Runs an action on `subscription` and audits its outcome, success or
/// refusal. `run` returns the id of the subscription Stripe wrote.
async fn audited<F>(
    state: &AppState,
    session: &PortalSession,
    action: Action,
    subscription: &str,
    run: F,
) -> Result<Outcome, PortalError>
where
    F: Future<Output = Result<String, PortalError>>,
{
    let result = run.await.map(|written| Outcome {
        action,
        subscription: written,
    });
    let detail = match &result {
        Ok(o) if o.subscription != subscription => {
            Some(format!("new_subscription={}", o.subscription))
        }
        _ => None,
    };
    Audit::of(&session.row)
        .on(Some(subscription))
        .detail(detail.as_deref())
        .record(
            state,
            action.event().as_str(),
            result.as_ref().map(|_| ()).map_err(|e| *e),
        )
        .await;
    result
}

/// Changes a subscription item's price or quantity now, billed as the
/// configuration's `proration_behavior` says. A change invoiced at once
/// applies only when its payment succeeds: while the customer's bank asks
/// for 3-D Secure, Stripe holds it (the card says so and links the
/// invoice); a declined payment drops it at once, so no later retry of the
/// invoice can charge for a change the customer was told did not happen.
/// `key` must cover the subscription's latest invoice, so that a retry
/// after a decline is a new request rather than Stripe's first answer.
async fn update_item(
    state: &AppState,
    session: &PortalSession,
    sub: &Subscription,
    item: &str,
    change: ItemChange<'_>,
    key: &str,
) -> Result<String, PortalError> {
    let update = state
        .stripe
        .update_item(
            &sub.id,
            item,
            change,
            session.config.proration_behavior,
            sub.charges_automatically,
            key,
        )
        .await
        .map_err(|e| e.into_write_error())?;
    let Some(invoice) = update.awaiting_invoice else {
        return Ok(update.subscription);
    };
    // From here on Stripe has the change; failing to read or drop it must
    // not read as "no such subscription".
    let unavailable = |e: StripeApiError| e.into_portal_error(PortalError::BillingUnavailable);
    match state
        .stripe
        .fresh()
        .invoice_payment(&invoice)
        .await
        .map_err(unavailable)?
    {
        InvoicePayment::Paid => Ok(update.subscription),
        InvoicePayment::NeedsConfirmation => Err(PortalError::PaymentNeedsConfirmation),
        InvoicePayment::Failed => {
            discard_awaiting(state, &invoice, key).await?;
            Err(PortalError::PaymentFailed)
        }
    }
}

/// Drops a change Stripe holds for its payment by voiding the invoice it
/// waits for, so no retry of that invoice can charge for it later.
pub(super) async fn discard_awaiting(
    state: &AppState,
    invoice: &str,
    key: &str,
) -> Result<(), PortalError> {
    state
        .stripe
        .void_invoice(invoice, &format!("{key}-void"))
        .await
        .map_err(|e| {
            tracing::error!(invoice, "a held change could not be dropped");
            e.into_portal_error(PortalError::BillingUnavailable)
        })
}
