//! Request limits shared by every instance (counted in the database).

use sha2::{Digest, Sha256};

use crate::error::PortalError;
use crate::server::db::Db;

/// At most `max` hits per `window` seconds for one value of a kind.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    /// Names the kind of value counted (`login:email`), so two limits on
    /// the same value do not share a count.
    pub kind: &'static str,
    pub max: i64,
    pub window: i64,
}

/// Sign-in emails asked for one address: a few resends, not a mail bomb.
pub const LOGIN_PER_ADDRESS: Limit = Limit {
    kind: "login:email",
    max: 5,
    window: 60 * 60,
};

/// Sign-in emails asked for from one client address, whatever the email:
/// stops one client from probing or flooding many mailboxes.
pub const LOGIN_PER_CLIENT: Limit = Limit {
    kind: "login:client",
    max: 20,
    window: 60 * 60,
};

/// Counts a hit for `value` and refuses it beyond the limit. The value is
/// stored only as a hash: rate-limit rows hold no email addresses.
pub async fn check(db: &Db, limit: Limit, value: &str, now: i64) -> Result<(), PortalError> {
    let bucket = hex::encode(Sha256::digest(format!("{}:{value}", limit.kind)));
    let window_start = now - now.rem_euclid(limit.window);
    let hits = db
        .hit_rate_limit(&bucket, window_start)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot count the rate limit");
            PortalError::Unavailable
        })?;
    if hits > limit.max {
        tracing::info!(limit = limit.kind, "rate limit reached");
        return Err(PortalError::RateLimited);
    }
    Ok(())
}
