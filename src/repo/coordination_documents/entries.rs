//! Schedule entries of coordination documents.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::Conn;
use crate::repo::schema::coordination_entries as entries;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = entries, check_for_backend(diesel::pg::Pg))]
pub struct EntryRow {
    pub id: Uuid,
    pub document_id: Uuid,
    #[diesel(embed)]
    pub written: EntryWrite,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// The editable columns.
#[derive(Clone, Debug, Insertable, AsChangeset, Queryable, Selectable)]
#[diesel(table_name = entries, treat_none_as_null = true, check_for_backend(diesel::pg::Pg))]
pub struct EntryWrite {
    pub position: String,
    pub date: NaiveDate,
    pub start_time: Option<NaiveTime>,
    pub end_time: Option<NaiveTime>,
    pub title: String,
    pub content: String,
    pub responsible_organization_ids: Vec<Option<Uuid>>,
    pub responsible_contact_ids: Vec<Option<Uuid>>,
    pub status: String,
    pub updated_by: Option<Uuid>,
    pub event_series_id: Option<Uuid>,
    pub venue_id: Option<Uuid>,
}

/// List filters; rows in position order after `after` (a position).
#[derive(Clone, Debug, Default)]
pub struct EntryFilter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub status: Option<String>,
    pub organization: Option<Uuid>,
    pub event_series_id: Option<Uuid>,
    pub venue_id: Option<Uuid>,
    pub updated_since: Option<DateTime<Utc>>,
    pub after: Option<String>,
    pub limit: Option<i64>,
}

pub async fn list(conn: &mut Conn, document: Uuid, f: &EntryFilter) -> QueryResult<Vec<EntryRow>> {
    let mut query = entries::table.filter(entries::document_id.eq(document)).select(EntryRow::as_select()).into_boxed();
    if let Some(from) = f.from {
        query = query.filter(entries::date.ge(from));
    }
    if let Some(to) = f.to {
        query = query.filter(entries::date.lt(to));
    }
    if let Some(status) = &f.status {
        query = query.filter(entries::status.eq(status.clone()));
    }
    if let Some(org) = f.organization {
        query = query.filter(entries::responsible_organization_ids.contains(vec![Some(org)]));
    }
    if let Some(series) = f.event_series_id {
        query = query.filter(entries::event_series_id.eq(series));
    }
    if let Some(venue) = f.venue_id {
        query = query.filter(entries::venue_id.eq(venue));
    }
    if let Some(since) = f.updated_since {
        query = query.filter(entries::updated_at.ge(since));
    }
    if let Some(after) = &f.after {
        query = query.filter(entries::position.gt(after.clone()));
    }
    if let Some(limit) = f.limit {
        query = query.limit(limit);
    }
    query.order(entries::position).load(conn).await
}

pub async fn count(conn: &mut Conn, document: Uuid) -> QueryResult<i64> {
    entries::table.filter(entries::document_id.eq(document)).count().get_result(conn).await
}

pub async fn get(conn: &mut Conn, document: Uuid, id: Uuid) -> QueryResult<Option<EntryRow>> {
    entries::table
        .filter(entries::document_id.eq(document))
        .filter(entries::id.eq(id))
        .select(EntryRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn lock(conn: &mut Conn, document: Uuid, id: Uuid) -> QueryResult<Option<EntryRow>> {
    entries::table
        .filter(entries::document_id.eq(document))
        .filter(entries::id.eq(id))
        .select(EntryRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// The first position after `position` (`None`: the first of all), skipping `except`.
pub async fn next_position(
    conn: &mut Conn,
    document: Uuid,
    position: Option<&str>,
    except: Option<Uuid>,
) -> QueryResult<Option<String>> {
    let mut query = entries::table.filter(entries::document_id.eq(document)).select(entries::position).into_boxed();
    if let Some(p) = position {
        query = query.filter(entries::position.gt(p.to_owned()));
    }
    if let Some(id) = except {
        query = query.filter(entries::id.ne(id));
    }
    query.order(entries::position).first(conn).await.optional()
}

/// The last position of the document, if any.
pub async fn last_position(conn: &mut Conn, document: Uuid) -> QueryResult<Option<String>> {
    entries::table
        .filter(entries::document_id.eq(document))
        .select(entries::position)
        .order(entries::position.desc())
        .first(conn)
        .await
        .optional()
}

pub async fn insert(conn: &mut Conn, id: Uuid, document: Uuid, fields: &EntryWrite) -> QueryResult<EntryRow> {
    diesel::insert_into(entries::table)
        .values((entries::id.eq(id), entries::document_id.eq(document), fields))
        .returning(EntryRow::as_returning())
        .get_result(conn)
        .await
}

/// Inserts an entry with a given version (one coming back from deletion).
pub async fn insert_with_version(
    conn: &mut Conn,
    id: Uuid,
    document: Uuid,
    fields: &EntryWrite,
    version: i64,
) -> QueryResult<EntryRow> {
    diesel::insert_into(entries::table)
        .values((entries::id.eq(id), entries::document_id.eq(document), entries::version.eq(version), fields))
        .returning(EntryRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn update(conn: &mut Conn, id: Uuid, fields: &EntryWrite) -> QueryResult<EntryRow> {
    diesel::update(entries::table.find(id)).set(fields).returning(EntryRow::as_returning()).get_result(conn).await
}

pub async fn delete(conn: &mut Conn, id: Uuid) -> QueryResult<usize> {
    diesel::delete(entries::table.find(id)).execute(conn).await
}

/// Defers the position uniqueness check to commit, for a restore that rewrites many rows.
pub async fn defer_position_check(conn: &mut Conn) -> QueryResult<usize> {
    diesel::sql_query("SET CONSTRAINTS coordination_entries_position_key DEFERRED").execute(conn).await
}
