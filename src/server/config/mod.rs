//! Server configuration, read once from the environment at boot. Every
//! variable is documented in `.env.example`; a missing or contradictory
//! setting stops boot with a message naming the variable. Each section
//! reads its own variables (`from_lookup`), in its own file.

mod auth;
mod database;
mod mail;
mod mirror;
mod server;
mod stripe;

use url::Url;

pub use auth::{AuthConfig, DEFAULT_KEY_ID, HashKey};
pub use database::DatabaseConfig;
pub use mail::MailConfig;
pub use mirror::MirrorConfig;
pub use server::ServerConfig;
pub use stripe::StripeConfig;

/// Test mode talks to Stripe test data (or the emulator); live mode to real money.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Test,
    Live,
}

impl Mode {
    /// `test` or `live`, as used in key prefixes and stored rows.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Test => "test",
            Mode::Live => "live",
        }
    }

    /// `PORTICO_MODE`: `test` (the default) or `live`.
    fn from_lookup(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        match get("PORTICO_MODE").as_deref() {
            None | Some("test") => Ok(Mode::Test),
            Some("live") => Ok(Mode::Live),
            Some(other) => Err(invalid(
                "PORTICO_MODE",
                format!("`{other}`: use `test` or `live`"),
            )),
        }
    }
}

/// Everything Portico reads from the environment.
#[derive(Debug)]
pub struct Config {
    pub mode: Mode,
    pub server: ServerConfig,
    pub stripe: StripeConfig,
    pub auth: AuthConfig,
    pub database: DatabaseConfig,
    pub mail: MailConfig,
    pub mirror: MirrorConfig,
}

/// A setting that stops boot.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} is not set")]
    Missing(&'static str),
    #[error("{var} is invalid: {reason}")]
    Invalid { var: &'static str, reason: String },
}

fn invalid(var: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        var,
        reason: reason.into(),
    }
}

impl Config {
    /// Reads the process environment (after loading `.env`, if present).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    }

    /// Builds the configuration from any variable source; tests pass a map.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get: &dyn Fn(&str) -> Option<String> = &get;
        let mode = Mode::from_lookup(get)?;
        Ok(Self {
            mode,
            server: ServerConfig::from_lookup(get, mode)?,
            stripe: StripeConfig::from_lookup(get, mode)?,
            auth: AuthConfig::from_lookup(get, mode)?,
            mail: MailConfig::from_lookup(get)?,
            database: DatabaseConfig::from_lookup(get)?,
            mirror: MirrorConfig::from_lookup(get)?,
        })
    }
}

fn parse_url(var: &'static str, raw: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(raw).map_err(|e| invalid(var, format!("{e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(var, "use an http:// or https:// URL"));
    }
    Ok(url)
}

