//! A network's members and the invitations and requests to join.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::Conn;
use crate::repo::schema::{network_members, network_requests};

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = network_members, check_for_backend(diesel::pg::Pg))]
pub struct MemberRow {
    pub network_id: Uuid,
    pub organization_id: Uuid,
    pub role: String,
    pub contact_ids: Vec<Option<Uuid>>,
    pub joined_at: DateTime<Utc>,
}

/// The members of these networks, in joining order.
pub async fn of_networks(conn: &mut Conn, ids: &[Uuid]) -> QueryResult<Vec<MemberRow>> {
    network_members::table
        .filter(network_members::network_id.eq_any(ids))
        .select(MemberRow::as_select())
        .order((network_members::network_id, network_members::joined_at, network_members::organization_id))
        .load(conn)
        .await
}

pub async fn get(conn: &mut Conn, network: Uuid, organization: Uuid) -> QueryResult<Option<MemberRow>> {
    network_members::table.find((network, organization)).select(MemberRow::as_select()).first(conn).await.optional()
}

pub async fn insert(conn: &mut Conn, row: &MemberRow) -> QueryResult<MemberRow> {
    diesel::insert_into(network_members::table)
        .values(row)
        .on_conflict((network_members::network_id, network_members::organization_id))
        .do_update()
        .set(network_members::role.eq(&row.role))
        .returning(MemberRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn update(
    conn: &mut Conn,
    network: Uuid,
    organization: Uuid,
    role: &str,
    contact_ids: Vec<Option<Uuid>>,
) -> QueryResult<MemberRow> {
    diesel::update(network_members::table.find((network, organization)))
        .set((network_members::role.eq(role), network_members::contact_ids.eq(contact_ids)))
        .returning(MemberRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn delete(conn: &mut Conn, network: Uuid, organization: Uuid) -> QueryResult<usize> {
    diesel::delete(network_members::table.find((network, organization))).execute(conn).await
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = network_requests, check_for_backend(diesel::pg::Pg))]
pub struct RequestRow {
    pub id: Uuid,
    pub network_id: Uuid,
    pub organization_id: Uuid,
    pub kind: String,
    pub role: String,
    pub status: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub version: i64,
}

/// Inserts a pending request; `None` when one is already pending for the organisation.
pub async fn insert_request(conn: &mut Conn, row: &RequestRow) -> QueryResult<Option<RequestRow>> {
    diesel::insert_into(network_requests::table)
        .values(row)
        .on_conflict_do_nothing()
        .returning(RequestRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}

pub async fn get_request(conn: &mut Conn, network: Uuid, id: Uuid) -> QueryResult<Option<RequestRow>> {
    network_requests::table
        .filter(network_requests::network_id.eq(network))
        .filter(network_requests::id.eq(id))
        .select(RequestRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn lock_request(conn: &mut Conn, network: Uuid, id: Uuid) -> QueryResult<Option<RequestRow>> {
    network_requests::table
        .filter(network_requests::network_id.eq(network))
        .filter(network_requests::id.eq(id))
        .select(RequestRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// A network's requests of `kind`, newest first; `only_for` limits them to these organisations.
pub async fn requests(
    conn: &mut Conn,
    network: Uuid,
    kind: &str,
    only_for: Option<&[Uuid]>,
    status: Option<&str>,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<RequestRow>> {
    let mut query = network_requests::table
        .filter(network_requests::network_id.eq(network))
        .filter(network_requests::kind.eq(kind))
        .select(RequestRow::as_select())
        .into_boxed();
    if let Some(orgs) = only_for {
        query = query.filter(network_requests::organization_id.eq_any(orgs.to_vec()));
    }
    if let Some(status) = status {
        query = query.filter(network_requests::status.eq(status.to_owned()));
    }
    if let Some(after) = after {
        query = query.filter(network_requests::id.gt(after));
    }
    query.order(network_requests::id).limit(limit).load(conn).await
}

pub async fn decide(conn: &mut Conn, id: Uuid, status: &str) -> QueryResult<RequestRow> {
    diesel::update(network_requests::table.find(id))
        .set((
            network_requests::status.eq(status),
            network_requests::decided_at.eq(diesel::dsl::now),
            network_requests::version.eq(network_requests::version + 1),
        ))
        .returning(RequestRow::as_returning())
        .get_result(conn)
        .await
}
