//! The local mirror of Stripe: Stripe's answers to the reads the pages make,
//! kept in the database so a warm page makes no Stripe call, and shared by
//! every instance on the same database.
//!
//! Stripe stays the source of truth; the mirror is refreshed, never edited:
//! - a read it lacks (a customer never seen before) is asked of Stripe once
//!   and kept (`stripe::mirrored`);
//! - Portico's own changes make what they touch stale at once, so the next
//!   page asks Stripe again and the customer sees their change
//!   (read-your-writes) before its webhook arrives;
//! - an event is a notice, not the truth: what it touches is fetched again
//!   from Stripe, so events out of order or repeated never regress a page
//!   (`webhooks`);
//! - a reconcile pass (`sync`) refreshes what events may have missed.
//!
//! Without webhooks an answer serves for `PORTICO_CACHE_TTL` only.

pub mod sync;
pub mod tags;

use std::time::Duration;

use serde_json::Value;

use crate::server::db::mirror::{MirrorWrite, MirroredRead};
use crate::server::db::{Db, DbError, now_ms};

/// The mirror of one mode.
#[derive(Clone, Debug)]
pub struct Mirror {
    db: Db,
    livemode: bool,
    /// How long an answer serves (see `MirrorConfig::max_age`).
    max_age: Duration,
}

impl Mirror {
    pub fn new(db: Db, livemode: bool, max_age: Duration) -> Self {
        // Tags and keys carry the mode: test and live may share a database.
        Self {
            db,
            livemode,
            max_age,
        }
    }

    fn mode(&self) -> &'static str {
        if self.livemode { "live" } else { "test" }
    }

    fn request_key(&self, path: &str, query: &str) -> String {
        format!("{}:{path}?{query}", self.mode())
    }

    /// Stripe's stored answer to a read, while it serves. A storage failure
    /// is logged and answers `None`: the page asks Stripe instead.
    pub async fn lookup(&self, path: &str, query: &str) -> Option<String> {
        match self.db.mirrored(&self.request_key(path, query)).await {
            Ok(Some((body, fetched_at)))
                if now_ms() - fetched_at < self.max_age.as_millis() as i64 =>
            {
                Some(body)
            }
            Ok(_) => None,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the Stripe mirror");
                None
            }
        }
    }

    /// Keeps Stripe's answer to a read whose fetch began at `started` (ms).
    pub async fn store(&self, path: &str, query: &str, body: &str, started: i64) {
        let Ok(parsed) = serde_json::from_str::<Value>(body) else {
            return;
        };
        let tags = tags::of_read(self.mode(), path, query, &parsed);
        let write = MirrorWrite {
            livemode: self.livemode,
            request_key: &self.request_key(path, query),
            path,
            query,
            body,
            fetched_at: started,
            tags: &tags,
        };
        if let Err(e) = self.db.store_mirrored(&write).await {
            tracing::warn!(error = %e, "cannot store in the Stripe mirror");
        }
    }

    /// A change Portico made at Stripe (its path and Stripe's answer, or
    /// none when it failed): what it touches is stale from now on.
    pub async fn changed(&self, path: &str, answer: Option<&str>) {
        let answer = answer
            .and_then(|a| serde_json::from_str::<Value>(a).ok())
            .unwrap_or(Value::Null);
        let tags = tags::of_change(self.mode(), path, &answer);
        if let Err(e) = self.db.invalidate_mirrored(&tags, now_ms()).await {
            // The next reads may show the state before the change until an
            // event or the reconcile pass refreshes it.
            tracing::error!(error = %e, "cannot mark the Stripe mirror stale after a change");
        }
    }

    /// The stored reads an event touches.
    pub async fn reads_for_event(&self, event: &Value) -> Result<Vec<MirroredRead>, DbError> {
        self.db
            .mirrored_reads_tagged(&tags::of_event(self.mode(), event))
            .await
    }

    /// The stored reads of one customer.
    pub async fn reads_of_customer(&self, customer: &str) -> Result<Vec<MirroredRead>, DbError> {
        self.db
            .mirrored_reads_tagged(&tags::of_customer(self.mode(), customer))
            .await
    }

    /// The stored reads fetched before `before` (ms), oldest first.
    pub async fn reads_older_than(
        &self,
        before: i64,
        limit: i64,
    ) -> Result<Vec<MirroredRead>, DbError> {
        self.db
            .mirrored_reads_older(self.livemode, before, limit)
            .await
    }

    /// A stored read Stripe no longer answers (the object is gone): the next
    /// page asks Stripe, which says so.
    pub async fn forget(&self, read: &MirroredRead) {
        if let Err(e) = self
            .db
            .invalidate_mirrored_read(&read.request_key, now_ms())
            .await
        {
            tracing::warn!(error = %e, "cannot update the Stripe mirror");
        }
    }

    /// Removes what was fetched (or made stale) before `before` (ms).
    pub async fn forget_older_than(&self, before: i64) -> Result<u64, DbError> {
        self.db.delete_mirrored_before(self.livemode, before).await
    }

    /// How old the oldest mirrored answer is, or `None` when there is none.
    pub async fn age(&self) -> Option<Duration> {
        match self.db.oldest_mirrored(self.livemode).await {
            Ok(Some(at)) => Some(Duration::from_millis((now_ms() - at).max(0) as u64)),
            _ => None,
        }
    }
}
