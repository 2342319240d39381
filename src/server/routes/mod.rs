//! Plain axum routes, beside the Leptos pages and server functions.

pub mod api_errors;
pub mod client_ip;
pub mod email_confirm;
pub mod embed;
pub mod error_page;
pub mod flow_pin;
pub mod health;
pub mod locale;
pub mod login;
pub mod logout;
pub mod same_origin;
pub mod security_headers;
pub mod session_link;
pub mod sign_in;

use axum::extract::Request;
use axum::http::header::{CACHE_CONTROL, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::server::audit::{self, Audit};
use crate::server::db::sessions::SessionRow;
use crate::server::session::{self, CookieSite};
use crate::server::state::AppState;

/// Records that a session was opened; `via` says how (never with a token
/// or hash: `link:hash:email`, `portal_session`, `embed:email_link`, …).
pub async fn audit_sign_in(state: &AppState, row: &SessionRow, via: &str) {
    Audit::of(row)
        .on(row.scope.subscription_id.as_deref())
        .detail(Some(via))
        .record(state, audit::SIGN_IN, Ok(()))
        .await;
}

/// A redirect to `location` (a path of the portal, or a URL already
/// checked against the allowed origins) that stores a new session's cookie.
pub fn session_redirect(
    state: &AppState,
    token: &str,
    site: CookieSite,
    location: &str,
) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(location) = HeaderValue::from_str(location) {
        headers.insert(LOCATION, location);
    }
    let secure = state.config.server.secure_cookies();
    add_cookie(headers, &session::cookie(token, secure, site));
    let other = match site {
        CookieSite::FirstParty => CookieSite::Embedded,
        CookieSite::Embedded => CookieSite::FirstParty,
    };
    add_cookie(headers, &session::clear_cookie(other, secure));
    response
}

/// Reads a posted form's field `name` (empty when missing or unreadable)
/// and gives the request back without its body, for the page to render.
pub async fn posted_field(request: Request, name: &str) -> (Request, String) {
    let (parts, body) = request.into_parts();
    let value = match axum::body::to_bytes(body, crate::server::app::MAX_REQUEST_BODY).await {
        Ok(bytes) => url::form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default(),
        Err(_) => String::new(),
    };
    (Request::from_parts(parts, axum::body::Body::empty()), value)
}

/// Appends a `Set-Cookie` header.
pub fn add_cookie(headers: &mut HeaderMap, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        headers.append(SET_COOKIE, value);
    }
}

/// Whether the request loads a document into an iframe (`Sec-Fetch-Dest`,
/// which every current browser sends on navigations), e.g. the portal
/// embedded on the merchant's page.
pub fn is_iframe_navigation(headers: &HeaderMap) -> bool {
    headers
        .get("sec-fetch-dest")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|dest| dest == "iframe")
}
