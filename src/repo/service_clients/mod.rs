//! Service clients.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::Conn;
use crate::repo::schema::service_clients;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = service_clients, check_for_backend(diesel::pg::Pg))]
pub struct ServiceClientRow {
    pub id: Uuid,
    pub name: String,
    pub organization_id: Uuid,
    pub scopes: Vec<Option<String>>,
    pub secret_hash: Vec<u8>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = service_clients)]
pub struct ServiceClientWrite {
    pub id: Uuid,
    pub name: String,
    pub organization_id: Uuid,
    pub scopes: Vec<Option<String>>,
    pub secret_hash: Vec<u8>,
}

pub async fn get(conn: &mut Conn, id: Uuid) -> QueryResult<Option<ServiceClientRow>> {
    service_clients::table.find(id).select(ServiceClientRow::as_select()).first(conn).await.optional()
}

/// The client, locked for the rest of the transaction.
pub async fn lock(conn: &mut Conn, id: Uuid) -> QueryResult<Option<ServiceClientRow>> {
    service_clients::table.find(id).select(ServiceClientRow::as_select()).for_update().first(conn).await.optional()
}

pub async fn list(
    conn: &mut Conn,
    organization_id: Option<Uuid>,
    updated_since: Option<DateTime<Utc>>,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<ServiceClientRow>> {
    let mut query = service_clients::table.select(ServiceClientRow::as_select()).into_boxed();
    if let Some(since) = updated_since {
        query = query.filter(service_clients::updated_at.ge(since));
    }
    if let Some(org) = organization_id {
        query = query.filter(service_clients::organization_id.eq(org));
    }
    if let Some(after) = after {
        query = query.filter(service_clients::id.gt(after));
    }
    query.order(service_clients::id).limit(limit).load(conn).await
}

pub async fn insert(conn: &mut Conn, row: &ServiceClientWrite) -> QueryResult<ServiceClientRow> {
    diesel::insert_into(service_clients::table)
        .values(row)
        .returning(ServiceClientRow::as_returning())
        .get_result(conn)
        .await
}

/// Inserts the clients whose id is not taken yet (idempotent seeding).
pub async fn insert_missing(conn: &mut Conn, rows: &[ServiceClientWrite]) -> QueryResult<usize> {
    diesel::insert_into(service_clients::table).values(rows).on_conflict_do_nothing().execute(conn).await
}

pub async fn set_secret(conn: &mut Conn, id: Uuid, secret_hash: &[u8]) -> QueryResult<ServiceClientRow> {
    diesel::update(service_clients::table.find(id))
        .set(service_clients::secret_hash.eq(secret_hash))
        .returning(ServiceClientRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn revoke(conn: &mut Conn, id: Uuid) -> QueryResult<ServiceClientRow> {
    diesel::update(service_clients::table.find(id))
        .set(service_clients::revoked_at.eq(diesel::dsl::now))
        .returning(ServiceClientRow::as_returning())
        .get_result(conn)
        .await
}
