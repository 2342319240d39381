//! Coupons and promotion codes: the one a customer types, and the retention
//! offer of a deep-linked cancel flow.

use super::guard::{self, Checked};
use super::{Outcome, audited, idempotency};
use crate::error::PortalError;
use crate::policy::Action;
use crate::server::db::coupon_redemptions::{CouponRedemption, Reservation};
use crate::server::db::now;
use crate::server::session::PortalSession;
use crate::server::state::AppState;
use crate::server::stripe::Redemption;

/// Applies a code the customer typed to a subscription.
pub async fn apply_coupon(
    state: &AppState,
    session: &PortalSession,
    id: &str,
    code: &str,
    form_nonce: &str,
) -> Result<Outcome, PortalError> {
    audited(state, session, Action::ApplyCoupon, id, async {
        let Checked {
            subscription: sub,
            nonce,
        } = guard::check(state, session, id, form_nonce, Action::ApplyCoupon).await?;
        let redemption = redeemable(state, session, code).await?;
        let current = sub
            .discount
            .as_ref()
            .map(|d| d.coupon_id.as_str())
            .unwrap_or("");
        if current == redemption.coupon_id() {
            // Applying it again would restart a one-time discount.
            return Err(PortalError::CouponInvalid);
        }
        let key = idempotency::key(
            session,
            Action::ApplyCoupon.event().as_str(),
            id,
            &[current, code.trim()],
            &nonce,
        );
        once_per_customer(state, session, &redemption, id, &key, async {
            state
                .stripe
                .apply_coupon(id, &redemption, &key)
                .await
                .map_err(|e| e.into_coupon_error())
        })
        .await
    })
    .await
}

/// Takes the retention offer of the session's cancel flow: the merchant's
/// coupon goes on the subscription, and the customer stays. The coupon
/// comes from the session (the merchant's server named it), never from the
/// browser; the offer stands in for the cancellation, so it needs what
/// canceling needs rather than the coupon toggle.
pub async fn accept_retention_offer(
    state: &AppState,
    session: &PortalSession,
    subscription_id: &str,
    form_nonce: &str,
) -> Result<Outcome, PortalError> {
    let task = session.open_flow_task();
    let offer = task.and_then(|t| Some((t.subscription()?, t.retention_coupon()?)));
    let Some((id, coupon)) = offer else {
        return Err(PortalError::NotAllowed);
    };
    if id != subscription_id {
        return Err(PortalError::SubscriptionNotFound);
    }
    audited(state, session, Action::ApplyCoupon, id, async {
        let Checked {
            subscription: sub,
            nonce,
        } = guard::check(state, session, id, form_nonce, Action::Cancel).await?;
        if sub.discount.as_ref().is_some_and(|d| d.coupon_id == coupon) {
            return Err(PortalError::CouponInvalid);
        }
        let key = idempotency::key(
            session,
            Action::ApplyCoupon.event().as_str(),
            id,
            &["retention", coupon],
            &nonce,
        );
        // An offer to stay is taken once: canceling again does not earn it
        // again.
        let offer = Redemption::Coupon {
            id: coupon.to_string(),
            repeatable: false,
        };
        once_per_customer(state, session, &offer, id, &key, async {
            state
                .stripe
                .apply_coupon(id, &offer, &key)
                .await
                .map_err(|e| e.into_coupon_error())
        })
        .await
    })
    .await
}

/// Runs `apply` (the Stripe write that redeems `redemption` on
/// `subscription` under Idempotency-Key `key`) only if the customer has not
/// redeemed the coupon before, unless the merchant marked it repeatable.
/// The redemption is reserved first, so of concurrent applications only the
/// one that reserved it reaches Stripe; a repeat of that same request while
/// it runs waits for its answer ("in progress"), and never releases it.
/// Only a definite refusal gives the reservation back: after a timeout or
/// an outage Stripe may have applied the coupon.
pub async fn once_per_customer<T>(
    state: &AppState,
    session: &PortalSession,
    redemption: &Redemption,
    subscription: &str,
    key: &str,
    apply: impl Future<Output = Result<T, PortalError>>,
) -> Result<T, PortalError> {
    if redemption.repeatable() {
        return apply.await;
    }
    let entry = CouponRedemption {
        livemode: session.row.livemode,
        customer_id: &session.row.scope.customer_id,
        coupon_id: redemption.coupon_id(),
        subscription_id: subscription,
        key,
    };
    let storage = |e: crate::server::db::DbError| {
        tracing::error!(error = %e, "cannot read the coupon ledger");
        PortalError::Unavailable
    };
    match state
        .db
        .reserve_coupon(&entry, now())
        .await
        .map_err(storage)?
    {
        Reservation::Reserved => {}
        Reservation::InFlight => return Err(PortalError::InProgress),
        Reservation::Taken => return Err(PortalError::CouponInvalid),
    }
    let result = apply.await;
    let refused = matches!(
        result,
        Err(e) if !matches!(
            e,
            PortalError::BillingUnavailable | PortalError::Unavailable | PortalError::InProgress
        )
    );
    if refused && let Err(e) = state.db.release_coupon(&entry).await {
        tracing::error!(error = %e, "cannot release a coupon reservation");
    }
    result
}

/// What a code the customer typed redeems: a promotion code, or a coupon
/// the merchant made redeemable in the portal (see `StripeApi::redemption`).
pub async fn redeemable(
    state: &AppState,
    session: &PortalSession,
    code: &str,
) -> Result<Redemption, PortalError> {
    let code = code.trim();
    if !plain_code(code) {
        return Err(PortalError::CouponInvalid);
    }
    state
        .stripe
        .fresh()
        .redemption(code, &session.row.scope.customer_id)
        .await
        .map_err(|e| e.into_write_error())?
        .ok_or(PortalError::CouponInvalid)
}

/// Coupon ids and promotion codes are the merchant's own names; they end up
/// in Stripe URL paths, forms and page queries, so only plain ones are taken.
pub fn plain_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 200
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::plain_code;

    #[test]
    fn codes_are_plain() {
        assert!(plain_code("STAY-20_off"));
        assert!(!plain_code("a b"));
        assert!(!plain_code(""));
        assert!(!plain_code(&"a".repeat(201)));
    }
}
