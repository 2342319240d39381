//! `GET /embed?…&origin=<merchant page origin>`: where `public/embed.js`
//! points its iframe. Takes the sign-in link's parameters (`email` or
//! `customer_id`, `hash`, `subscription_id`, `service`, `quantity`); the
//! origin must be one of the configuration's allowed origins. The session
//! cookie is the embedded kind (`SameSite=None; Secure; Partitioned`), the
//! only one a browser sends inside a third-party iframe.

use axum::extract::{Request, State};
use axum::response::Response;

use crate::error::PortalError;
use crate::pages::static_page::StaticPage;
use crate::server::portal::embed_frame;
use crate::server::routes::error_page::{http_status, render_static};
use crate::server::routes::session_redirect;
use crate::server::routes::sign_in::{Entry, Opened, SignInLink, open_session};
use crate::server::session::CookieSite;
use crate::server::state::AppState;

pub async fn embed(State(state): State<AppState>, request: Request) -> Response {
    let link = SignInLink::parse(request.uri().query().unwrap_or_default());
    let client = crate::server::routes::client_ip::client_ip(&state, &request);
    // An embed needs no confirmation, because only an allowed origin frames
    // it: so it must be framed. Opened as a page of its own (a link someone
    // sent), it would sign the visitor in unasked (login CSRF). Browsers
    // say where a navigation loads; clients that do not are let through.
    let framed = request
        .headers()
        .get("sec-fetch-dest")
        .and_then(|v| v.to_str().ok())
        .is_none_or(|dest| dest == "iframe");
    let opened = if framed {
        open_session(&state, &link, Entry::Embed, &client, false)
            .await
            .and_then(|opened| match opened {
                Opened::Session(token) => Ok(token),
                Opened::Confirm { .. } => Err(PortalError::InvalidInput),
            })
    } else {
        Err(PortalError::EmbedNotAllowed)
    };
    match opened {
        Ok(token) => session_redirect(&state, &token, CookieSite::Embedded, "/"),
        Err(error) => {
            tracing::info!(error = ?error, "embedded sign-in refused");
            // The refusal still reports its height and an `error` event to
            // an allowed embedding page, so the merchant sees why.
            let embed = match (&link.origin, state.portal_config(None).await.ok().flatten()) {
                (Some(origin), Some(config)) => {
                    crate::server::origins::allowed_origin(&config.settings, origin)
                        .map(|origin| embed_frame(&config.settings, &origin))
                }
                _ => None,
            };
            let page = StaticPage::Error {
                error,
                return_url: None,
                login_href: None,
            };
            render_static(request, http_status(error), page, embed).await
        }
    }
}
