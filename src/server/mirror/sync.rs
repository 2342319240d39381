//! Reconcile: asks Stripe again for what the mirror holds, for events that
//! never came (an endpoint down for days, a misconfigured webhook). Both
//! `portico sync` and the periodic pass run it; running it twice does no
//! more than once.

use std::time::Duration;

use crate::server::db::mirror::MirroredRead;
use crate::server::db::{DbError, now_ms};
use crate::server::stripe::{StripeApi, StripeApiError};

/// Reads refreshed per round.
const BATCH: i64 = 200;
/// Reads one periodic pass refreshes at most: sequential calls, a few
/// minutes of one connection's worth of Stripe's rate limit.
const PASS_BUDGET: usize = 1000;

/// What a pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub refreshed: usize,
    pub failed: usize,
}

/// Why a pass stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("the Stripe mirror is off (PORTICO_CACHE_TTL=0 and no STRIPE_WEBHOOK_SECRET)")]
    Off,
    #[error("database: {0}")]
    Db(#[from] DbError),
}

/// Refreshes every stored read of one customer.
pub async fn customer(stripe: &StripeApi, customer: &str) -> Result<SyncReport, SyncError> {
    let mirror = stripe.mirror().ok_or(SyncError::Off)?;
    let reads = mirror.reads_of_customer(customer).await?;
    Ok(refresh(stripe, &reads).await)
}

/// Refreshes every stored read fetched more than `older_than` ago (all of
/// them with zero), oldest first, at most `budget` of them when given.
pub async fn older_than(
    stripe: &StripeApi,
    older_than: Duration,
    budget: Option<usize>,
) -> Result<SyncReport, SyncError> {
    let mirror = stripe.mirror().ok_or(SyncError::Off)?;
    let before = now_ms() - older_than.as_millis() as i64;
    let mut report = SyncReport::default();
    loop {
        let left = budget.map_or(BATCH, |b| {
            (b.saturating_sub(report.refreshed + report.failed)) as i64
        });
        if left == 0 {
            return Ok(report);
        }
        let reads = mirror.reads_older_than(before, left.min(BATCH)).await?;
        let round = refresh(stripe, &reads).await;
        report.refreshed += round.refreshed;
        report.failed += round.failed;
        // A refreshed read is newer than `before` and leaves the query; a
        // failed one stays, so a round that refreshes nothing is the last.
        if round.refreshed == 0 || (reads.len() as i64) < left.min(BATCH) {
            return Ok(report);
        }
    }
}

/// The periodic pass: forgets what has aged past serving (a customer not
/// seen for a while is read from Stripe again when they come back), then
/// refreshes the oldest of the rest within a budget, so the pass never
/// takes more than a small share of the merchant's Stripe rate limit
/// however many customers the mirror has seen.
pub async fn periodic(
    stripe: &StripeApi,
    every: Duration,
    max_age: Duration,
) -> Result<SyncReport, SyncError> {
    let mirror = stripe.mirror().ok_or(SyncError::Off)?;
    mirror
        .forget_older_than(now_ms() - max_age.as_millis() as i64)
        .await?;
    older_than(stripe, every, Some(PASS_BUDGET)).await
}

/// Refreshes reads one after the other: a pass must not crowd out pages in
/// the merchant's Stripe rate limit.
pub async fn refresh(stripe: &StripeApi, reads: &[MirroredRead]) -> SyncReport {
    let mut report = SyncReport::default();
    for read in reads {
        match stripe.refetch(read).await {
            Ok(()) => report.refreshed += 1,
            Err(e) => {
                report.failed += 1;
                log_failure(&e);
            }
        }
    }
    report
}

fn log_failure(e: &StripeApiError) {
    tracing::warn!(error = %e, "cannot refresh a mirrored Stripe read");
}
