//! The SMTP sink (emulator/mail_sink.py) that test apps send sign-in emails
//! through, and its mailbox.

use serde::Deserialize;

use super::emulator::required_env;

/// A sign-in email as the SMTP sink received it.
#[derive(Clone, Debug, Deserialize)]
pub struct ReceivedMail {
    pub from: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The SMTP server test apps send through.
pub fn smtp_url() -> String {
    required_env("PORTICO_TEST_SMTP_URL")
}

/// Every message the SMTP sink holds for `to`, oldest first.
pub async fn mailbox(to: &str) -> Vec<ReceivedMail> {
    let base = required_env("PORTICO_TEST_MAILBOX");
    let response = reqwest::Client::new()
        .get(format!("{base}/messages"))
        .query(&[("to", to)])
        .send()
        .await
        .expect("mailbox request");
    let text = response.text().await.expect("mailbox body");
    serde_json::from_str(&text).expect("mailbox JSON")
}

/// Waits (up to 15 s) until `to` has received `count` messages; returns them.
pub async fn wait_for_mail(to: &str, count: usize) -> Vec<ReceivedMail> {
    for _ in 0..150 {
        let mail = mailbox(to).await;
        if mail.len() >= count {
            return mail;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{to} received fewer than {count} messages");
}