/// Refuses a plain-http URL in live mode.
fn https_in_live(var: &'static str, url: &Url, mode: Mode) -> Result<(), ConfigError> {
    if mode == Mode::Live && url.scheme() != "https" {
        return Err(invalid(var, "live mode needs an https:// URL"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use secrecy::ExposeSecret;

    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    const MINIMAL: &[(&str, &str)] = &[
        ("STRIPE_SECRET_KEY", "sk_test_123"),
        ("PORTICO_HASH_SECRET", "0123456789abcdef"),
    ];

    #[test]
    fn minimal_test_mode_config_uses_defaults() {
        let c = config(MINIMAL).expect("valid");
        assert_eq!(c.mode, Mode::Test);
        assert_eq!(c.database.url, "sqlite://data/portico.db");
        assert_eq!(c.server.bind.to_string(), "127.0.0.1:3000");
        assert_eq!(c.stripe.api_base.as_str(), "https://api.stripe.com/");
        assert!(!c.server.secure_cookies());
    }

    #[test]
    fn missing_secret_key_names_the_variable() {
        let err = config(&[("PORTICO_HASH_SECRET", "0123456789abcdef")]).unwrap_err();
        assert_eq!(err.to_string(), "STRIPE_SECRET_KEY is not set");
    }

    #[test]
    fn test_key_in_live_mode_is_refused() {
        let mut vars = MINIMAL.to_vec();
        vars.extend([
            ("PORTICO_MODE", "live"),
            ("PORTICO_PUBLIC_URL", "https://billing.example.com"),
        ]);
        let err = config(&vars).unwrap_err();
        assert!(
            matches!(
                err,
                ConfigError::Invalid {
                    var: "STRIPE_SECRET_KEY",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn live_mode_refuses_short_and_published_secrets() {
        let live = |var: &'static str, secret: &str| {
            config(&[
                ("PORTICO_MODE", "live"),
                ("STRIPE_SECRET_KEY", "sk_live_123"),
                ("PORTICO_PUBLIC_URL", "https://billing.example.com"),
                (var, secret),
            ])
        };
        let strong = "3f8a1c9e7b2d4f6a0e5c8b1d9a7f3e2c6b4d8a0f1e9c7b5a3d2f4e6c8a0b1d3f";
        let weak = [
            "replace-with-a-long-random-string".to_string(),
            "0123456789abcdef".to_string(),
            "portico-local-hash-secret-but-longer-now".to_string(),
            "ab".repeat(20),
        ];
        for secret in &weak {
            let err = live("PORTICO_HASH_SECRET", secret).unwrap_err();
            assert!(
                matches!(
                    err,
                    ConfigError::Invalid {
                        var: "PORTICO_HASH_SECRET",
                        ..
                    }
                ),
                "{secret}: {err}"
            );
            let rotated = format!("k2:{strong},k1:{secret}");
            let err = live("PORTICO_HASH_SECRETS", &rotated).unwrap_err();
            assert!(err.to_string().contains("PORTICO_HASH_SECRETS"), "{err}");
        }
        assert!(live("PORTICO_HASH_SECRET", strong).is_ok());
        // Test mode still takes the demo's secret.
        let demo = config(&[
            ("STRIPE_SECRET_KEY", "sk_test_1"),
            ("PORTICO_HASH_SECRET", "portico-local-hash-secret"),
        ]);
        assert!(demo.is_ok());
    }

    #[test]
    fn live_mode_needs_https() {
        let vars = [
            ("PORTICO_MODE", "live"),
            ("STRIPE_SECRET_KEY", "sk_live_123"),
            ("PORTICO_HASH_SECRET", "0123456789abcdef"),
        ];
        let err = config(&vars).unwrap_err();
        assert!(
            matches!(
                err,
                ConfigError::Invalid {
                    var: "PORTICO_PUBLIC_URL",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn short_hash_secret_is_refused() {
        let err = config(&[
            ("STRIPE_SECRET_KEY", "sk_test_1"),
            ("PORTICO_HASH_SECRET", "short"),
        ])
        .unwrap_err();
        assert!(matches!(
            err,
            ConfigError::Invalid {
                var: "PORTICO_HASH_SECRET",
                ..
            }
        ));
    }

    #[test]
    fn several_hash_secrets_can_be_active() {
        let c = config(&[
            ("STRIPE_SECRET_KEY", "sk_test_1"),
            (
                "PORTICO_HASH_SECRETS",
                "k2:the-new-secret-123, k1:the-old-secret-456",
            ),
        ])
        .expect("valid");
        let ids: Vec<&str> = c.auth.hash_keys.iter().map(|k| k.id.as_str()).collect();
        assert_eq!(ids, ["k2", "k1"]);
        assert_eq!(c.auth.current_key().id, "k2");
        assert_eq!(
            c.auth.current_key().secret.expose_secret(),
            "the-new-secret-123"
        );
        assert_eq!(c.auth.signed_identity_max_age, 300);
    }

    #[test]
    fn a_new_key_beside_the_single_secret_is_the_current_one() {
        let c = config(&[
            ("STRIPE_SECRET_KEY", "sk_test_1"),
            ("PORTICO_HASH_SECRET", "the-old-secret-456"),
            ("PORTICO_HASH_SECRETS", "k2:the-new-secret-123"),
        ])
        .expect("valid");
        let ids: Vec<&str> = c.auth.hash_keys.iter().map(|k| k.id.as_str()).collect();
        assert_eq!(ids, ["k2", "default"]);
        assert_eq!(c.auth.current_key().id, "k2");
    }

    #[test]
    fn hash_secret_lists_are_checked() {
        for (value, why) in [
            ("k1", "no colon"),
            ("k1:short", "short secret"),
            (
                "k1:the-old-secret-456,k1:the-new-secret-123",
                "duplicate id",
            ),
            ("bad id:the-old-secret-456", "space in id"),
        ] {
            let err = config(&[
                ("STRIPE_SECRET_KEY", "sk_test_1"),
                ("PORTICO_HASH_SECRETS", value),
            ])
            .unwrap_err();
            assert!(
                matches!(
                    err,
                    ConfigError::Invalid {
                        var: "PORTICO_HASH_SECRETS",
                        ..
                    }
                ),
                "{why}: {err}"
            );
        }
        let err = config(&[("STRIPE_SECRET_KEY", "sk_test_1")]).unwrap_err();
        assert_eq!(err, ConfigError::Missing("PORTICO_HASH_SECRET"));
    }

    #[test]
    fn smtp_needs_a_sender_and_a_smtp_url() {
        let mut vars = MINIMAL.to_vec();
        vars.push(("PORTICO_SMTP_URL", "smtp://127.0.0.1:2525"));
        assert_eq!(
            config(&vars).unwrap_err(),
            ConfigError::Missing("PORTICO_MAIL_FROM")
        );
        vars.push(("PORTICO_MAIL_FROM", "billing@shop.example"));
        assert_eq!(
            config(&vars).expect("valid").mail.from,
            "billing@shop.example"
        );
        let mut vars = MINIMAL.to_vec();
        vars.push(("PORTICO_SMTP_URL", "http://mail.example"));
        assert!(matches!(
            config(&vars).unwrap_err(),
            ConfigError::Invalid {
                var: "PORTICO_SMTP_URL",
                ..
            }
        ));
    }

    #[test]
    fn signed_identity_age_is_bounded() {
        let mut vars = MINIMAL.to_vec();
        vars.push(("PORTICO_SIGNED_IDENTITY_MAX_AGE", "5"));
        assert!(matches!(
            config(&vars).unwrap_err(),
            ConfigError::Invalid {
                var: "PORTICO_SIGNED_IDENTITY_MAX_AGE",
                ..
            }
        ));
    }

    #[test]
    fn unknown_database_scheme_is_refused() {
        let mut vars = MINIMAL.to_vec();
        vars.push(("DATABASE_URL", "mysql://localhost/portico"));
        assert!(matches!(
            config(&vars).unwrap_err(),
            ConfigError::Invalid {
                var: "DATABASE_URL",
                ..
            }
        ));
    }

    #[test]
    fn publishable_key_must_match_mode() {
        let mut vars = MINIMAL.to_vec();
        vars.push(("STRIPE_PUBLISHABLE_KEY", "pk_live_abc"));
        assert!(matches!(
            config(&vars).unwrap_err(),
            ConfigError::Invalid {
                var: "STRIPE_PUBLISHABLE_KEY",
                ..
            }
        ));
    }
}
