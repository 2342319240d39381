//! Billflow's identity hash: the merchant's server computes
//! `hex(HMAC-SHA256(secret, email_or_customer_id))` and puts it in the link.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Length in hex characters of a SHA-256 MAC.
const HASH_HEX_LEN: usize = 64;

/// Computes the hash a merchant's server would send for `value`.
pub fn identity_hash(secret: &[u8], value: &str) -> String {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(value.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Checks a hash from a link against `value`, in constant time. Malformed input
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

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"portico-test-secret";

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
}
