//! Coordination documents, their editor organisations, entries and revisions.

pub mod entries;
pub mod revisions;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::Conn;
use crate::repo::JsonText;
use crate::repo::schema::{coordination_document_editors as editors, coordination_documents as documents};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = documents, check_for_backend(diesel::pg::Pg))]
pub struct DocumentRow {
    pub id: Uuid,
    pub owner_organization_id: Uuid,
    #[diesel(embed)]
    pub written: DocumentWrite,
    pub revision: i64,
    pub deleted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// The editable columns.
#[derive(Clone, Debug, Insertable, AsChangeset, Queryable, Selectable)]
#[diesel(table_name = documents, treat_none_as_null = true, check_for_backend(diesel::pg::Pg))]
pub struct DocumentWrite {
    pub title: String,
    pub timezone: String,
    pub agreement_id: Option<Uuid>,
    pub event_series_id: Option<Uuid>,
    pub sections: JsonText,
    pub updated_by: Option<Uuid>,
}

#[derive(Clone, Debug, Queryable)]
pub struct EditorRow {
    pub organization_id: Uuid,
    pub accepted_at: Option<DateTime<Utc>>,
}

/// List filters; rows in `id` order after `after`.
#[derive(Clone, Debug)]
pub struct DocumentFilter {
    /// Documents listing one of these organisations as an editor (`None`: all, for platform
    /// admins).
    pub editor_in: Option<Vec<Uuid>>,
    pub organization: Option<Uuid>,
    pub agreement_id: Option<Uuid>,
    pub event_series_id: Option<Uuid>,
    /// Documents of these owners deleted after the time, instead of live ones.
    pub deleted_of_owners: Option<(Vec<Uuid>, DateTime<Utc>)>,
    pub updated_since: Option<DateTime<Utc>>,
    pub after: Option<Uuid>,
    pub limit: i64,
}

pub async fn list(conn: &mut Conn, f: &DocumentFilter) -> QueryResult<Vec<DocumentRow>> {
    let mut query = documents::table.select(DocumentRow::as_select()).into_boxed();
    match &f.deleted_of_owners {
        Some((owners, since)) => {
            query = query
                .filter(documents::deleted_at.gt(*since))
                .filter(documents::owner_organization_id.eq_any(owners.clone()))
        }
        None => query = query.filter(documents::deleted_at.is_null()),
    }
    if let Some(orgs) = &f.editor_in {
        query =
            query.filter(documents::id.eq_any(
                editors::table.filter(editors::organization_id.eq_any(orgs.clone())).select(editors::document_id),
            ));
    }
    if let Some(org) = f.organization {
        query = query.filter(
            documents::id.eq_any(editors::table.filter(editors::organization_id.eq(org)).select(editors::document_id)),
        );
    }
    if let Some(agreement) = f.agreement_id {
        query = query.filter(documents::agreement_id.eq(agreement));
    }
    if let Some(series) = f.event_series_id {
        query = query.filter(documents::event_series_id.eq(series));
    }
    if let Some(since) = f.updated_since {
        query = query.filter(documents::updated_at.ge(since));
    }
    if let Some(after) = f.after {
        query = query.filter(documents::id.gt(after));
    }
    query.order(documents::id).limit(f.limit).load(conn).await
}

pub async fn get(conn: &mut Conn, id: Uuid) -> QueryResult<Option<DocumentRow>> {
    documents::table.find(id).select(DocumentRow::as_select()).first(conn).await.optional()
}

/// The document, locked for the rest of the transaction: every change to a document or its
/// entries takes this lock first, so revisions are numbered without gaps or races.
pub async fn lock(conn: &mut Conn, id: Uuid) -> QueryResult<Option<DocumentRow>> {
    documents::table.find(id).select(DocumentRow::as_select()).for_update().first(conn).await.optional()
}

pub async fn insert(conn: &mut Conn, id: Uuid, owner: Uuid, fields: &DocumentWrite) -> QueryResult<DocumentRow> {
    diesel::insert_into(documents::table)
        .values((documents::id.eq(id), documents::owner_organization_id.eq(owner), fields))
        .returning(DocumentRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn update(conn: &mut Conn, id: Uuid, fields: &DocumentWrite) -> QueryResult<DocumentRow> {
    diesel::update(documents::table.find(id)).set(fields).returning(DocumentRow::as_returning()).get_result(conn).await
}

/// Moves the document to its next revision number; the row version stays (a trigger condition),
/// so the document's ETag changes only with its own fields.
pub async fn next_revision(conn: &mut Conn, id: Uuid) -> QueryResult<i64> {
    diesel::update(documents::table.find(id))
        .set(documents::revision.eq(documents::revision + 1))
        .returning(documents::revision)
        .get_result(conn)
        .await
}

/// Marks the document deleted (`Some`) or live again (`None`).
pub async fn set_deleted(conn: &mut Conn, id: Uuid, by: Option<Uuid>, deleted: bool) -> QueryResult<DocumentRow> {
    let at = if deleted { Some(Utc::now()) } else { None };
    diesel::update(documents::table.find(id))
        .set((documents::deleted_at.eq(at), documents::deleted_by.eq(by), documents::updated_by.eq(by)))
        .returning(DocumentRow::as_returning())
        .get_result(conn)
        .await
}

/// Documents deleted before `cutoff` (at most 100 at a time).
pub async fn deleted_before(conn: &mut Conn, cutoff: DateTime<Utc>) -> QueryResult<Vec<Uuid>> {
    documents::table
        .filter(documents::deleted_at.lt(cutoff))
        .select(documents::id)
        .order(documents::id)
        .limit(100)
        .load(conn)
        .await
}

/// Removes a document with its editors, entries and history.
pub async fn purge(conn: &mut Conn, id: Uuid) -> QueryResult<usize> {
    diesel::delete(documents::table.find(id)).execute(conn).await
}

pub async fn editors(conn: &mut Conn, document: Uuid) -> QueryResult<Vec<EditorRow>> {
    editors::table
        .filter(editors::document_id.eq(document))
        .select((editors::organization_id, editors::accepted_at))
        .order(editors::organization_id)
        .load(conn)
        .await
}

/// The editors of each of these documents.
pub async fn editors_of(conn: &mut Conn, ids: &[Uuid]) -> QueryResult<Vec<(Uuid, EditorRow)>> {
    let rows: Vec<(Uuid, Uuid, Option<DateTime<Utc>>)> = editors::table
        .filter(editors::document_id.eq_any(ids))
        .select((editors::document_id, editors::organization_id, editors::accepted_at))
        .order((editors::document_id, editors::organization_id))
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|(d, o, a)| (d, EditorRow { organization_id: o, accepted_at: a })).collect())
}

pub async fn add_editors(conn: &mut Conn, document: Uuid, added: &[(Uuid, bool)]) -> QueryResult<usize> {
    let now = Utc::now();
    let rows: Vec<_> = added
        .iter()
        .map(|(org, accepted)| {
            (
                editors::document_id.eq(document),
                editors::organization_id.eq(*org),
                editors::accepted_at.eq(accepted.then_some(now)),
            )
        })
        .collect();
    diesel::insert_into(editors::table).values(rows).on_conflict_do_nothing().execute(conn).await
}

pub async fn remove_editors(conn: &mut Conn, document: Uuid, removed: &[Uuid]) -> QueryResult<usize> {
    diesel::delete(
        editors::table.filter(editors::document_id.eq(document)).filter(editors::organization_id.eq_any(removed)),
    )
    .execute(conn)
    .await
}

pub async fn accept_editor(conn: &mut Conn, document: Uuid, organization: Uuid) -> QueryResult<usize> {
    diesel::update(
        editors::table
            .filter(editors::document_id.eq(document))
            .filter(editors::organization_id.eq(organization))
            .filter(editors::accepted_at.is_null()),
    )
    .set(editors::accepted_at.eq(Utc::now()))
    .execute(conn)
    .await
}
