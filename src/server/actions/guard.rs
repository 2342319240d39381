//! The checks every customer action passes before anything else, in this
//! order: the form nonce has its shape; the subscription is the session's
//! customer's and inside the session's scope (a subscription-scoped link, an
//! open deep-linked flow); the policy allows the action on it. Anything
//! else is "not found" or "not allowed", whether the id exists or not, so
//! ids of other customers cannot be probed.

use crate::error::PortalError;
use crate::model::{FlowTask, Subscription, SubscriptionId};
use crate::policy::{self, Action};
use crate::server::session::PortalSession;
use crate::server::state::AppState;
use crate::server::stripe::StripeApi;

/// A form nonce from the browser (see `PortalOverview::form_nonce`),
/// checked for shape: it goes into Idempotency-Keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormNonce(String);

impl FormNonce {
    pub fn parse(value: &str) -> Result<Self, PortalError> {
        let ok = (16..=64).contains(&value.len())
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok {
            Ok(Self(value.to_string()))
        } else {
            Err(PortalError::InvalidInput)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What an action that passed the guard works with.
#[derive(Debug)]
pub struct Checked {
    pub subscription: Subscription,
    pub nonce: FormNonce,
}

/// Runs every check of `action` on subscription `id`.
pub async fn check(
    state: &AppState,
    session: &PortalSession,
    id: &str,
    nonce: &str,
    action: Action,
) -> Result<Checked, PortalError> {
    let nonce = FormNonce::parse(nonce)?;
    // Decided on Stripe's state, not the mirror's: the policy and the
    // idempotency key rest on it.
    let subscription = owned_by(&state.stripe.fresh(), session, id).await?;
    authorize(session, &subscription, action)?;
    Ok(Checked {
        subscription,
        nonce,
    })
}

/// The policy's answer as a result.
pub fn authorize(
    session: &PortalSession,
    subscription: &Subscription,
    action: Action,
) -> Result<(), PortalError> {
    if policy::allows(&session.config, subscription, action) {
        Ok(())
    } else {
        Err(PortalError::NotAllowed)
    }
}

/// The subscription `id` if it belongs to the session's customer and scope,
/// as the mirror has it (a subscription's customer never changes).
pub async fn owned_subscription(
    state: &AppState,
    session: &PortalSession,
    id: &str,
) -> Result<Subscription, PortalError> {
    owned_by(&state.stripe, session, id).await
}

async fn owned_by(
    stripe: &StripeApi,
    session: &PortalSession,
    id: &str,
) -> Result<Subscription, PortalError> {
    let id = within_scope(session, id)?;
    owned(stripe, &session.row.scope.customer_id, &id)
        .await
        .inspect_err(|e| {
            if *e == PortalError::SubscriptionNotFound {
                tracing::warn!(session = %session.row.id, subscription = %id, "subscription outside the session refused");
            }
        })
}

/// The subscription `id` if it is `customer`'s: the one ownership proof
/// for actions, sign-in links and portal sessions alike.
pub async fn subscription_of(
    state: &AppState,
    customer: &str,
    id: &SubscriptionId,
) -> Result<Subscription, PortalError> {
    owned(&state.stripe, customer, id).await
}

async fn owned(
    stripe: &StripeApi,
    customer: &str,
    id: &SubscriptionId,
) -> Result<Subscription, PortalError> {
    let (owner, subscription) = stripe
        .subscription(id)
        .await
        .map_err(|e| e.into_portal_error(PortalError::SubscriptionNotFound))?
        .ok_or(PortalError::SubscriptionNotFound)?;
    if owner != customer {
        return Err(PortalError::SubscriptionNotFound);
    }
    Ok(subscription)
}

/// Refuses an id that is not shaped like a subscription id or that lies
/// outside a session scoped to one subscription, or outside the
/// subscription of the session's open deep-linked flow.
pub fn within_scope(session: &PortalSession, id: &str) -> Result<SubscriptionId, PortalError> {
    let scopes = [
        session.row.scope.subscription_id.as_deref(),
        session.open_flow_task().and_then(FlowTask::subscription),
    ];
    let scoped_elsewhere = scopes.into_iter().flatten().any(|only| only != id);
    match SubscriptionId::parse(id) {
        Some(id) if !scoped_elsewhere => Ok(id),
        _ => Err(PortalError::SubscriptionNotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_nonces_are_refused() {
        assert!(FormNonce::parse("short").is_err());
        assert!(FormNonce::parse("has spaces in it 1234").is_err());
        assert!(FormNonce::parse(&"a".repeat(65)).is_err());
        assert!(FormNonce::parse("abcdefABCDEF0123-_").is_ok());
    }
}
