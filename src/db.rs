//! Database plumbing: the connection pool, database creation and embedded migrations.
//!
//! The HTTP layer takes exactly one pooled connection per request through [`Db::conn`] and
//! passes it down; nothing below the handler checks out a second one.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use deadpool::Runtime;
use diesel::ConnectionError;
use diesel_async::pooled_connection::deadpool::{Object, Pool, PoolError};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use futures_util::FutureExt;

use crate::config::Config;
use crate::error::AppError;

pub use diesel_async::AsyncPgConnection as Conn;

/// A connection checked out of the pool; dereferences to [`Conn`].
pub type PooledConn = Object<AsyncPgConnection>;

/// `application_name` of every connection, so DBAs can tell the service's sessions apart.
pub const APPLICATION_NAME: &str = "yhdyspinta";

/// Seconds a client is asked to wait (`Retry-After`) when the database is unavailable.
const RETRY_AFTER_SECS: u32 = 2;

/// A connection pool. The server gives each HTTP worker its own pool (see [`Db::per_worker`]):
/// a connection's I/O task runs on the thread that opened it, so sharing one pool across
/// worker threads would cost a cross-thread wake-up on every query.
#[derive(Clone)]
pub struct Db {
    pool: Pool<AsyncPgConnection>,
    /// Every pool of the process (this one included), for `/metrics`.
    group: Arc<[Pool<AsyncPgConnection>]>,
}

/// Pool occupancy, for `/metrics`.
#[derive(Clone, Copy, Debug)]
pub struct PoolStatus {
    pub max_size: usize,
    pub size: usize,
    pub available: usize,
    pub waiting: usize,
}

impl Db {
    /// One pool of `YHDYSPINTA_POOL_SIZE` connections; they are opened lazily.
    pub fn new(config: &Config) -> Result<Db, StartupError> {
        Db::with_settings(&config.database_url, config.pool_size, config.pool_wait_timeout, config.statement_timeout)
    }

    /// `workers` pools that share `YHDYSPINTA_POOL_SIZE` connections between them (rounded
    /// up to at least one each) and report their occupancy together.
    pub fn per_worker(config: &Config, workers: usize) -> Result<Vec<Db>, StartupError> {
        let size = config.pool_size.div_ceil(workers.max(1));
        let pools = (0..workers.max(1))
            .map(|_| build_pool(&config.database_url, size, config.pool_wait_timeout, config.statement_timeout))
            .collect::<Result<Vec<_>, _>>()?;
        let group: Arc<[Pool<AsyncPgConnection>]> = pools.clone().into();
        Ok(pools.into_iter().map(|pool| Db { pool, group: group.clone() }).collect())
    }

