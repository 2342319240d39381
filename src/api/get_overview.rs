//! What the portal home shows.

use leptos::prelude::*;

use crate::error::PortalError;
use crate::model::PortalOverview;

/// The signed-in customer's subscriptions, filtered by the session's scope
/// and configuration. During server rendering an error also sets the page's
/// status code (401 for an expired session, 503 when Stripe is down…).
#[server(prefix = "/api", endpoint = "get_overview")]
pub async fn get_overview() -> Result<PortalOverview, PortalError> {
    use crate::server::{portal, session};

    let result = match session::current().await {
        Ok((state, session)) => portal::overview(&state, &session).await,
        Err(e) => Err(e),
    };
    if let Err(error) = &result {
        crate::server::routes::error_page::set_status(*error);
    }
    result
}
