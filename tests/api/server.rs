//! The real server binary as an operator runs it: its mail worker delivering invitations over
//! SMTP, its separate metrics address, and what it says at start without SMTP.

use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::mail_sink::SmtpSink;
use crate::support::TestDatabase;

/// A `yhdyspinta serve` process on its own database (or another server's); killed when
/// dropped.
pub(crate) struct Server {
    child: std::process::Child,
    pub(crate) addr: String,
    log: std::path::PathBuf,
    pub(crate) database_url: String,
    _database: Option<TestDatabase>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Server {
    async fn start(args: &[&str], env: &[(&str, String)]) -> Server {
        let database = TestDatabase::create();
        let url = database.url.clone();
        Server::start_on(args, env, url, Some(database)).await
    }

    /// A process on a database of the caller's (another cluster's, say).
    pub(crate) async fn on_database(args: &[&str], env: &[(&str, String)], database_url: String) -> Server {
        Server::start_on(args, env, database_url, None).await
    }

    /// A second process on `other`'s database.
    pub(crate) async fn beside(other: &Server, env: &[(&str, String)]) -> Server {
        Server::start_on(&["serve"], env, other.database_url.clone(), None).await
    }

    pub(crate) async fn start_demo() -> Server {
        Server::start(&["serve", "--demo"], &[]).await
    }

    pub(crate) async fn start_demo_with(env: &[(&str, String)]) -> Server {
        Server::start(&["serve", "--demo"], env).await
    }

    /// The name of the server's database.
    pub(crate) fn database_name(&self) -> &str {
        self.database_url.rsplit('/').next().unwrap_or_default()
    }

    /// Sends the process a signal (`TERM`, `INT`).
    pub(crate) fn signal(&self, name: &str) {
        let sent = std::process::Command::new("kill").arg(format!("-{name}")).arg(self.child.id().to_string()).status();
        assert!(sent.is_ok_and(|s| s.success()));
    }

    /// How the process exited, if it did within `limit`.
    pub(crate) fn wait_for_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    async fn start_on(
        args: &[&str],
        env: &[(&str, String)],
        database_url: String,
        database: Option<TestDatabase>,
    ) -> Server {
        let addr = format!("127.0.0.1:{}", free_port());
        let log = std::env::temp_dir().join(format!("yhdyspinta-server-{}.log", uuid::Uuid::now_v7().simple()));
        let file = std::fs::File::create(&log).unwrap();
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_yhdyspinta"));
        command
            .args(args)
            .env("DATABASE_URL", &database_url)
            .env("YHDYSPINTA_BIND", &addr)
            .env("YHDYSPINTA_WORKERS", "1")
            .env_remove("YHDYSPINTA_SMTP_URL")
            .stdout(Stdio::from(file.try_clone().unwrap()))
            .stderr(Stdio::from(file));
        for (k, v) in env {
            command.env(k, v);
        }
        let child = command.spawn().expect("start the server binary");
        let server = Server { child, addr, log, database_url, _database: database };
        let started = Instant::now();
        while get(&server.addr, "/healthz", None).await.0 != 200 {
            assert!(started.elapsed() < Duration::from_secs(60), "the server did not start: {}", server.log_text());
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        server
    }

    pub(crate) fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// One HTTP/1.1 exchange; status 0 when nothing answers.
pub(crate) async fn exchange(addr: &str, request: String) -> (u16, String) {
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

pub(crate) async fn get(addr: &str, path: &str, bearer: Option<&str>) -> (u16, String) {
    let auth = bearer.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    exchange(addr, format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n")).await
}

pub(crate) async fn post(
    addr: &str,
    path: &str,
    content_type: &str,
    body: &str,
    bearer: Option<&str>,
) -> (u16, String) {
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

/// Opens an event stream over plain HTTP/1.1 and reads it until `needle` shows up.
async fn open_stream(addr: &str, path: &str, token: &str) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    read_stream_until(&mut stream, "retry:").await;
    stream
}

async fn read_stream_until(stream: &mut TcpStream, needle: &str) -> String {
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let mut buf = [0u8; 4096];
    while !text.contains(needle) {
        let n = tokio::time::timeout_at(deadline, stream.read(&mut buf))
            .await
            .unwrap_or_else(|_| panic!("no {needle:?} in the stream: {text}"))
            .unwrap();
        assert!(n > 0, "the stream closed before {needle:?}: {text}");
        text.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    text
}

#[actix_web::test]
async fn two_server_processes_on_one_database_both_stream_every_revision() {
    let a = Server::start_demo().await;
    let b = Server::beside(&a, &[]).await;
    let form = format!(
        "grant_type=password&username=paakayttaja%40jyvaskyla.example&password={}",
        yhdyspinta::demo::DEMO_PASSWORD
    );
    let (status, body) = post(&b.addr, "/api/v1/auth/token", "application/x-www-form-urlencoded", &form, None).await;
    assert_eq!(status, 200, "{body}");
    let token: serde_json::Value = serde_json::from_str(&body).unwrap();
    let token = token["access_token"].as_str().unwrap().to_owned();
    let (_, me) = get(&a.addr, "/api/v1/me", Some(&token)).await;
    let me: serde_json::Value = serde_json::from_str(&me).unwrap();
    let org = me["memberships"][0]["organization_id"].as_str().unwrap().to_owned();
    let (status, body) = post(
        &a.addr,
        "/api/v1/coordination-documents",
        "application/json",
        &serde_json::json!({"title": "Kahden palvelimen suunnitelma", "owner_organization_id": org}).to_string(),
        Some(&token),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    let base = format!("/api/v1/coordination-documents/{}", doc["id"].as_str().unwrap());
    let events = format!("{base}/events");
    let mut on_a = open_stream(&a.addr, &events, &token).await;
    let mut on_b = open_stream(&b.addr, &events, &token).await;
    for (i, addr) in [&b.addr, &a.addr].into_iter().enumerate() {
        let entry = serde_json::json!({"date": "2026-04-01", "title": format!("Rivi {i}")}).to_string();
        let (status, body) = exchange(
            addr,
            format!(
                "POST {base}/entries HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nIf-Match: *\r\n\
                 Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{entry}",
                entry.len()
            ),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        let expected = format!("id: {}\n", i + 2);
        read_stream_until(&mut on_a, &expected).await;
        read_stream_until(&mut on_b, &expected).await;
    }
}

#[actix_web::test]
async fn two_server_processes_share_one_sign_in_budget_per_client_address() {
    let limit = [("YHDYSPINTA_LOGIN_REQUESTS_PER_MINUTE", "4".to_owned())];
    let first = Server::start_demo_with(&limit).await;
    let second = Server::beside(&first, &limit).await;
    let sign_in = "grant_type=password&username=nobody%40example.fi&password=wrong";
    let form = "application/x-www-form-urlencoded";
    for server in [&first, &second, &first, &second] {
        assert_eq!(post(&server.addr, "/api/v1/auth/token", form, sign_in, None).await.0, 400);
    }
    // The fifth request from this address, through either process, is over the budget.
    for server in [&first, &second] {
        let (status, body) = post(&server.addr, "/api/v1/auth/token", form, sign_in, None).await;
        assert_eq!(status, 429, "{body}");
    }
}
