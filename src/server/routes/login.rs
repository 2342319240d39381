//! Email sign-in (see `server::email_login`):
//!
//! - `GET /login`: the form asking for an email address;
//! - `POST /login`: sends a sign-in link to a customer's address, and
//!   answers the same for any address;
//! - `GET /login/confirm?token=…`: where the email links to; shows one
//!   button, so a mail scanner that fetches the link uses nothing;
//! - `POST /login/confirm`: uses the link (once) and opens the session.
//!
//! Each takes `origin`, the embedding page's origin, when the pages run in
//! the embed's iframe.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::PortalError;
use crate::model::EmbedFrame;
use crate::pages::static_page::{StaticPage, login_href};
use crate::server::db::portal_configs::StoredConfig;
use crate::server::email_login::{self, LinkRequest};
use crate::server::origins;
use crate::server::portal::embed_frame;
use crate::server::routes::client_ip::client_ip;
use crate::server::routes::error_page::{http_status, render_static};
use crate::server::routes::locale::request_locale;
use crate::server::routes::{audit_sign_in, is_iframe_navigation, session_redirect};
use crate::server::session::{self, CookieSite, SessionScope};
use crate::server::state::AppState;

/// A form of an email address and a token is far smaller than this.
const MAX_BODY: usize = 4096;

/// Form or query fields, the first of each name.
#[derive(Debug, Default)]
struct Fields {
    email: Option<String>,
    token: Option<String>,
    origin: Option<String>,
}

impl Fields {
    fn parse(raw: &[u8]) -> Self {
        let mut fields = Self::default();
        for (key, value) in url::form_urlencoded::parse(raw) {
            let value = value.trim().to_string();
            let slot = match &*key {
                "email" => &mut fields.email,
                "token" => &mut fields.token,
                "origin" => &mut fields.origin,
                _ => continue,
            };
            if slot.is_none() && !value.is_empty() {
                *slot = Some(value);
            }
        }
        fields
    }
}

/// The embedding page's origin, when it is an allowed one; anything else
/// is dropped, so no message ever goes to a page the merchant did not list.
fn embed_origin(config: Option<&StoredConfig>, fields: &Fields) -> Option<String> {
    let config = config?;
    fields
        .origin
        .as_deref()
        .and_then(|o| origins::allowed_origin(&config.settings, o))
}

fn embed_of(config: Option<&StoredConfig>, origin: Option<&str>) -> Option<EmbedFrame> {
    Some(embed_frame(&config?.settings, origin?))
}

/// Splits off the body (bounded), keeping the head for rendering.
async fn read_form(request: Request) -> Result<(Request, Fields), Request> {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY).await;
    let request = Request::from_parts(parts, Body::empty());
    match bytes {
        Ok(bytes) => Ok((request, Fields::parse(&bytes))),
        Err(_) => Err(request),
    }
}

async fn error_page(
    request: Request,
    error: PortalError,
    origin: Option<&str>,
    embed: Option<EmbedFrame>,
) -> Response {
    let login = matches!(error, PortalError::LoginLinkExpired).then(|| login_href(origin));
    let page = StaticPage::Error {
        error,
        return_url: None,
        login_href: login,
    };
    render_static(request, http_status(error), page, embed).await
}

/// Whether the request already has a live session (which also counts as
/// activity on it).
async fn signed_in(state: &AppState, headers: &HeaderMap) -> bool {
    session::resolve(state, headers).await.is_ok()
}

fn to_portal() -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    response
        .headers_mut()
        .insert(LOCATION, HeaderValue::from_static("/"));
    response
}

/// `GET /login`; a customer already signed in goes to the portal.
pub async fn login_form(State(state): State<AppState>, request: Request) -> Response {
    let fields = Fields::parse(request.uri().query().unwrap_or_default().as_bytes());
    let config = match email_login::login_config(&state).await {
        Ok(config) => config,
        Err(error) => return error_page(request, error, None, None).await,
    };
    if signed_in(&state, request.headers()).await {
        return to_portal();
    }
    let origin = embed_origin(Some(&config), &fields);
    let embed = embed_of(Some(&config), origin.as_deref());
    let page = StaticPage::Login {
        company: email_login::company_name(&config.settings, &state.config.server.public_url),
        email: String::new(),
        origin,
        error: None,
    };
    render_static(request, StatusCode::OK, page, embed).await
}

