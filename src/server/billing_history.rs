//! The billing history a session may see: every invoice of the customer
//! ("show all invoices") or one subscription's, paged with Stripe's cursors.
//! A cursor is an invoice id from the browser, so it must be the customer's
//! (and in the scope) before it reaches Stripe.

use crate::error::PortalError;
use crate::model::{InvoiceCursor, InvoiceId, InvoicePage, InvoiceScope};
use crate::policy;
use crate::server::actions::guard;
use crate::server::session::PortalSession;
use crate::server::state::AppState;

/// Invoices per page of the history.
pub const PAGE_SIZE: u8 = 10;
/// Invoices on the portal home.
pub const RECENT: u8 = 5;

/// The history a session shows without naming a subscription (see
/// `policy::default_invoice_scope`).
pub fn default_scope(session: &PortalSession) -> Option<InvoiceScope> {
    policy::default_invoice_scope(
        &session.config,
        session.row.scope.subscription_id.as_deref(),
    )
}

/// One page of the history, after checking the scope and the cursor.
pub async fn page(
    state: &AppState,
    session: &PortalSession,
    subscription: Option<&str>,
    cursor: InvoiceCursor,
    limit: u8,
) -> Result<InvoicePage, PortalError> {
    if !policy::shows_invoices(&session.config) {
        return Err(PortalError::NotAllowed);
    }
    let scope = match subscription {
        Some(id) => {
            guard::owned_subscription(state, session, id).await?;
            InvoiceScope::Subscription(id.to_string())
        }
        None => default_scope(session).ok_or(PortalError::NotAllowed)?,
    };
    if let InvoiceCursor::After(id) | InvoiceCursor::Before(id) = &cursor {
        owned_invoice(state, session, &scope, id).await?;
    }
    state
        .stripe
        .invoices(&session.row.scope.customer_id, &scope, &cursor, limit)
        .await
        .map_err(|e| e.into_portal_error(PortalError::InvoiceNotFound))
}

/// Refuses an invoice id that is not the customer's or lies outside `scope`;
/// either way it is "not found", so other customers' ids cannot be probed.
async fn owned_invoice(
    state: &AppState,
    session: &PortalSession,
    scope: &InvoiceScope,
    id: &str,
) -> Result<(), PortalError> {
    let id = InvoiceId::parse(id).ok_or(PortalError::InvoiceNotFound)?;
    let owner = state
        .stripe
        .invoice_owner(&id)
        .await
        .map_err(|e| e.into_portal_error(PortalError::InvoiceNotFound))?
        .ok_or(PortalError::InvoiceNotFound)?;
    let in_scope = match scope {
        InvoiceScope::All => true,
        InvoiceScope::Subscription(s) => owner.subscription_id.as_deref() == Some(s.as_str()),
    };
    if owner.customer_id.as_deref() != Some(session.row.scope.customer_id.as_str()) || !in_scope {
        tracing::warn!(session = %session.row.id, invoice = %id, "invoice outside the session refused");
        return Err(PortalError::InvoiceNotFound);
    }
    Ok(())
}
