//! Changing how many units (seats…) a subscription has.

use super::guard::{self, Checked};
use super::{Outcome, audited, idempotency, update_item};
use crate::error::PortalError;
use crate::policy::{self, Action};
use crate::server::session::PortalSession;
use crate::server::state::AppState;
use crate::server::stripe::ItemChange;

/// Sets the quantity of a single-item subscription sold per unit, within
/// the configuration's range.
pub async fn update_quantity(
    state: &AppState,
    session: &PortalSession,
    id: &str,
    quantity: u64,
    form_nonce: &str,
) -> Result<Outcome, PortalError> {
    audited(state, session, Action::UpdateQuantity, id, async {
        let Checked {
            subscription: sub,
            nonce,
        } = guard::check(state, session, id, form_nonce, Action::UpdateQuantity).await?;
        policy::check_quantity(&session.config, quantity)?;
        let line = sub.single_line().ok_or(PortalError::NotAllowed)?;
        let (from, to) = (line.quantity.to_string(), quantity.to_string());
        let latest_invoice = sub.latest_invoice.as_deref().unwrap_or_default();
        let key = idempotency::key(
            session,
            Action::UpdateQuantity.event().as_str(),
            id,
            &[&from, &to, latest_invoice],
            &nonce,
        );
        let change = ItemChange {
            quantity: Some(quantity),
            price: None,
        };
        update_item(state, session, &sub, &line.item_id, change, &key).await
    })
    .await
}
