//! `/email/confirm?token=…`: the link that confirms a new email address
//! (see `server::email_change`). `GET` shows the address and one button,
//! so a mail scanner's visit changes nothing; the button's `POST` saves it.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::pages::static_page::StaticPage;
use crate::server::app::MAX_REQUEST_BODY;
use crate::server::email_change;
use crate::server::routes::error_page::{render_error, render_static};
use crate::server::state::AppState;

/// The query's or the form's `token`.
fn token_of(pairs: &[u8]) -> String {
    url::form_urlencoded::parse(pairs)
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

pub async fn confirm_page(State(state): State<AppState>, request: Request) -> Response {
    let token = token_of(request.uri().query().unwrap_or_default().as_bytes());
    match email_change::pending(&state, &token).await {
        Ok(row) => {
            let page = StaticPage::EmailConfirm {
                token,
                email: row.new_email,
            };
            render_static(request, StatusCode::OK, page, None).await
        }
        Err(error) => render_error(request, error).await,
    }
}

pub async fn confirm(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let token = match axum::body::to_bytes(body, MAX_REQUEST_BODY).await {
        Ok(bytes) => token_of(&bytes),
        Err(_) => String::new(),
    };
    let request = Request::from_parts(parts, Body::empty());
    match email_change::confirm(&state, &token).await {
        Ok(email) => {
            render_static(
                request,
                StatusCode::OK,
                StaticPage::EmailConfirmed { email },
                None,
            )
            .await
        }
        Err(error) => {
            tracing::info!(error = ?error, "email change refused");
            render_error(request, error).await
        }
    }
}
