//! Faults and hostile input against the real server binary: the database going away under
//! requests in flight and for new ones, bodies that stop arriving, oversized heads, and
//! stopping under keep-alive connections.

use std::time::{Duration, Instant};

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::server::{Server, get};
use crate::support::TestApp;

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Terminates the service's request backends that wait for a lock (a plain `SELECT`, not the
/// housekeeping's recomputation of the platform indicators, which reads organisations too);
/// how many there were.
async fn terminate_waiting_backends(admin: &mut AsyncPgConnection) -> i64 {
    let terminated: Count = diesel::sql_query(
        "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity \
         WHERE datname = current_database() AND application_name = 'yhdyspinta' \
         AND wait_event_type = 'Lock' AND pid <> pg_backend_pid() AND query LIKE 'SELECT%'",
    )
    .get_result(admin)
    .await
    .unwrap();
    terminated.n
}

#[actix_web::test]
async fn a_database_lost_under_requests_answers_503_logs_the_outage_once_and_recovers() {
    let server = Server::start_demo().await;
    let mut locker = AsyncPgConnection::establish(&server.database_url).await.unwrap();
    let mut admin = AsyncPgConnection::establish(&server.database_url).await.unwrap();

    // In flight: the request waits on a lock when its backend is terminated (as on a fast
    // shutdown or a failover).
    locker.batch_execute("BEGIN; LOCK TABLE organizations IN ACCESS EXCLUSIVE MODE").await.unwrap();
    let (in_flight, terminated) = tokio::join!(get(&server.addr, "/api/v1/organizations", None), async {
        for _ in 0..100 {
            let n = terminate_waiting_backends(&mut admin).await;
            if n > 0 {
                return n;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        0
    });
    locker.batch_execute("COMMIT").await.unwrap();
    assert_eq!(terminated, 1);
    assert_eq!(in_flight.0, 503, "{}", in_flight.1);
    let problem: serde_json::Value = serde_json::from_str(&in_flight.1).unwrap();
    assert_eq!(problem["type"], "/problems/service-unavailable");
    // The broken connection went back to no one: every later request is served.
    for _ in 0..6 {
        let later = get(&server.addr, "/api/v1/organizations", None).await;
        assert_eq!(later.0, 200, "{}\n{}", later.1, server.log_text());
    }

    // New requests during an outage: the database refuses connections and drops those open.
    let mut admin = AsyncPgConnection::establish(&crate::support::admin_url()).await.unwrap();
    admin
        .batch_execute(&format!(
            "ALTER DATABASE \"{db}\" WITH ALLOW_CONNECTIONS false; \
             SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = '{db}' AND application_name = 'yhdyspinta'",
            db = server.database_name()
        ))
        .await
        .unwrap();
    let started = Instant::now();
    let mut statuses = Vec::new();
    for _ in 0..50 {
        statuses.push(get(&server.addr, "/api/v1/organizations", None).await.0);
    }
    assert!(statuses.iter().all(|s| *s == 503), "{statuses:?}");
    assert!(started.elapsed() < Duration::from_secs(10), "503s are fast: {:?}", started.elapsed());
    admin
        .batch_execute(&format!("ALTER DATABASE \"{}\" WITH ALLOW_CONNECTIONS true", server.database_name()))
        .await
        .unwrap();
    let back = Instant::now();
    while get(&server.addr, "/api/v1/organizations", None).await.0 != 200 {
        assert!(back.elapsed() < Duration::from_secs(5), "the service is back within 5 s of the database");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let log = server.log_text();
    let began = log.lines().filter(|l| l.contains("the database is unavailable")).count();
    let ended = log.lines().filter(|l| l.contains("the database is available again")).count();
    assert_eq!((began, ended), (2, 2), "one line as each outage begins and one as it ends:\n{log}");
    assert!(
        log.lines().filter(|l| l.contains("WARN") && l.contains("available again")).any(|l| l.contains("refused="))
    );
    assert!(!log.contains("ERROR"), "no request logged as an error:\n{log}");
    assert!(!log.contains("status=500"), "{log}");
}

/// Sends `head` and then nothing more; what arrives before the server closes, and how long
/// that took.
async fn send_and_wait_for_close(addr: &str, head: &str) -> (String, Duration) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let mut raw = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut raw)).await;
    assert!(read.is_ok(), "the server closes the connection");
    (String::from_utf8_lossy(&raw).into_owned(), started.elapsed())
}

