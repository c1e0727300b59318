//! The audit log.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::Conn;
use crate::repo::schema::audit_log;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = audit_log, check_for_backend(diesel::pg::Pg))]
pub struct AuditRow {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub resource_type: String,
    pub resource_id: String,
    pub organization_ids: Vec<Option<Uuid>>,
    pub diff: serde_json::Value,
    pub request_id: Option<String>,
}

#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = audit_log)]
pub struct AuditWrite<'a> {
    pub actor_kind: &'a str,
    pub actor_id: Option<Uuid>,
    pub action: &'a str,
    pub resource_type: &'a str,
    pub resource_id: String,
    pub organization_ids: Vec<Option<Uuid>>,
    pub diff: serde_json::Value,
    pub request_id: Option<&'a str>,
}

pub async fn insert(conn: &mut Conn, row: &AuditWrite<'_>) -> QueryResult<usize> {
    diesel::insert_into(audit_log::table).values(row).execute(conn).await
}

#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub actor_id: Option<Uuid>,
    /// Only entries about these organisations' resources (`None`: all).
    pub organizations: Option<Vec<Uuid>>,
    /// Only entries written at or after this instant.
    pub since: Option<DateTime<Utc>>,
    pub after_seq: Option<i64>,
    pub limit: i64,
}

pub async fn list(conn: &mut Conn, filter: &AuditFilter) -> QueryResult<Vec<AuditRow>> {
    let mut query = audit_log::table.select(AuditRow::as_select()).into_boxed();
    if let Some(t) = &filter.resource_type {
        query = query.filter(audit_log::resource_type.eq(t.clone()));
    }
    if let Some(id) = &filter.resource_id {
        query = query.filter(audit_log::resource_id.eq(id.clone()));
    }
    if let Some(actor) = filter.actor_id {
        query = query.filter(audit_log::actor_id.eq(actor));
    }
    if let Some(orgs) = &filter.organizations {
        let orgs: Vec<Option<Uuid>> = orgs.iter().copied().map(Some).collect();
        query = query.filter(audit_log::organization_ids.overlaps_with(orgs));
    }
    if let Some(since) = filter.since {
        query = query.filter(audit_log::at.ge(since));
    }
    if let Some(after) = filter.after_seq {
        query = query.filter(audit_log::seq.gt(after));
    }
    query.order(audit_log::seq).limit(filter.limit).load(conn).await
}

/// Replaces the stored snapshots of one resource (erasure of personal data).
pub async fn scrub(
    conn: &mut Conn,
    resource_type: &str,
    resource_id: &str,
    diff: serde_json::Value,
) -> QueryResult<usize> {
    diesel::update(audit_log::table)
        .filter(audit_log::resource_type.eq(resource_type))
        .filter(audit_log::resource_id.eq(resource_id))
        .set(audit_log::diff.eq(diff))
        .execute(conn)
        .await
}
