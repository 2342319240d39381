//! Outgoing email: SMTP through lettre, or, with no SMTP server configured
//! in test mode, the database outbox (and the log) for development.

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::server::config::{Config, Mode};
use crate::server::db::Db;
use crate::server::db::mail_outbox::OutboxMessage;
use crate::server::session::token;

/// A message to send.
#[derive(Clone, Debug)]
pub struct Email {
    pub to: String,
    /// The sender's display name (the merchant's company name).
    pub from_name: Option<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The parts of a mail that carries one link: an intro, the link's button,
/// notes after it, and the merchant's name as signature.
pub struct LinkMail<'a> {
    pub lang: &'a str,
    pub company: &'a str,
    pub to: &'a str,
    pub subject: String,
    pub intro: String,
    pub button: &'a str,
    pub link: &'a str,
    pub notes: &'a [&'a str],
}

impl LinkMail<'_> {
    /// The message, as plain text and as HTML (every part escaped).
    pub fn email(&self) -> Email {
        let notes_text: String = self.notes.iter().map(|n| format!("{n}\n\n")).collect();
        let notes_html: String = self
            .notes
            .iter()
            .map(|n| format!("<p>{}</p>", escape_html(n)))
            .collect();
        let (intro, button, link, company) = (&self.intro, self.button, self.link, self.company);
        Email {
            to: self.to.to_string(),
            from_name: Some(company.to_string()),
            subject: self.subject.clone(),
            text: format!("{intro}\n\n{button}: {link}\n\n{notes_text}— {company}\n"),
            html: format!(
                "<!DOCTYPE html><html lang=\"{lang}\"><body>\
                 <p>{intro}</p>\
                 <p><a href=\"{link}\">{button}</a></p>\
                 {notes_html}<p>— {company}</p>\
                 </body></html>",
                lang = escape_html(self.lang),
                intro = escape_html(intro),
                link = escape_html(link),
                button = escape_html(button),
                company = escape_html(company),
            ),
        }
    }
}

/// Text made safe inside HTML elements and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Why a message did not leave. Logged, never shown: the sign-in page
/// answers the same whether or not a message was sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("PORTICO_SMTP_URL: {0}")]
    Url(String),
    #[error("address: {0}")]
    Address(#[from] lettre::address::AddressError),
    #[error("message: {0}")]
    Message(#[from] lettre::error::Error),
    #[error("SMTP: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("outbox: {0}")]
    Outbox(#[from] crate::server::db::DbError),
    #[error("live mode has no SMTP server configured")]
    NotConfigured,
}

/// Where messages go.
#[derive(Clone)]
pub enum Mailer {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: String,
    },
    /// Development: keep the message in the database and log it.
    Outbox { from: String },
    /// Live mode without SMTP: nothing can be sent.
    Disabled,
}

impl std::fmt::Debug for Mailer {
    // The transport holds the SMTP password; say only which kind this is.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Smtp { .. } => "Mailer::Smtp",
            Self::Outbox { .. } => "Mailer::Outbox",
            Self::Disabled => "Mailer::Disabled",
        })
    }
}

impl Mailer {
    /// The mailer the configuration asks for.
    pub fn from_config(config: &Config) -> Result<Self, MailError> {
        let from = config.mail.from.clone();
        match (&config.mail.smtp_url, config.mode) {
            (Some(url), _) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    // lettre's message may quote the URL, password included.
                    .map_err(|_| MailError::Url("not a valid SMTP URL".into()))?
                    .build();
                Ok(Self::Smtp { transport, from })
            }
            (None, Mode::Test) => Ok(Self::Outbox { from }),
            (None, Mode::Live) => Ok(Self::Disabled),
        }
    }

    /// Whether messages can be sent at all.
    pub fn is_available(&self) -> bool {
        !matches!(self, Self::Disabled)
    }

    /// Sends (or, in development, keeps) a message.
    pub async fn send(&self, db: &Db, email: &Email) -> Result<(), MailError> {
        match self {
            Self::Smtp { transport, from } => {
                transport.send(message(from, email)?).await?;
                Ok(())
            }
            Self::Outbox { from } => {
                // Built anyway, so development catches what SMTP would refuse.
                message(from, email)?;
                db.insert_outbox_message(&OutboxMessage {
                    id: format!("msg_{}", token::random(20)),
                    created_at: crate::server::db::now(),
                    recipient: email.to.clone(),
                    subject: email.subject.clone(),
                    body: email.text.clone(),
                })
                .await?;
                // Development only (live mode never has an outbox): the
                // message, link included, is what the developer needs.
                tracing::info!(
                    to = %email.to,
                    subject = %email.subject,
                    "no SMTP server configured; message kept in the outbox:\n{}",
                    email.text
                );
                Ok(())
            }
            Self::Disabled => Err(MailError::NotConfigured),
        }
    }
}

fn message(from: &str, email: &Email) -> Result<Message, MailError> {
    let from = Mailbox::new(email.from_name.clone(), from.parse()?);
    Ok(Message::builder()
        .from(from)
        .to(Mailbox::new(None, email.to.parse()?))
        .subject(email.subject.clone())
        .multipart(MultiPart::alternative_plain_html(
            email.text.clone(),
            email.html.clone(),
        ))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email() -> Email {
        Email {
            to: "ada@example.com".into(),
            from_name: Some("Acme Tools".into()),
            subject: "Your sign-in link".into(),
            text: "Open https://billing.example/login/confirm?token=pmail_x".into(),
            html: "<p>Open</p>".into(),
        }
    }

    #[test]
    fn sender_shows_the_company_name() {
        let formatted = String::from_utf8(
            message("billing@acme.example", &email())
                .unwrap()
                .formatted(),
        )
        .unwrap();
        assert!(
            formatted.contains("From: \"Acme Tools\" <billing@acme.example>"),
            "{formatted}"
        );
        assert!(formatted.contains("To: ada@example.com"));
        assert!(formatted.contains("multipart/alternative"));
    }

    #[test]
    fn malformed_recipient_is_an_error_not_a_panic() {
        let mut bad = email();
        bad.to = "not an address".into();
        assert!(message("billing@acme.example", &bad).is_err());
    }

    #[test]
    fn debug_output_never_shows_the_transport() {
        assert_eq!(format!("{:?}", Mailer::Disabled), "Mailer::Disabled");
    }
}
