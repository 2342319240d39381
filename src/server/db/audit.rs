//! The audit log: one row for every sign-in and customer action.

use super::{Db, DbError};

/// One thing that happened.
#[derive(Clone, Debug)]
pub struct AuditEntry<'a> {
    pub occurred_at: i64,
    pub session_id: Option<&'a str>,
    pub customer_id: Option<&'a str>,
    /// What was attempted, e.g. `sign_in`, `cancel`.
    pub action: &'a str,
    pub subscription_id: Option<&'a str>,
    /// `ok`, or the refusal's error name.
    pub outcome: &'a str,
    /// Non-secret context (never tokens, hashes or card data).
    pub detail: Option<&'a str>,
}

/// A stored audit row, as tests and the admin API read it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditRow {
    pub action: String,
    pub customer_id: Option<String>,
    pub subscription_id: Option<String>,
    pub outcome: String,
}

impl Db {
    /// Appends an entry.
    pub async fn record_audit(&self, e: &AuditEntry<'_>) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO audit_log (occurred_at, session_id, customer_id, action, subscription_id, outcome, detail)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(e.occurred_at)
        .bind(e.session_id)
        .bind(e.customer_id)
        .bind(e.action)
        .bind(e.subscription_id)
        .bind(e.outcome)
        .bind(e.detail)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The latest entries for a customer, newest first.
    pub async fn audit_for_customer(
        &self,
        customer_id: &str,
        limit: i64,
    ) -> Result<Vec<AuditRow>, DbError> {
        Ok(sqlx::query_as(
            "SELECT action, customer_id, subscription_id, outcome FROM audit_log
             WHERE customer_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(customer_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The id of the customer's latest successful change on `subscription`
    /// (`None`: on none, e.g. a card) other than `action` with `detail`
    /// itself: the version of what an action acts on. A double submit of
    /// one action finds the same version (so one Idempotency-Key); a form
    /// replayed after another change finds a newer one.
    pub async fn last_other_change(
        &self,
        customer_id: &str,
        action: &str,
        subscription_id: Option<&str>,
        detail: Option<&str>,
    ) -> Result<Option<i64>, DbError> {
        let row: (Option<i64>,) = sqlx::query_as(
            "SELECT MAX(id) FROM audit_log
             WHERE customer_id = $1 AND outcome = 'ok'
               AND COALESCE(subscription_id, '') = $2
               AND NOT (action = $3 AND COALESCE(detail, '') = $4)
               AND action NOT IN ('sign_in', 'send_login_link', 'create_portal_session')",
        )
        .bind(customer_id)
        .bind(subscription_id.unwrap_or_default())
        .bind(action)
        .bind(detail.unwrap_or_default())
        .fetch_one(&self.pool)
        .await?;
        Ok(row.0)
    }
}
