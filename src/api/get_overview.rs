//! What the portal home shows.

use leptos::prelude::*;

use crate::error::PortalError;
use crate::model::PortalOverview;

/// The signed-in customer's subscriptions, filtered by the session's scope
/// and configuration. During server rendering an error also sets the page's
/// status code (401 for an expired session, 503 when Stripe is down…).
///
/// `event`, `subscription`, `card` and `n` are the notice in the page's
/// address after an action (see `EventNotice`): the overview confirms it
/// when it is the session's last action.
#[server(prefix = "/api", endpoint = "get_overview")]
pub async fn get_overview(
    event: Option<String>,
    subscription: Option<String>,
    card: Option<String>,
    n: Option<String>,
) -> Result<PortalOverview, PortalError> {
    use crate::model::EventNotice;
    use crate::server::{portal, session};

    let notice = EventNotice::from_query(event.as_deref(), subscription, card, n);
    let result = match session::current().await {
        Ok((state, session)) => portal::overview(&state, &session, notice).await,
        Err(e) => Err(e),
    };
    if let Err(error) = &result {
        crate::server::routes::error_page::set_status(*error);
    }
    result
}
