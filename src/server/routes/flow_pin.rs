//! Keeps a deep-linked flow's session on its flow: a page request outside
//! the flow is redirected to the flow's page (or, once done, to its
//! confirmation). Pages with JavaScript link only within the flow too (see
//! `components::session_frame::HomeLink`); this covers typed addresses,
//! reloads and browsers without JavaScript.

use axum::extract::{Request, State};
use axum::http::header::{CACHE_CONTROL, LOCATION};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::server::db::now;
use crate::server::session::{self, expiry, token};
use crate::server::state::AppState;

pub async fn pin_flow(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let token = session::token_from_headers(request.headers());
    if request.method() == Method::GET
        && is_portal_page(&path)
        && let Some(token) = token
        && let Some(pinned) = pinned_elsewhere(&state, &token, &path).await
    {
        let mut response = StatusCode::SEE_OTHER.into_response();
        if let Ok(location) = HeaderValue::from_str(&pinned) {
            response.headers_mut().insert(LOCATION, location);
        }
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return response;
    }
    next.run(request).await
}

/// The routes of `app::App` (not assets, server functions or the API).
fn is_portal_page(path: &str) -> bool {
    path == "/"
        || [
            "/subscriptions/",
            "/invoices",
            "/payment-methods/",
            "/details",
            "/flow/",
        ]
        .iter()
        .any(|prefix| path.starts_with(prefix))
}

/// Where the request's session must go instead, if it is in a flow that
/// does not include this page. Any failure lets the page answer for itself.
async fn pinned_elsewhere(state: &AppState, token: &str, path: &str) -> Option<String> {
    let row = state
        .db
        .session_by_token_hash(&token::hash(token))
        .await
        .ok()??;
    // An expired session's page says so itself (expired rows are kept a
    // while, see `app::EXPIRED_SESSION_KEEP`).
    if !expiry::is_live(row.created_at, row.last_used_at, now()) {
        return None;
    }
    let flow = row.flow?;
    if flow.allows_path(path) {
        None
    } else {
        flow.pinned_path()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_portal_pages_are_pinned() {
        for page in [
            "/",
            "/invoices",
            "/subscriptions/sub_1/plan",
            "/details",
            "/flow/done",
        ] {
            assert!(is_portal_page(page), "{page}");
        }
        for other in [
            "/pkg/portico.js",
            "/api/get_overview",
            "/session/plink_x",
            "/healthz",
        ] {
            assert!(!is_portal_page(other), "{other}");
        }
    }
}