    /// One pool per worker on the read replica, when one is configured. Its connections are
    /// checked at each checkout (one round trip): a replica that went away is noticed before a
    /// request's query fails, and the request reads the primary instead.
    pub fn replica_per_worker(config: &Config, workers: usize) -> Result<Option<Vec<Db>>, StartupError> {
        let Some(url) = &config.read_database_url else { return Ok(None) };
        let size = config.pool_size.div_ceil(workers.max(1));
        let pools = (0..workers.max(1))
            .map(|_| {
                let verified = RecyclingMethod::Verified;
                build_pool_recycling(url, size, config.pool_wait_timeout, config.statement_timeout, verified)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let group: Arc<[Pool<AsyncPgConnection>]> = pools.clone().into();
        Ok(Some(pools.into_iter().map(|pool| Db { pool, group: group.clone() }).collect()))
    }

    pub fn with_settings(
        url: &str,
        max_size: usize,
        wait_timeout: Duration,
        statement_timeout: Duration,
    ) -> Result<Db, StartupError> {
        let pool = build_pool(url, max_size, wait_timeout, statement_timeout)?;
        Ok(Db { group: Arc::from(vec![pool.clone()]), pool })
    }

    /// Checks out the request's connection. A saturated pool or an unreachable database is
    /// a 503 with `Retry-After`, never a hang.
    pub async fn conn(&self) -> Result<PooledConn, AppError> {
        match self.pool.get().await {
            Ok(conn) => {
                DATABASE_OUTAGE.ended();
                POOL_EXHAUSTION.ended();
                Ok(conn)
            }
            Err(e) => {
                match &e {
                    PoolError::Timeout(_) => POOL_EXHAUSTION.began(&e),
                    _ => DATABASE_OUTAGE.began(&e),
                }
                Err(AppError::Unavailable { retry_after_secs: RETRY_AFTER_SECS })
            }
        }
    }

    /// Occupancy summed over every pool of the process.
    pub fn status(&self) -> PoolStatus {
        let zero = PoolStatus { max_size: 0, size: 0, available: 0, waiting: 0 };
        self.group.iter().map(Pool::status).fold(zero, |acc, s| PoolStatus {
            max_size: acc.max_size + s.max_size,
            size: acc.size + s.size,
            available: acc.available + s.available,
            waiting: acc.waiting + s.waiting,
        })
    }

    /// Closes the pool: idle connections are dropped and later checkouts fail.
    pub fn close(&self) {
        self.pool.close();
    }
}

fn build_pool(
    url: &str,
    max_size: usize,
    wait_timeout: Duration,
    statement_timeout: Duration,
) -> Result<Pool<AsyncPgConnection>, StartupError> {
    build_pool_recycling(url, max_size, wait_timeout, statement_timeout, RecyclingMethod::Fast)
}

fn build_pool_recycling(
    url: &str,
    max_size: usize,
    wait_timeout: Duration,
    statement_timeout: Duration,
    recycling: RecyclingMethod<AsyncPgConnection>,
) -> Result<Pool<AsyncPgConnection>, StartupError> {
    let statement_ms = statement_timeout.as_millis();
    let mut manager_config = ManagerConfig::<AsyncPgConnection>::default();
    manager_config.recycling_method = recycling;
    manager_config.custom_setup = Box::new(move |url| {
        async move {
            let mut conn = AsyncPgConnection::establish(url).await?;
            conn.batch_execute(&format!(
                "SET application_name = '{APPLICATION_NAME}'; SET statement_timeout = {statement_ms}; \
                 SET TIME ZONE 'UTC'"
            ))
            .await
            .map_err(ConnectionError::CouldntSetupConfiguration)?;
            Ok(conn)
        }
        .boxed()
    });
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(url, manager_config);
    Pool::builder(manager)
        .max_size(max_size)
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(wait_timeout))
        .create_timeout(Some(Duration::from_secs(5)))
        .recycle_timeout(Some(Duration::from_secs(2)))
        .build()
        .map_err(|e| StartupError::new(format!("cannot build the connection pool: {e}")))
}

/// Runs a trivial query: is the database answering?
pub async fn ping(conn: &mut Conn) -> Result<(), AppError> {
    conn.batch_execute("SELECT 1").await.map_err(|e| {
        DATABASE_OUTAGE.began(&e);
        AppError::Unavailable { retry_after_secs: RETRY_AFTER_SECS }
    })
}

thread_local! {
    /// Connections this thread has seen lost (their server gone mid-query), ever.
    static LOST_CONNECTIONS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// A query on this thread found its connection lost: the request context that holds it takes
/// it out of the pool instead of returning it (see `Cx::release`). Counted per thread because
/// a connection is only ever used on the thread that opened it; another request's loss on the
/// same thread costs a healthy connection at most, and only during an outage.
pub fn connection_lost() {
    LOST_CONNECTIONS.with(|n| n.set(n.get().wrapping_add(1)));
}

/// How many connections this thread has seen lost so far.
pub fn lost_connections() -> u64 {
    LOST_CONNECTIONS.with(std::cell::Cell::get)
}

/// The database is unreachable, shutting down or has dropped connections.
pub static DATABASE_OUTAGE: Episode = Episode::new("the database is unavailable", "the database is available again");
/// Every pooled connection is busy for longer than the pool's wait timeout.
pub static POOL_EXHAUSTION: Episode =
    Episode::new("the connection pool is exhausted", "the connection pool has connections again");

/// A condition that answers many requests 503 at once (an outage, an exhausted pool), logged
/// at WARN when it begins and when it ends with the number of requests it refused: one line
/// per request would bury everything else (and fill the disk) during the very minutes an
/// operator reads the log. Each refused request still has its access-log line with status 503.
pub struct Episode {
    began: &'static str,
    ended: &'static str,
    /// Unix milliseconds when the current episode began; 0 when there is none.
    since_ms: AtomicU64,
    refused: AtomicU64,
}

impl Episode {
    const fn new(began: &'static str, ended: &'static str) -> Self {
        Episode { began, ended, since_ms: AtomicU64::new(0), refused: AtomicU64::new(0) }
    }

    /// One more request refused; the first of an episode logs its cause.
    pub fn began(&self, cause: &dyn std::fmt::Display) {
        self.refused.fetch_add(1, Ordering::Relaxed);
        let now = unix_millis().max(1);
        if self.since_ms.compare_exchange(0, now, Ordering::AcqRel, Ordering::Relaxed).is_ok() {
            tracing::warn!(cause = %cause, "{}: answering 503 with Retry-After until it is over", self.began);
        }
    }

    /// A request succeeded: an episode in progress is over. One atomic load when there is none.
    pub fn ended(&self) {
        if self.since_ms.load(Ordering::Relaxed) == 0 {
            return;
        }
        let since = self.since_ms.swap(0, Ordering::AcqRel);
        if since != 0 {
            let refused = self.refused.swap(0, Ordering::AcqRel);
            let lasted_ms = unix_millis().saturating_sub(since);
            tracing::warn!(lasted_ms, refused, "{}", self.ended);
        }
    }
}

fn unix_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// A failure that stops the process at start-up, with a message meant for a person.
#[derive(Debug)]
pub struct StartupError(pub String);

impl StartupError {
    pub fn new(message: impl Into<String>) -> Self {
        StartupError(message.into())
    }
}

impl std::fmt::Display for StartupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartupError {}

/// The parts of a `postgres://` URL that database creation needs.
#[derive(Debug, PartialEq, Eq)]
pub struct DatabaseUrl<'a> {
    /// Everything before the database name, ending in `/`.
    pub server: &'a str,
    pub database: &'a str,
    /// `?...` including the question mark, or empty.
    pub query: &'a str,
}

impl<'a> DatabaseUrl<'a> {
    pub fn parse(url: &'a str) -> Result<Self, StartupError> {
        let scheme_end = url.find("://").map(|i| i + 3).unwrap_or(0);
        let slash = url[scheme_end..]
            .find('/')
            .map(|i| i + scheme_end)
            .ok_or_else(|| StartupError::new("DATABASE_URL must name a database (…/yhdyspinta)"))?;
        let (path, query) = match url[slash + 1..].find('?') {
            Some(q) => (&url[slash + 1..slash + 1 + q], &url[slash + 1 + q..]),
            None => (&url[slash + 1..], ""),
        };
        if path.is_empty() || !path.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            return Err(StartupError::new(format!(
                "DATABASE_URL names the database '{path}': use letters, digits, '_' and '-' only"
            )));
        }
        Ok(DatabaseUrl { server: &url[..=slash], database: path, query })
    }

