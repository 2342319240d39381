//! Stored email sign-in links, found by the hash of their token.

use sqlx::Row;

use super::{Db, DbError, flag};

/// A sign-in link as stored (without its hash).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginLinkRow {
    /// `mll_…`, safe to log.
    pub id: String,
    pub customer_id: String,
    pub configuration_id: String,
    pub livemode: bool,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    /// The masked address the link was sent to (`a•••@example.com`).
    pub recipient_hint: String,
}

fn login_link_row(r: &sqlx::any::AnyRow) -> Result<LoginLinkRow, sqlx::Error> {
    Ok(LoginLinkRow {
        id: r.try_get("id")?,
        customer_id: r.try_get("customer_id")?,
        configuration_id: r.try_get("configuration_id")?,
        livemode: r.try_get::<i64, _>("livemode")? != 0,
        created_at: r.try_get("created_at")?,
        expires_at: r.try_get("expires_at")?,
        used_at: r.try_get("used_at")?,
        recipient_hint: r.try_get("recipient_hint")?,
    })
}

const COLUMNS: &str =
    "id, customer_id, configuration_id, livemode, created_at, expires_at, used_at, recipient_hint";

impl Db {
    /// Stores a new, unused link.
    pub async fn insert_login_link(
        &self,
        link: &LoginLinkRow,
        token_hash: &str,
    ) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO login_links (id, token_hash, customer_id, configuration_id, livemode, created_at, expires_at, used_at, recipient_hint)
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8)",
        )
        .bind(&link.id)
        .bind(token_hash)
        .bind(&link.customer_id)
        .bind(&link.configuration_id)
        .bind(flag(link.livemode))
        .bind(link.created_at)
        .bind(link.expires_at)
        .bind(&link.recipient_hint)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Finds a link by its token's hash, used or not.
    pub async fn login_link_by_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<LoginLinkRow>, DbError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM login_links WHERE token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(login_link_row).transpose()?)
    }

    /// Uses a link: true for exactly one caller, and only while it is
    /// unused and unexpired, however many instances race for it. The
    /// customer's other unused links are spent with it: once signed in, an
    /// older email lying around should not open another session.
    pub async fn use_login_link(&self, link: &LoginLinkRow, now: i64) -> Result<bool, DbError> {
        let done = sqlx::query(
            "UPDATE login_links SET used_at = $1
             WHERE id = $2 AND used_at IS NULL AND expires_at > $1",
        )
        .bind(now)
        .bind(&link.id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE login_links SET used_at = $1
             WHERE customer_id = $2 AND livemode = $3 AND used_at IS NULL",
        )
        .bind(now)
        .bind(&link.customer_id)
        .bind(flag(link.livemode))
        .execute(&self.pool)
        .await?;
        Ok(true)
    }

    /// Removes links that expired before `now`; returns how many.
    pub async fn delete_expired_login_links(&self, now: i64) -> Result<u64, DbError> {
        let done = sqlx::query("DELETE FROM login_links WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
