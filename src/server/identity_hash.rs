//! How a merchant's server vouches for a customer in a sign-in link or an
//! embed. Two proofs, both HMAC-SHA256 with a secret only the merchant and
//! Portico know:
//!
//! - Billflow's static hash: `hex(HMAC(secret, email_or_customer_id))`. It
//!   never expires, so a leaked one signs the customer in for good.
//! - A signed identity that expires: `v2.<key id>.<unix time>.<hex MAC>`,
//!   the MAC taken over the lines `v2`, key id, unix time and
//!   email_or_customer_id, joined by `\n`, with a key derived from the
//!   secret (below). The key id picks the secret, so several can be active
//!   while a merchant rotates, and the time bounds its use to a maximum age.
//!
//! The signed identity's key is `HMAC(SIGNING_LABEL, secret)`: keyed by a
//! fixed label, with the secret as the message. Static hashes are all
//! `HMAC(secret, …)`, so no static hash, of whatever string a merchant is
//! made to hash, is that key or a signed identity's MAC. (`v1` used the
//! secret itself and relied on line breaks never being hashed; it is no
//! longer accepted.)
//!
//! With several secrets active, a static hash is checked against each.

use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use sha2::Sha256;

use crate::server::config::HashKey;

type HmacSha256 = Hmac<Sha256>;

/// Length in hex characters of a SHA-256 MAC.
const HASH_HEX_LEN: usize = 64;
/// Version tag of the signed identity format.
const SIGNED_VERSION: &str = "v2";
/// The key of the HMAC that derives a signed identity's key from a secret.
const SIGNING_LABEL: &[u8] = b"portico-signed-identity-v2";
/// How far in the future a signed identity's time may lie (clock skew
/// between the merchant's server and Portico).
const MAX_CLOCK_SKEW: i64 = 60;

/// Computes the static hash a merchant's server would send for `value`.
pub fn identity_hash(secret: &[u8], value: &str) -> String {
    hex::encode(mac(secret, value.as_bytes()))
}

/// Computes the signed identity a merchant's server would send for `value`
/// at time `now`, with the key `key_id`.
pub fn signed_identity(key_id: &str, secret: &[u8], value: &str, now: i64) -> String {
    let tag = hex::encode(mac(
        &signing_key(secret),
        signed_message(key_id, &now.to_string(), value).as_bytes(),
    ));
    format!("{SIGNED_VERSION}.{key_id}.{now}.{tag}")
}

/// What a Portico records of a secret to tell whether test and live mode
/// share it (keyed by a label of its own, like the signing key).
pub fn secret_fingerprint(secret: &[u8]) -> String {
    hex::encode(mac(b"portico-secret-fingerprint", secret))
}

/// The key of signed identities made with `secret`.
fn signing_key(secret: &[u8]) -> [u8; 32] {
    mac(SIGNING_LABEL, secret)
}

/// What a signed identity's MAC covers.
fn signed_message(key_id: &str, time: &str, value: &str) -> String {
    format!("{SIGNED_VERSION}\n{key_id}\n{time}\n{value}")
}

fn mac(secret: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// Checks a static hash against `value`, in constant time. Malformed input
/// (wrong length, not hex) is rejected before any comparison.
pub fn verify_identity_hash(secret: &[u8], value: &str, hash_hex: &str) -> bool {
    if hash_hex.len() != HASH_HEX_LEN {
        return false;
    }
    let Ok(given) = hex::decode(hash_hex) else {
        return false;
    };
    let Ok(mut mac) = HmacSha256::new_from_slice(secret) else {
        return false;
    };
    mac.update(value.as_bytes());
    // verify_slice compares in constant time.
    mac.verify_slice(&given).is_ok()
}

/// Why a proof was refused. Both read the same to the customer; the log
/// tells them apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProofRefusal {
    /// Malformed, unknown key, or the MAC does not match.
    Invalid,
    /// A signed identity older than the maximum age (or from the future).
    Expired,
}

/// Which proof signed a customer in, for the audit log (never the value).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proof {
    StaticHash,
    Signed,
}

/// Checks `presented` (either form) for `value` against the active keys.
pub fn verify_proof(
    keys: &[HashKey],
    max_age: i64,
    value: &str,
    presented: &str,
    now: i64,
) -> Result<Proof, ProofRefusal> {
    if let Some(rest) = presented.strip_prefix("v2.") {
        return verify_signed(keys, max_age, value, rest, now).map(|()| Proof::Signed);
    }
    if presented.starts_with("v1.") {
        tracing::info!("a v1 signed identity was presented; sign with v2 (see README)");
        return Err(ProofRefusal::Invalid);
    }
    // `any` would stop at the first match; checking every key keeps the
    // time spent independent of which one matched.
    let matches = keys
        .iter()
        .map(|k| verify_identity_hash(k.secret.expose_secret().as_bytes(), value, presented))
        .fold(false, |found, ok| found | ok);
    if matches {
        Ok(Proof::StaticHash)
    } else {
        Err(ProofRefusal::Invalid)
    }
}

