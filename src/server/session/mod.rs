//! Portal sessions: the one mechanism every way in (hash link, portal session
//! API, magic link) ends in. A random token lives in an HttpOnly cookie; the
//! database keeps its hash, the customer, the configuration and the scope.

pub mod expiry;
pub mod token;

use axum::http::header::COOKIE;
use axum::http::{HeaderMap, Uri};

use crate::api::Endpoint;
use crate::error::PortalError;
use crate::model::{FlowTask, PortalFlow};
use crate::portal_config::PortalConfig;
use crate::quantity_preset::QuantityPreset;
use crate::server::db::now;
use crate::server::db::sessions::SessionRow;
use crate::server::state::AppState;

/// Name of the session cookie in Portico's own tab, over https. `__Host-`
/// makes the browser take it only from Portico's exact host over https,
/// with `Path=/` and no `Domain`, so a sibling subdomain cannot plant a
/// session of its choosing (session fixation).
pub const COOKIE_NAME: &str = "__Host-portico_session";
/// The same over plain http (development on localhost), where browsers
/// refuse `__Host-` cookies.
pub const INSECURE_COOKIE_NAME: &str = "portico_session";
/// Name of the session cookie of a portal embedded in an iframe (always
/// `Secure`, so always `__Host-`). A name apart from the first-party one,
/// so that opening one kind can clear the other without clearing itself:
/// a `Set-Cookie` that sets a name and another that clears the same name
/// leave ordinary HTTP clients with no session.
pub const EMBED_COOKIE_NAME: &str = "__Host-portico_embed";
/// Prefix of session tokens.
pub const TOKEN_PREFIX: &str = "pses_";
/// Prefix of the one-time links that start API sessions.
pub const LINK_PREFIX: &str = "plink_";
/// Activity is written at most this often, so page views are not all writes.
/// A session may therefore end up to this much earlier than its idle limit.
const TOUCH_INTERVAL: i64 = 60;

/// A signed-in customer's session, with the configuration it runs under.
#[derive(Clone, Debug)]
pub struct PortalSession {
    pub row: SessionRow,
    pub config: PortalConfig,
}

/// What a session is for: whose it is, under which configuration, what it
/// shows, and what the merchant's server asked for when it came from the
/// portal session API. Made once when a session opens and stored as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionScope {
    pub customer_id: String,
    pub configuration_id: String,
    /// When set, the session shows and manages only this subscription.
    pub subscription_id: Option<String>,
    /// The quantity the sign-in link suggested (Billflow's `options.quantity`).
    pub quantity_preset: QuantityPreset,
    /// Billflow's `service`: the product group the plan picker offers.
    pub service: Option<String>,
    /// For a portal embedded in a merchant's page: that page's origin
    /// (already checked against the configuration's allowed origins).
    pub embed_origin: Option<String>,
    /// Stripe's `bps_…` id: set for sessions made through the API.
    pub public_id: Option<String>,
    /// Where the merchant wants the customer to go back to.
    pub return_url: Option<String>,
    /// The locale the merchant asked for (a Stripe locale), if not `auto`.
    pub locale: Option<String>,
    /// The deep-linked flow, if the session was made for one task.
    pub flow: Option<PortalFlow>,
}

impl SessionScope {
    /// The session comes from the portal session API: it starts with a
    /// one-time link rather than a cookie.
    pub fn is_api(&self) -> bool {
        self.public_id.is_some()
    }
}

/// Opens a session. Returns it with the token for the cookie, or, for an
/// API session, the token of its one-time link: the cookie's token is made
/// only when the link is followed (see `claim_link`).
pub async fn open(
    state: &AppState,
    scope: SessionScope,
) -> Result<(SessionRow, String), PortalError> {
    let api = scope.is_api();
    let token = token::generate(if api { LINK_PREFIX } else { TOKEN_PREFIX });
    // An API session's cookie token is made when its link is followed;
    // until then the row holds the hash of a token nobody has.
    let unheld = token::generate(TOKEN_PREFIX);
    let (token_hash, link_hash) = if api {
        (unheld.hash.as_str(), Some(token.hash.as_str()))
    } else {
        (token.hash.as_str(), None)
    };
    let row = SessionRow {
        id: format!("ses_{}", token::random(24)),
        livemode: state.livemode(),
        created_at: now(),
        last_used_at: None,
        last_event: None,
        scope,
    };
    state
        .db
        .insert_session(&row, token_hash, link_hash)
        .await
        .map_err(|e| storage_error(&e))?;
    Ok((row, token.plain))
}

