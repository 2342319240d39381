//! Request limits shared by every instance (counted in the database).

use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use sha2::Sha256;

use crate::error::PortalError;
use crate::server::state::AppState;

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

/// Sign-ins by link or embed (`/portal`, `/embed`) from one client
/// address for one identity: far more than a person opens, few enough that
/// no client can guess at one customer's hash or spend the merchant's
/// Stripe request budget through Portico's sign-in.
pub const SIGN_IN_PER_IDENTITY: Limit = Limit {
    kind: "sign_in:identity",
    max: 60,
    window: 60,
};

/// Sign-ins from one client address, whatever the identity: an office or
/// a proxy signs many people in, a client spraying identities is stopped.
pub const SIGN_IN_PER_CLIENT: Limit = Limit {
    kind: "sign_in:client",
    max: 600,
    window: 60,
};

/// Counts a hit for `value` and refuses it beyond the limit. The value is
/// stored only as a keyed hash (HMAC with the current identity secret), so
/// rate-limit rows hold no email addresses, and a list of known addresses
/// cannot be matched against them.
pub async fn check(
    state: &AppState,
    limit: Limit,
    value: &str,
    now: i64,
) -> Result<(), PortalError> {
    let key = state.config.auth.current_key().secret.expose_secret();
    let bucket = bucket(key.as_bytes(), limit, value);
    let window_start = now - now.rem_euclid(limit.window);
    let hits = state
        .db
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

fn bucket(key: &[u8], limit: Limit, value: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(limit.kind.as_bytes());
    mac.update(b"\n");
    mac.update(value.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_keyed_and_apart_per_kind() {
        let a = bucket(b"secret-one-0123456", LOGIN_PER_ADDRESS, "ada@example.com");
        assert_eq!(
            a,
            bucket(b"secret-one-0123456", LOGIN_PER_ADDRESS, "ada@example.com")
        );
        assert_ne!(
            a,
            bucket(b"secret-two-0123456", LOGIN_PER_ADDRESS, "ada@example.com")
        );
        assert_ne!(
            a,
            bucket(b"secret-one-0123456", LOGIN_PER_CLIENT, "ada@example.com")
        );
        assert!(!a.contains("ada"));
    }
}
