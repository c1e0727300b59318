//! Networks (verkostot): standing networks of organisations, their members, and the
//! invitations and requests to join that make an organisation a member.

pub mod members;

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Nullable, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::Conn;
use crate::repo::JsonText;
use crate::repo::schema::{network_members, networks};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = networks, check_for_backend(diesel::pg::Pg))]
pub struct NetworkRow {
    pub id: Uuid,
    #[diesel(embed)]
    pub written: NetworkWrite,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// What a network's coordinators write; `None` writes NULL.
#[derive(Clone, Debug, Insertable, AsChangeset, Queryable, Selectable)]
#[diesel(table_name = networks, treat_none_as_null = true, check_for_backend(diesel::pg::Pg))]
pub struct NetworkWrite {
    pub name: JsonText,
    pub purpose: Option<JsonText>,
    pub kind: String,
    pub parent_network_id: Option<Uuid>,
    pub county_code: Option<String>,
    pub municipality_codes: Vec<Option<String>>,
    pub visibility: String,
}

#[derive(Clone, Debug, Default)]
pub struct NetworkFilter {
    /// The reader's organisations: besides public networks, those they are members of.
    pub readers: Vec<Uuid>,
    /// Platform admins see every network.
    pub all: bool,
    pub kind: Option<String>,
    pub member: Option<Uuid>,
    pub parent: Option<Uuid>,
    pub municipality: Option<String>,
    pub county: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
    pub after: Option<Uuid>,
    pub limit: i64,
}

pub async fn get(conn: &mut Conn, id: Uuid) -> QueryResult<Option<NetworkRow>> {
    networks::table.find(id).select(NetworkRow::as_select()).first(conn).await.optional()
}

pub async fn lock(conn: &mut Conn, id: Uuid) -> QueryResult<Option<NetworkRow>> {
    networks::table.find(id).select(NetworkRow::as_select()).for_update().first(conn).await.optional()
}

pub async fn list(conn: &mut Conn, f: &NetworkFilter) -> QueryResult<Vec<NetworkRow>> {
    let mut query = networks::table.select(NetworkRow::as_select()).into_boxed();
    if !f.all && f.readers.is_empty() {
        // One literal condition, so that a generic plan uses the partial index of public rows.
        query = query.filter(sql::<Bool>("networks.visibility = 'public'"));
    } else if !f.all {
        query = query.filter(
            sql::<Bool>("(networks.visibility = 'public' OR networks.id IN (SELECT network_id FROM network_members WHERE organization_id = ANY(")
                .bind::<Array<SqlUuid>, _>(f.readers.clone())
                .sql(")))"),
        );
    }
    if let Some(v) = &f.kind {
        query = query.filter(networks::kind.eq(v.clone()));
    }
    if let Some(v) = f.member {
        query = query.filter(networks::id.eq_any(
            network_members::table.filter(network_members::organization_id.eq(v)).select(network_members::network_id),
        ));
    }
    if let Some(v) = f.parent {
        query = query.filter(networks::parent_network_id.eq(v));
    }
    if let Some(v) = &f.municipality {
        query = query.filter(networks::municipality_codes.contains(vec![Some(v.clone())]));
    }
    if let Some(v) = &f.county {
        query = query.filter(networks::county_code.eq(v.clone()));
    }
    if let Some(v) = f.updated_since {
        query = query.filter(networks::updated_at.ge(v));
    }
    if let Some(after) = f.after {
        query = query.filter(networks::id.gt(after));
    }
    query.order(networks::id).limit(f.limit).load(conn).await
}

pub async fn insert(conn: &mut Conn, id: Uuid, row: &NetworkWrite) -> QueryResult<NetworkRow> {
    diesel::insert_into(networks::table)
        .values((networks::id.eq(id), row))
        .returning(NetworkRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn update(conn: &mut Conn, id: Uuid, row: &NetworkWrite) -> QueryResult<NetworkRow> {
    diesel::update(networks::table.find(id))
        .set((row, networks::updated_at.eq(diesel::dsl::now)))
        .returning(NetworkRow::as_returning())
        .get_result(conn)
        .await
}

/// Marks the network changed (its members changed): a new version and ETag.
pub async fn touch(conn: &mut Conn, id: Uuid) -> QueryResult<NetworkRow> {
    diesel::update(networks::table.find(id))
        .set(networks::updated_at.eq(diesel::dsl::now))
        .returning(NetworkRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn delete(conn: &mut Conn, id: Uuid) -> QueryResult<usize> {
    diesel::delete(networks::table.find(id)).execute(conn).await
}

/// The chain of parents above `id`, nearest first (at most `limit`), to refuse a cycle.
pub async fn ancestors(conn: &mut Conn, id: Uuid, limit: i64) -> QueryResult<Vec<Uuid>> {
    #[derive(QueryableByName)]
    struct Ancestor {
        #[diesel(sql_type = SqlUuid)]
        id: Uuid,
    }
    let rows: Vec<Ancestor> = diesel::sql_query(
        "WITH RECURSIVE up(id, depth) AS (
             SELECT parent_network_id, 1 FROM networks WHERE id = $1 AND parent_network_id IS NOT NULL
             UNION ALL
             SELECT n.parent_network_id, up.depth + 1 FROM networks n JOIN up ON n.id = up.id
             WHERE n.parent_network_id IS NOT NULL AND up.depth < $2)
         SELECT id FROM up ORDER BY depth",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Serialises changes to the tree of networks until the transaction ends.
pub async fn lock_tree(conn: &mut Conn) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(25250001)").execute(conn).await.map(|_| ())
}

/// Whether any network names `id` as its parent.
pub async fn has_children(conn: &mut Conn, id: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(networks::table.filter(networks::parent_network_id.eq(id))))
        .get_result(conn)
        .await
}

/// The member organisations of `network` (all, or the coordinators), as the policies read them.
pub async fn member_ids(conn: &mut Conn, network: Uuid, coordinators_only: bool) -> QueryResult<Vec<Uuid>> {
    let ids: Vec<Option<Uuid>> = diesel::select(
        sql::<Array<Nullable<SqlUuid>>>("network_member_ids(")
            .bind::<SqlUuid, _>(network)
            .sql(", ")
            .bind::<Bool, _>(coordinators_only)
            .sql(")"),
    )
    .get_result(conn)
    .await?;
    Ok(ids.into_iter().flatten().collect())
}
