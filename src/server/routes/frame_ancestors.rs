//! `Content-Security-Policy: frame-ancestors` on every HTML page: only
//! Portico itself and the configuration's allowed origins may frame the
//! portal, so no other site can embed it (clickjacking). The session's
//! configuration decides; without a session, the mode's default one.

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::http::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::middleware::Next;
use axum::response::Response;

use crate::portal_config::PortalConfig;
use crate::server::origins;
use crate::server::session::{self, token};
use crate::server::state::AppState;

pub async fn frame_ancestors(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let token = session::token_from_headers(request.headers());
    let mut response = next.run(request).await;
    let is_html = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("text/html"));
    if is_html {
        let settings = settings_for(&state, token.as_deref()).await;
        if let Ok(policy) = HeaderValue::from_str(&origins::frame_ancestors(&settings)) {
            response
                .headers_mut()
                .insert(CONTENT_SECURITY_POLICY, policy);
        }
    }
    response
}

/// The configuration of the request's session, else the default one; when
/// storage fails, no origin at all (`'self'` only).
async fn settings_for(state: &AppState, token: Option<&str>) -> PortalConfig {
    if let Some(token) = token
        && let Ok(Some(row)) = state.db.session_by_token_hash(&token::hash(token)).await
        && let Ok(Some(config)) = state
            .db
            .portal_config(&row.scope.configuration_id, row.livemode)
            .await
    {
        return config.settings;
    }
    state
        .portal_config(None)
        .await
        .ok()
        .flatten()
        .map(|c| c.settings)
        .unwrap_or_default()
}
