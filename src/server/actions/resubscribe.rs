//! Starting a canceled subscription again. Stripe cannot revive a canceled
//! subscription, so this creates a new one on the same price (or another
//! offered price, when the configuration allows choosing). Once restarted, a
//! canceled subscription cannot be restarted again.

use super::coupon::{once_per_customer, redeemable};
use super::guard::{self, FormNonce};
use super::{Outcome, audited, idempotency};
use crate::error::PortalError;
use crate::model;
use crate::policy::{self, Action};
use crate::server::plans;
use crate::server::session::PortalSession;
use crate::server::state::AppState;
use crate::server::stripe::{Redemption, Resubscription};

/// Restarts subscription `id` on `price` (its own when `None`) with an
/// optional coupon; the first invoice must be paid at once.
pub async fn resubscribe(
    state: &AppState,
    session: &PortalSession,
    id: &str,
    price: Option<&str>,
    coupon: Option<&str>,
    form_nonce: &str,
) -> Result<Outcome, PortalError> {
    audited(state, session, Action::Resubscribe, id, async {
        let nonce = FormNonce::parse(form_nonce)?;
        guard::within_scope(session, id)?;
        // The customer's own list both proves ownership (an id not in it is
        // "not found") and shows whether it was already restarted.
        let customer = session.row.scope.customer_id.as_str();
        let mut all = state
            .stripe
            .fresh()
            .subscriptions(customer)
            .await
            .map_err(|e| e.into_write_error())?;
        model::mark_superseded(&mut all);
        let sub = all
            .into_iter()
            .find(|s| s.id == id)
            .ok_or(PortalError::SubscriptionNotFound)?;
        guard::authorize(session, &sub, Action::Resubscribe)?;
        let line = sub.single_line().ok_or(PortalError::NotAllowed)?;
        let price = match price.filter(|p| !p.is_empty() && *p != line.price_id) {
            None => line.price_id.clone(),
            Some(other) => {
                if !policy::resubscribe_allows_plan_choice(&session.config) {
                    return Err(PortalError::NotAllowed);
                }
                plans::offered_option(state, session, &sub, other)
                    .await?
                    .price_id
            }
        };
        let coupon = match coupon.map(str::trim).filter(|c| !c.is_empty()) {
            None => None,
            Some(_) if !policy::resubscribe_allows_coupon(&session.config) => {
                return Err(PortalError::NotAllowed);
            }
            Some(code) => Some(redeemable(state, session, code).await?),
        };
        let payment_method = state
            .stripe
            .fresh()
            .usable_payment_method(customer)
            .await
            .map_err(|e| e.into_write_error())?
            .ok_or(PortalError::NoPaymentMethod)?;
        let params = [
            price.as_str(),
            coupon.as_ref().map_or("", Redemption::coupon_id),
        ];
        let key = idempotency::key(
            session,
            Action::Resubscribe.event().as_str(),
            id,
            &params,
            &nonce,
        );
        let create = async {
            state
                .stripe
                .create_subscription(
                    &Resubscription {
                        replaces: id,
                        customer_id: customer,
                        price_id: &price,
                        quantity: line.quantity,
                        coupon: coupon.as_ref(),
                        payment_method: &payment_method,
                    },
                    &key,
                )
                .await
                .map_err(|e| e.into_write_error())
        };
        match &coupon {
            Some(redemption) => {
                once_per_customer(state, session, redemption, id, &key, create).await
            }
            None => create.await,
        }
    })
    .await
}
