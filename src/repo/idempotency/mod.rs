//! Kept answers of requests sent with an `Idempotency-Key`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::db::Conn;
use crate::repo::schema::idempotency_keys as keys;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = keys, check_for_backend(diesel::pg::Pg))]
pub struct KeptAnswer {
    pub request_hash: Vec<u8>,
    pub status: Option<i16>,
    pub location: Option<String>,
    pub etag: Option<String>,
    pub body: Option<Vec<u8>>,
    pub created_at: DateTime<Utc>,
}

/// Claims `(caller, key)` for a request; `false` when it is claimed already.
pub async fn claim(conn: &mut Conn, caller: &str, key: &str, request_hash: &[u8]) -> QueryResult<bool> {
    let inserted = diesel::insert_into(keys::table)
        .values((keys::caller.eq(caller), keys::key.eq(key), keys::request_hash.eq(request_hash)))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(inserted == 1)
}

pub async fn get(conn: &mut Conn, caller: &str, key: &str) -> QueryResult<Option<KeptAnswer>> {
    keys::table.find((caller, key)).select(KeptAnswer::as_select()).first(conn).await.optional()
}

/// Keeps the answer to a claimed request.
pub async fn keep(
    conn: &mut Conn,
    caller: &str,
    key: &str,
    status: i16,
    location: Option<&str>,
    etag: Option<&str>,
    body: &[u8],
) -> QueryResult<usize> {
    diesel::update(keys::table.find((caller, key)))
        .set((keys::status.eq(status), keys::location.eq(location), keys::etag.eq(etag), keys::body.eq(body)))
        .execute(conn)
        .await
}

/// Releases a claim whose request failed (or expired), so the key can be used again.
pub async fn release(conn: &mut Conn, caller: &str, key: &str) -> QueryResult<usize> {
    diesel::delete(keys::table.find((caller, key))).execute(conn).await
}

/// Forgets answers older than `before`.
pub async fn forget_before(conn: &mut Conn, before: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(keys::table.filter(keys::created_at.lt(before))).execute(conn).await
}

/// Forgets the kept answers that mention `text` (a resource id), so erasing a resource's
/// personal data leaves no copy in a kept response.
pub async fn forget_mentioning(conn: &mut Conn, text: &str) -> QueryResult<usize> {
    diesel::sql_query("DELETE FROM idempotency_keys WHERE position(convert_to($1, 'UTF8') IN body) > 0")
        .bind::<diesel::sql_types::Text, _>(text)
        .execute(conn)
        .await
}
