//! Rate-limit windows: one row per counted key (a SHA-256 digest), its window's start and
//! the hits in it.

use diesel::sql_types::{Bytea, Double, Integer};
use diesel::{QueryResult, QueryableByName};
use diesel_async::RunQueryDsl;

use crate::db::Conn;

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = Integer)]
    hits: i32,
    #[diesel(sql_type = Integer)]
    retry_after_secs: i32,
}

/// One more hit on `key` in its window of `period_secs` (a new window when the last one has
/// ended): the hits in the window, and the seconds until it ends. One statement, so
/// concurrent hits from any number of instances each see their own count.
pub async fn hit(conn: &mut Conn, key: &[u8], period_secs: f64) -> QueryResult<(i32, i32)> {
    let counted: Counted = diesel::sql_query(
        "INSERT INTO rate_limit_windows AS w (key, started_at, hits) VALUES ($1, now(), 1) \
         ON CONFLICT (key) DO UPDATE SET \
           started_at = CASE WHEN w.started_at <= now() - make_interval(secs => $2) THEN now() ELSE w.started_at END, \
           hits = CASE WHEN w.started_at <= now() - make_interval(secs => $2) THEN 1 ELSE w.hits + 1 END \
         RETURNING hits, \
           ceil(extract(epoch FROM started_at + make_interval(secs => $2) - now()))::integer AS retry_after_secs",
    )
    .bind::<Bytea, _>(key)
    .bind::<Double, _>(period_secs)
    .get_result(conn)
    .await?;
    Ok((counted.hits, counted.retry_after_secs))
}

/// Takes one hit back.
pub async fn refund(conn: &mut Conn, key: &[u8]) -> QueryResult<usize> {
    diesel::sql_query("UPDATE rate_limit_windows SET hits = greatest(hits - 1, 0) WHERE key = $1")
        .bind::<Bytea, _>(key)
        .execute(conn)
        .await
}

/// Starts the count of `key` over.
pub async fn clear(conn: &mut Conn, key: &[u8]) -> QueryResult<usize> {
    diesel::sql_query("DELETE FROM rate_limit_windows WHERE key = $1").bind::<Bytea, _>(key).execute(conn).await
}

/// Deletes windows that started more than `older_than_secs` ago.
pub async fn prune(conn: &mut Conn, older_than_secs: f64) -> QueryResult<usize> {
    diesel::sql_query("DELETE FROM rate_limit_windows WHERE started_at < now() - make_interval(secs => $1)")
        .bind::<Double, _>(older_than_secs)
        .execute(conn)
        .await
}
