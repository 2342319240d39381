//! The secrets that authorise customers: identity-hash keys and how long a
//! signed identity lives.

use secrecy::{ExposeSecret, SecretString};

use super::{ConfigError, Mode, invalid};

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

const MIN_HASH_SECRET_LEN: usize = 16;
/// In live mode a secret must be at least this long (32 random bytes as
/// hex or base64 are longer still): anyone who guesses it signs in as any
/// customer.
const MIN_LIVE_SECRET_LEN: usize = 32;
/// Secrets published with Portico (`.env.example`, scripts/demo): fine for a
/// demo, never for real money.
const PUBLISHED_SECRETS: [&str; 2] = [
    "replace-with-a-long-random-string",
    "portico-local-hash-secret",
];
/// The key id of `PORTICO_HASH_SECRET` in signed identities.
pub const DEFAULT_KEY_ID: &str = "default";
const DEFAULT_SIGNED_IDENTITY_MAX_AGE: i64 = 300;

impl AuthConfig {
    /// `PORTICO_HASH_SECRET`, `PORTICO_HASH_SECRETS`,
    /// `PORTICO_SIGNED_IDENTITY_MAX_AGE`.
    pub(super) fn from_lookup(
        get: &dyn Fn(&str) -> Option<String>,
        mode: Mode,
    ) -> Result<Self, ConfigError> {
        let hash_keys = hash_keys(
            get("PORTICO_HASH_SECRET").as_deref(),
            get("PORTICO_HASH_SECRETS").as_deref(),
        )?;
        if mode == Mode::Live {
            for key in &hash_keys {
                if !fit_for_live(key.secret.expose_secret()) {
                    let var = if key.id == DEFAULT_KEY_ID {
                        "PORTICO_HASH_SECRET"
                    } else {
                        "PORTICO_HASH_SECRETS"
                    };
                    return Err(invalid(
                        var,
                        format!(
                            "live mode needs a random secret of at least {MIN_LIVE_SECRET_LEN} \
                             characters, not a published one (`openssl rand -hex 32` makes one)"
                        ),
                    ));
                }
            }
        }
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
        Ok(Self {
            hash_keys,
            signed_identity_max_age,
        })
    }

    /// The current key: the one `portico sign-in-link` signs with.
    pub fn current_key(&self) -> &HashKey {
        // `from_lookup` refuses an empty key list.
        &self.hash_keys[0]
    }
}

/// Whether `secret` may guard live customers: long, not one Portico
/// publishes, and not a run of a few characters (`aaaa…`, `abab…`).
fn fit_for_live(secret: &str) -> bool {
    let distinct: std::collections::BTreeSet<char> = secret.chars().collect();
    secret.len() >= MIN_LIVE_SECRET_LEN
        && distinct.len() >= 10
        && !PUBLISHED_SECRETS
            .iter()
            .any(|p| secret.to_ascii_lowercase().contains(p))
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
