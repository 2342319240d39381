//! What the portal shows a signed-in customer. Plain async functions, called
//! by server functions after the session is resolved, testable without Leptos.

use crate::error::PortalError;
use crate::model::PortalOverview;
use crate::server::session::PortalSession;
use crate::server::state::AppState;

/// The customer and the subscriptions this session may see.
pub async fn overview(
    state: &AppState,
    session: &PortalSession,
) -> Result<PortalOverview, PortalError> {
    let customer = state
        .stripe
        .customer(&session.row.customer_id)
        .await
        .map_err(|e| e.into_portal_error(PortalError::CustomerNotFound))?
        .ok_or(PortalError::CustomerNotFound)?;
    let mut subscriptions = state
        .stripe
        .subscriptions(&customer.id)
        .await
        .map_err(|e| e.into_portal_error(PortalError::CustomerNotFound))?;
    // Before any filtering: the restarted subscription may be filtered out.
    crate::model::mark_superseded(&mut subscriptions);
    if let Some(only) = &session.row.subscription_id {
        subscriptions.retain(|s| &s.id == only);
    }
    if session.config.only_active_subscriptions {
        subscriptions.retain(|s| s.status.is_current());
    }
    // Ended subscriptions go last; otherwise Stripe's order (newest first) stays.
    subscriptions.sort_by_key(|s| s.status.has_ended());
    Ok(PortalOverview {
        customer,
        subscriptions,
        single_subscription: session.row.subscription_id.is_some(),
        config: session.config.clone(),
        form_nonce: crate::server::actions::new_form_nonce(),
        quantity_preset: session.row.quantity_preset.clone(),
    })
}
