//! Start-up: database preparation, demo data and the HTTP server.

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix_http::error::DispatchError;
use actix_http::{Extensions, HttpService};
use actix_service::{ServiceFactoryExt, fn_service, map_config};
use actix_web::dev::AppConfig;
use actix_web::rt::net::TcpStream;
use actix_web::{HttpServer, web};

use crate::config::Config;
use crate::db::{self, Db, StartupError};
use crate::demo;
use crate::domain::identity::rate_limit::{Limits, RateLimiter};
use crate::domain::identity::tokens::KeySet;
use crate::error::AppError;
use crate::http::head_guard::GuardedStream;
use crate::http::health::MetricsAccess;
use crate::http::middleware::BodyTimeout;
use crate::mail::Mailer;
use crate::routes::{self, Shared};
use crate::telemetry::Metrics;

/// How long in-flight requests may take to finish once the server stops accepting.
const SHUTDOWN_GRACE_SECS: u64 = 30;
/// The HTTP codec's own limit for a request head: a backstop behind the connection reader's
/// `head_guard::HEAD_TIMEOUT`, which answers first, as a problem.
const CODEC_HEAD_TIMEOUT: Duration = Duration::from_secs(7);
/// How long a closing connection waits for the client to close its side.
const DISCONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// How often coordination documents deleted past their restore window are purged.
const DOCUMENT_PURGE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(3600);
/// How often ended rate-limit windows are deleted.
const LIMITER_PRUNE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);

pub struct ServeOptions {
    /// Overrides `YHDYSPINTA_BIND`.
    pub bind: Option<String>,
    /// Load demo data before serving.
    pub demo: bool,
}

/// Creates the database if needed and applies migrations.
pub async fn prepare_database(config: &Config) -> Result<(), StartupError> {
    db::ensure_database(&config.database_url).await?;
    let applied = db::migrate(&config.database_url).await?;
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "applied migrations");
    }
    Ok(())
}

/// Loads the demo data (idempotent); `keys` seal the agreements it puts in force.
pub async fn seed_demo(db: &Db, keys: &KeySet) -> Result<usize, StartupError> {
    let mut conn =
        db.conn().await.map_err(|_| StartupError::new("cannot get a database connection for the demo data"))?;
    demo::seed(&mut conn, keys).await.map_err(|e| StartupError::new(format!("loading demo data failed: {e}")))
}

/// Loads (or on first start generates) the token signing keys.
pub async fn load_keys(config: &Config) -> Result<KeySet, StartupError> {
    let mut conn = db::connect_once(&config.database_url).await?;
    KeySet::load(&mut conn, &config.tokens).await.map_err(|e| match e {
        crate::error::AppError::Internal(cause) => StartupError::new(format!("cannot load signing keys: {cause}")),
        other => StartupError::new(format!("cannot load signing keys: {other}")),
    })
}

