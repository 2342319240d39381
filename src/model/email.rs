//! An email address that has been checked, so one that exists is valid.

use serde::{Deserialize, Serialize};

/// Longest address accepted (RFC 5321's limit on a path).
pub const MAX_EMAIL_LEN: usize = 254;

/// A deliverable-looking email address: one `@`, a non-empty local part and
/// a dotted domain, no spaces or control characters. Stripe checks little
/// more.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

/// Prints as the plain string: the details form's Idempotency-Key hashes
/// the update's debug form, so it stays what it was before the type.
impl std::fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.0, f)
    }
}

impl EmailAddress {
    /// `value` as an address, if it looks like one.
    pub fn parse(value: &str) -> Option<Self> {
        let (local, domain) = value.split_once('@')?;
        let ok = !local.is_empty()
            && value.len() <= MAX_EMAIL_LEN
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !value.chars().any(|c| c.is_whitespace() || c.is_control());
        ok.then(|| Self(value.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = &'static str;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value).ok_or("not an email address")
    }
}

impl From<EmailAddress> for String {
    fn from(email: EmailAddress) -> String {
        email.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked_when_made() {
        for ok in ["ada@example.com", "a.b+c@mail.example.co.uk"] {
            assert_eq!(
                EmailAddress::parse(ok).map(|e| e.to_string()),
                Some(ok.into())
            );
        }
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@example",
            "ada@.example.com",
            "ada@example.com.",
            "ada@@example.com",
            "ada @example.com",
            "ada@exa\nmple.com",
        ] {
            assert_eq!(EmailAddress::parse(bad), None, "{bad:?}");
        }
        let long = format!("{}@example.com", "a".repeat(MAX_EMAIL_LEN));
        assert_eq!(EmailAddress::parse(&long), None);
        let ada = EmailAddress::parse("ada@example.com");
        assert_eq!(format!("{ada:?}"), r#"Some("ada@example.com")"#);
    }
}
