//! New email addresses waiting for their owner's confirmation (see the
//! migration `email_changes`), found by the hash of their token.

use sqlx::Row;

use super::{Db, DbError, flag};

/// A pending email change as stored (without its hash).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailChangeRow {
    /// `mec_…`, safe to log.
    pub id: String,
    pub customer_id: String,
    pub livemode: bool,
    pub new_email: String,
    pub created_at: i64,
    pub expires_at: i64,
}

fn email_change_row(r: &sqlx::any::AnyRow) -> Result<EmailChangeRow, sqlx::Error> {
    Ok(EmailChangeRow {
        id: r.try_get("id")?,
        customer_id: r.try_get("customer_id")?,
        livemode: r.try_get::<i64, _>("livemode")? != 0,
        new_email: r.try_get("new_email")?,
        created_at: r.try_get("created_at")?,
        expires_at: r.try_get("expires_at")?,
    })
}

impl Db {
    /// Stores a new change; the customer's earlier unused ones are spent,
    /// so only the newest address can be confirmed (in one transaction, so
    /// two requests at once cannot leave two usable links).
    pub async fn insert_email_change(
        &self,
        change: &EmailChangeRow,
        token_hash: &str,
    ) -> Result<(), DbError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE email_changes SET used_at = $1
             WHERE customer_id = $2 AND livemode = $3 AND used_at IS NULL",
        )
        .bind(change.created_at)
        .bind(&change.customer_id)
        .bind(flag(change.livemode))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO email_changes (id, token_hash, customer_id, livemode, new_email, created_at, expires_at, used_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)",
        )
        .bind(&change.id)
        .bind(token_hash)
        .bind(&change.customer_id)
        .bind(flag(change.livemode))
        .bind(&change.new_email)
        .bind(change.created_at)
        .bind(change.expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The change a token names while it is unused and unexpired.
    pub async fn open_email_change(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<EmailChangeRow>, DbError> {
        let row = sqlx::query(
            "SELECT id, customer_id, livemode, new_email, created_at, expires_at
             FROM email_changes WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(email_change_row).transpose()?)
    }

    /// Uses a change: true for exactly one caller, however many race.
    pub async fn use_email_change(&self, id: &str, now: i64) -> Result<bool, DbError> {
        let done = sqlx::query(
            "UPDATE email_changes SET used_at = $1
             WHERE id = $2 AND used_at IS NULL AND expires_at > $1",
        )
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Makes a used change usable again (its write did not go through).
    pub async fn reopen_email_change(&self, id: &str) -> Result<(), DbError> {
        sqlx::query("UPDATE email_changes SET used_at = NULL WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The address the customer is waiting to confirm, if any.
    pub async fn pending_email(
        &self,
        customer_id: &str,
        livemode: bool,
        now: i64,
    ) -> Result<Option<String>, DbError> {
        Ok(sqlx::query_scalar(
            "SELECT new_email FROM email_changes
             WHERE customer_id = $1 AND livemode = $2 AND used_at IS NULL AND expires_at > $3
             ORDER BY created_at DESC LIMIT 1",
        )
        .bind(customer_id)
        .bind(flag(livemode))
        .bind(now)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Removes changes that expired before `now`.
    pub async fn delete_expired_email_changes(&self, now: i64) -> Result<u64, DbError> {
        let done = sqlx::query("DELETE FROM email_changes WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