    /// The same server with another database name.
    pub fn with_database(&self, database: &str) -> String {
        format!("{}{}{}", self.server, database, self.query)
    }
}

/// The URL with any password replaced, safe for messages and logs.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let authority_end = url[scheme_end..].find('/').map_or(url.len(), |i| i + scheme_end);
    match url[scheme_end..authority_end].rfind('@') {
        Some(at) => {
            let userinfo = &url[scheme_end..scheme_end + at];
            match userinfo.find(':') {
                Some(colon) => format!("{}{}:***{}", &url[..scheme_end], &userinfo[..colon], &url[scheme_end + at..]),
                None => url.to_owned(),
            }
        }
        None => url.to_owned(),
    }
}

/// Opens a single connection with a readable error if the server cannot be reached.
pub async fn connect_once(url: &str) -> Result<AsyncPgConnection, StartupError> {
    AsyncPgConnection::establish(url).await.map_err(|e| unreachable_error(url, &e))
}

fn unreachable_error(url: &str, cause: &dyn std::fmt::Display) -> StartupError {
    StartupError::new(format!(
        "cannot connect to PostgreSQL at {} ({}).\n\
         Start a database with `docker compose up -d db`, or install and start PostgreSQL locally, \
         or point DATABASE_URL at a reachable server.",
        redact_url(url),
        cause.to_string().trim()
    ))
}