#[actix_web::test]
async fn a_head_or_body_that_stops_arriving_is_answered_408_and_the_connection_closed() {
    let server = Server::start_demo_with(&[("YHDYSPINTA_BODY_TIMEOUT_MS", "1000".into())]).await;
    let head = format!(
        "POST /api/v1/auth/token HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: 1000\r\n\r\ngrant_type=password&username=",
        server.addr
    );
    let (answer, took) = send_and_wait_for_close(&server.addr, &head).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("content-type: application/problem+json"), "{answer}");
    assert!(answer.contains("/problems/request-timeout"), "{answer}");
    assert!(answer.contains("\"request_id\""), "{answer}");
    assert!(took < Duration::from_secs(4), "{took:?}");
    // A head that stops arriving: the same problem, after five seconds, not the codec's empty 408.
    let (answer, took) = send_and_wait_for_close(&server.addr, "GET /api/v1/organizations HTTP/1.1\r\nHost: x").await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("content-type: application/problem+json"), "{answer}");
    assert!(answer.contains("The request head did not arrive within 5 seconds"), "{answer}");
    assert!(took >= Duration::from_millis(4500) && took < Duration::from_secs(7), "{took:?}");
    // Between requests a keep-alive connection is the keep-alive timer's: no head deadline
    // left over from an earlier request answers it.
    let mut stream = TcpStream::connect(&server.addr).await.unwrap();
    for pause in [0, 3] {
        tokio::time::sleep(Duration::from_secs(pause)).await;
        stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        assert!(read_response(&mut stream).await.starts_with("HTTP/1.1 200"));
    }
    let mut byte = [0u8; 1];
    let quiet = tokio::time::timeout(Duration::from_millis(2500), stream.read(&mut byte)).await;
    assert!(quiet.is_err(), "nothing arrives on the idle connection 5.5 s after it opened");
    // A body that arrives in time is unaffected.
    let (status, _) = crate::server::post(
        &server.addr,
        "/api/v1/auth/token",
        "application/x-www-form-urlencoded",
        "grant_type=password&username=nobody%40example.fi&password=wrong",
        None,
    )
    .await;
    assert_eq!(status, 400);
}

/// Writes `request` whole (the server may stop reading it) and reads until the server closes:
/// the statuses of the answers, in order, and the last answer's body.
async fn pipeline(addr: &str, request: &[u8]) -> (Vec<u16>, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let (mut reader, mut writer) = stream.split();
    let write = async {
        let _ = writer.write_all(request).await;
    };
    let mut raw = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), reader.read_to_end(&mut raw));
    let (_, read) = tokio::join!(write, read);
    assert!(read.is_ok(), "the server closes the connection");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let statuses =
        text.match_indices("HTTP/1.1 ").filter_map(|(at, _)| text[at + 9..].get(..3)?.parse().ok()).collect();
    let last =
        text.rsplit_once("HTTP/1.1 ").and_then(|(_, answer)| answer.split_once("\r\n\r\n")).map(|(head, body)| {
            assert!(head.to_ascii_lowercase().contains("content-type: application/problem+json"), "{head}");
            body.to_owned()
        });
    (statuses, last.unwrap_or_default())
}

#[actix_web::test]
async fn request_heads_over_the_limits_are_answered_as_problems_after_the_answers_before_them() {
    let server = Server::start_demo().await;
    let host = &server.addr;
    let get = |target: &str, headers: &str| format!("GET {target} HTTP/1.1\r\nHost: {host}\r\n{headers}\r\n");
    // Writes without credentials: 401 once their bodies have been read past.
    let json = r#"{"name":"GET / HTTP/1.1"}"#;
    let sized = format!(
        "POST /api/v1/organizations HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{json}",
        json.len()
    );
    let chunked = format!(
        "POST /api/v1/organizations HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\n\r\n{:x}\r\n{json}\r\n0\r\n\r\n",
        json.len()
    );
    let served = get(&format!("/api/v1/organizations?q={}", "a".repeat(100)), "");
    let cases = [
        // Over this service's limits, and over the HTTP codec's own (a target over 64 KiB,
        // more than 96 fields, a head over 128 KiB), which it would answer with an empty 400/431.
        (get(&format!("/api/v1/organizations?q={}", "a".repeat(9000)), ""), 414, "uri-too-long"),
        (get(&format!("/api/v1/organizations?q={}", "a".repeat(100_000)), ""), 414, "uri-too-long"),
        (get("/api/v1/organizations", &"X-Filler: 1\r\n".repeat(70)), 431, "request-header-fields-too-large"),
        (get("/api/v1/organizations", &"X-Filler: 1\r\n".repeat(100)), 431, "request-header-fields-too-large"),
        (
            get("/api/v1/organizations", &format!("X-Filler: {}\r\n", "b".repeat(17 * 1024))),
            431,
            "request-header-fields-too-large",
        ),
        (
            get("/api/v1/organizations", &format!("X-Filler: {}\r\n", "b".repeat(130 * 1024))),
            431,
            "request-header-fields-too-large",
        ),
        (get("/api/v1/organizations", "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n"), 400, "bad-request"),
    ];
    for (refused, status, problem) in cases {
        // Answered in order after the requests before it on the connection, which pass
        // through whole however their bodies are framed; then the connection closes.
        let request = [served.as_str(), &sized, &chunked, &refused, &served].concat();
        let (statuses, body) = pipeline(&server.addr, request.as_bytes()).await;
        assert_eq!(statuses, [200, 401, 401, status], "{problem}: {body}");
        let body: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["type"], format!("/problems/{problem}"));
        assert_eq!(body["status"], status);
        assert!(body["request_id"].is_string(), "{body}");
        assert!(body.get("instance").is_none(), "the refused target is not echoed: {body}");
    }
    // The stand-in's path means nothing on a connection of its own.
    assert_eq!(get_status(&server.addr, "/.refused-request-head").await, 404);
    let log = server.log_text();
    assert!(log.contains("status=414") && log.contains("status=431"), "the refusals are logged as requests:\n{log}");
}

