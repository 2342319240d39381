//! What the portal home shows.

use leptos::prelude::*;

use crate::error::PortalError;
use crate::model::PortalOverview;

/// The signed-in customer's subscriptions, filtered by the session's scope
/// and configuration.
#[server(prefix = "/api", endpoint = "get_overview")]
pub async fn get_overview() -> Result<PortalOverview, PortalError> {
    use crate::server::{AppState, portal, session};

    let state = use_context::<AppState>().ok_or(PortalError::Unavailable)?;
    let headers: axum::http::HeaderMap = leptos_axum::extract().await?;
    let result = match session::resolve(&state, &headers).await {
        Ok(session) => portal::overview(&state, &session).await,
        Err(e) => Err(e),
    };
    if let (Err(error), Some(response)) = (&result, use_context::<leptos_axum::ResponseOptions>()) {
        response.set_status(
            axum::http::StatusCode::from_u16(error.status())
                .unwrap_or(axum::http::StatusCode::BAD_REQUEST),
        );
    }
    result
}