/// Creates the database named in `url` if it does not exist yet, connecting to the
/// server's `postgres` maintenance database to do so.
pub async fn ensure_database(url: &str) -> Result<(), StartupError> {
    use diesel::sql_types::Text;
    use diesel_async::RunQueryDsl;

    let parts = DatabaseUrl::parse(url)?;
    match AsyncPgConnection::establish(url).await {
        Ok(_) => return Ok(()),
        Err(e) if e.to_string().contains("does not exist") => {}
        Err(e) => return Err(unreachable_error(url, &e)),
    }
    let admin_url = parts.with_database("postgres");
    let mut admin = connect_once(&admin_url).await?;
    #[derive(diesel::QueryableByName)]
    struct Exists {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        exists: bool,
    }
    let found: Exists = diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
        .bind::<Text, _>(parts.database)
        .get_result(&mut admin)
        .await
        .map_err(|e| StartupError::new(format!("cannot look up database {}: {e}", parts.database)))?;
    if !found.exists {
        match admin.batch_execute(&format!("CREATE DATABASE \"{}\"", parts.database)).await {
            Ok(()) => tracing::info!(database = parts.database, "created database"),
            // Another instance created it meanwhile.
            Err(diesel::result::Error::DatabaseError(_, info)) if info.message().contains("already exists") => {}
            Err(e) => {
                return Err(StartupError::new(format!("cannot create database {}: {e}", parts.database)));
            }
        }
    }
    Ok(())
}

/// Applies pending embedded migrations and returns the versions applied.
pub async fn migrate(url: &str) -> Result<Vec<String>, StartupError> {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || migrations::run(&url))
        .await
        .map_err(|e| StartupError::new(format!("migration task failed: {e}")))?
}

/// Reverts every migration (each `down.sql`, newest first); used to prove they work.
pub async fn revert_all(url: &str) -> Result<Vec<String>, StartupError> {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || migrations::revert_all(&url))
        .await
        .map_err(|e| StartupError::new(format!("migration task failed: {e}")))?
}

/// Synchronous migration runner. Diesel's migration harness is blocking, so it runs on a
/// blocking thread over `AsyncConnectionWrapper` (kept in its own module: the sync and
/// async `RunQueryDsl` must not meet).
mod migrations {
    use diesel::{Connection, RunQueryDsl};
    use diesel_async::AsyncPgConnection;
    use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
    use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

    use super::StartupError;

    const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");
    /// Serialises concurrent migrators (several instances, parallel test binaries).
    const MIGRATION_LOCK_KEY: i64 = 0x5948_4459_5350_494e; // "YHDYSPIN"

    pub fn run(url: &str) -> Result<Vec<String>, StartupError> {
        with_lock(url, |conn| {
            conn.run_pending_migrations(MIGRATIONS).map(|v| v.iter().map(ToString::to_string).collect())
        })
    }

    pub fn revert_all(url: &str) -> Result<Vec<String>, StartupError> {
        with_lock(url, |conn| {
            conn.revert_all_migrations(MIGRATIONS).map(|v| v.iter().map(ToString::to_string).collect())
        })
    }

    type WrappedConn = AsyncConnectionWrapper<AsyncPgConnection>;
    type HarnessResult = diesel::migration::Result<Vec<String>>;

