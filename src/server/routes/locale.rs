//! `POST /locale`: the language picker without JavaScript. Stores the choice
//! in leptos_i18n's cookie and goes back to the page it came from.

use axum::extract::{Request, State};
use axum::http::header::{LOCATION, REFERER, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use leptos_i18n::Locale as _;

use crate::i18n::Locale;
use crate::server::state::AppState;

/// leptos_i18n's cookie name for the preferred locale.
const LOCALE_COOKIE: &str = "i18n_pref_locale";
/// A form body is a few bytes; anything larger is not ours.
const MAX_BODY: usize = 1024;

pub async fn set_locale(State(state): State<AppState>, request: Request) -> Response {
    let back = same_origin_path(&state, request.headers().get(REFERER));
    let body = match axum::body::to_bytes(request.into_body(), MAX_BODY).await {
        Ok(body) => body,
        Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    };
    let chosen = url::form_urlencoded::parse(&body)
        .find(|(k, _)| k == "locale")
        .and_then(|(_, v)| v.parse::<Locale>().ok());
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    if let Ok(location) = HeaderValue::from_str(&back) {
        headers.insert(LOCATION, location);
    }
    if let Some(locale) = chosen {
        let cookie = format!(
            "{LOCALE_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000",
            locale.as_str()
        );
        if let Ok(cookie) = HeaderValue::from_str(&cookie) {
            headers.insert(SET_COOKIE, cookie);
        }
    }
    response
}

/// The path of the referring page when it is ours; `/` otherwise, so this
/// endpoint can never redirect elsewhere.
fn same_origin_path(state: &AppState, referer: Option<&HeaderValue>) -> String {
    let public = &state.config.server.public_url;
    referer
        .and_then(|r| r.to_str().ok())
        .and_then(|r| url::Url::parse(r).ok())
        .filter(|r| {
            r.origin() == public.origin()
                || r.host_str() == Some(&state.config.server.bind.ip().to_string())
        })
        .map(|r| match r.query() {
            Some(q) => format!("{}?{q}", r.path()),
            None => r.path().to_string(),
        })
        .filter(|p| p.starts_with('/') && !p.starts_with("//"))
        .unwrap_or_else(|| "/".to_string())
}
