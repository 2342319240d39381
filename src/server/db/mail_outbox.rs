//! The development mailbox: messages kept instead of sent when no SMTP
//! server is configured (test mode only).

use sqlx::Row;

use super::{Db, DbError};

/// A kept message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxMessage {
    pub id: String,
    pub created_at: i64,
    pub recipient: String,
    pub subject: String,
    /// The plain-text body.
    pub body: String,
}

impl Db {
    /// Keeps a message.
    pub async fn insert_outbox_message(&self, m: &OutboxMessage) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO mail_outbox (id, created_at, recipient, subject, body)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&m.id)
        .bind(m.created_at)
        .bind(&m.recipient)
        .bind(&m.subject)
        .bind(&m.body)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The messages kept for `recipient`, newest first.
    pub async fn outbox_for(&self, recipient: &str) -> Result<Vec<OutboxMessage>, DbError> {
        let rows = sqlx::query(
            "SELECT id, created_at, recipient, subject, body FROM mail_outbox
             WHERE recipient = $1 ORDER BY created_at DESC, id DESC",
        )
        .bind(recipient)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| -> Result<OutboxMessage, DbError> {
                Ok(OutboxMessage {
                    id: r.try_get("id")?,
                    created_at: r.try_get("created_at")?,
                    recipient: r.try_get("recipient")?,
                    subject: r.try_get("subject")?,
                    body: r.try_get("body")?,
                })
            })
            .collect()
    }

    /// Removes messages kept before `before`.
    pub async fn delete_old_outbox_messages(&self, before: i64) -> Result<u64, DbError> {
        let done = sqlx::query("DELETE FROM mail_outbox WHERE created_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