    fn with_lock(url: &str, f: impl FnOnce(&mut WrappedConn) -> HarnessResult) -> Result<Vec<String>, StartupError> {
        let mut conn = WrappedConn::establish(url).map_err(|e| super::unreachable_error(url, &e))?;
        diesel::sql_query("SELECT pg_advisory_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(MIGRATION_LOCK_KEY)
            .execute(&mut conn)
            .map_err(|e| StartupError::new(format!("cannot take the migration lock: {e}")))?;
        let result = f(&mut conn).map_err(|e| StartupError::new(format!("migration failed: {e}")));
        let _ = diesel::sql_query("SELECT pg_advisory_unlock($1)")
            .bind::<diesel::sql_types::BigInt, _>(MIGRATION_LOCK_KEY)
            .execute(&mut conn);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_url_parts() {
        let p = DatabaseUrl::parse("postgres://u:p@h:5432/yp?sslmode=disable").unwrap();
        assert_eq!(p.server, "postgres://u:p@h:5432/");
        assert_eq!(p.database, "yp");
        assert_eq!(p.with_database("postgres"), "postgres://u:p@h:5432/postgres?sslmode=disable");
        assert!(DatabaseUrl::parse("postgres://h:5432").is_err());
        assert!(DatabaseUrl::parse("postgres://h/a;drop").is_err());
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact_url("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_url("postgres://h/db"), "postgres://h/db");
    }
}

/// A streaming replica's pool on this worker: anonymous reads go to it while it keeps up.
#[derive(Clone)]
pub struct ReadReplica(pub Db);

/// The replica's replay lag in milliseconds, as last measured: `NOT_CONFIGURED` without a
/// replica, `UNREACHABLE` when it did not answer.
static REPLICA_LAG_MS: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(NOT_CONFIGURED);
static REPLICA_MAX_LAG_MS: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(5000);
const NOT_CONFIGURED: i64 = -2;
const UNREACHABLE: i64 = -1;

/// The replica failed a request's checkout: reads go to the primary until the watcher sees it
/// answer again.
pub fn replica_failed() {
    REPLICA_LAG_MS.store(UNREACHABLE, std::sync::atomic::Ordering::Relaxed);
}

/// Whether anonymous reads may go to the replica now: it answered, and lags no more than the
/// bound (`YHDYSPINTA_REPLICA_MAX_LAG_MS`). Otherwise they read the primary.
pub fn replica_usable() -> bool {
    let lag = REPLICA_LAG_MS.load(std::sync::atomic::Ordering::Relaxed);
    lag >= 0 && lag <= REPLICA_MAX_LAG_MS.load(std::sync::atomic::Ordering::Relaxed)
}

/// The replica's state for `/readyz` and `/metrics`: `None` without a replica; `Some(None)`
/// when unreachable; else its lag in seconds.
pub fn replica_lag() -> Option<Option<f64>> {
    match REPLICA_LAG_MS.load(std::sync::atomic::Ordering::Relaxed) {
        NOT_CONFIGURED => None,
        UNREACHABLE => Some(None),
        ms => Some(Some(ms as f64 / 1000.0)),
    }
}

/// Measures the replica's replay lag twice a second for as long as the process runs. Caught
/// up (everything received is replayed) is no lag, whenever the last transaction was;
/// otherwise the lag is how old the last replayed transaction is.
pub async fn watch_replica(db: Db, max_lag: Duration) {
    use diesel::QueryableByName;
    use diesel_async::RunQueryDsl;
    #[derive(QueryableByName)]
    struct Lag {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        lag_ms: i64,
    }
    REPLICA_MAX_LAG_MS
        .store(i64::try_from(max_lag.as_millis()).unwrap_or(i64::MAX), std::sync::atomic::Ordering::Relaxed);
    REPLICA_LAG_MS.store(UNREACHABLE, std::sync::atomic::Ordering::Relaxed);
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    loop {
        tick.tick().await;
        let measured = async {
            let mut conn = db.pool.get().await.map_err(|e| e.to_string())?;
            diesel::sql_query(
                "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0 \
                 WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0 \
                 ELSE coalesce((extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000)::bigint, 0) \
                 END AS lag_ms",
            )
            .get_result::<Lag>(&mut conn)
            .await
            .map(|l| l.lag_ms.max(0))
            .map_err(|e| e.to_string())
        };
        let lag = match tokio::time::timeout(Duration::from_secs(2), measured).await {
            Ok(Ok(ms)) => ms,
            _ => UNREACHABLE,
        };
        REPLICA_LAG_MS.store(lag, std::sync::atomic::Ordering::Relaxed);
    }
}
