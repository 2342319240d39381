//! Error responses. Translated error pages for plain axum handlers (sign-in
//! links), rendered with the same components and styles as the portal but
//! without hydration: the page is static, so it needs no wasm and works
//! without JavaScript. And the status codes of failed pages and server
//! functions.

use axum::extract::Request;
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;

use crate::app::static_shell;
use crate::error::PortalError;
use crate::model::EmbedFrame;
use crate::pages::static_page::StaticPage;

/// Renders the error page for `error` in the request's language, with the
/// error's status code.
pub async fn render_error(request: Request, error: PortalError) -> Response {
    render_error_with_return(request, error, None).await
}

/// Renders the error page with a link back to the merchant's `return_url`.
pub async fn render_error_with_return(
    request: Request,
    error: PortalError,
    return_url: Option<String>,
) -> Response {
    let page = StaticPage::Error {
        error,
        return_url,
        login_href: None,
    };
    render_static(request, http_status(error), page, None).await
}

/// Renders a static page (see `pages::static_page`) in the request's
/// language; never cached, since these pages carry tokens and refusals.
pub async fn render_static(
    request: Request,
    status: StatusCode,
    page: StaticPage,
    embed: Option<EmbedFrame>,
) -> Response {
    let render = leptos_axum::render_app_async_with_context(
        super::security_headers::provide_script_nonce,
        move || static_shell(page.clone(), embed.clone()),
    );
    let mut response = render(request).await;
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The HTTP status for an error.
pub fn http_status(error: PortalError) -> StatusCode {
    StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST)
}

/// Gives the response being rendered (page or server function) the error's status.
pub fn set_status(error: PortalError) {
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http_status(error));
    }
}

/// Gives a failed server function its error's status for callers using
/// fetch (JavaScript). A plain form post gets Leptos's redirect back to the
/// form instead, which a status code would break.
pub fn set_error_status(error: PortalError) {
    let form_post = leptos::prelude::use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.headers.get(axum::http::header::ACCEPT).cloned())
        .and_then(|accept| accept.to_str().ok().map(|a| a.contains("text/html")))
        .unwrap_or(false);
    if !form_post {
        set_status(error);
    }
}