pub async fn serve(config: Config, options: ServeOptions) -> Result<(), StartupError> {
    let bind = options.bind.unwrap_or_else(|| config.bind.clone());
    if config.migrate_on_start {
        prepare_database(&config).await?;
    } else {
        db::connect_once(&config.database_url).await?;
    }
    let keys = load_keys(&config).await?;
    if options.demo {
        let seed_db = Db::with_settings(&config.database_url, 1, config.pool_wait_timeout, config.statement_timeout)?;
        let inserted = seed_demo(&seed_db, &keys).await?;
        seed_db.close();
        tracing::info!(inserted, "demo data loaded");
    }
    let pools = Db::per_worker(&config, config.workers)?;
    let replicas = Db::replica_per_worker(&config, config.workers)?;
    if let Some(url) = &config.read_database_url {
        let watcher = Db::with_settings(url, 1, config.pool_wait_timeout, config.statement_timeout)?;
        actix_web::rt::spawn(crate::db::watch_replica(watcher, config.replica_max_lag));
    }
    let shared = Shared {
        metrics: web::Data::new(Metrics::default()),
        keys: web::Data::new(keys),
        limiter: web::Data::new(RateLimiter::new(Limits {
            ip_requests: u32::try_from(config.login_requests_per_minute).unwrap_or(u32::MAX),
            exports_per_minute: u32::try_from(config.exports_per_minute).unwrap_or(u32::MAX),
            stream_opens_per_minute: u32::try_from(config.stream_opens_per_minute).unwrap_or(u32::MAX),
            ..Limits::default()
        })),
        cors_origins: config.cors_origins.clone(),
        trusted_proxies: web::Data::new(config.trusted_proxies.clone()),
        mail: web::Data::new(config.mail.clone()),
        metrics_access: web::Data::new(match &config.metrics_token {
            Some(token) => MetricsAccess::Token(token.clone()),
            None => MetricsAccess::Closed,
        }),
        live: web::Data::new(crate::domain::coordination_documents::live::LiveHub::new(
            config.streams_per_person,
            config.streams_per_process,
        )),
        body_timeout: web::Data::new(BodyTimeout(config.body_timeout)),
        public_url: web::Data::new(
            config.public_url.clone().unwrap_or_else(|| crate::config::PublicUrl(format!("http://{bind}"))),
        ),
        expensive_per_worker: config.expensive_per_worker,
    };
    start_background_tasks(&config, &shared)?;
    if let Some(metrics_bind) = &config.metrics_bind {
        serve_metrics(metrics_bind, &shared, pools[0].clone())?;
    }
    let server = listen(&bind, config.workers, pools.clone(), replicas.clone(), shared)?;
    actix_web::rt::spawn(stop_on_signal(server.handle(), config.shutdown_drain));
    println!("Yhdyspinta API listening on http://{bind}");
    println!("  API documentation: http://{bind}/docs   OpenAPI: http://{bind}/openapi.json");
    if options.demo {
        println!("  Demo data loaded (organisations in Pirkanmaa, Keski-Suomi and Keski-Uusimaa).");
        println!("  Demo users, all with the password '{}':", demo::DEMO_PASSWORD);
        for (email, role) in demo::demo_users() {
            println!("    {email:<48} {role}");
        }
        println!(
            "  Demo service client of Keusote (agreements:read contacts:read): client_id {} client_secret '{}'",
            demo::DEMO_CLIENT_ID,
            demo::DEMO_CLIENT_SECRET
        );
    }
    let result = server.await;
    pools.iter().chain(replicas.iter().flatten()).for_each(Db::close);
    result.map_err(|e| StartupError::new(format!("server error: {e}")))
}

/// The API server: the application on every worker, each with its own pool, behind a
/// [`GuardedStream`] on every connection so that request heads over this service's limits are
/// answered as problems rather than by the HTTP codec.
fn listen(
    bind: &str,
    workers: usize,
    pools: Vec<Db>,
    replicas: Option<Vec<Db>>,
    shared: Shared,
) -> Result<actix_web::dev::Server, StartupError> {
    let cannot_listen =
        |e: std::io::Error| StartupError::new(format!("cannot listen on {bind} (YHDYSPINTA_BIND / --bind): {e}"));
    let addrs: Vec<SocketAddr> = bind.to_socket_addrs().map_err(cannot_listen)?.collect();
    let mut builder =
        actix_server::Server::build().workers(workers).shutdown_timeout(SHUTDOWN_GRACE_SECS).disable_signals();
    let shutdown = builder.graceful_shutdown_signal();
    let next_pool = Arc::new(AtomicUsize::new(0));
    for addr in addrs {
        let (pools, replicas, shared, shutdown, next_pool) =
            (pools.clone(), replicas.clone(), shared.clone(), shutdown.clone(), next_pool.clone());
        // The factory runs once on each worker thread: each takes its own pool.
        let factory = move || {
            let worker = next_pool.fetch_add(1, Ordering::Relaxed);
            let db = pools[worker % pools.len()].clone();
            let replica = replicas.as_ref().map(|r| crate::db::ReadReplica(r[worker % r.len()].clone()));
            let shutdown = shutdown.clone();
            let http = HttpService::build()
                .keep_alive(Duration::from_secs(crate::config::KEEP_ALIVE_SECS))
                .client_request_timeout(CODEC_HEAD_TIMEOUT)
                .client_disconnect_timeout(DISCONNECT_TIMEOUT)
                .local_addr(addr)
                .graceful_shutdown_signal(move || {
                    let shutdown = shutdown.clone();
                    async move { shutdown.notified().await }
                })
                .on_connect_ext(|io: &GuardedStream<TcpStream>, data: &mut Extensions| {
                    data.insert(io.refused_head());
                })
                // The application reads neither the configured host nor the local address.
                .h1(map_config(
                    match replica {
                        Some(replica) => routes::app(db, &shared).app_data(web::Data::new(replica)),
                        None => routes::app(db, &shared),
                    },
                    |()| AppConfig::default(),
                ));
            fn_service(|io: TcpStream| async move {
                let peer = io.peer_addr().ok();
                Ok::<_, DispatchError>((GuardedStream::new(io), peer))
            })
            .and_then(http)
        };
        builder = builder.bind(format!("yhdyspinta-{addr}"), addr, factory).map_err(cannot_listen)?;
    }
    Ok(builder.run())
}

