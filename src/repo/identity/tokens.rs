//! Token material: signing keys and refresh tokens.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::Conn;
use crate::repo::schema::{refresh_tokens, signing_keys};

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = signing_keys, check_for_backend(diesel::pg::Pg))]
pub struct SigningKeyRow {
    pub kid: String,
    pub private_key: Vec<u8>,
    pub public_key: Vec<u8>,
}

/// Active keys, newest first.
pub async fn active_signing_keys(conn: &mut Conn) -> QueryResult<Vec<SigningKeyRow>> {
    signing_keys::table
        .filter(signing_keys::retired_at.is_null())
        .order(signing_keys::created_at.desc())
        .select(SigningKeyRow::as_select())
        .load(conn)
        .await
}

/// Serialises key generation between instances starting at once (until the transaction ends).
pub async fn lock_key_generation(conn: &mut Conn) -> QueryResult<()> {
    const KEY_GENERATION_LOCK: i64 = 0x5950_4b45_5947_454e; // "YPKEYGEN"
    diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
        .bind::<diesel::sql_types::BigInt, _>(KEY_GENERATION_LOCK)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn insert_signing_key(conn: &mut Conn, key: &SigningKeyRow) -> QueryResult<usize> {
    diesel::insert_into(signing_keys::table).values(key).on_conflict_do_nothing().execute(conn).await
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = refresh_tokens, check_for_backend(diesel::pg::Pg))]
pub struct RefreshTokenRow {
    pub token_hash: Vec<u8>,
    pub family_id: Uuid,
    pub user_id: Uuid,
    pub scope: String,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub async fn insert_refresh_token(conn: &mut Conn, row: &RefreshTokenRow) -> QueryResult<usize> {
    diesel::insert_into(refresh_tokens::table).values(row).execute(conn).await
}

/// The token with this hash, locked for the rest of the transaction.
pub async fn refresh_token_for_update(conn: &mut Conn, hash: &[u8]) -> QueryResult<Option<RefreshTokenRow>> {
    refresh_tokens::table.find(hash).select(RefreshTokenRow::as_select()).for_update().first(conn).await.optional()
}

pub async fn mark_refresh_token_used(conn: &mut Conn, hash: &[u8]) -> QueryResult<usize> {
    diesel::update(refresh_tokens::table.find(hash))
        .set(refresh_tokens::used_at.eq(diesel::dsl::now))
        .execute(conn)
        .await
}

/// Revokes every token of a family that is not revoked yet.
pub async fn revoke_family(conn: &mut Conn, family_id: Uuid) -> QueryResult<usize> {
    diesel::update(refresh_tokens::table)
        .filter(refresh_tokens::family_id.eq(family_id))
        .filter(refresh_tokens::revoked_at.is_null())
        .set(refresh_tokens::revoked_at.eq(diesel::dsl::now))
        .execute(conn)
        .await
}

/// The family of the token with this hash, if it exists.
pub async fn family_of(conn: &mut Conn, hash: &[u8]) -> QueryResult<Option<Uuid>> {
    refresh_tokens::table.find(hash).select(refresh_tokens::family_id).first(conn).await.optional()
}
