//! `GET /session/{token}`: the `url` of a portal session made through the
//! API. The link works once, within 5 minutes: it turns into the browser's
//! session cookie and redirects to the portal (or to the session's flow),
//! so the token leaves the address bar. A spent link gets a page that says
//! so, with the way back to the merchant.

use axum::extract::{Path, Request, State};
use axum::response::Response;
use leptos_i18n::Locale as _;

use crate::error::PortalError;
use crate::i18n::Locale;
use crate::paths::PagePath;
use crate::server::routes::error_page::render_error_with_return;
use crate::server::routes::locale::LOCALE_COOKIE;
use crate::server::routes::{add_cookie, audit_sign_in, session_redirect};
use crate::server::session::{self, CookieSite, LinkRefusal};
use crate::server::state::AppState;

pub async fn follow_link(
    State(state): State<AppState>,
    Path(token): Path<String>,
    request: Request,
) -> Response {
    let (row, cookie_token) = match session::claim_link(&state, &token).await {
        Ok(claimed) => claimed,
        Err(refusal) => {
            let (error, return_url) = match refusal {
                LinkRefusal::Unknown => (PortalError::LinkExpired, None),
                LinkRefusal::Spent { return_url } => (PortalError::LinkExpired, return_url),
                LinkRefusal::Storage(error) => (error, None),
            };
            tracing::info!(error = ?error, "portal session link refused");
            return render_error_with_return(request, error, return_url).await;
        }
    };
    audit_sign_in(&state, &row, "portal_session").await;

    let target = row
        .scope
        .flow
        .as_ref()
        .and_then(|f| f.pinned_href())
        .unwrap_or_else(|| PagePath::Home.href());
    let mut response = session_redirect(&state, &cookie_token, CookieSite::FirstParty, &target);
    // The merchant's locale wins over the browser's, when Portico has it.
    if let Some(locale) = row.scope.locale.as_deref().and_then(portal_locale) {
        add_cookie(
            response.headers_mut(),
            &format!("{LOCALE_COOKIE}={locale}; Path=/; SameSite=Lax; Max-Age=31536000"),
        );
    }
    response
}

/// The portal's translation for a Stripe locale (`de`, `en-GB` → `en`).
fn portal_locale(tag: &str) -> Option<&'static str> {
    let language = tag.split('-').next()?;
    Locale::get_all()
        .iter()
        .map(|l| l.as_str())
        .find(|l| *l == language)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stripe_locales_map_to_portal_translations() {
        assert_eq!(portal_locale("de"), Some("de"));
        assert_eq!(portal_locale("en-GB"), Some("en"));
        assert_eq!(portal_locale("ja"), None);
    }
}
