//! The local mirror of Stripe (see `server::mirror`): whether webhooks keep
//! it current, and how long an answer serves when they do not.

use std::time::Duration;

use secrecy::SecretString;

use super::{ConfigError, invalid};

/// Without webhooks, a mirrored answer serves this long: a change made at
/// Stripe shows within it, and a page view costs Stripe calls at most once
/// in that time.
pub const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(30);
/// With webhooks, the mirror is kept current by events; the reconcile pass
/// refreshes what is older than this anyway, for events that never came.
pub const DEFAULT_SYNC_INTERVAL: Duration = Duration::from_secs(3600);

/// How the mirror is kept.
#[derive(Debug)]
pub struct MirrorConfig {
    /// `STRIPE_WEBHOOK_SECRET`: the endpoint's signing secrets (`whsec_…`),
    /// comma-separated; any one verifies an event, so a secret can be rolled
    /// without dropping events.
    pub webhook_secrets: Vec<SecretString>,
    /// `PORTICO_CACHE_TTL` (seconds): how long an answer serves without
    /// webhooks; `0` turns the mirror off (every page asks Stripe).
    pub cache_ttl: Duration,
    /// `PORTICO_SYNC_INTERVAL` (seconds): how often the reconcile pass runs,
    /// and the age it refreshes; `0` turns the periodic pass off.
    pub sync_interval: Duration,
}

impl MirrorConfig {
    /// Whether Stripe's events keep the mirror current.
    pub fn webhooks(&self) -> bool {
        !self.webhook_secrets.is_empty()
    }

    /// How long a mirrored answer serves before it is asked again, or
    /// `None` when the mirror is off.
    pub fn max_age(&self) -> Option<Duration> {
        if self.webhooks() {
            // Events refresh it; twice the reconcile interval bounds what a
            // missed event and a stopped pass could leave behind.
            Some(
                self.sync_interval
                    .checked_mul(2)
                    .filter(|d| !d.is_zero())
                    .unwrap_or(DEFAULT_SYNC_INTERVAL * 24),
            )
        } else if self.cache_ttl.is_zero() {
            None
        } else {
            Some(self.cache_ttl)
        }
    }

    /// `STRIPE_WEBHOOK_SECRET`, `PORTICO_CACHE_TTL`, `PORTICO_SYNC_INTERVAL`.
    pub(super) fn from_lookup(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let webhook_secrets = get("STRIPE_WEBHOOK_SECRET")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                if s.starts_with("whsec_") {
                    Ok(SecretString::from(s.to_string()))
                } else {
                    Err(invalid(
                        "STRIPE_WEBHOOK_SECRET",
                        "expected signing secrets starting whsec_, comma-separated",
                    ))
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            webhook_secrets,
            cache_ttl: seconds(get, "PORTICO_CACHE_TTL", DEFAULT_CACHE_TTL)?,
            sync_interval: seconds(get, "PORTICO_SYNC_INTERVAL", DEFAULT_SYNC_INTERVAL)?,
        })
    }
}

fn seconds(
    get: &dyn Fn(&str) -> Option<String>,
    var: &'static str,
    default: Duration,
) -> Result<Duration, ConfigError> {
    match get(var) {
        None => Ok(default),
        Some(raw) => raw
            .trim()
            .parse::<u64>()
            .map(Duration::from_secs)
            .map_err(|_| invalid(var, "expected a whole number of seconds")),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use secrecy::ExposeSecret;

    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<MirrorConfig, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        MirrorConfig::from_lookup(&|k| map.get(k).cloned())
    }

    #[test]
    fn without_webhooks_answers_serve_for_the_short_cache_lifetime() {
        let c = read(&[]).unwrap();
        assert!(!c.webhooks());
        assert_eq!(c.max_age(), Some(DEFAULT_CACHE_TTL));
        assert_eq!(read(&[("PORTICO_CACHE_TTL", "0")]).unwrap().max_age(), None);
    }

    #[test]
    fn several_webhook_secrets_for_rotation() {
        let c = read(&[("STRIPE_WEBHOOK_SECRET", "whsec_new, whsec_old")]).unwrap();
        let secrets: Vec<&str> = c
            .webhook_secrets
            .iter()
            .map(|s| s.expose_secret())
            .collect();
        assert_eq!(secrets, ["whsec_new", "whsec_old"]);
        assert_eq!(c.max_age(), Some(DEFAULT_SYNC_INTERVAL * 2));
    }

    #[test]
    fn a_secret_that_is_not_a_signing_secret_stops_boot() {
        let err = read(&[("STRIPE_WEBHOOK_SECRET", "sk_test_123")]).unwrap_err();
        assert!(matches!(
            err,
            ConfigError::Invalid {
                var: "STRIPE_WEBHOOK_SECRET",
                ..
            }
        ));
        assert!(read(&[("PORTICO_SYNC_INTERVAL", "soon")]).is_err());
    }
}
