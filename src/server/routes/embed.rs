//! `GET /embed?…&origin=<merchant page origin>`: where `public/embed.js`
//! points its iframe. Takes the sign-in link's parameters (`email` or
//! `customer_id`, `hash`, `subscription_id`, `service`, `quantity`); the
//! origin must be one of the configuration's allowed origins. The session
//! cookie is the embedded kind (`SameSite=None; Secure; Partitioned`), the
//! only one a browser sends inside a third-party iframe.

use axum::extract::{Request, State};
use axum::response::Response;

use crate::pages::static_page::StaticPage;
use crate::server::portal::embed_frame;
use crate::server::routes::error_page::{http_status, render_static};
use crate::server::routes::session_redirect;
use crate::server::routes::sign_in::{Entry, SignInLink, open_session};
use crate::server::session::CookieSite;
use crate::server::state::AppState;

pub async fn embed(State(state): State<AppState>, request: Request) -> Response {
    let link = SignInLink::parse(request.uri().query().unwrap_or_default());
    match open_session(&state, &link, Entry::Embed).await {
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
