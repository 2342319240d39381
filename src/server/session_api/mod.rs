//! `POST /v1/billing_portal/sessions`: Stripe's portal session API, spoken
//! by Portico. A merchant's server switches by changing the SDK's API base
//! and key; the answer is a `billing_portal.session` whose `url` is a
//! one-time link into the portal (`GET /session/{token}`, see
//! `routes::session_link`).

pub mod api_key;
pub mod flow;
pub mod params;
pub mod request;
pub mod wire;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::server::audit::{self, Audit};
use crate::server::session::{self, SessionScope, token};
use crate::server::state::AppState;
use params::Params;
use wire::ApiError;

/// Path of the one-time links, below the public URL.
pub const LINK_PATH: &str = "session/";

/// Handles `POST /v1/billing_portal/sessions`.
pub async fn create_session(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match create(&state, &headers, &body).await {
        Ok(json) => (StatusCode::OK, [(CACHE_CONTROL, "no-store")], Json(json)).into_response(),
        Err(error) => {
            tracing::info!(
                status = error.status.as_u16(),
                param = error.param.as_deref(),
                "portal session refused"
            );
            error.into_response()
        }
    }
}

async fn create(state: &AppState, headers: &HeaderMap, body: &[u8]) -> Result<Value, ApiError> {
    let key = api_key::authenticate(state, headers).await?;
    let request = request::check(state, Params::parse(body)).await?;
    let public_id = format!("bps_{}", token::random(24));
    let scope = SessionScope {
        customer_id: request.customer_id,
        configuration_id: request.config.id,
        public_id: Some(public_id),
        return_url: request.return_url,
        locale: request.locale,
        flow: request.flow,
        ..SessionScope::default()
    };
    let (row, link) = session::open(state, scope)
        .await
        .map_err(|_| ApiError::unavailable())?;
    Audit::of(&row)
        .on(row.scope.flow.as_ref().and_then(|f| f.task.subscription()))
        // Which key made it; never the key.
        .detail(Some(&key.id))
        .record(state, audit::CREATE_PORTAL_SESSION, Ok(()))
        .await;
    let url = state
        .config
        .server
        .public_url
        .join(&format!("{LINK_PATH}{link}"))
        .map_err(|_| ApiError::unavailable())?;
    Ok(wire::session_json(&row, url.as_str()))
}