/// On SIGTERM or SIGINT, drain, then stop: for `drain` every answer carries `Connection:
/// close` and `/readyz` says 503, so balancers move on and each keep-alive connection ends
/// with an answer rather than being cut while a request may be on its way; then the server
/// stops accepting, lets the requests in flight finish within the grace period, and exits 0.
/// (Stopping at once would drop idle keep-alive connections: the server counts them as idle.)
async fn stop_on_signal(server: actix_web::dev::ServerHandle, drain: std::time::Duration) {
    use actix_web::rt::signal;
    match signal::unix::signal(signal::unix::SignalKind::terminate()) {
        Ok(mut terminate) => {
            tokio::select! {
                _ = terminate.recv() => {}
                _ = signal::ctrl_c() => {}
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGTERM: stop the server with SIGINT");
            let _ = signal::ctrl_c().await;
        }
    }
    crate::http::middleware::begin_draining();
    tracing::info!(drain_ms = drain.as_millis(), "stopping: answering with Connection: close, then finishing");
    tokio::time::sleep(drain).await;
    tracing::info!(grace_secs = SHUTDOWN_GRACE_SECS, "no longer accepting; finishing the requests in flight");
    server.stop(true).await;
}

/// The mail outbox worker, the webhook deliveries, the revision listener, the hourly housekeeping (purging deleted
/// documents, moving event series' occurrences along with the horizon) and the pruning of
/// rate-limit windows every minute, on this (the main) thread.
fn start_background_tasks(config: &Config, shared: &Shared) -> Result<(), StartupError> {
    crate::domain::event_series::set_horizon_months(u32::try_from(config.occurrence_horizon_months).unwrap_or(18));
    crate::domain::event_series::set_history_months(u32::try_from(config.occurrence_history_months).unwrap_or(12));
    crate::domain::directory::set_retention_days(u32::try_from(config.change_retention_days).unwrap_or(u32::MAX));
    crate::domain::webhooks::set_allowed_hosts(config.webhook_allow_hosts.clone());
    crate::http::middleware::set_cache_max_ages(
        u32::try_from(config.cache_max_age).unwrap_or(60),
        u32::try_from(config.export_cache_max_age).unwrap_or(300),
    );
    let webhook_db = Db::with_settings(&config.database_url, 1, config.pool_wait_timeout, config.statement_timeout)?;
    actix_web::rt::spawn(crate::domain::webhooks::delivery::run_worker(webhook_db));
    match Mailer::from_config(&config.mail)? {
        Some(mailer) => {
            let db = Db::with_settings(&config.database_url, 1, config.pool_wait_timeout, config.statement_timeout)?;
            actix_web::rt::spawn(crate::domain::mail::run_worker(db, mailer));
        }
        None => tracing::warn!(
            "YHDYSPINTA_SMTP_URL is not set: invitations cannot be delivered; they wait in the mail outbox"
        ),
    }
    let purge_db = Db::with_settings(&config.database_url, 1, config.pool_wait_timeout, config.statement_timeout)?;
    let prune_db = purge_db.clone();
    actix_web::rt::spawn(async move {
        let mut tick = tokio::time::interval(DOCUMENT_PURGE_INTERVAL);
        loop {
            tick.tick().await;
            housekeep(&purge_db, "purged deleted coordination documents", async |conn| {
                crate::domain::coordination_documents::purge_expired(conn).await
            })
            .await;
            housekeep(&purge_db, "extended the occurrences of event series", async |conn| {
                crate::domain::event_series::extend_horizons(conn).await
            })
            .await;
            housekeep(&purge_db, "recomputed platform indicators", async |conn| {
                crate::domain::indicators::derived::refresh_periodically(conn).await
            })
            .await;
            housekeep(&purge_db, "deleted changes past their retention", async |conn| {
                crate::domain::directory::prune(conn).await
            })
            .await;
            housekeep(&purge_db, "deleted webhook deliveries past their retention", async |conn| {
                crate::domain::webhooks::delivery::prune(conn).await
            })
            .await;
        }
    });
    actix_web::rt::spawn(crate::domain::coordination_documents::live::listen(
        config.database_url.clone(),
        shared.live.clone().into_inner(),
    ));
    let limiter = shared.limiter.clone();
    actix_web::rt::spawn(async move {
        let mut tick = tokio::time::interval(LIMITER_PRUNE_INTERVAL);
        loop {
            tick.tick().await;
            housekeep(&prune_db, "dropped ended rate-limit windows", async |conn| limiter.prune(conn).await).await;
        }
    });
    Ok(())
}

/// One housekeeping step on the housekeeping connection: how many rows it changed, at INFO
/// when there were any; a failure at WARN (the next round tries again).
async fn housekeep(db: &Db, done: &str, step: impl AsyncFnOnce(&mut crate::db::Conn) -> Result<usize, AppError>) {
    let result = match db.conn().await {
        Ok(mut conn) => step(&mut conn).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(0) => {}
        Ok(count) => tracing::info!(count, "{done}"),
        Err(e) => tracing::warn!(error = %e, "housekeeping failed: {done}"),
    }
}

/// `/metrics` alone, on its own address (`YHDYSPINTA_METRICS_BIND`), for the scraper.
fn serve_metrics(bind: &str, shared: &Shared, db: Db) -> Result<(), StartupError> {
    let metrics = shared.metrics.clone();
    let server = HttpServer::new(move || {
        actix_web::App::new()
            .app_data(metrics.clone())
            .app_data(web::Data::new(db.clone()))
            .app_data(web::Data::new(MetricsAccess::Open))
            .service(crate::http::health::metrics)
    })
    .workers(1)
    .bind(bind)
    .map_err(|e| StartupError::new(format!("cannot listen on {bind} (YHDYSPINTA_METRICS_BIND): {e}")))?
    .run();
    actix_web::rt::spawn(server);
    println!("  Metrics: http://{bind}/metrics");
    Ok(())
}

/// Creates a platform admin (`yhdyspinta create-admin`).
/// Imports Sotkanet downloads as the platform and prints what was done.
pub async fn import_sotkanet(config: &Config, files: &[String]) -> Result<(), StartupError> {
    use crate::domain::indicators::sotkanet;
    let mut data = sotkanet::SotkanetImport::default();
    for file in files {
        let text = std::fs::read_to_string(file).map_err(|e| StartupError::new(format!("{file}: {e}")))?;
        sotkanet::add_file(&mut data, &text).map_err(|e| StartupError::new(format!("{file}: {e}")))?;
    }
    prepare_database(config).await?;
    let db = Db::with_settings(&config.database_url, 1, config.pool_wait_timeout, config.statement_timeout)?;
    let mut conn = db.conn().await.map_err(|e| StartupError::new(e.to_string()))?;
    let imported = sotkanet::import_unchecked(
        &mut crate::domain::context::Cx::acting(&mut conn, crate::domain::access::Actor::system()),
        data,
    )
    .await;
    drop(conn);
    db.close();
    match imported {
        Ok(done) => {
            println!("{}", serde_json::to_string_pretty(&done).map_err(|e| StartupError::new(e.to_string()))?);
            Ok(())
        }
        Err(crate::error::AppError::Validation(errors)) => Err(StartupError::new(
            errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "),
        )),
        Err(e) => Err(StartupError::new(e.to_string())),
    }
}

pub async fn create_admin(config: &Config, email: &str, name: &str, password: String) -> Result<(), StartupError> {
    prepare_database(config).await?;
    let db = Db::with_settings(&config.database_url, 1, config.pool_wait_timeout, config.statement_timeout)?;
    let mut conn = db.conn().await.map_err(|e| StartupError::new(e.to_string()))?;
    let actor = crate::domain::access::Actor::system();
    let created = crate::domain::identity::users::create(&mut conn, &actor, email, name, password, true).await;
    db.close();
    match created {
        Ok(user) => {
            println!("created platform admin {} ({})", user.email, user.id);
            Ok(())
        }
        Err(crate::error::AppError::Validation(errors)) => Err(StartupError::new(
            errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "),
        )),
        Err(e) => Err(StartupError::new(e.to_string())),
    }
}
