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
use axum::http::HeaderValue;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::middleware::Next;
use axum::response::Response;

use crate::portal_config::PortalConfig;
use crate::server::db::sessions::SessionRow;
use crate::server::origins::{self, PolicySources};
use crate::server::session::{self, token};
use crate::server::state::AppState;

/// The nonce of a request's inline scripts, chosen here before the page
/// renders and handed to Leptos by `provide_script_nonce`. (Reading back
/// the nonce Leptos chose, through the response options, lost it now and
/// then under concurrent renders: the page's scripts were then blocked and
/// it never hydrated.)
#[derive(Clone, Debug)]
pub struct ScriptNonce(pub String);

/// Makes the request's `ScriptNonce` the render's nonce (Leptos puts it on
/// its inline scripts). Runs as the Leptos routes' additional context,
/// after leptos_axum provided its own nonce, which it replaces.
pub fn provide_script_nonce() {
    use leptos::prelude::{provide_context, use_context};
    if let Some(nonce) = use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<ScriptNonce>().cloned())
    {
        provide_context(leptos::nonce::Nonce::from_value(nonce.0));
    }
}

pub async fn security_headers(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let secure = state.config.server.secure_cookies();
    let token = session::token_from_headers(request.headers(), secure);
    let is_api = request.uri().path().starts_with("/api/");
    let nonce = token::random(22);
    request.extensions_mut().insert(ScriptNonce(nonce.clone()));
    let mut response = next.run(request).await;
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
            nonce: Some(&nonce),
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
