//! Sending mail over SMTP with `lettre`. What to send, and when, is the outbox's business
//! (`domain::mail`); this is only the transport.

use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::MailConfig;
use crate::db::StartupError;

/// How long one SMTP conversation may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// The mailer `config` describes, or `None` when no SMTP server is configured.
    pub fn from_config(config: &MailConfig) -> Result<Option<Mailer>, StartupError> {
        let Some(url) = &config.smtp_url else { return Ok(None) };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| StartupError::new(format!("YHDYSPINTA_SMTP_URL is not usable: {e}")))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        let from = config
            .from
            .parse()
            .map_err(|e| StartupError::new(format!("YHDYSPINTA_MAIL_FROM is not a mailbox: {e}")))?;
        Ok(Some(Mailer { transport, from }))
    }

    /// Sends one plain-text message. The error says what went wrong without the message or the
    /// server's reply text.
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), String> {
        let to: Mailbox = to.parse().map_err(|e| format!("recipient: {e}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())
            .map_err(|e| format!("message: {e}"))?;
        self.transport.send(message).await.map(drop).map_err(|e| describe(&e))
    }
}

/// An SMTP failure in words that carry no personal data: a server's reply text often repeats
/// the recipient's address, so only its status code and kind are kept (for the log and the
/// outbox row).
fn describe(e: &lettre::transport::smtp::Error) -> String {
    match e.status() {
        Some(code) if e.is_permanent() => format!("smtp: permanent failure {code}"),
        Some(code) => format!("smtp: transient failure {code}"),
        None if e.is_timeout() => "smtp: timed out".to_owned(),
        None => "smtp: no connection or protocol error".to_owned(),
    }
}