async fn get_status(addr: &str, path: &str) -> u16 {
    get(addr, path, None).await.0
}

/// Reads one response (head and `Content-Length` body) off a keep-alive connection.
async fn read_response(stream: &mut TcpStream) -> String {
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf)).await.unwrap().unwrap();
        raw.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&raw).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned()))
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            if body.len() >= length {
                return text;
            }
        }
        assert!(n > 0, "the connection closed mid-response: {text}");
    }
}

#[actix_web::test]
async fn on_sigterm_keep_alive_connections_get_their_answer_with_connection_close_and_the_server_exits_0() {
    let mut server = Server::start_demo_with(&[("YHDYSPINTA_SHUTDOWN_DRAIN_MS", "1500".into())]).await;
    let mut idle = TcpStream::connect(&server.addr).await.unwrap();
    let request = format!("GET /readyz HTTP/1.1\r\nHost: {}\r\n\r\n", server.addr);
    idle.write_all(request.as_bytes()).await.unwrap();
    let first = read_response(&mut idle).await;
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    assert!(!first.to_ascii_lowercase().contains("connection: close"), "{first}");

    server.signal("TERM");
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The connection was idle at the signal: its next request is answered, with
    // `Connection: close`, and readiness says the instance is going.
    idle.write_all(request.as_bytes()).await.unwrap();
    let last = read_response(&mut idle).await;
    assert!(last.starts_with("HTTP/1.1 503"), "{last}");
    assert!(last.to_ascii_lowercase().contains("connection: close"), "{last}");
    assert!(last.contains("/problems/service-stopping"), "{last}");
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), idle.read_to_end(&mut rest)).await;
    assert!(matches!(closed, Ok(Ok(0))), "the server closes the connection after that answer");

    let status = server.wait_for_exit(Duration::from_secs(30));
    assert_eq!(status.and_then(|s| s.code()), Some(0), "{}", server.log_text());
}

#[actix_web::test]
async fn expensive_requests_beyond_their_permits_are_refused_quickly_and_cheap_reads_go_on() {
    // The test app admits two expensive requests at a time, and its pool holds four connections.
    let app = TestApp::spawn().await;
    let mut locker = app.conn().await;
    locker.batch_execute("BEGIN; LOCK TABLE agreements IN ACCESS EXCLUSIVE MODE").await.unwrap();
    let search = "/api/v1/agreements?q=sopimus";
    let (first, second, (third, third_took, cheap, cheap_took)) =
        tokio::join!(app.get(search), app.get(search), async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let started = Instant::now();
            let third = app.get(search).await;
            let third_took = started.elapsed();
            let started = Instant::now();
            let cheap = app.get("/api/v1/organizations/01930000-0000-7000-8000-000000000001").await;
            let cheap_took = started.elapsed();
            locker.batch_execute("COMMIT").await.unwrap();
            (third, third_took, cheap, cheap_took)
        });
    first.assert_status(200);
    second.assert_status(200);
    assert_eq!(third.assert_problem(503)["type"], "/problems/service-busy");
    assert_eq!(third.header("retry-after"), Some("1"));
    // Refused after waiting a second for a permit, sooner than the pool's own wait (5 s here).
    assert!(third_took < Duration::from_secs(2), "{third_took:?}");
    cheap.assert_status(404);
    assert!(cheap_took < Duration::from_secs(1), "{cheap_took:?}");
    // With the permits back, searches are served again.
    app.get(search).await.assert_status(200);
}
