//! Random bearer tokens. The browser holds the token; the database holds only
//! its SHA-256, so a leaked database cannot be replayed as sessions.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A freshly generated token, shown once and then only stored hashed.
pub struct NewToken {
    /// The value to hand to the browser.
    pub plain: String,
    /// The value to store.
    pub hash: String,
}

/// Makes a token `<prefix><43 url-safe chars>` from 32 bytes of rand's
/// thread-local CSPRNG (ChaCha, seeded from the OS).
/// The prefix tells a leaked value's kind at a glance (and to secret scanners).
pub fn generate(prefix: &str) -> NewToken {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let plain = format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes));
    let hash = hash(&plain);
    NewToken { plain, hash }
}

/// A random url-safe string of `len` characters (at most 43), for values
/// that are not secrets kept hashed: ids, form nonces, cache busters.
pub fn random(len: usize) -> String {
    generate("").plain.chars().take(len).collect()
}

/// The stored form of a token.
pub fn hash(plain: &str) -> String {
    hex::encode(Sha256::digest(plain.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_unique_and_stored_hashed() {
        let a = generate("pses_");
        let b = generate("pses_");
        assert!(a.plain.starts_with("pses_"));
        assert_eq!(a.plain.len(), "pses_".len() + 43);
        assert_ne!(a.plain, b.plain);
        assert_eq!(a.hash, hash(&a.plain));
        assert!(!a.hash.contains(&a.plain[5..]));
    }
}
