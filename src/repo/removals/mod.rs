//! Removals from view: the deletions of the change record (written by the database's
//! triggers, read here), in feed order.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::Conn;
use crate::repo::schema::changes;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = changes, check_for_backend(diesel::pg::Pg))]
pub struct RemovalRow {
    /// The position in the change feed: commit order.
    #[diesel(select_expression = changes::seq.assume_not_null())]
    pub seq: i64,
    pub resource_type: String,
    pub resource_id: Uuid,
    pub series_id: Option<Uuid>,
    #[diesel(select_expression = changes::reason.assume_not_null())]
    pub reason: String,
    #[diesel(column_name = changed_at)]
    pub removed_at: DateTime<Utc>,
}

/// List filters; rows in feed (commit) order after `after`.
#[derive(Clone, Debug, Default)]
pub struct RemovalFilter {
    pub resource_type: Option<String>,
    /// Besides the public ones, those of these organisations (`None`: all, for platform admins).
    pub organizations: Option<Vec<Uuid>>,
    /// ...and of these resource types only (`None`: of every type).
    pub private_types: Option<Vec<String>>,
    pub since: Option<DateTime<Utc>>,
    pub after: Option<i64>,
    pub limit: i64,
}

pub async fn list(conn: &mut Conn, f: &RemovalFilter) -> QueryResult<Vec<RemovalRow>> {
    // A committed change always has its position; the one being committed is not seen here.
    let mut query = changes::table
        .select(RemovalRow::as_select())
        .filter(changes::op.eq("delete"))
        .filter(changes::seq.is_not_null())
        .into_boxed();
    // Public ones alone for a caller with no organisation: the partial index answers that.
    if let Some([]) = f.organizations.as_deref() {
        query = query.filter(changes::public);
    } else if let Some(orgs) = &f.organizations {
        let orgs: Vec<Option<Uuid>> = orgs.iter().copied().map(Some).collect();
        query =
            match &f.private_types {
                None => query.filter(changes::public.or(changes::organization_ids.overlaps_with(orgs))),
                Some(types) => query.filter(changes::public.or(
                    changes::organization_ids.overlaps_with(orgs).and(changes::resource_type.eq_any(types.clone())),
                )),
            };
    }
    if let Some(kind) = &f.resource_type {
        query = query.filter(changes::resource_type.eq(kind.clone()));
    }
    if let Some(since) = f.since {
        query = query.filter(changes::changed_at.ge(since));
    }
    if let Some(after) = f.after {
        query = query.filter(changes::seq.gt(after));
    }
    query.order(changes::seq).limit(f.limit).load(conn).await
}
