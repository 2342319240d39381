//! Writing the audit log: one row for every sign-in and customer action,
//! built and written here alone. A row says who (session, customer), what
//! (the action's name), on what (a subscription, non-secret detail such as
//! ids) and how it ended. It never holds tokens, hashes or card data. A
//! failure to write is logged, never shown to the customer.

use crate::error::PortalError;
use crate::server::db::audit::AuditEntry;
use crate::server::db::now;
use crate::server::db::sessions::SessionRow;
use crate::server::state::AppState;

/// Audit names of what is not a portal event.
pub const SIGN_IN: &str = "sign_in";
pub const SEND_LOGIN_LINK: &str = "send_login_link";
pub const CREATE_PORTAL_SESSION: &str = "create_portal_session";

/// Who and what a row is about, before it is written.
#[derive(Clone, Copy, Debug, Default)]
pub struct Audit<'a> {
    session_id: Option<&'a str>,
    customer_id: Option<&'a str>,
    subscription_id: Option<&'a str>,
    detail: Option<&'a str>,
}

impl<'a> Audit<'a> {
    /// About a session and its customer.
    pub fn of(session: &'a SessionRow) -> Self {
        Self {
            session_id: Some(&session.id),
            customer_id: Some(&session.scope.customer_id),
            ..Self::default()
        }
    }

    /// About a customer outside any session (e.g. a sign-in email).
    pub fn customer(customer_id: &'a str) -> Self {
        Self {
            customer_id: Some(customer_id),
            ..Self::default()
        }
    }

    /// The subscription acted on.
    pub fn on(self, subscription_id: Option<&'a str>) -> Self {
        Self {
            subscription_id,
            ..self
        }
    }

    /// Non-secret context: ids, how a session was opened.
    pub fn detail(self, detail: Option<&'a str>) -> Self {
        Self { detail, ..self }
    }

    /// Writes the row: `action` and how it ended (`ok` or the refusal's name).
    pub async fn record(self, state: &AppState, action: &str, result: Result<(), PortalError>) {
        let outcome = match result {
            Ok(()) => "ok".to_string(),
            Err(e) => format!("{e:?}"),
        };
        let entry = AuditEntry {
            occurred_at: now(),
            session_id: self.session_id,
            customer_id: self.customer_id,
            action,
            subscription_id: self.subscription_id,
            outcome: &outcome,
            detail: self.detail,
        };
        if let Err(e) = state.db.record_audit(&entry).await {
            tracing::error!(error = %e, "cannot write the audit log");
        }
    }
}
