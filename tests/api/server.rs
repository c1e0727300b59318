//! The real server binary as an operator runs it: its mail worker delivering invitations over
//! SMTP, its separate metrics address, and what it says at start without SMTP.

use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::mail_sink::SmtpSink;
use crate::support::TestDatabase;

/// A `yhdyspinta serve` process on its own database; killed when dropped.
struct Server {
    child: std::process::Child,
    addr: String,
    log: std::path::PathBuf,
    _database: TestDatabase,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Server {
    async fn start(args: &[&str], env: &[(&str, String)]) -> Server {
        let database = TestDatabase::create();
        let addr = format!("127.0.0.1:{}", free_port());
        let log = std::env::temp_dir().join(format!("yhdyspinta-server-{}.log", uuid::Uuid::now_v7().simple()));
        let file = std::fs::File::create(&log).unwrap();
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_yhdyspinta"));
        command
            .args(args)
            .env("DATABASE_URL", &database.url)
            .env("YHDYSPINTA_BIND", &addr)
            .env("YHDYSPINTA_WORKERS", "1")
            .env_remove("YHDYSPINTA_SMTP_URL")
            .stdout(Stdio::from(file.try_clone().unwrap()))
            .stderr(Stdio::from(file));
        for (k, v) in env {
            command.env(k, v);
        }
        let child = command.spawn().expect("start the server binary");
        let server = Server { child, addr, log, _database: database };
        let started = Instant::now();
        while get(&server.addr, "/healthz", None).await.0 != 200 {
            assert!(started.elapsed() < Duration::from_secs(60), "the server did not start: {}", server.log_text());
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        server
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// One HTTP/1.1 exchange; status 0 when nothing answers.
async fn exchange(addr: &str, request: String) -> (u16, String) {
    let Ok(mut stream) = TcpStream::connect(addr).await else { return (0, String::new()) };
    if stream.write_all(request.as_bytes()).await.is_err() {
        return (0, String::new());
    }
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw).await;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

async fn get(addr: &str, path: &str, bearer: Option<&str>) -> (u16, String) {
    let auth = bearer.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    exchange(addr, format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n")).await
}

async fn post(addr: &str, path: &str, content_type: &str, body: &str, bearer: Option<&str>) -> (u16, String) {
    let auth = bearer.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    exchange(
        addr,
        format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: {content_type}\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{body}",
            body.len()
        ),
    )
    .await
}

#[actix_web::test]
async fn the_server_mails_invitations_and_serves_metrics_on_their_own_address() {
    let sink = SmtpSink::start().await;
    let metrics = format!("127.0.0.1:{}", free_port());
    let server = Server::start(
        &["serve", "--demo"],
        &[("YHDYSPINTA_SMTP_URL", format!("smtp://{}", sink.addr)), ("YHDYSPINTA_METRICS_BIND", metrics.clone())],
    )
    .await;
    let (status, body) = post(
        &server.addr,
        "/api/v1/auth/token",
        "application/x-www-form-urlencoded",
        &format!(
            "grant_type=password&username=paakayttaja%40jyvaskyla.example&password={}",
            yhdyspinta::demo::DEMO_PASSWORD
        ),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let token: serde_json::Value = serde_json::from_str(&body).unwrap();
    let token = token["access_token"].as_str().unwrap().to_owned();
    let (_, me) = get(&server.addr, "/api/v1/me", Some(&token)).await;
    let me: serde_json::Value = serde_json::from_str(&me).unwrap();
    let org = me["memberships"][0]["organization_id"].as_str().unwrap().to_owned();
    let (status, body) = post(
        &server.addr,
        &format!("/api/v1/organizations/{org}/members"),
        "application/json",
        r#"{"email": "postissa@example.fi", "role": "member"}"#,
        Some(&token),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    // The worker delivers it within a few seconds.
    let started = Instant::now();
    while !sink.messages().iter().any(|m| m.recipients == ["postissa@example.fi"]) {
        assert!(started.elapsed() < Duration::from_secs(20), "no mail was delivered: {}", server.log_text());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let token = sink.invitation_token("postissa@example.fi");
    let (status, body) = post(
        &server.addr,
        &format!("/api/v1/invitations/{token}/accept"),
        "application/json",
        r#"{"password": "postin tuoma salasana"}"#,
        None,
    )
    .await;
    assert_eq!(status, 201, "{body}");

    // Metrics: on their own address for anyone who reaches it, not on the API address.
    let (status, text) = get(&metrics, "/metrics", None).await;
    assert_eq!(status, 200);
    assert!(text.contains("http_requests_total"), "{text}");
    assert_eq!(get(&server.addr, "/metrics", None).await.0, 404);
    assert!(!server.log_text().contains(&token), "the invitation token reached the log");
}

#[actix_web::test]
async fn without_smtp_the_server_says_at_start_that_invitations_wait() {
    let server = Server::start(&["serve"], &[]).await;
    let started = Instant::now();
    while !server.log_text().contains("invitations cannot be delivered") {
        assert!(started.elapsed() < Duration::from_secs(10), "no warning: {}", server.log_text());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(server.log_text().matches("invitations cannot be delivered").count(), 1, "said once");
}
