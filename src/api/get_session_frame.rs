//! What every page's frame shows about the session.

use leptos::prelude::*;

use crate::error::PortalError;
use crate::model::SessionFrame;

/// The way back to the merchant and the session's flow. Without a session
/// the frame shows neither; the page itself explains why.
#[server(prefix = "/api", endpoint = "get_session_frame")]
pub async fn get_session_frame() -> Result<SessionFrame, PortalError> {
    use crate::server::session;
    use crate::server::state::AppState;

    let state = use_context::<AppState>().ok_or(PortalError::Unavailable)?;
    let headers: axum::http::HeaderMap = leptos_axum::extract().await?;
    // Not `session::current`: a missing session is no error here, and its
    // status must not become the page's.
    let Ok(session) = session::resolve(&state, &headers).await else {
        return Ok(SessionFrame::default());
    };
    Ok(crate::server::portal::frame(&session))
}
