//! How sign-in emails leave.

use secrecy::SecretString;

use super::{ConfigError, invalid};

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

impl MailConfig {
    /// `PORTICO_SMTP_URL`, `PORTICO_MAIL_FROM` (required with SMTP).
    pub(super) fn from_lookup(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
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
        if crate::model::EmailAddress::parse(&from).is_none() && from != "portico@localhost" {
            return Err(invalid("PORTICO_MAIL_FROM", "expected an email address"));
        }
        Ok(Self {
            smtp_url: smtp_url.map(SecretString::from),
            from,
        })
    }
}
