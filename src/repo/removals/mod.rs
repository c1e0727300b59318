//! Removals from view (written by the database's triggers, read here).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::Conn;
use crate::repo::schema::removals;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = removals, check_for_backend(diesel::pg::Pg))]
pub struct RemovalRow {
    pub id: i64,
    pub resource_type: String,
    pub resource_id: Uuid,
    pub series_id: Option<Uuid>,
    pub reason: String,
    pub public: bool,
    pub organization_ids: Vec<Option<Uuid>>,
    pub removed_at: DateTime<Utc>,
}

/// List filters; rows in `id` (writing) order after `after`.
#[derive(Clone, Debug, Default)]
pub struct RemovalFilter {
    pub resource_type: Option<String>,
    /// Besides the public ones, those of these organisations (`None`: all, for platform admins).
    pub organizations: Option<Vec<Uuid>>,
    pub since: Option<DateTime<Utc>>,
    pub after: Option<i64>,
    pub limit: i64,
}

pub async fn list(conn: &mut Conn, f: &RemovalFilter) -> QueryResult<Vec<RemovalRow>> {
    let mut query = removals::table.select(RemovalRow::as_select()).into_boxed();
    // Public ones alone for a caller with no organisation: the partial index answers that.
    if let Some([]) = f.organizations.as_deref() {
        query = query.filter(removals::public);
    } else if let Some(orgs) = &f.organizations {
        let orgs: Vec<Option<Uuid>> = orgs.iter().copied().map(Some).collect();
        query = query.filter(removals::public.or(removals::organization_ids.overlaps_with(orgs)));
    }
    if let Some(kind) = &f.resource_type {
        query = query.filter(removals::resource_type.eq(kind.clone()));
    }
    if let Some(since) = f.since {
        query = query.filter(removals::removed_at.ge(since));
    }
    if let Some(after) = f.after {
        query = query.filter(removals::id.gt(after));
    }
    query.order(removals::id).limit(f.limit).load(conn).await
}
