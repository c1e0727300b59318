//! The change feed: public changes in commit order (written by the database's triggers), and
//! the horizon below which they have been deleted.

pub mod hsds;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::Conn;
use crate::repo::schema::{change_horizon, changes};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = changes, check_for_backend(diesel::pg::Pg))]
pub struct ChangeRow {
    #[diesel(select_expression = changes::seq.assume_not_null())]
    pub seq: i64,
    pub resource_type: String,
    pub resource_id: Uuid,
    pub series_id: Option<Uuid>,
    pub op: String,
    pub changed_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Default)]
pub struct ChangeFilter {
    /// Only these resource types (`None`: all).
    pub types: Option<Vec<String>>,
    pub after: i64,
    pub limit: i64,
}

/// Public changes after `after`, in feed order.
pub async fn list(conn: &mut Conn, f: &ChangeFilter) -> QueryResult<Vec<ChangeRow>> {
    let mut query = changes::table
        .select(ChangeRow::as_select())
        .filter(changes::public)
        .filter(changes::seq.gt(f.after))
        .into_boxed();
    if let Some(types) = &f.types {
        query = query.filter(changes::resource_type.eq_any(types.clone()));
    }
    query.order(changes::seq).limit(f.limit).load(conn).await
}

/// The newest public change's position (0 when there is none).
pub async fn latest(conn: &mut Conn) -> QueryResult<i64> {
    let latest: Option<i64> =
        changes::table.filter(changes::public).select(diesel::dsl::max(changes::seq)).get_result(conn).await?;
    Ok(latest.unwrap_or(0))
}

/// The highest position deleted with the changes older than the retention period.
pub async fn pruned_through(conn: &mut Conn) -> QueryResult<i64> {
    change_horizon::table.select(change_horizon::pruned_through).first(conn).await
}

/// Deletes the changes committed before `cutoff`, as one prefix of the feed, and moves the
/// horizon past them; how many were deleted.
pub async fn prune(conn: &mut Conn, cutoff: DateTime<Utc>) -> QueryResult<usize> {
    #[derive(QueryableByName)]
    struct Deleted {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let deleted: Deleted = diesel::sql_query(
        "WITH cut AS (SELECT max(seq) AS seq FROM changes WHERE changed_at < $1), \
         gone AS (DELETE FROM changes WHERE seq <= (SELECT seq FROM cut) RETURNING seq), \
         moved AS (UPDATE change_horizon SET pruned_through = greatest(pruned_through, (SELECT max(seq) FROM gone)) \
                   WHERE EXISTS (SELECT 1 FROM gone) RETURNING 1) \
         SELECT count(*) AS n FROM gone",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(cutoff)
    .get_result(conn)
    .await?;
    Ok(usize::try_from(deleted.n).unwrap_or(0))
}
