//! Server configuration, read once from the environment at boot. Every
//! variable is documented in `.env.example`; a missing or contradictory
//! setting stops boot with a message naming the variable.

use std::net::SocketAddr;

use secrecy::SecretString;
use url::Url;

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
}

/// Where Portico listens and how it is reached.
#[derive(Debug)]
pub struct ServerConfig {
    /// `PORTICO_BIND`.
    pub bind: SocketAddr,
    /// `PORTICO_PUBLIC_URL`: the origin customers' browsers use.
    pub public_url: Url,
    /// `PORTICO_CLIENT_IP_HEADER`: the header a reverse proxy puts the
    /// client's address in (its last entry counts); `None` uses the peer.
    pub client_ip_header: Option<String>,
}

impl ServerConfig {
    /// Cookies get `Secure` when customers reach Portico over HTTPS.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.scheme() == "https"
    }
}

/// How to reach Stripe.
#[derive(Debug)]
pub struct StripeConfig {
    /// `STRIPE_SECRET_KEY`.
    pub secret_key: SecretString,
    /// `STRIPE_API_BASE`: Stripe's API, or the emulator in development.
    pub api_base: Url,
    /// `STRIPE_PUBLISHABLE_KEY`, for Stripe.js in the browser.
    pub publishable_key: Option<String>,
    /// `STRIPE_JS_URL`: where the browser loads Stripe.js from.
    pub js_url: Url,
}

/// Secrets that authorise customers.
#[derive(Debug)]
pub struct AuthConfig {
    /// The active keys of identity hashes and signed identities, the
    /// current one first (`PORTICO_HASH_SECRET`, `PORTICO_HASH_SECRETS`).
    pub hash_keys: Vec<HashKey>,
    /// `PORTICO_SIGNED_IDENTITY_MAX_AGE`: seconds a signed identity stays valid.
    pub signed_identity_max_age: i64,
}

/// One identity-hash secret and the id a signed identity names it by.
#[derive(Clone, Debug)]
pub struct HashKey {
    pub id: String,
    pub secret: SecretString,
}

/// How sign-in emails leave.
#[derive(Debug)]
pub struct MailConfig {
    /// `PORTICO_SMTP_URL` (it may hold a password). `None`: messages are kept
    /// in the database outbox and their links logged, for development;
    /// live mode then sends no email at all.
    pub smtp_url: Option<SecretString>,
    /// `PORTICO_MAIL_FROM`: the sender address; the configuration's company
    /// name is its display name.
    pub from: String,
}

/// Where Portico keeps its own data.
#[derive(Debug)]
pub struct DatabaseConfig {
    /// `DATABASE_URL`: `sqlite:…` or `postgres://…`.
    pub url: String,
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

const MIN_HASH_SECRET_LEN: usize = 16;
/// The key id of `PORTICO_HASH_SECRET` in signed identities.
pub const DEFAULT_KEY_ID: &str = "default";
const DEFAULT_SIGNED_IDENTITY_MAX_AGE: i64 = 300;

impl Config {
    /// Reads the process environment (after loading `.env`, if present).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    }

    /// Builds the configuration from any variable source; tests pass a map.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mode = match get("PORTICO_MODE").as_deref() {
            None | Some("test") => Mode::Test,
            Some("live") => Mode::Live,
            Some(other) => {
                return Err(invalid(
                    "PORTICO_MODE",
                    format!("`{other}`: use `test` or `live`"),
                ));
            }
        };

        let bind: SocketAddr = get("PORTICO_BIND")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse()
            .map_err(|e| invalid("PORTICO_BIND", format!("{e}")))?;
        let public_url = match get("PORTICO_PUBLIC_URL") {
            Some(raw) => parse_url("PORTICO_PUBLIC_URL", &raw)?,
            None => parse_url("PORTICO_PUBLIC_URL", &format!("http://{bind}"))?,
        };
        if mode == Mode::Live && public_url.scheme() != "https" {
            return Err(invalid(
                "PORTICO_PUBLIC_URL",
                "live mode needs an https:// URL",
            ));
        }

        let secret_key =
            get("STRIPE_SECRET_KEY").ok_or(ConfigError::Missing("STRIPE_SECRET_KEY"))?;
        let key_mode = ["sk_", "rk_"]
            .iter()
            .find_map(|p| secret_key.strip_prefix(p))
            .and_then(|rest| rest.split('_').next())
            .ok_or_else(|| invalid("STRIPE_SECRET_KEY", "expected a key starting sk_ or rk_"))?;
        if key_mode != mode.as_str() {
            return Err(invalid(
                "STRIPE_SECRET_KEY",
                format!(
                    "a {key_mode}-mode key in {} mode (PORTICO_MODE)",
                    mode.as_str()
                ),
            ));
        }
        let api_base = parse_url(
            "STRIPE_API_BASE",
            &get("STRIPE_API_BASE").unwrap_or_else(|| "https://api.stripe.com/".into()),
        )?;
        if mode == Mode::Live && api_base.scheme() != "https" {
            return Err(invalid(
                "STRIPE_API_BASE",
                "live mode needs an https:// URL",
            ));
        }
        let publishable_key = get("STRIPE_PUBLISHABLE_KEY");
        if let Some(pk) = &publishable_key {
            let expected = format!("pk_{}_", mode.as_str());
            if !pk.starts_with(&expected) {
                return Err(invalid(
                    "STRIPE_PUBLISHABLE_KEY",
                    format!("expected a key starting {expected}"),
                ));
            }
        }
        let js_url = parse_url(
            "STRIPE_JS_URL",
            &get("STRIPE_JS_URL").unwrap_or_else(|| "https://js.stripe.com/v3/".into()),
        )?;

