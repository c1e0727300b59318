//! The mail outbox (lähtevät viestit). A message is written in the transaction of the change
//! it tells about, so it is sent exactly when that change commits; a worker delivers due
//! messages over SMTP and deletes them once delivered, retrying with back-off meanwhile.

use chrono::Utc;
use diesel_async::AsyncConnection;
use uuid::Uuid;

use crate::db::{Conn, Db};
use crate::error::AppError;
use crate::mail::Mailer;
use crate::repo::mail::{self as repo, MessageWrite};

/// Messages one delivery round takes.
const BATCH: i64 = 20;
/// After this many failed attempts a message is given up.
const MAX_ATTEMPTS: i32 = 8;
/// How often the worker looks for due messages.
const POLL: std::time::Duration = std::time::Duration::from_secs(2);

/// A message to send.
#[derive(Clone, Debug)]
pub struct Outgoing {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Queues a message in the caller's transaction.
pub async fn enqueue(tx: &mut Conn, message: Outgoing) -> Result<(), AppError> {
    let row =
        MessageWrite { id: Uuid::now_v7(), recipient: message.to, subject: message.subject, body: Some(message.body) };
    Ok(repo::insert(tx, &row).await?)
}

/// Delivers the messages that are due, at most one batch; returns how many were delivered.
/// A failure is recorded on the message (without its content) and retried later.
pub async fn deliver_due(conn: &mut Conn, mailer: &Mailer) -> Result<usize, AppError> {
    conn.transaction(async |tx| {
        let mut delivered = 0;
        for message in repo::lock_due(tx, BATCH).await? {
            let Some(body) = &message.body else { continue };
            match mailer.send(&message.recipient, &message.subject, body).await {
                Ok(()) => {
                    repo::delete(tx, message.id).await?;
                    delivered += 1;
                }
                Err(error) => {
                    let attempts = message.attempts + 1;
                    tracing::warn!(message_id = %message.id, attempts, %error, "mail delivery failed");
                    let retry_at = (attempts < MAX_ATTEMPTS)
                        .then(|| Utc::now() + chrono::Duration::seconds(30 * 2i64.pow(attempts.unsigned_abs())));
                    repo::failed(tx, message.id, &error, retry_at).await?;
                }
            }
        }
        Ok(delivered)
    })
    .await
}

/// Delivers due messages every few seconds for as long as the process runs.
pub async fn run_worker(db: Db, mailer: Mailer) {
    let mut tick = tokio::time::interval(POLL);
    loop {
        tick.tick().await;
        let round = async {
            let mut conn = db.conn().await?;
            deliver_due(&mut conn, &mailer).await
        };
        if let Err(e) = round.await {
            tracing::warn!("mail outbox round failed: {e}");
        }
    }
}
