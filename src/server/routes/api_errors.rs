//! Status codes of server functions that fail before their body runs. A
//! server function sets its own status on a refusal (`error_page::
//! set_error_status`), but when Leptos cannot even decode its arguments (a
//! missing or repeated field, a JSON body, invalid UTF-8) it answers 500 with
//! the `PortalError` it made of the decoding error. This gives such answers
//! the status their error stands for (400 for `InvalidInput`), so a client's
//! mistake is never reported as the server's.

use axum::body::Body;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

use crate::error::PortalError;

/// Longest error answer read back (a `PortalError` is a few bytes of JSON).
const MAX_ERROR_BODY: usize = 4 * 1024;

pub async fn api_error_statuses(request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with(crate::api::PREFIX);
    let response = next.run(request).await;
    if !is_api || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BODY).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if let Ok(error) = serde_json::from_slice::<PortalError>(&bytes)
        && let Ok(status) = StatusCode::from_u16(error.status())
    {
        parts.status = status;
    }
    Response::from_parts(parts, Body::from(bytes))
}
