//! Which identity-hash secrets each mode runs with, as fingerprints (see the
//! migration `secret_fingerprints`).

use super::{Db, DbError, flag};

impl Db {
    /// Records `fingerprints` as the secrets of `livemode` (replacing the
    /// mode's earlier ones, so a secret rotated away no longer counts) and
    /// answers whether the other mode uses any of them.
    pub async fn record_secret_fingerprints(
        &self,
        livemode: bool,
        fingerprints: &[String],
    ) -> Result<bool, DbError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM secret_fingerprints WHERE livemode = $1")
            .bind(flag(livemode))
            .execute(&mut *tx)
            .await?;
        let mut shared = false;
        for fingerprint in fingerprints {
            sqlx::query(
                "INSERT INTO secret_fingerprints (livemode, fingerprint) VALUES ($1, $2)
                 ON CONFLICT (livemode, fingerprint) DO NOTHING",
            )
            .bind(flag(livemode))
            .bind(fingerprint)
            .execute(&mut *tx)
            .await?;
            let other: Option<i64> = sqlx::query_scalar(
                "SELECT livemode FROM secret_fingerprints WHERE livemode = $1 AND fingerprint = $2",
            )
            .bind(flag(!livemode))
            .bind(fingerprint)
            .fetch_optional(&mut *tx)
            .await?;
            shared |= other.is_some();
        }
        tx.commit().await?;
        Ok(shared)
    }
}
