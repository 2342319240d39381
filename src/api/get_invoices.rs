//! A page of the billing history.

use leptos::prelude::*;

use crate::error::PortalError;
use crate::model::InvoicePage;

/// Invoices newest first: of `subscription` when given, else the session's
/// default history (every invoice with "show all invoices"). `after` and
/// `before` are Stripe cursors (invoice ids) from the previous page's links.
#[server(prefix = "/api", endpoint = "get_invoices")]
pub async fn get_invoices(
    subscription: Option<String>,
    after: Option<String>,
    before: Option<String>,
) -> Result<InvoicePage, PortalError> {
    use crate::model::InvoiceCursor;
    use crate::server::{billing_history, session};
    let (state, session) = session::current().await?;
    let cursor = match (
        after.filter(|a| !a.is_empty()),
        before.filter(|b| !b.is_empty()),
    ) {
        (Some(after), None) => InvoiceCursor::After(after),
        (None, Some(before)) => InvoiceCursor::Before(before),
        (None, None) => InvoiceCursor::Newest,
        (Some(_), Some(_)) => return Err(PortalError::InvalidInput),
    };
    let subscription = subscription.filter(|s| !s.is_empty());
    billing_history::page(
        &state,
        &session,
        subscription.as_deref(),
        cursor,
        billing_history::PAGE_SIZE,
    )
    .await
    .inspect_err(|e| crate::server::routes::error_page::set_error_status(*e))
}
