//! A real SMTP server on 127.0.0.1 that keeps what it receives, so tests read an invitation
//! the way its recipient would: from the delivered message.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use yhdyspinta::config::{DEFAULT_MAIL_FROM, MailConfig};
use yhdyspinta::mail::Mailer;

/// One message as delivered.
#[derive(Clone, Debug)]
pub struct Delivered {
    pub recipients: Vec<String>,
    pub subject: String,
    pub text: String,
}

pub struct SmtpSink {
    pub addr: SocketAddr,
    received: Arc<Mutex<Vec<Delivered>>>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        Self::start_with(false).await
    }

    /// A server that refuses every recipient, repeating the address in its reply as real
    /// servers do (`550 5.1.1 <address>: no such user`).
    pub async fn start_rejecting() -> SmtpSink {
        Self::start_with(true).await
    }

    async fn start_with(reject: bool) -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the SMTP sink");
        let addr = listener.local_addr().expect("sink address");
        let received = Arc::new(Mutex::new(Vec::new()));
        let store = received.clone();
        actix_web::rt::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let store = store.clone();
                actix_web::rt::spawn(async move {
                    let _ = session(socket, store, reject).await;
                });
            }
        });
        SmtpSink { addr, received }
    }

    /// A mailer that delivers here.
    pub fn mailer(&self) -> Mailer {
        let config = MailConfig {
            smtp_url: Some(format!("smtp://{}", self.addr)),
            from: DEFAULT_MAIL_FROM.into(),
            invitation_url: None,
        };
        Mailer::from_config(&config).expect("mailer").expect("configured")
    }

    pub fn messages(&self) -> Vec<Delivered> {
        self.received.lock().expect("sink lock").clone()
    }

    /// The invitation token in the last message to `address`.
    pub fn invitation_token(&self, address: &str) -> String {
        let message = self
            .messages()
            .into_iter()
            .rev()
            .find(|m| m.recipients.iter().any(|r| r == address))
            .unwrap_or_else(|| panic!("no message to {address}"));
        let marker = "invitation code: ";
        let at = message.text.find(marker).unwrap_or_else(|| panic!("no token in {}", message.text));
        message.text[at + marker.len()..].split_whitespace().next().expect("token").to_owned()
    }
}

async fn session(
    socket: tokio::net::TcpStream,
    store: Arc<Mutex<Vec<Delivered>>>,
    reject: bool,
) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink.test ESMTP\r\n").await?;
    let mut recipients = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_ascii_uppercase();
        let refusal;
        let reply: &[u8] = if command.starts_with("EHLO") {
            b"250-sink.test\r\n250 8BITMIME\r\n"
        } else if command.starts_with("RCPT TO:") {
            let address = line.trim_end()[8..].trim().trim_start_matches('<').trim_end_matches('>').to_owned();
            if reject {
                refusal = format!("550 5.1.1 <{address}>: no such user\r\n");
                refusal.as_bytes()
            } else {
                recipients.push(address);
                b"250 OK\r\n"
            }
        } else if command == "DATA" {
            write.write_all(b"354 go ahead\r\n").await?;
            let mut raw = Vec::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" {
                    break;
                }
                let unstuffed = line.strip_prefix('.').unwrap_or(&line);
                raw.extend_from_slice(unstuffed.as_bytes());
            }
            let parsed = mail_parser::MessageParser::default().parse(&raw).expect("a MIME message");
            let delivered = Delivered {
                recipients: std::mem::take(&mut recipients),
                subject: parsed.subject().unwrap_or_default().to_owned(),
                text: parsed.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
            };
            store.lock().expect("sink lock").push(delivered);
            b"250 queued\r\n"
        } else if command == "QUIT" {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            b"250 OK\r\n"
        };
        write.write_all(reply).await?;
    }
}
