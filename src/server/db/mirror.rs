//! Rows of the Stripe mirror (see the migration `stripe_mirror` and
//! `server::mirror`, which decides what goes in).

use super::{Db, DbError, flag};

/// A mirrored read, as stored: enough to ask Stripe again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MirroredRead {
    pub request_key: String,
    pub path: String,
    pub query: String,
}

/// One answer to store.
#[derive(Clone, Copy, Debug)]
pub struct MirrorWrite<'a> {
    pub livemode: bool,
    pub request_key: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub body: &'a str,
    /// When the fetch began (ms).
    pub fetched_at: i64,
    pub tags: &'a [String],
}

impl Db {
    /// The stored answer to `request_key` and when its fetch began (ms);
    /// `None` when there is none or it was made stale.
    pub async fn mirrored(&self, request_key: &str) -> Result<Option<(String, i64)>, DbError> {
        let row: Option<(Option<String>, i64)> =
            sqlx::query_as("SELECT body, fetched_at FROM stripe_mirror WHERE request_key = $1")
                .bind(request_key)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.and_then(|(body, at)| body.map(|b| (b, at))))
    }

    /// Stores an answer unless a fetch that began later (or a change made
    /// after this fetch began) is stored already; `true` when it was.
    pub async fn store_mirrored(&self, write: &MirrorWrite<'_>) -> Result<bool, DbError> {
        let mut tx = self.pool.begin().await?;
        let stored = sqlx::query(
            "INSERT INTO stripe_mirror (request_key, livemode, path, query, body, fetched_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (request_key) DO UPDATE
               SET body = excluded.body, fetched_at = excluded.fetched_at
               WHERE stripe_mirror.fetched_at <= excluded.fetched_at",
        )
        .bind(write.request_key)
        .bind(flag(write.livemode))
        .bind(write.path)
        .bind(write.query)
        .bind(write.body)
        .bind(write.fetched_at)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if stored {
            sqlx::query("DELETE FROM stripe_mirror_tags WHERE request_key = $1")
                .bind(write.request_key)
                .execute(&mut *tx)
                .await?;
            // One statement per few hundred tags rather than one per tag.
            for chunk in write.tags.chunks(200) {
                let values: Vec<String> = (0..chunk.len())
                    .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
                    .collect();
                let sql = format!(
                    "INSERT INTO stripe_mirror_tags (tag, request_key) VALUES {}
                     ON CONFLICT DO NOTHING",
                    values.join(", ")
                );
                let mut query = sqlx::query(&sql);
                for tag in chunk {
                    query = query.bind(tag.as_str()).bind(write.request_key);
                }
                query.execute(&mut *tx).await?;
            }
        }
        tx.commit().await?;
        Ok(stored)
    }

    /// Every stored read that mentions one of `tags`.
    pub async fn mirrored_reads_tagged(
        &self,
        tags: &[String],
    ) -> Result<Vec<MirroredRead>, DbError> {
        let mut reads: Vec<MirroredRead> = Vec::new();
        for tag in tags {
            let rows: Vec<(String, String, String)> = sqlx::query_as(
                "SELECT m.request_key, m.path, m.query FROM stripe_mirror m
                 JOIN stripe_mirror_tags t ON t.request_key = m.request_key
                 WHERE t.tag = $1",
            )
            .bind(tag.as_str())
            .fetch_all(&self.pool)
            .await?;
            for (request_key, path, query) in rows {
                if !reads.iter().any(|r| r.request_key == request_key) {
                    reads.push(MirroredRead {
                        request_key,
                        path,
                        query,
                    });
                }
            }
        }
        Ok(reads)
    }

    /// The stored reads of a mode fetched before `before` (ms), oldest
    /// first, at most `limit`.
    pub async fn mirrored_reads_older(
        &self,
        livemode: bool,
        before: i64,
        limit: i64,
    ) -> Result<Vec<MirroredRead>, DbError> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT request_key, path, query FROM stripe_mirror
             WHERE livemode = $1 AND fetched_at < $2 ORDER BY fetched_at LIMIT $3",
        )
        .bind(flag(livemode))
        .bind(before)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(request_key, path, query)| MirroredRead {
                request_key,
                path,
                query,
            })
            .collect())
    }

    /// Makes every stored answer that mentions one of `tags` stale, as of
    /// `at` (ms): the next read asks Stripe, and no fetch that began before
    /// `at` is stored over it.
    pub async fn invalidate_mirrored(&self, tags: &[String], at: i64) -> Result<u64, DbError> {
        let mut changed = 0;
        for tag in tags {
            changed += sqlx::query(
                "UPDATE stripe_mirror SET body = NULL, fetched_at = $2
                 WHERE fetched_at <= $2 AND request_key IN
                   (SELECT request_key FROM stripe_mirror_tags WHERE tag = $1)",
            )
            .bind(tag.as_str())
            .bind(at)
            .execute(&self.pool)
            .await?
            .rows_affected();
        }
        Ok(changed)
    }

    /// Makes one stored answer stale as of `at` (ms).
    pub async fn invalidate_mirrored_read(
        &self,
        request_key: &str,
        at: i64,
    ) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE stripe_mirror SET body = NULL, fetched_at = $2
             WHERE request_key = $1 AND fetched_at <= $2",
        )
        .bind(request_key)
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Deletes the stored reads of a mode fetched (or made stale) before
    /// `before` (ms), with their tags.
    pub async fn delete_mirrored_before(
        &self,
        livemode: bool,
        before: i64,
    ) -> Result<u64, DbError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "DELETE FROM stripe_mirror_tags WHERE request_key IN
               (SELECT request_key FROM stripe_mirror WHERE livemode = $1 AND fetched_at < $2)",
        )
        .bind(flag(livemode))
        .bind(before)
        .execute(&mut *tx)
        .await?;
        let deleted =
            sqlx::query("DELETE FROM stripe_mirror WHERE livemode = $1 AND fetched_at < $2")
                .bind(flag(livemode))
                .bind(before)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        tx.commit().await?;
        Ok(deleted)
    }

    /// When the oldest answer of a mode was fetched (ms), for the mirror's
    /// age; `None` when nothing is mirrored.
    pub async fn oldest_mirrored(&self, livemode: bool) -> Result<Option<i64>, DbError> {
        let row: (Option<i64>,) = sqlx::query_as(
            "SELECT MIN(fetched_at) FROM stripe_mirror WHERE livemode = $1 AND body IS NOT NULL",
        )
        .bind(flag(livemode))
        .fetch_one(&self.pool)
        .await?;
        Ok(row.0)
    }
}
