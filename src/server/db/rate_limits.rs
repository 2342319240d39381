//! Fixed-window counters in the database, so every Portico instance behind a
//! load balancer counts against the same limit.

use super::{Db, DbError};

impl Db {
    /// Counts one hit on `bucket` in the window starting at `window_start`
    /// and returns the window's hits so far, this one included.
    pub async fn hit_rate_limit(&self, bucket: &str, window_start: i64) -> Result<i64, DbError> {
        // One statement, so two instances counting at once cannot both read
        // the old value.
        let hits: i64 = sqlx::query_scalar(
            "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1)
             ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1
             RETURNING hits",
        )
        .bind(bucket)
        .bind(window_start)
        .fetch_one(&self.pool)
        .await?;
        Ok(hits)
    }

    /// Removes windows that started before `before`.
    pub async fn delete_old_rate_limits(&self, before: i64) -> Result<u64, DbError> {
        let done = sqlx::query("DELETE FROM rate_limits WHERE window_start < $1")
            .bind(before)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
