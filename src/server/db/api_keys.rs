//! Portico API keys, for the server-to-server portal session API. Rows hold
//! the key's SHA-256, never the key.

use sqlx::Row;

use super::{Db, DbError, flag};

/// A stored key, without any secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKeyRow {
    /// `pak_…`: names the key in the CLI, logs and the audit log.
    pub id: String,
    pub livemode: bool,
    pub description: Option<String>,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

fn key_row(r: &sqlx::any::AnyRow) -> Result<ApiKeyRow, sqlx::Error> {
    Ok(ApiKeyRow {
        id: r.try_get("id")?,
        livemode: r.try_get::<i64, _>("livemode")? != 0,
        description: r.try_get("description")?,
        created_at: r.try_get("created_at")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

impl Db {
    /// Stores a new key by its hash.
    pub async fn insert_api_key(&self, key: &ApiKeyRow, key_hash: &str) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO api_keys (id, key_hash, livemode, description, created_at, revoked_at)
             VALUES ($1, $2, $3, $4, $5, NULL)",
        )
        .bind(&key.id)
        .bind(key_hash)
        .bind(flag(key.livemode))
        .bind(&key.description)
        .bind(key.created_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The key with this hash, revoked or not.
    pub async fn api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKeyRow>, DbError> {
        let row = sqlx::query(
            "SELECT id, livemode, description, created_at, revoked_at FROM api_keys WHERE key_hash = $1",
        )
        .bind(key_hash)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(key_row).transpose()?)
    }

    /// Every key, newest first.
    pub async fn api_keys(&self) -> Result<Vec<ApiKeyRow>, DbError> {
        let rows = sqlx::query(
            "SELECT id, livemode, description, created_at, revoked_at FROM api_keys
             ORDER BY created_at DESC, id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(key_row).collect::<Result<_, _>>()?)
    }

    /// Revokes a key at `now`; false when no live key has this id.
    pub async fn revoke_api_key(&self, id: &str, now: i64) -> Result<bool, DbError> {
        let done =
            sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(now)
                .bind(id)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() == 1)
    }
}
