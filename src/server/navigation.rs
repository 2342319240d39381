//! Where the browser goes after an action: the portal home with the event in
//! the address (for the page's notice and the embed's events), or, when the
//! event finishes the session's deep-linked flow, what the flow's
//! `after_completion` says.

use crate::error::PortalError;
use crate::model::{AfterCompletion, EventNotice, NoticeTarget, PortalEvent, PortalFlow};
use crate::paths::PagePath;
use crate::server::actions::Outcome;
use crate::server::routes::error_page::set_error_status;
use crate::server::session::{PortalSession, token};
use crate::server::state::AppState;

/// A fresh form nonce for a page (see `PortalOverview::form_nonce`).
pub fn new_form_nonce() -> String {
    token::random(32)
}

/// Ends a server function that performed a subscription action: on
/// success, on to what comes next (with JavaScript the router follows the
/// redirect without a reload); on failure, the error's status.
pub async fn finish(
    state: &AppState,
    session: &PortalSession,
    result: Result<Outcome, PortalError>,
) -> Result<(), PortalError> {
    let outcome = result.inspect_err(|e| set_error_status(*e))?;
    redirect_next(
        state,
        session,
        outcome.action.event(),
        NoticeTarget::Subscription(outcome.subscription),
    )
    .await
}

/// Sends the browser on after `event` (see `next_href`).
pub async fn redirect_next(
    state: &AppState,
    session: &PortalSession,
    event: PortalEvent,
    target: NoticeTarget,
) -> Result<(), PortalError> {
    leptos_axum::redirect(&next_href(state, session, event, target).await?);
    Ok(())
}

/// Where the browser goes after `event`: the portal home with the event and
/// what it acted on in the address (its notice, see `EventNotice`). The
/// session keeps that notice, so only an address Portico made reports the
/// event to an embedding page. When the event finishes the session's
/// deep-linked flow, the flow is marked done and its `after_completion`
/// decides instead: the merchant's redirect URL, the confirmation page, or
/// the home page.
pub async fn next_href(
    state: &AppState,
    session: &PortalSession,
    event: PortalEvent,
    target: NoticeTarget,
) -> Result<String, PortalError> {
    let finished = session
        .open_flow_task()
        .filter(|task| task.completed_by(event))
        .and(session.row.scope.flow.as_ref());
    if let Some(flow) = finished {
        let done = PortalFlow {
            completed: true,
            finished_by: Some(event),
            ..flow.clone()
        };
        state
            .db
            .update_session_flow(&session.row.id, &done)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "cannot store the flow's progress");
                PortalError::Unavailable
            })?;
        match &flow.after_completion {
            AfterCompletion::Redirect { return_url } => return Ok(return_url.clone()),
            AfterCompletion::HostedConfirmation { .. } => {
                return Ok(PagePath::FlowDone.href());
            }
            AfterCompletion::PortalHomepage => {}
        }
    }
    // A new address after every action, so the page reloads its data and
    // its form nonce even when the same action is repeated.
    let notice = EventNotice {
        event,
        target,
        n: token::random(8),
    };
    // Without it the action still happened; only the embed is not told.
    if let Err(e) = state
        .db
        .set_session_event(&session.row.id, &notice.key())
        .await
    {
        tracing::error!(error = %e, "cannot store the session's last action");
    }
    Ok(format!("{}?{}", PagePath::Home.href(), notice.query()))
}