/// `POST /login`.
pub async fn request_link(State(state): State<AppState>, request: Request) -> Response {
    let client = client_ip(&state, &request);
    let locale = request_locale(request.headers());
    let (request, fields) = match read_form(request).await {
        Ok(read) => read,
        Err(request) => return error_page(request, PortalError::InvalidInput, None, None).await,
    };
    let config = email_login::login_config(&state).await.ok();
    let origin = embed_origin(config.as_ref(), &fields);
    let embed = embed_of(config.as_ref(), origin.as_deref());
    let email = fields.email.clone().unwrap_or_default();
    let asked = LinkRequest {
        email: &email,
        client: &client,
        locale,
    };
    match email_login::request_link(&state, asked).await {
        Ok(()) => {
            let page = StaticPage::LoginSent {
                email: email.trim().to_string(),
                origin,
            };
            render_static(request, StatusCode::OK, page, embed).await
        }
        // Refusals the customer can act on show the form again.
        Err(error @ (PortalError::InvalidDetail(_) | PortalError::RateLimited)) => {
            let company = config
                .as_ref()
                .map(|c| email_login::company_name(&c.settings, &state.config.server.public_url))
                .unwrap_or_default();
            let page = StaticPage::Login {
                company,
                email,
                origin,
                error: Some(error),
            };
            render_static(request, http_status(error), page, embed).await
        }
        Err(error) => error_page(request, error, origin.as_deref(), embed).await,
    }
}

/// `GET /login/confirm?token=…`: checks the link without using it, and
/// names the (masked) address it was sent to, so a customer handed someone
/// else's link sees it is not theirs.
pub async fn confirm_page(State(state): State<AppState>, request: Request) -> Response {
    let fields = Fields::parse(request.uri().query().unwrap_or_default().as_bytes());
    let config = match email_login::login_config(&state).await {
        Ok(config) => config,
        Err(error) => return error_page(request, error, None, None).await,
    };
    let origin = embed_origin(Some(&config), &fields);
    let embed = embed_of(Some(&config), origin.as_deref());
    let token = fields.token.clone().unwrap_or_default();
    match email_login::usable_link(&state, &token).await {
        Ok(link) => {
            let page = StaticPage::LoginConfirm {
                token,
                account: link.recipient_hint,
                origin,
            };
            render_static(request, StatusCode::OK, page, embed).await
        }
        // A spent link in a browser that is signed in already (a reload
        // after the POST, say): on to the portal.
        Err(_) if signed_in(&state, request.headers()).await => to_portal(),
        Err(error) => {
            tracing::info!(error = ?error, "sign-in link refused");
            error_page(request, error, origin.as_deref(), embed).await
        }
    }
}

/// `POST /login/confirm`: uses the link and opens the session.
pub async fn confirm(State(state): State<AppState>, request: Request) -> Response {
    let dest_iframe = is_iframe_navigation(request.headers());
    let (request, fields) = match read_form(request).await {
        Ok(read) => read,
        Err(request) => return error_page(request, PortalError::InvalidInput, None, None).await,
    };
    let config = email_login::login_config(&state).await;
    let origin = embed_origin(config.as_ref().ok(), &fields);
    let embed = embed_of(config.as_ref().ok(), origin.as_deref());
    // Browsers without Sec-Fetch-Dest (Safari before 16.4) still carry the
    // embedding page's origin in the form.
    let in_iframe = dest_iframe || origin.is_some();
    let result = match config {
        Ok(_) => {
            open_session(
                &state,
                fields.token.as_deref().unwrap_or_default(),
                in_iframe,
                origin.as_deref(),
            )
            .await
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(token) => {
            let site = if in_iframe {
                CookieSite::Embedded
            } else {
                CookieSite::FirstParty
            };
            session_redirect(&state, &token, site, "/")
        }
        Err(error) => {
            tracing::info!(error = ?error, "sign-in link refused");
            error_page(request, error, origin.as_deref(), embed).await
        }
    }
}

async fn open_session(
    state: &AppState,
    token: &str,
    in_iframe: bool,
    origin: Option<&str>,
) -> Result<String, PortalError> {
    let link = email_login::use_link(state, token).await?;
    let scope = SessionScope {
        customer_id: link.customer_id,
        configuration_id: link.configuration_id,
        embed_origin: origin.map(str::to_string),
        ..SessionScope::default()
    };
    let (row, token) = session::open(state, scope).await?;
    let via = if in_iframe {
        "embed:email_link"
    } else {
        "link:email_link"
    };
    audit_sign_in(state, &row, via).await;
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_take_the_first_non_empty_value() {
        let f =
            Fields::parse(b"email=&email=a%40b.example&email=c%40d.example&token=pmail_x&other=1");
        assert_eq!(f.email.as_deref(), Some("a@b.example"));
        assert_eq!(f.token.as_deref(), Some("pmail_x"));
        assert_eq!(f.origin, None);
    }
}
