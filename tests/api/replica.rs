//! Reads from a real streaming replica: a private primary and its replica (`pg_basebackup -R`)
//! on ports of their own, and the server binary reading anonymous requests from the replica
//! while it keeps up, signed-in ones from the primary, and falling back to the primary when
//! the replica lags past the bound or stops.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use serde_json::Value;

use crate::server::{Server, free_port, get};

/// A primary and its streaming replica, run as the `postgres` user (PostgreSQL refuses root);
/// stopped and removed when dropped.
struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    primary: u16,
    replica: u16,
}

fn as_postgres(program: &std::path::Path, args: &[&str]) -> Command {
    let root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0"));
    if root {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program).args(args);
        command
    } else {
        let mut command = Command::new(program);
        command.args(args);
        command
    }
}

fn run(program: &std::path::Path, args: &[&str]) {
    let out = as_postgres(program, args).output().unwrap();
    assert!(out.status.success(), "{program:?} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

impl Cluster {
    fn start() -> Cluster {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .find(|b| b.join("initdb").exists())
            .expect("PostgreSQL's server binaries under /usr/lib/postgresql");
        let dir = std::env::temp_dir().join(format!("yhdyspinta-replica-{}", uuid::Uuid::now_v7().simple()));
        run(std::path::Path::new("mkdir"), &["-p", dir.to_str().unwrap()]);
        let cluster = Cluster { dir, bin, primary: free_port(), replica: free_port() };
        let (primary, replica) = (cluster.path("primary"), cluster.path("replica"));
        run(&cluster.bin.join("initdb"), &["-D", &primary, "-A", "trust", "-U", "postgres", "--no-sync"]);
        cluster.pg_ctl(&primary, cluster.primary, "start");
        let port = cluster.primary.to_string();
        run(
            &cluster.bin.join("pg_basebackup"),
            &["-h", "127.0.0.1", "-p", &port, "-U", "postgres", "-D", &replica, "-R", "-X", "stream"],
        );
        cluster.pg_ctl(&replica, cluster.replica, "start");
        cluster
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).to_str().unwrap().to_owned()
    }

    fn pg_ctl(&self, data: &str, port: u16, action: &str) {
        let options = format!("-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off", self.dir.display());
        let log = format!("{data}.log");
        let mut args = vec!["-D", data, "-w", "-t", "60"];
        if action == "start" {
            args.extend(["-o", &options, "-l", &log]);
        } else {
            args.extend(["-m", "immediate"]);
        }
        args.push(action);
        run(&self.bin.join("pg_ctl"), &args);
    }

    fn url(&self, port: u16) -> String {
        format!("postgres://postgres@127.0.0.1:{port}/postgres")
    }

    fn stop_replica(&self) {
        self.pg_ctl(&self.path("replica"), self.replica, "stop");
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for name in ["replica", "primary"] {
            let data = self.path(name);
            let _ = as_postgres(&self.bin.join("pg_ctl"), &["-D", &data, "-m", "immediate", "stop"]).output();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const METRICS_TOKEN: &str = "replica-test-metrics-token";

async fn json(addr: &str, path: &str, token: Option<&str>) -> Value {
    let (status, body) = get(addr, path, token).await;
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

async fn phone(addr: &str, org: &str, token: Option<&str>) -> Value {
    json(addr, &format!("/api/v1/organizations/{org}"), token).await["phone"].clone()
}

async fn set_phone(addr: &str, org: &str, token: &str, phone: &str) {
    let body = serde_json::json!({"phone": phone}).to_string();
    let (status, text) = crate::server::exchange(
        addr,
        format!(
            "PATCH /api/v1/organizations/{org} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
             If-Match: *\r\nContent-Type: application/merge-patch+json\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{body}",
            body.len()
        ),
    )
    .await;
    assert_eq!(status, 200, "{text}");
}

async fn eventually(limit: Duration, what: &str, mut check: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < limit, "not within {limit:?}: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_web::test]
async fn anonymous_reads_come_from_the_replica_while_it_keeps_up_and_from_the_primary_otherwise() {
    let cluster = Cluster::start();
    let env = [
        ("YHDYSPINTA_READ_DATABASE_URL", cluster.url(cluster.replica)),
        ("YHDYSPINTA_METRICS_TOKEN", METRICS_TOKEN.to_owned()),
    ];
    let server = Server::on_database(&["serve", "--demo"], &env, cluster.url(cluster.primary)).await;
    let addr = server.addr.clone();
    let form = format!(
        "grant_type=password&username=paakayttaja%40jyvaskyla.example&password={}",
        yhdyspinta::demo::DEMO_PASSWORD
    );
    let (status, text) =
        crate::server::post(&addr, "/api/v1/auth/token", "application/x-www-form-urlencoded", &form, None).await;
    assert_eq!(status, 200, "{text}");
    let token = serde_json::from_str::<Value>(&text).unwrap()["access_token"].as_str().unwrap().to_owned();
    let me = json(&addr, "/api/v1/me", Some(&token)).await;
    let org = me["memberships"][0]["organization_id"].as_str().unwrap().to_owned();
    eventually(Duration::from_secs(20), "the replica's lag measured", async || {
        json(&addr, "/readyz", None).await["replica_lag_seconds"].is_number()
    })
    .await;

    // A write, replayed: anonymous readers see it.
    set_phone(&addr, &org, &token, "+358 40 000 0001").await;
    eventually(Duration::from_secs(20), "the replica caught up", async || {
        phone(&addr, &org, None).await == "+358 40 000 0001"
    })
    .await;
    // The replica stops replaying; the next write is on the primary only. Its writer reads it
    // back at once (signed in: the primary); an anonymous reader still gets the replica's copy.
    let mut replica = AsyncPgConnection::establish(&cluster.url(cluster.replica)).await.unwrap();
    replica.batch_execute("SELECT pg_wal_replay_pause()").await.unwrap();
    set_phone(&addr, &org, &token, "+358 40 000 0002").await;
    assert_eq!(phone(&addr, &org, Some(&token)).await, "+358 40 000 0002");
    assert_eq!(phone(&addr, &org, None).await, "+358 40 000 0001", "read from the replica");
    // Past the lag bound (5 s), anonymous readers read the primary: never staler than that.
    eventually(Duration::from_secs(20), "reads moved to the primary", async || {
        phone(&addr, &org, None).await == "+358 40 000 0002"
    })
    .await;
    let lag = json(&addr, "/readyz", None).await["replica_lag_seconds"].as_f64().unwrap();
    assert!(lag > 5.0, "{lag}");
    let (status, metrics) = get(&addr, "/metrics", Some(METRICS_TOKEN)).await;
    assert_eq!(status, 200);
    assert!(metrics.contains("db_replica_up 1") && metrics.contains("db_replica_serving 0"), "{metrics}");
    assert!(metrics.contains("db_replica_lag_seconds "), "{metrics}");
    // Replaying again, it serves again; stopped, the primary answers every read.
    replica.batch_execute("SELECT pg_wal_replay_resume()").await.unwrap();
    eventually(Duration::from_secs(20), "the replica caught up again", async || {
        json(&addr, "/readyz", None).await["replica_lag_seconds"].as_f64().is_some_and(|l| l < 5.0)
    })
    .await;
    drop(replica);
    cluster.stop_replica();
    eventually(Duration::from_secs(20), "the stopped replica noticed", async || {
        json(&addr, "/readyz", None).await["replica_lag_seconds"].is_null()
    })
    .await;
    for _ in 0..20 {
        assert_eq!(phone(&addr, &org, None).await, "+358 40 000 0002");
    }
    assert!(!server.log_text().contains("ERROR"), "{}", server.log_text());
}
