//! `POST /locale`: the language picker without JavaScript. Stores the choice
//! in leptos_i18n's cookie and goes back to the page it came from.

use axum::extract::{Request, State};
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE, LOCATION, REFERER, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use leptos_i18n::Locale as _;

use crate::i18n::Locale;
use crate::server::state::AppState;

/// leptos_i18n's cookie name for the preferred locale.
pub const LOCALE_COOKIE: &str = "i18n_pref_locale";
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

/// The language of a request outside the app (an email to write): the
/// language cookie, else the first of Accept-Language's languages Portico
/// has, else the default. The same order leptos_i18n follows on pages.
pub fn request_locale(headers: &HeaderMap) -> Locale {
    let from_cookie = headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == LOCALE_COOKIE)
        .and_then(|(_, value)| value.parse::<Locale>().ok());
    if let Some(locale) = from_cookie {
        return locale;
    }
    let accepted = headers
        .get(ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let mut tags: Vec<(f32, &str)> = accepted
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next()?.trim();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            (!tag.is_empty()).then_some((q, tag))
        })
        .collect();
    // Stable: equal weights keep the header's order.
    tags.sort_by(|a, b| b.0.total_cmp(&a.0));
    tags.iter()
        .filter_map(|(_, tag)| {
            let language = tag.split('-').next()?.to_ascii_lowercase();
            Locale::get_all()
                .iter()
                .copied()
                .find(|l| l.as_str() == language)
        })
        .next()
        .unwrap_or_default()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn cookie_wins_then_the_best_accepted_language() {
        assert_eq!(
            request_locale(&headers(&[
                ("cookie", "a=1; i18n_pref_locale=de"),
                ("accept-language", "en-US")
            ])),
            Locale::de
        );
        assert_eq!(
            request_locale(&headers(&[(
                "accept-language",
                "fr-CH, de;q=0.8, en;q=0.5"
            )])),
            Locale::de
        );
        assert_eq!(
            request_locale(&headers(&[("accept-language", "en;q=0.2, de-AT;q=0.9")])),
            Locale::de
        );
        assert_eq!(
            request_locale(&headers(&[("accept-language", "ja")])),
            Locale::en
        );
        assert_eq!(request_locale(&HeaderMap::new()), Locale::en);
    }
}
