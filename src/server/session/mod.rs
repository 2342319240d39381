//! Portal sessions: the one mechanism every way in (hash link, portal session
//! API, magic link) ends in. A random token lives in an HttpOnly cookie; the
//! database keeps its hash, the customer, the configuration and the scope.

pub mod expiry;
pub mod token;

use axum::http::HeaderMap;
use axum::http::header::COOKIE;

use crate::error::PortalError;
use crate::portal_config::PortalConfig;
use crate::quantity_preset::QuantityPreset;
use crate::server::db::now;
use crate::server::db::sessions::{NewSession, SessionRow};
use crate::server::state::AppState;

/// Name of the session cookie.
pub const COOKIE_NAME: &str = "portico_session";
/// Prefix of session tokens.
pub const TOKEN_PREFIX: &str = "pses_";
/// Activity is written at most this often, so page views are not all writes.
/// A session may therefore end up to this much earlier than its idle limit.
const TOUCH_INTERVAL: i64 = 60;

/// A signed-in customer's session, with the configuration it runs under.
#[derive(Clone, Debug)]
pub struct PortalSession {
    pub row: SessionRow,
    pub config: PortalConfig,
}

/// What a session is opened for.
pub struct SessionScope<'a> {
    pub customer_id: &'a str,
    pub configuration_id: &'a str,
    pub subscription_id: Option<&'a str>,
    pub quantity_preset: &'a QuantityPreset,
}

/// Opens a session and returns it with the token for the cookie.
pub async fn open(
    state: &AppState,
    scope: &SessionScope<'_>,
) -> Result<(SessionRow, String), PortalError> {
    let token = token::generate(TOKEN_PREFIX);
    let id = format!("ses_{}", token::random(24));
    let created_at = now();
    let new = NewSession {
        id: &id,
        token_hash: &token.hash,
        customer_id: scope.customer_id,
        configuration_id: scope.configuration_id,
        livemode: state.livemode(),
        subscription_id: scope.subscription_id,
        created_at,
        quantity_preset: scope.quantity_preset,
    };
    state
        .db
        .insert_session(&new)
        .await
        .map_err(|e| storage_error(&e))?;
    let row = SessionRow {
        id,
        customer_id: scope.customer_id.to_string(),
        configuration_id: scope.configuration_id.to_string(),
        livemode: state.livemode(),
        subscription_id: scope.subscription_id.map(str::to_string),
        created_at,
        last_used_at: None,
        quantity_preset: scope.quantity_preset.clone(),
    };
    Ok((row, token.plain))
}

/// Finds the live session of a request, records the activity, and loads its
/// configuration. Every server function starts here.
pub async fn resolve(state: &AppState, headers: &HeaderMap) -> Result<PortalSession, PortalError> {
    let token = token_from_headers(headers).ok_or(PortalError::NotSignedIn)?;
    let row = state
        .db
        .session_by_token_hash(&token::hash(&token))
        .await
        .map_err(|e| storage_error(&e))?
        .ok_or(PortalError::SessionExpired)?;
    let now = now();
    if row.livemode != state.livemode() || !expiry::is_live(row.created_at, row.last_used_at, now) {
        return Err(PortalError::SessionExpired);
    }
    if row
        .last_used_at
        .is_none_or(|last| now - last >= TOUCH_INTERVAL)
    {
        state
            .db
            .touch_session(&row, now)
            .await
            .map_err(|e| storage_error(&e))?;
    }
    let config = state
        .db
        .portal_config(&row.configuration_id, row.livemode)
        .await
        .map_err(|e| storage_error(&e))?
        .ok_or(PortalError::SessionExpired)?;
    Ok(PortalSession {
        row,
        config: config.settings,
    })
}

/// The application state and the caller's session, for a server function.
pub async fn current() -> Result<(AppState, PortalSession), PortalError> {
    let state = leptos::prelude::use_context::<AppState>().ok_or(PortalError::Unavailable)?;
    let headers: HeaderMap = leptos_axum::extract().await?;
    let session = resolve(&state, &headers)
        .await
        .inspect_err(|e| crate::server::routes::error_page::set_error_status(*e))?;
    Ok((state, session))
}

/// The `Set-Cookie` value that stores a session token in the browser.
pub fn cookie(token: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{COOKIE_NAME}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        expiry::MAX_TTL
    )
}

/// Reads the session token from the `Cookie` header(s).
pub fn token_from_headers(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == COOKIE_NAME && value.starts_with(TOKEN_PREFIX))
        .map(|(_, value)| value.to_string())
}

fn storage_error(e: &crate::server::db::DbError) -> PortalError {
    tracing::error!(error = %e, "session storage failed");
    PortalError::Unavailable
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn token_is_found_among_other_cookies() {
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_static("a=1; portico_session=pses_abc; i18n_pref_locale=de"),
        );
        assert_eq!(token_from_headers(&headers).as_deref(), Some("pses_abc"));
    }

    #[test]
    fn cookie_without_our_prefix_is_ignored() {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_static("portico_session=forged"));
        assert_eq!(token_from_headers(&headers), None);
    }

    #[test]
    fn cookie_is_http_only_and_secure_over_https() {
        let c = cookie("pses_x", true);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.ends_with("; Secure"));
        assert!(!cookie("pses_x", false).contains("Secure"));
    }
}
