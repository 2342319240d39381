//! `POST /logout`: ends the session (the header's "Sign out"). The row is
//! deleted, so the cookie is worthless even if the browser keeps it; both
//! kinds of session cookie are cleared. Embedded, the merchant's page
//! receives a `sign_out` event.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::model::PortalEvent;
use crate::pages::static_page::{StaticPage, login_href};
use crate::server::audit::Audit;
use crate::server::portal::embed_frame;
use crate::server::routes::add_cookie;
use crate::server::routes::error_page::render_static;
use crate::server::session::{self, CookieSite, token};
use crate::server::state::AppState;

pub async fn logout(State(state): State<AppState>, request: Request) -> Response {
    let row = match session::token_from_headers(
        request.headers(),
        state.config.server.secure_cookies(),
    ) {
        Some(token) => state
            .db
            .session_by_token_hash(&token::hash(&token))
            .await
            .inspect_err(|e| tracing::error!(error = %e, "cannot read the session"))
            .ok()
            .flatten(),
        None => None,
    };
    let config = match &row {
        Some(row) => state
            .db
            .portal_config(&row.scope.configuration_id, row.livemode)
            .await
            .ok()
            .flatten(),
        None => None,
    };
    if let Some(row) = &row {
        match state.db.delete_session(&row.id).await {
            Ok(()) => {
                Audit::of(row)
                    .record(&state, PortalEvent::SignOut.as_str(), Ok(()))
                    .await;
            }
            Err(e) => tracing::error!(error = %e, "cannot end the session"),
        }
    }
    let embed_origin = row.as_ref().and_then(|r| r.scope.embed_origin.clone());
    let settings = config.map(|c| c.settings);
    let page = StaticPage::SignedOut {
        return_url: row.as_ref().and_then(|r| r.scope.return_url.clone()),
        login_href: settings
            .as_ref()
            .filter(|s| s.email_login && state.mailer.is_available())
            .map(|_| login_href(embed_origin.as_deref())),
    };
    let embed = match (&settings, &embed_origin) {
        (Some(settings), Some(origin)) => Some(embed_frame(settings, origin)),
        _ => None,
    };
    let mut response = render_static(request, StatusCode::OK, page, embed).await;
    let secure = state.config.server.secure_cookies();
    for site in [CookieSite::FirstParty, CookieSite::Embedded] {
        add_cookie(response.headers_mut(), &session::clear_cookie(site, secure));
    }
    response
}
