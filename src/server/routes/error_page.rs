//! Translated error pages for plain axum handlers (sign-in links), rendered
//! with the same components and styles as the portal but without hydration:
//! the page is static, so it needs no wasm and works without JavaScript.

use axum::extract::Request;
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;

use crate::app::error_shell;
use crate::error::PortalError;

/// Renders the error page for `error` in the request's language, with the
/// error's status code.
pub async fn render_error(request: Request, error: PortalError) -> Response {
    let render = leptos_axum::render_app_async_with_context(|| {}, move || error_shell(error));
    let mut response = render(request).await;
    *response.status_mut() =
        StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST);
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
