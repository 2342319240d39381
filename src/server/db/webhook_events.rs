//! Stripe's webhook events as received (see the migration `stripe_mirror`):
//! each id stored once, processed from here by one instance at a time.

use super::{Db, DbError, flag};

/// A received event, as stored.
#[derive(Clone, Copy, Debug)]
pub struct ReceivedEvent<'a> {
    pub id: &'a str,
    pub livemode: bool,
    pub event_type: &'a str,
    pub created: i64,
    pub payload: &'a str,
}

/// An event claimed for processing.
#[derive(Clone, Debug)]
pub struct ClaimedEvent {
    pub id: String,
    pub payload: String,
    /// Attempts so far, this one included.
    pub attempts: i64,
    /// When it was received (ms).
    pub received_at: i64,
}

/// Events waiting, and those that ran out of attempts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EventBacklog {
    pub pending: i64,
    pub failing: i64,
}

impl Db {
    /// Stores an event received at `now` (ms); `false` when its id was
    /// stored already (Stripe delivers at least once).
    pub async fn store_event(&self, event: &ReceivedEvent<'_>, now: i64) -> Result<bool, DbError> {
        let inserted = sqlx::query(
            "INSERT INTO webhook_events
               (id, livemode, event_type, created, payload, received_at, next_attempt_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6)
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(event.id)
        .bind(flag(event.livemode))
        .bind(event.event_type)
        .bind(event.created)
        .bind(event.payload)
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(inserted == 1)
    }

    /// Claims the oldest event due at `now` (ms) of a mode for `lease` ms:
    /// one statement, so of several instances only one gets it.
    pub async fn claim_event(
        &self,
        livemode: bool,
        now: i64,
        lease: i64,
        max_attempts: i64,
    ) -> Result<Option<ClaimedEvent>, DbError> {
        let row: Option<(String, String, i64, i64)> = sqlx::query_as(
            "UPDATE webhook_events SET claimed_until = $2, attempts = attempts + 1
             WHERE id = (
                 SELECT id FROM webhook_events
                 WHERE livemode = $3 AND processed_at IS NULL AND next_attempt_at <= $1
                   AND attempts < $4 AND (claimed_until IS NULL OR claimed_until < $1)
                 ORDER BY created, received_at LIMIT 1)
               AND processed_at IS NULL AND (claimed_until IS NULL OR claimed_until < $1)
             RETURNING id, payload, attempts, received_at",
        )
        .bind(now)
        .bind(now + lease)
        .bind(flag(livemode))
        .bind(max_attempts)
        .fetch_optional(&self.pool)
        .await?;
        Ok(
            row.map(|(id, payload, attempts, received_at)| ClaimedEvent {
                id,
                payload,
                attempts,
                received_at,
            }),
        )
    }

    /// Marks an event processed at `now` (ms) and drops its payload (an
    /// event can carry billing details; only its id is kept, to recognise
    /// redeliveries).
    pub async fn finish_event(&self, id: &str, now: i64) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE webhook_events
             SET processed_at = $2, claimed_until = NULL, last_error = NULL, payload = ''
             WHERE id = $1",
        )
        .bind(id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Gives an event back to be tried again at `retry_at` (ms).
    pub async fn retry_event(&self, id: &str, retry_at: i64, error: &str) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE webhook_events SET claimed_until = NULL, next_attempt_at = $2, last_error = $3
             WHERE id = $1",
        )
        .bind(id)
        .bind(retry_at)
        .bind(error)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Unprocessed events of a mode: still to be tried, and out of attempts.
    pub async fn event_backlog(
        &self,
        livemode: bool,
        max_attempts: i64,
    ) -> Result<EventBacklog, DbError> {
        let (pending, failing): (i64, i64) = sqlx::query_as(
            "SELECT
               COALESCE(SUM(CASE WHEN attempts < $2 THEN 1 ELSE 0 END), 0),
               COALESCE(SUM(CASE WHEN attempts >= $2 THEN 1 ELSE 0 END), 0)
             FROM webhook_events WHERE livemode = $1 AND processed_at IS NULL",
        )
        .bind(flag(livemode))
        .bind(max_attempts)
        .fetch_one(&self.pool)
        .await?;
        Ok(EventBacklog { pending, failing })
    }

    /// Forgets events received before `before` (ms), applied or not (the
    /// reconcile pass has covered what a failing one named). Stripe retries
    /// an event for up to three days, so ids are kept longer than that to
    /// recognise duplicates.
    pub async fn delete_old_events(&self, before: i64) -> Result<u64, DbError> {
        Ok(
            sqlx::query("DELETE FROM webhook_events WHERE received_at < $1")
                .bind(before)
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }
}
