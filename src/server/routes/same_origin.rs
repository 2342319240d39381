//! Refuses cross-site form posts (CSRF). The session cookie is SameSite=Lax,
//! which already keeps other sites' POSTs unauthenticated; this also covers
//! sibling subdomains (same site, other origin) and browsers without
//! SameSite. Browsers label every request with `Sec-Fetch-Site`, older ones
//! at least send `Origin` on POSTs; clients that send neither (servers,
//! scripts) carry no customer's cookie and pass.

use axum::extract::{Request, State};
use axum::http::header::ORIGIN;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::server::state::AppState;

pub async fn same_origin_posts(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() == Method::POST && is_cross_origin(&state, &request) {
        tracing::warn!(path = %request.uri().path(), "cross-origin POST refused");
        return (StatusCode::FORBIDDEN, "cross-origin request refused").into_response();
    }
    next.run(request).await
}

fn is_cross_origin(state: &AppState, request: &Request) -> bool {
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    match headers.get(ORIGIN).and_then(|v| v.to_str().ok()) {
        None => false,
        Some(origin) => url::Url::parse(origin)
            .map(|o| o.origin() != state.config.server.public_url.origin())
            .unwrap_or(true),
    }
}
