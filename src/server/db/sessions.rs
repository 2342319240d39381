//! Stored portal sessions. Rows are found by the hash of the browser's token.

use sqlx::Row;

use super::{Db, DbError, flag};
use crate::model::PortalFlow;
use crate::server::session::{SessionScope, expiry};

/// A session as stored: what it is for, and when it was made and last used.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionRow {
    /// Public id (`ses_…`), safe to log and to store in the audit log.
    pub id: String,
    pub livemode: bool,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    /// The notice of the session's last action (`EventNotice::key`), see
    /// `navigation::next_href`.
    pub last_event: Option<String>,
    pub scope: SessionScope,
}

const SESSION_COLUMNS: &str = "id, customer_id, configuration_id, livemode, subscription_id, created_at, last_used_at, quantity_preset, service, embed_origin, public_id, return_url, locale, flow, last_event";

fn session_row(r: &sqlx::any::AnyRow) -> Result<SessionRow, sqlx::Error> {
    let scope = SessionScope {
        customer_id: r.try_get("customer_id")?,
        configuration_id: r.try_get("configuration_id")?,
        subscription_id: r.try_get("subscription_id")?,
        // Written by `insert_session`; an unreadable value only
        // loses a suggestion.
        quantity_preset: r
            .try_get::<Option<String>, _>("quantity_preset")?
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default(),
        service: r.try_get("service")?,
        embed_origin: r.try_get("embed_origin")?,
        public_id: r.try_get("public_id")?,
        return_url: r.try_get("return_url")?,
        locale: r.try_get("locale")?,
        flow: r
            .try_get::<Option<String>, _>("flow")?
            .map(|json| serde_json::from_str(&json).map_err(|e| sqlx::Error::Decode(Box::new(e))))
            .transpose()?,
    };
    Ok(SessionRow {
        id: r.try_get("id")?,
        livemode: r.try_get::<i64, _>("livemode")? != 0,
        created_at: r.try_get("created_at")?,
        last_used_at: r.try_get("last_used_at")?,
        last_event: r.try_get("last_event")?,
        scope,
    })
}

impl Db {
    /// Stores a new, not yet used session, found later by `token_hash` (or,
    /// for an API session, first by its one-time link's `link_hash`).
    pub async fn insert_session(
        &self,
        row: &SessionRow,
        token_hash: &str,
        link_hash: Option<&str>,
    ) -> Result<(), DbError> {
        let s = &row.scope;
        sqlx::query(
            "INSERT INTO portal_sessions
               (id, token_hash, customer_id, configuration_id, livemode, subscription_id, created_at, last_used_at, expires_at, quantity_preset,
                link_hash, public_id, return_url, locale, flow, service, embed_origin)
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        )
        .bind(&row.id)
        .bind(token_hash)
        .bind(&s.customer_id)
        .bind(&s.configuration_id)
        .bind(flag(row.livemode))
        .bind(&s.subscription_id)
        .bind(row.created_at)
        .bind(expiry::expires_at(row.created_at, None))
        .bind(
            (!s.quantity_preset.is_empty())
                .then(|| serde_json::to_string(&s.quantity_preset))
                .transpose()?,
        )
        .bind(link_hash)
        .bind(&s.public_id)
        .bind(&s.return_url)
        .bind(&s.locale)
        .bind(s.flow.as_ref().map(serde_json::to_string).transpose()?)
        .bind(&s.service)
        .bind(&s.embed_origin)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Finds the session of a token hash, whether or not it has expired.
    pub async fn session_by_token_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<SessionRow>, DbError> {
        let row = sqlx::query(&format!(
            "SELECT {SESSION_COLUMNS} FROM portal_sessions WHERE token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(session_row).transpose()?)
    }

    /// Finds the session a one-time link starts, used or not.
    pub async fn session_by_link_hash(
        &self,
        link_hash: &str,
    ) -> Result<Option<SessionRow>, DbError> {
        let row = sqlx::query(&format!(
            "SELECT {SESSION_COLUMNS} FROM portal_sessions WHERE link_hash = $1"
        ))
        .bind(link_hash)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(session_row).transpose()?)
    }

    /// Uses a session's one-time link: the browser's token takes the place
    /// of the placeholder, and the session counts as used. False when the
    /// link was used already (a concurrent click lost the race).
    pub async fn claim_link(
        &self,
        session: &SessionRow,
        token_hash: &str,
        now: i64,
    ) -> Result<bool, DbError> {
        let done = sqlx::query(
            "UPDATE portal_sessions SET token_hash = $1, last_used_at = $2, expires_at = $3
             WHERE id = $4 AND last_used_at IS NULL",
        )
        .bind(token_hash)
        .bind(now)
        .bind(expiry::expires_at(session.created_at, Some(now)))
        .bind(&session.id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Stores a session's flow after it moved on.
    pub async fn update_session_flow(&self, id: &str, flow: &PortalFlow) -> Result<(), DbError> {
        sqlx::query("UPDATE portal_sessions SET flow = $1 WHERE id = $2")
            .bind(serde_json::to_string(flow)?)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records the session's last action (see `SessionRow::last_event`).
    pub async fn set_session_event(&self, id: &str, event: &str) -> Result<(), DbError> {
        sqlx::query("UPDATE portal_sessions SET last_event = $1 WHERE id = $2")
            .bind(event)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records activity on a session, moving its expiry forward.
    pub async fn touch_session(&self, session: &SessionRow, now: i64) -> Result<(), DbError> {
        sqlx::query("UPDATE portal_sessions SET last_used_at = $1, expires_at = $2 WHERE id = $3")
            .bind(now)
            .bind(expiry::expires_at(session.created_at, Some(now)))
            .bind(&session.id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Removes sessions that had expired by `before`; returns how many.
    pub async fn delete_expired_sessions(&self, before: i64) -> Result<u64, DbError> {
        let done = sqlx::query("DELETE FROM portal_sessions WHERE expires_at <= $1")
            .bind(before)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Ends a session (sign-out).
    pub async fn delete_session(&self, id: &str) -> Result<(), DbError> {
        sqlx::query("DELETE FROM portal_sessions WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
