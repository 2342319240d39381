//! The headers every response carries for the browser's part of security:
//!
//! - on HTML pages, a `Content-Security-Policy`: scripts only from Portico,
//!   Stripe.js and the page's own inline scripts (Leptos's hydration and
//!   streaming scripts, which carry the render's nonce); no plugins; no
//!   `<base>`; forms only to Portico (and onwards to where the session
//!   returns the customer); framing only by Portico and the configuration's
//!   allowed origins (clickjacking). The session's configuration decides;
//!   without a session, the mode's default one.
//! - `Cache-Control: no-store` on pages and server-function answers, which
//!   hold a customer's data and one-time form values: no shared cache or
//!   Back-button copy keeps them.
//! - HSTS when Portico is served over https (see `server::app`).

use axum::extract::{Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use crate::portal_config::PortalConfig;
use crate::server::db::sessions::SessionRow;
use crate::server::origins::{self, PolicySources};
use crate::server::session::{self, token};
use crate::server::state::AppState;

/// Where the page's shell hands this middleware the nonce of the render's
/// inline scripts (see `app::Document`); never sent to the browser.
pub const SCRIPT_NONCE_HEADER: HeaderName = HeaderName::from_static("x-portico-script-nonce");

pub async fn security_headers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let secure = state.config.server.secure_cookies();
    let token = session::token_from_headers(request.headers(), secure);
    let is_api = request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    let nonce = response.headers_mut().remove(SCRIPT_NONCE_HEADER);
    let is_html = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("text/html"));
    if is_html {
        let (row, settings) = session_of(&state, token.as_deref()).await;
        let mut form_targets: Vec<&str> = Vec::new();
        if let Some(row) = &row {
            // A JS-off form post redirects to the merchant when a flow ends
            // there; browsers check `form-action` on that redirect too.
            form_targets.extend(row.scope.return_url.as_deref());
            form_targets.extend(row.scope.flow.as_ref().and_then(|f| f.redirect_url()));
        }
        let sources = PolicySources {
            settings: &settings,
            nonce: nonce.as_ref().and_then(|n| n.to_str().ok()),
            stripe_js: &state.config.stripe.js_url,
            form_targets: &form_targets,
        };
        if let Ok(policy) = HeaderValue::from_str(&origins::content_security_policy(&sources)) {
            response
                .headers_mut()
                .insert(CONTENT_SECURITY_POLICY, policy);
        }
    }
    if is_html || is_api {
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The request's session and its configuration, else the default one; when
/// storage fails, no origin at all (`'self'` only).
async fn session_of(state: &AppState, token: Option<&str>) -> (Option<SessionRow>, PortalConfig) {
    if let Some(token) = token
        && let Ok(Some(row)) = state.db.session_by_token_hash(&token::hash(token)).await
        && let Ok(Some(config)) = state
            .db
            .portal_config(&row.scope.configuration_id, row.livemode)
            .await
    {
        return (Some(row), config.settings);
    }
    let settings = state
        .portal_config(None)
        .await
        .ok()
        .flatten()
        .map(|c| c.settings)
        .unwrap_or_default();
    (None, settings)
}
