//! Processes stored events, oldest first: each refreshes, from Stripe, the
//! mirrored reads its object touches (see `server::mirror`). Any instance
//! may process any event; a lease in the database lets only one at a time.

use std::time::Duration;

use serde_json::Value;

use crate::server::db::webhook_events::ClaimedEvent;
use crate::server::db::{DbError, now_ms};
use crate::server::metrics::{EventOutcome, metrics};
use crate::server::mirror::sync;
use crate::server::state::AppState;

/// After this many failed attempts an event is left for the reconcile pass
/// (and counted as failing in the metrics).
pub const MAX_ATTEMPTS: i64 = 12;
/// How long an instance holds an event it processes; another takes it over
/// after that if the first died.
const LEASE_MS: i64 = 60_000;
/// How often an idle worker looks for events another instance received.
const IDLE_POLL: Duration = Duration::from_millis(500);
/// The first retry waits this long, doubling up to `MAX_BACKOFF_MS`.
const FIRST_BACKOFF_MS: i64 = 2_000;
const MAX_BACKOFF_MS: i64 = 3_600_000;

/// Runs the worker for as long as the process lives.
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        loop {
            match process_next(&state).await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "cannot claim a webhook event"),
            }
            tokio::select! {
                _ = state.webhook_wakeup.notified() => {}
                _ = tokio::time::sleep(IDLE_POLL) => {}
            }
        }
    });
}

/// Claims and processes the oldest due event (applied, or given back to be
/// retried); `false` when there is none.
pub async fn process_next(state: &AppState) -> Result<bool, DbError> {
    let Some(event) = state
        .db
        .claim_event(state.livemode(), now_ms(), LEASE_MS, MAX_ATTEMPTS)
        .await?
    else {
        return Ok(false);
    };
    match apply(state, &event).await {
        Ok(()) => {
            let now = now_ms();
            state.db.finish_event(&event.id, now).await?;
            let lag = Duration::from_millis((now - event.received_at).max(0) as u64);
            metrics().webhook_applied(lag);
        }
        Err(cause) => {
            let backoff = FIRST_BACKOFF_MS
                .saturating_mul(1 << (event.attempts - 1).clamp(0, 20))
                .min(MAX_BACKOFF_MS);
            metrics().webhook_event(EventOutcome::Retried);
            tracing::warn!(event.id = %event.id, attempts = event.attempts, %cause, "webhook event not applied; will retry");
            state
                .db
                .retry_event(&event.id, now_ms() + backoff, &cause)
                .await?;
        }
    }
    Ok(true)
}

/// Refreshes what the event touches. Its payload is only a notice of what
/// changed: the objects are fetched again, so an older event processed
/// after a newer one still leaves Stripe's current state.
async fn apply(state: &AppState, event: &ClaimedEvent) -> Result<(), String> {
    let Some(mirror) = state.stripe.mirror() else {
        return Ok(());
    };
    let payload: Value = serde_json::from_str(&event.payload).map_err(|e| e.to_string())?;
    let reads = mirror
        .reads_for_event(&payload)
        .await
        .map_err(|e| e.to_string())?;
    let report = sync::refresh(&state.stripe, &reads).await;
    if report.failed > 0 {
        return Err(format!(
            "{} of {} reads not refreshed",
            report.failed,
            reads.len()
        ));
    }
    Ok(())
}
