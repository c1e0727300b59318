//! The append-only revision log of coordination documents.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::Conn;
use crate::repo::schema::coordination_revisions as revisions;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = revisions, check_for_backend(diesel::pg::Pg))]
pub struct RevisionRow {
    pub document_id: Uuid,
    pub revision: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub entry_id: Option<Uuid>,
    pub patch: serde_json::Value,
    pub etags: serde_json::Value,
}

#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = revisions)]
pub struct RevisionWrite<'a> {
    pub document_id: Uuid,
    pub revision: i64,
    pub actor_id: Option<Uuid>,
    pub action: &'a str,
    pub entry_id: Option<Uuid>,
    pub patch: serde_json::Value,
    pub snapshot: Option<serde_json::Value>,
    pub etags: serde_json::Value,
}

pub async fn insert(conn: &mut Conn, row: &RevisionWrite<'_>) -> QueryResult<usize> {
    diesel::insert_into(revisions::table).values(row).execute(conn).await
}

/// Revisions after `after`, oldest first.
pub async fn list(conn: &mut Conn, document: Uuid, after: Option<i64>, limit: i64) -> QueryResult<Vec<RevisionRow>> {
    revisions::table
        .filter(revisions::document_id.eq(document))
        .filter(revisions::revision.gt(after.unwrap_or(0)))
        .select(RevisionRow::as_select())
        .order(revisions::revision)
        .limit(limit)
        .load(conn)
        .await
}

/// Revisions made at or after `since`, after `after`, oldest first.
pub async fn list_since(
    conn: &mut Conn,
    document: Uuid,
    since: DateTime<Utc>,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<RevisionRow>> {
    revisions::table
        .filter(revisions::document_id.eq(document))
        .filter(revisions::revision.gt(after.unwrap_or(0)))
        .filter(revisions::at.ge(since))
        .select(RevisionRow::as_select())
        .order(revisions::revision)
        .limit(limit)
        .load(conn)
        .await
}

/// The newest snapshot at or before `revision`: (its revision, the document then).
pub async fn snapshot_at_or_before(
    conn: &mut Conn,
    document: Uuid,
    revision: i64,
) -> QueryResult<Option<(i64, serde_json::Value)>> {
    let row: Option<(i64, Option<serde_json::Value>)> = revisions::table
        .filter(revisions::document_id.eq(document))
        .filter(revisions::revision.le(revision))
        .filter(revisions::snapshot.is_not_null())
        .select((revisions::revision, revisions::snapshot))
        .order(revisions::revision.desc())
        .first(conn)
        .await
        .optional()?;
    Ok(row.and_then(|(n, s)| s.map(|s| (n, s))))
}

/// The patches of revisions `from..=to`, in order.
pub async fn patches(conn: &mut Conn, document: Uuid, from: i64, to: i64) -> QueryResult<Vec<serde_json::Value>> {
    revisions::table
        .filter(revisions::document_id.eq(document))
        .filter(revisions::revision.between(from, to))
        .select(revisions::patch)
        .order(revisions::revision)
        .load(conn)
        .await
}
