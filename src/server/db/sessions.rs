//! Stored portal sessions. Rows are found by the hash of the browser's token.

use sqlx::Row;

use super::{Db, DbError, flag};
use crate::quantity_preset::QuantityPreset;
use crate::server::session::expiry;

/// A session as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRow {
    /// Public id (`ses_…`), safe to log and to store in the audit log.
    pub id: String,
    pub customer_id: String,
    pub configuration_id: String,
    pub livemode: bool,
    /// When set, the session shows and manages only this subscription.
    pub subscription_id: Option<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    /// The quantity the sign-in link suggested (Billflow's `options.quantity`).
    pub quantity_preset: QuantityPreset,
}

/// What a new session is for.
#[derive(Clone, Debug)]
pub struct NewSession<'a> {
    pub id: &'a str,
    pub token_hash: &'a str,
    pub customer_id: &'a str,
    pub configuration_id: &'a str,
    pub livemode: bool,
    pub subscription_id: Option<&'a str>,
    pub created_at: i64,
    pub quantity_preset: &'a QuantityPreset,
}

impl Db {
    /// Stores a new, not yet used session.
    pub async fn insert_session(&self, s: &NewSession<'_>) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO portal_sessions
               (id, token_hash, customer_id, configuration_id, livemode, subscription_id, created_at, last_used_at, expires_at, quantity_preset)
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $9)",
        )
        .bind(s.id)
        .bind(s.token_hash)
        .bind(s.customer_id)
        .bind(s.configuration_id)
        .bind(flag(s.livemode))
        .bind(s.subscription_id)
        .bind(s.created_at)
        .bind(expiry::expires_at(s.created_at, None))
        .bind(
            (!s.quantity_preset.is_empty())
                .then(|| serde_json::to_string(s.quantity_preset))
                .transpose()?,
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Finds the session of a token hash, whether or not it has expired.
    pub async fn session_by_token_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<SessionRow>, DbError> {
        let row = sqlx::query(
            "SELECT id, customer_id, configuration_id, livemode, subscription_id, created_at, last_used_at, quantity_preset
             FROM portal_sessions WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row
            .map(|r| -> Result<SessionRow, sqlx::Error> {
                Ok(SessionRow {
                    id: r.try_get("id")?,
                    customer_id: r.try_get("customer_id")?,
                    configuration_id: r.try_get("configuration_id")?,
                    livemode: r.try_get::<i64, _>("livemode")? != 0,
                    subscription_id: r.try_get("subscription_id")?,
                    created_at: r.try_get("created_at")?,
                    last_used_at: r.try_get("last_used_at")?,
                    // Written by `insert_session`; an unreadable value only
                    // loses a suggestion.
                    quantity_preset: r
                        .try_get::<Option<String>, _>("quantity_preset")?
                        .and_then(|json| serde_json::from_str(&json).ok())
                        .unwrap_or_default(),
                })
            })
            .transpose()?)
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

    /// Removes sessions that expired before `now`; returns how many.
    pub async fn delete_expired_sessions(&self, now: i64) -> Result<u64, DbError> {
        let done = sqlx::query("DELETE FROM portal_sessions WHERE expires_at <= $1")
            .bind(now)
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
