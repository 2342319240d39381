//! Portico API keys: `portico_sk_test_…` / `portico_sk_live_…`, made and
//! revoked with `portico api-key`. The prefix names Portico and the mode,
//! so a leaked key is recognisable and cannot be mistaken for Stripe's; the
//! database keeps only its SHA-256.

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::wire::ApiError;
use crate::server::db::api_keys::ApiKeyRow;
use crate::server::db::{Db, DbError, now};
use crate::server::session::token;
use crate::server::state::AppState;

/// The prefix of keys for a mode.
pub fn prefix(livemode: bool) -> &'static str {
    if livemode {
        "portico_sk_live_"
    } else {
        "portico_sk_test_"
    }
}

/// Makes and stores a key; returns its row and the key, shown only now.
pub async fn create(
    db: &Db,
    livemode: bool,
    description: Option<&str>,
) -> Result<(ApiKeyRow, String), DbError> {
    let key = token::generate(prefix(livemode));
    let row = ApiKeyRow {
        id: format!("pak_{}", token::random(20)),
        livemode,
        description: description.map(str::to_string),
        created_at: now(),
        revoked_at: None,
    };
    db.insert_api_key(&row, &key.hash).await?;
    Ok((row, key.plain))
}

/// The key a request carries: `Authorization: Bearer <key>` as Stripe's
/// SDKs send it, or Basic with the key as user name (`curl -u key:`).
fn presented_key(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, rest) = value.split_once(' ')?;
    match scheme.to_ascii_lowercase().as_str() {
        "bearer" => Some(rest.trim().to_string()),
        "basic" => {
            let decoded = STANDARD.decode(rest.trim()).ok()?;
            let text = String::from_utf8(decoded).ok()?;
            Some(text.split(':').next()?.to_string())
        }
        _ => None,
    }
}

/// The live key of this instance's mode that the request carries.
/// The lookup is by hash, so no secret is compared byte by byte.
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<ApiKeyRow, ApiError> {
    let key = presented_key(headers).filter(|k| !k.is_empty()).ok_or_else(|| {
        ApiError::unauthorized(
            "You did not provide an API key. Send a Portico API key as `Authorization: Bearer <key>`.",
        )
    })?;
    let invalid = || ApiError::unauthorized("Invalid API Key provided.");
    // A key of the other mode is refused like an unknown one: test keys
    // never reach live data, and live keys are not used against test data.
    if !key.starts_with(prefix(state.livemode())) || key.len() > 200 {
        return Err(invalid());
    }
    let row = state
        .db
        .api_key_by_hash(&token::hash(&key))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot read API keys");
            ApiError::unavailable()
        })?
        .ok_or_else(invalid)?;
    if row.revoked_at.is_some() || row.livemode != state.livemode() {
        return Err(invalid());
    }
    Ok(row)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn bearer_and_basic_carry_the_key() {
        assert_eq!(
            presented_key(&headers("Bearer portico_sk_test_abc")).as_deref(),
            Some("portico_sk_test_abc")
        );
        let basic = format!("Basic {}", STANDARD.encode("portico_sk_test_abc:"));
        assert_eq!(
            presented_key(&headers(&basic)).as_deref(),
            Some("portico_sk_test_abc")
        );
        assert_eq!(presented_key(&headers("Token x")), None);
        assert_eq!(presented_key(&HeaderMap::new()), None);
    }

    #[test]
    fn prefixes_name_portico_and_the_mode() {
        assert_eq!(prefix(false), "portico_sk_test_");
        assert_eq!(prefix(true), "portico_sk_live_");
    }
}