        let hash_keys = hash_keys(
            get("PORTICO_HASH_SECRET").as_deref(),
            get("PORTICO_HASH_SECRETS").as_deref(),
        )?;
        let signed_identity_max_age = match get("PORTICO_SIGNED_IDENTITY_MAX_AGE") {
            None => DEFAULT_SIGNED_IDENTITY_MAX_AGE,
            Some(raw) => raw
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|s| (30..=86_400).contains(s))
                .ok_or_else(|| {
                    invalid(
                        "PORTICO_SIGNED_IDENTITY_MAX_AGE",
                        "use a number of seconds from 30 to 86400",
                    )
                })?,
        };

        let smtp_url = get("PORTICO_SMTP_URL");
        if let Some(url) = &smtp_url
            && !["smtp://", "smtps://"].iter().any(|p| url.starts_with(p))
        {
            return Err(invalid(
                "PORTICO_SMTP_URL",
                "use smtp://host:port or smtps://user:password@host:port",
            ));
        }
        let from = match (get("PORTICO_MAIL_FROM"), &smtp_url) {
            (Some(from), _) => from,
            (None, None) => "portico@localhost".into(),
            (None, Some(_)) => return Err(ConfigError::Missing("PORTICO_MAIL_FROM")),
        };
        if !crate::model::valid_email(&from) && from != "portico@localhost" {
            return Err(invalid("PORTICO_MAIL_FROM", "expected an email address"));
        }
        let client_ip_header = get("PORTICO_CLIENT_IP_HEADER")
            .map(|h| h.trim().to_ascii_lowercase())
            .filter(|h| !h.is_empty());

        let database_url = get("DATABASE_URL").unwrap_or_else(|| "sqlite://data/portico.db".into());
        if !["sqlite:", "postgres:", "postgresql:"]
            .iter()
            .any(|p| database_url.starts_with(p))
        {
            return Err(invalid("DATABASE_URL", "use a sqlite: or postgres:// URL"));
        }

        Ok(Self {
            mode,
            server: ServerConfig {
                bind,
                public_url,
                client_ip_header,
            },
            stripe: StripeConfig {
                secret_key: SecretString::from(secret_key),
                api_base,
                publishable_key,
                js_url,
            },
            auth: AuthConfig {
                hash_keys,
                signed_identity_max_age,
            },
            database: DatabaseConfig { url: database_url },
            mail: MailConfig {
                smtp_url: smtp_url.map(SecretString::from),
                from,
            },
        })
    }
}

impl AuthConfig {
    /// The current key: the one `portico sign-in-link` signs with.
    pub fn current_key(&self) -> &HashKey {
        // `from_lookup` refuses an empty key list.
        &self.hash_keys[0]
    }
}

/// `PORTICO_HASH_SECRETS` (`id:secret,id:secret`, the current first) and
/// `PORTICO_HASH_SECRET` (key id `default`) after them: at least one key in
/// all. A merchant rotating away from `PORTICO_HASH_SECRET` adds the new key
/// in `PORTICO_HASH_SECRETS`, and it becomes the current one at once.
fn hash_keys(single: Option<&str>, many: Option<&str>) -> Result<Vec<HashKey>, ConfigError> {
    let mut keys = Vec::new();
    for entry in many.unwrap_or_default().split(',').map(str::trim) {
        if entry.is_empty() {
            continue;
        }
        let (id, secret) = entry.split_once(':').ok_or_else(|| {
            invalid(
                "PORTICO_HASH_SECRETS",
                "use comma-separated id:secret pairs",
            )
        })?;
        keys.push((
            id.trim().to_string(),
            secret.trim().to_string(),
            "PORTICO_HASH_SECRETS",
        ));
    }
    if let Some(secret) = single {
        keys.push((
            DEFAULT_KEY_ID.to_string(),
            secret.to_string(),
            "PORTICO_HASH_SECRET",
        ));
    }
    if keys.is_empty() {
        return Err(ConfigError::Missing("PORTICO_HASH_SECRET"));
    }
    let mut out: Vec<HashKey> = Vec::with_capacity(keys.len());
    for (id, secret, var) in keys {
        let id_ok = !id.is_empty()
            && id.len() <= 32
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !id_ok {
            return Err(invalid(var, "key ids are 1-32 letters, digits, _ or -"));
        }
        if out.iter().any(|k| k.id == id) {
            return Err(invalid(var, format!("key id `{id}` appears twice")));
        }
        if secret.len() < MIN_HASH_SECRET_LEN {
            return Err(invalid(
                var,
                format!("use at least {MIN_HASH_SECRET_LEN} characters per secret"),
            ));
        }
        out.push(HashKey {
            id,
            secret: SecretString::from(secret),
        });
    }
    Ok(out)
}

fn parse_url(var: &'static str, raw: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(raw).map_err(|e| invalid(var, format!("{e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(var, "use an http:// or https:// URL"));
    }
    Ok(url)
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
