//! Keeps a deep-linked flow's session on its flow: a request for anything
//! that renders the app, other than the flow's own page, is redirected to
//! the flow's page (or, once done, to its confirmation). Pages with JavaScript link only within the flow too (see
//! `components::session_frame::HomeLink`); this covers typed addresses,
//! reloads and browsers without JavaScript.

use axum::extract::{Request, State};
use axum::http::header::{CACHE_CONTROL, LOCATION};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::paths::PagePath;
use crate::server::db::now;
use crate::server::session::{self, expiry, token};
use crate::server::state::AppState;

pub async fn pin_flow(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let token =
        session::token_from_headers(request.headers(), state.config.server.secure_cookies());
    if request.method() == Method::GET
        && renders_the_app(&path)
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

/// Whether a GET of `path` may render the app: everything but server
/// functions, static files (a name with a dot) and Portico's own routes.
/// Default-deny: the router renders the app for paths that are no page too
/// (`/invoices/` is the invoices page), so a flow pins all of them.
fn renders_the_app(path: &str) -> bool {
    const NOT_THE_APP: [&str; 10] = [
        crate::api::PREFIX,
        "/email/confirm",
        "/pkg/",
        "/session/",
        "/portal",
        "/embed",
        "/login",
        "/logout",
        "/locale",
        "/v1/",
    ];
    let file = path
        .rsplit('/')
        .next()
        .is_some_and(|last| last.contains('.'));
    !file && path != "/healthz" && !NOT_THE_APP.iter().any(|p| path.starts_with(p))
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
    let flow = row.scope.flow?;
    match PagePath::parse(path) {
        Some(page) if flow.allows_page(&page) => None,
        _ => flow.pinned_href(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flow_pins_whatever_renders_the_app() {
        for page in [
            "/",
            "/invoices",
            "/invoices/",
            "/details//",
            "/subscriptions/sub_2/cancel/",
            "/anything",
            "//invoices",
        ] {
            assert!(renders_the_app(page), "{page}");
        }
        for other in [
            "/api/get_overview",
            "/pkg/portico.js",
            "/embed-frame.js",
            "/embed.js",
            "/session/plink_x",
            "/portal",
            "/embed",
            "/login/confirm",
            "/email/confirm",
            "/logout",
            "/healthz",
            "/v1/billing_portal/sessions",
        ] {
            assert!(!renders_the_app(other), "{other}");
        }
    }

    /// The app's routes and `PagePath` are the same pages: links and flow
    /// pages are built from `PagePath`, and a page without a variant (or a
    /// variant without a route) fails here.
    #[tokio::test]
    async fn the_apps_routes_are_exactly_the_page_paths() {
        let routes = leptos_axum::generate_route_list(crate::app::App);
        let mut served: Vec<PagePath> = Vec::new();
        for route in routes {
            // `/subscriptions/{id}/cancel` with a sample id.
            let sample: Vec<String> = route
                .path()
                .split('/')
                .map(|segment| {
                    if segment.starts_with('{') || segment.starts_with(':') {
                        "sub_1".to_string()
                    } else {
                        segment.to_string()
                    }
                })
                .collect();
            let page = PagePath::parse(&sample.join("/"));
            assert!(page.is_some(), "{} is not a PagePath", route.path());
            served.extend(page);
        }
        for page in PagePath::samples() {
            assert!(served.contains(&page), "{page:?} has no route");
        }
    }
}