/// Why a one-time link cannot start a session.
#[derive(Debug)]
pub enum LinkRefusal {
    /// No session has this link.
    Unknown,
    /// The link was used already, or waited more than 5 minutes; the
    /// session's return URL, if any, lets the page offer the way back.
    Spent {
        return_url: Option<String>,
    },
    Storage(PortalError),
}

/// Follows an API session's one-time link: returns the session and a new
/// token for the browser's cookie.
pub async fn claim_link(
    state: &AppState,
    link_token: &str,
) -> Result<(SessionRow, String), LinkRefusal> {
    if !link_token.starts_with(LINK_PREFIX) || link_token.len() > 100 {
        return Err(LinkRefusal::Unknown);
    }
    let row = state
        .db
        .session_by_link_hash(&token::hash(link_token))
        .await
        .map_err(|e| LinkRefusal::Storage(storage_error(&e)))?
        .filter(|row| row.livemode == state.livemode())
        .ok_or(LinkRefusal::Unknown)?;
    let spent = || LinkRefusal::Spent {
        return_url: row.scope.return_url.clone(),
    };
    let now = now();
    if row.last_used_at.is_some() || !expiry::is_live(row.created_at, None, now) {
        return Err(spent());
    }
    let cookie_token = token::generate(TOKEN_PREFIX);
    let claimed = state
        .db
        .claim_link(&row, &cookie_token.hash, now)
        .await
        .map_err(|e| LinkRefusal::Storage(storage_error(&e)))?;
    if !claimed {
        return Err(spent());
    }
    Ok((row, cookie_token.plain))
}

/// Finds the live session of a request, records the activity, and loads its
/// configuration. Every server function starts here.
pub async fn resolve(state: &AppState, headers: &HeaderMap) -> Result<PortalSession, PortalError> {
    let token = token_from_headers(headers, state.config.server.secure_cookies())
        .ok_or(PortalError::NotSignedIn)?;
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
        .portal_config(Some(&row.scope.configuration_id))
        .await?
        .ok_or(PortalError::SessionExpired)?;
    Ok(PortalSession {
        row,
        config: config.settings,
    })
}

/// The application state and the caller's session, for a server function.
pub async fn current() -> Result<(AppState, PortalSession), PortalError> {
    let state = leptos::prelude::use_context::<AppState>().ok_or(PortalError::Unavailable)?;
    let (headers, uri): (HeaderMap, Uri) = leptos_axum::extract().await?;
    let session = resolve(&state, &headers)
        .await
        .and_then(|session| {
            if session.may_call(uri.path()) {
                Ok(session)
            } else {
                tracing::info!(
                    session = %session.row.id,
                    path = uri.path(),
                    "server function outside the session's flow refused"
                );
                Err(PortalError::NotAllowed)
            }
        })
        .inspect_err(|e| crate::server::routes::error_page::set_error_status(*e))?;
    Ok((state, session))
}

impl PortalSession {
    /// The task of the session's deep-linked flow while it is still open:
    /// until then the session acts only on that task (see `actions`).
    pub fn open_flow_task(&self) -> Option<&FlowTask> {
        self.row.scope.flow.as_ref().and_then(PortalFlow::open_task)
    }

    /// Whether a request to `path` may use this session. A deep-linked flow
    /// keeps it to the server functions of its own pages, whether they are
    /// called by the page, by a form without JavaScript, or by hand; an
    /// `/api/` path that names no server function is refused too. During a
    /// page render server functions run under the page's own path, which
    /// `routes::flow_pin` has already kept on the flow.
    fn may_call(&self, path: &str) -> bool {
        let Some(flow) = &self.row.scope.flow else {
            return true;
        };
        if !path.starts_with(crate::api::PREFIX) {
            return true;
        }
        Endpoint::from_path(path).is_some_and(|endpoint| flow.allows_endpoint(endpoint))
    }
}

/// Where the portal's pages are shown, which decides how the session
/// cookie must be set to come back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CookieSite {
    /// Portico's own tab: `SameSite=Lax`, so other sites' requests carry
    /// no session.
    FirstParty,
    /// An iframe on the merchant's site: a third-party context, where only
    /// `SameSite=None` cookies (which must be `Secure`) are sent.
    /// `Partitioned` (CHIPS) keys the cookie to the merchant's site, so it
    /// keeps working where browsers block unpartitioned third-party
    /// cookies, and no other site embedding Portico can use it. Browsers
    /// treat http://localhost and 127.0.0.1 as secure, so this works in
    /// development too.
    Embedded,
}