/// `rest` is `<key id>.<unix time>.<hex MAC>`.
fn verify_signed(
    keys: &[HashKey],
    max_age: i64,
    value: &str,
    rest: &str,
    now: i64,
) -> Result<(), ProofRefusal> {
    let mut parts = rest.splitn(3, '.');
    let (Some(key_id), Some(time), Some(tag)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(ProofRefusal::Invalid);
    };
    let key = keys
        .iter()
        .find(|k| k.id == key_id)
        .ok_or(ProofRefusal::Invalid)?;
    // Digits only: `+5` or ` 5` would parse but was not what was signed.
    if time.is_empty() || time.len() > 12 || !time.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ProofRefusal::Invalid);
    }
    let signed_at: i64 = time.parse().map_err(|_| ProofRefusal::Invalid)?;
    let message = signed_message(key_id, time, value);
    // The MAC is checked before the age, so an expired-but-genuine value
    // is told apart from a forged one only in the log.
    let key = signing_key(key.secret.expose_secret().as_bytes());
    if !verify_identity_hash(&key, &message, tag) {
        return Err(ProofRefusal::Invalid);
    }
    if signed_at > now + MAX_CLOCK_SKEW || now - signed_at > max_age {
        return Err(ProofRefusal::Expired);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;

    const SECRET: &[u8] = b"portico-test-secret";
    const NOW: i64 = 1_800_000_000;

    fn keys(pairs: &[(&str, &str)]) -> Vec<HashKey> {
        pairs
            .iter()
            .map(|(id, secret)| HashKey {
                id: id.to_string(),
                secret: SecretString::from(secret.to_string()),
            })
            .collect()
    }

    #[test]
    fn matches_what_merchant_snippets_compute() {
        // Python: hmac.new(b"key", b"The quick brown fox jumps over the lazy dog", hashlib.sha256).hexdigest()
        assert_eq!(
            identity_hash(b"key", "The quick brown fox jumps over the lazy dog"),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
    }

    #[test]
    fn valid_hash_for_email_is_accepted() {
        let hash = identity_hash(SECRET, "ada@example.com");
        assert!(verify_identity_hash(SECRET, "ada@example.com", &hash));
    }

    #[test]
    fn uppercase_hex_is_accepted() {
        let hash = identity_hash(SECRET, "cus_123").to_uppercase();
        assert!(verify_identity_hash(SECRET, "cus_123", &hash));
    }

    #[test]
    fn hash_of_email_does_not_sign_in_customer_id() {
        let hash = identity_hash(SECRET, "ada@example.com");
        assert!(!verify_identity_hash(SECRET, "cus_123", &hash));
    }

    #[test]
    fn hash_made_with_another_secret_is_rejected() {
        let hash = identity_hash(b"someone-elses-secret", "cus_123");
        assert!(!verify_identity_hash(SECRET, "cus_123", &hash));
    }

    #[test]
    fn wrong_length_is_rejected() {
        let hash = identity_hash(SECRET, "cus_123");
        assert!(!verify_identity_hash(SECRET, "cus_123", &hash[..62]));
        assert!(!verify_identity_hash(
            SECRET,
            "cus_123",
            &format!("{hash}00")
        ));
        assert!(!verify_identity_hash(SECRET, "cus_123", ""));
    }

    #[test]
    fn non_hex_is_rejected() {
        let mut hash = identity_hash(SECRET, "cus_123");
        hash.replace_range(0..1, "g");
        assert!(!verify_identity_hash(SECRET, "cus_123", &hash));
    }

    #[test]
    fn static_hash_of_any_active_secret_is_accepted_during_rotation() {
        let ring = keys(&[("new", "the-new-secret-123"), ("old", "the-old-secret-456")]);
        for secret in ["the-new-secret-123", "the-old-secret-456"] {
            let hash = identity_hash(secret.as_bytes(), "ada@example.com");
            assert_eq!(
                verify_proof(&ring, 300, "ada@example.com", &hash, NOW),
                Ok(Proof::StaticHash)
            );
        }
        let retired = identity_hash(b"a-retired-secret-789", "ada@example.com");
        assert_eq!(
            verify_proof(&ring, 300, "ada@example.com", &retired, NOW),
            Err(ProofRefusal::Invalid)
        );
    }

    #[test]
    fn signed_identity_is_accepted_within_its_age() {
        let ring = keys(&[("k2", "the-new-secret-123"), ("k1", "the-old-secret-456")]);
        let signed = signed_identity("k1", b"the-old-secret-456", "cus_1", NOW - 299);
        assert_eq!(
            verify_proof(&ring, 300, "cus_1", &signed, NOW),
            Ok(Proof::Signed)
        );
    }

    #[test]
    fn signed_identity_expires() {
        let ring = keys(&[("k1", "the-old-secret-456")]);
        let old = signed_identity("k1", b"the-old-secret-456", "cus_1", NOW - 301);
        assert_eq!(
            verify_proof(&ring, 300, "cus_1", &old, NOW),
            Err(ProofRefusal::Expired)
        );
        let future = signed_identity("k1", b"the-old-secret-456", "cus_1", NOW + 3600);
        assert_eq!(
            verify_proof(&ring, 300, "cus_1", &future, NOW),
            Err(ProofRefusal::Expired)
        );
    }

    #[test]
    fn signed_identity_names_its_key_and_value() {
        let ring = keys(&[("k2", "the-new-secret-123"), ("k1", "the-old-secret-456")]);
        // Signed with k1's secret but claiming k2.
        let wrong_key = signed_identity("k1", b"the-old-secret-456", "cus_1", NOW)
            .replacen("v2.k1.", "v2.k2.", 1);
        assert_eq!(
            verify_proof(&ring, 300, "cus_1", &wrong_key, NOW),
            Err(ProofRefusal::Invalid)
        );
        let unknown = signed_identity("k9", b"the-old-secret-456", "cus_1", NOW);
        assert_eq!(
            verify_proof(&ring, 300, "cus_1", &unknown, NOW),
            Err(ProofRefusal::Invalid)
        );
        let other_value = signed_identity("k1", b"the-old-secret-456", "cus_2", NOW);
        assert_eq!(
            verify_proof(&ring, 300, "cus_1", &other_value, NOW),
            Err(ProofRefusal::Invalid)
        );
    }

    #[test]
    fn a_static_hash_never_passes_as_a_signed_identity() {
        // An attacker registers crafted strings with the merchant, reads
        // their static hashes from their own pages and presents them as a
        // signed identity of the victim: its message, or the key label
        // (whose static hash was the old key's).
        let ring = keys(&[("default", "the-old-secret-456")]);
        let secret = b"the-old-secret-456";
        for crafted in [
            format!("v2\ndefault\n{NOW}\nvictim@shop.example"),
            format!("v2.default.{NOW}.victim@shop.example"),
        ] {
            let forged = format!("v2.default.{NOW}.{}", identity_hash(secret, &crafted));
            assert_eq!(
                verify_proof(&ring, 300, "victim@shop.example", &forged, NOW),
                Err(ProofRefusal::Invalid),
                "{crafted:?}"
            );
        }
        let label_hash = hex::decode(identity_hash(secret, "portico-signed-identity-v2")).unwrap();
        let message = format!("v2\ndefault\n{NOW}\nvictim@shop.example");
        let forged = format!(
            "v2.default.{NOW}.{}",
            hex::encode(mac(&label_hash, message.as_bytes()))
        );
        assert_eq!(
            verify_proof(&ring, 300, "victim@shop.example", &forged, NOW),
            Err(ProofRefusal::Invalid)
        );
        // The v1 format, signed with the secret itself, is refused.
        let v1_tag = identity_hash(secret, &format!("v1\ndefault\n{NOW}\nvictim@shop.example"));
        assert_eq!(
            verify_proof(
                &ring,
                300,
                "victim@shop.example",
                &format!("v1.default.{NOW}.{v1_tag}"),
                NOW
            ),
            Err(ProofRefusal::Invalid)
        );
    }

    #[test]
    fn signed_identities_match_the_readme_recipe() {
        // key = HMAC(label, secret); mac = HMAC(key, "v2\n<key id>\n<time>\n<value>").
        let key = mac(b"portico-signed-identity-v2", b"the-old-secret-456");
        let tag = hex::encode(mac(&key, format!("v2\nk1\n{NOW}\ncus_1").as_bytes()));
        assert_eq!(
            signed_identity("k1", b"the-old-secret-456", "cus_1", NOW),
            format!("v2.k1.{NOW}.{tag}")
        );
    }

    #[test]
    fn altered_time_breaks_the_signature() {
        let ring = keys(&[("k1", "the-old-secret-456")]);
        let signed = signed_identity("k1", b"the-old-secret-456", "cus_1", NOW - 1000);
        let moved = signed.replace(&format!(".{}.", NOW - 1000), &format!(".{NOW}."));
        assert_eq!(
            verify_proof(&ring, 300, "cus_1", &moved, NOW),
            Err(ProofRefusal::Invalid)
        );
    }

    #[test]
    fn malformed_signed_values_are_refused_without_panic() {
        let ring = keys(&[("k1", "the-old-secret-456")]);
        for bad in [
            "v2.",
            "v2.k1",
            "v2.k1.",
            "v2.k1.123",
            "v2.k1.123.",
            "v2.k1.+123.00",
            "v2.k1.99999999999999999999.00",
            "v2..123.ab",
            "v2.k1.12a.ab",
            "v2.ü.1.ab",
            "v1.k1.123.ab",
        ] {
            assert_eq!(
                verify_proof(&ring, 300, "cus_1", bad, NOW),
                Err(ProofRefusal::Invalid),
                "{bad}"
            );
        }
    }
}
