//! `/email/confirm?token=…`: the link that confirms a new email address
//! (see `server::email_change`). `GET` shows the address and one button,
//! so a mail scanner's visit changes nothing; the button's `POST` saves it.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::pages::static_page::StaticPage;
use crate::server::email_change;
use crate::server::routes::error_page::{render_error, render_static};
use crate::server::routes::posted_field;
use crate::server::state::AppState;

pub async fn confirm_page(State(state): State<AppState>, request: Request) -> Response {
    let token = url::form_urlencoded::parse(request.uri().query().unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
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
    let (request, token) = posted_field(request, "token").await;
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