/// The name of `site`'s session cookie (`secure`: Portico is served over
/// https).
pub fn cookie_name(site: CookieSite, secure: bool) -> &'static str {
    match (site, secure) {
        (CookieSite::Embedded, _) => EMBED_COOKIE_NAME,
        (CookieSite::FirstParty, true) => COOKIE_NAME,
        (CookieSite::FirstParty, false) => INSECURE_COOKIE_NAME,
    }
}

fn cookie_attributes(site: CookieSite, secure: bool) -> &'static str {
    match (site, secure) {
        (CookieSite::Embedded, _) => "; SameSite=None; Secure; Partitioned",
        (CookieSite::FirstParty, true) => "; SameSite=Lax; Secure",
        (CookieSite::FirstParty, false) => "; SameSite=Lax",
    }
}

/// The `Set-Cookie` value that stores a session token in the browser.
pub fn cookie(token: &str, secure: bool, site: CookieSite) -> String {
    format!(
        "{}={token}; Path=/; HttpOnly; Max-Age={}{}",
        cookie_name(site, secure),
        expiry::MAX_TTL,
        cookie_attributes(site, secure)
    )
}

/// The `Set-Cookie` value that removes the session cookie of `site`.
/// Opening a session removes the other kind: where Portico is embedded on
/// its own site (`billing.shop.example` in `shop.example`) the browser would
/// otherwise send both, and the older one could win.
pub fn clear_cookie(site: CookieSite, secure: bool) -> String {
    format!(
        "{}=; Path=/; HttpOnly; Max-Age=0{}",
        cookie_name(site, secure),
        cookie_attributes(site, secure)
    )
}

/// Reads the session token from the `Cookie` header(s): the first-party
/// cookie's, else the embedded one's. Over https only `__Host-` cookies
/// count.
pub fn token_from_headers(headers: &HeaderMap, secure: bool) -> Option<String> {
    let pairs: Vec<(&str, &str)> = headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .collect();
    [CookieSite::FirstParty, CookieSite::Embedded]
        .into_iter()
        .find_map(|site| {
            let name = cookie_name(site, secure);
            pairs
                .iter()
                .find(|(n, value)| *n == name && value.starts_with(TOKEN_PREFIX))
        })
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
        assert_eq!(
            token_from_headers(&headers, false).as_deref(),
            Some("pses_abc")
        );
        // Over https a cookie without the `__Host-` prefix is not Portico's.
        assert_eq!(token_from_headers(&headers, true), None);
        headers.insert(
            COOKIE,
            HeaderValue::from_static("__Host-portico_embed=pses_e; __Host-portico_session=pses_f"),
        );
        assert_eq!(
            token_from_headers(&headers, true).as_deref(),
            Some("pses_f")
        );
        headers.insert(
            COOKIE,
            HeaderValue::from_static("__Host-portico_embed=pses_e"),
        );
        assert_eq!(
            token_from_headers(&headers, true).as_deref(),
            Some("pses_e")
        );
        assert_eq!(
            token_from_headers(&headers, false).as_deref(),
            Some("pses_e")
        );
    }

    #[test]
    fn cookie_without_our_prefix_is_ignored() {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_static("portico_session=forged"));
        assert_eq!(token_from_headers(&headers, false), None);
    }

    #[test]
    fn cookie_is_http_only_and_secure_over_https() {
        let c = cookie("pses_x", true, CookieSite::FirstParty);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.ends_with("; Secure"));
        // `__Host-`: Secure, Path=/ and no Domain, or browsers drop it.
        assert!(c.starts_with("__Host-portico_session=pses_x; Path=/;"));
        assert!(!c.contains("Domain"));
        let plain = cookie("pses_x", false, CookieSite::FirstParty);
        assert!(plain.starts_with("portico_session=") && !plain.contains("Secure"));
    }

    #[test]
    fn embedded_cookie_is_sent_in_a_third_party_iframe_but_partitioned() {
        let c = cookie("pses_x", false, CookieSite::Embedded);
        assert!(c.starts_with("__Host-portico_embed=pses_x; Path=/;"));
        assert!(c.contains("HttpOnly"));
        assert!(c.contains("SameSite=None") && c.contains("Secure") && c.contains("Partitioned"));
    }
}
