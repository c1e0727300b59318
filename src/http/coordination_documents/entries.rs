//! `/api/v1/coordination-documents/{id}/entries`: schedule rows, each with its own ETag.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::context::Cx;
use crate::domain::coordination_documents::Author;
use crate::domain::coordination_documents::entries::{self, EntryPlacement, EntryQuery, MoveInput};
use crate::domain::coordination_documents::{Entry, EntryFields};
use crate::domain::types::pagination::ListQuery;
use crate::domain::types::precondition::IfMatch;
use crate::error::AppError;
use crate::http::common::IfMatchRequired;
use crate::http::common::PATCH_BODY;
use crate::http::common::{
    Body, ListResponse, Listed, Listing, PatchBody, ReadErrors, Tagged, Versioned, WriteErrors, created, or_stale,
};

/// One schedule row.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01937c01-0000-7000-8000-000000000001",
    "document_id": "01937c00-0000-7000-8000-000000000001", "position": "V",
    "date": "2026-04-01", "start_time": "10:00", "end_time": "12:00", "title": "Tapaaminen",
    "content": "Kevään ohjelman **suunnittelu**.", "status": "planned",
    "responsible": {"organization_ids": ["01930000-0000-7000-8000-00000000000c"], "contact_ids": []},
    "event_series_id": null, "venue_id": "01938000-0000-7000-8000-000000000001",
    "updated_by": {"user_id": "01936000-0000-7000-8000-000000000001", "name": "Kaisa Koordinaattori"},
    "created_at": "2026-02-01T08:00:00Z", "updated_at": "2026-02-01T08:00:00Z", "version": 1}))]
pub struct EntryView {
    pub id: Uuid,
    pub document_id: Uuid,
    /// Order key: entries sort by it (byte order). Place an entry with `…/move`.
    pub position: String,
    #[serde(flatten)]
    pub fields: EntryFields,
    /// Who changed the entry last.
    pub updated_by: Option<Author>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl From<Entry> for EntryView {
    fn from(e: Entry) -> Self {
        EntryView {
            id: e.id,
            document_id: e.document_id,
            position: e.position,
            fields: e.fields,
            updated_by: e.author,
            created_at: e.created_at,
            updated_at: e.updated_at,
            version: e.version,
        }
    }
}

impl Versioned for EntryView {
    fn version(&self) -> i64 {
        self.version
    }
}

/// The entry as it is now, for a 412.
async fn current(cx: &mut Cx<'static>, doc: Uuid, id: Uuid) -> Result<EntryView, AppError> {
    entries::get(cx, doc, id).await.map(EntryView::from)
}

/// List a document's entries in order.
#[utoipa::path(
    operation_id = "list_coordination_entries",
    tag = "coordination-documents",
    params(("id" = Uuid, Path, description = "Document id"), EntryQuery, ListQuery),
    responses((status = 200, description = "A page of entries", body = ListResponse<EntryView>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/coordination-documents/{id}/entries")]
pub async fn list(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    query: Listing<EntryQuery>,
) -> Result<Listed<EntryView>, AppError> {
    let page = entries::list(&mut cx, id.into_inner(), query.filters, &query.list).await?;
    Ok(Listed::from_page(page, EntryView::from))
}

/// Add an entry, at the end or after `after_entry_id`. `If-Match` is the document's ETag:
/// adding a row does not change it, so people adding rows at once do not conflict.
#[utoipa::path(
    operation_id = "create_coordination_entry",
    tag = "coordination-documents",
    params(("id" = Uuid, Path, description = "Document id"), IfMatchRequired, EntryPlacement),
    request_body = EntryFields,
    responses((status = 201, description = "Created", body = EntryView, headers(("Location" = String), ("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/coordination-documents/{id}/entries")]
pub async fn create(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    placement: web::Query<EntryPlacement>,
    body: Body<EntryFields>,
) -> Result<HttpResponse, AppError> {
    let doc = id.into_inner();
    let result = entries::create(&mut cx, doc, if_match, placement.into_inner(), body.into_inner()).await;
    let document = async || super::current(&mut cx, doc).await;
    let view = EntryView::from(or_stale(result, document).await?);
    Ok(created(format!("/api/v1/coordination-documents/{doc}/entries/{}", view.id), &view))
}

/// Read one entry.
#[utoipa::path(
    operation_id = "get_coordination_entry",
    tag = "coordination-documents",
    params(("id" = Uuid, Path, description = "Document id"), ("entry_id" = Uuid, Path, description = "Entry id")),
    responses((status = 200, description = "The entry", body = EntryView, headers(("ETag" = String))),
              (status = 304, description = "Your copy is current"), ReadErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/coordination-documents/{id}/entries/{entry_id}")]
pub async fn get(mut cx: Cx<'static>, path: web::Path<(Uuid, Uuid)>) -> Result<Tagged, AppError> {
    let (doc, id) = path.into_inner();
    Tagged::of(&EntryView::from(entries::get(&mut cx, doc, id).await?))
}

/// Change an entry. Of two writers holding the same ETag exactly one succeeds; the other gets
/// 412 with the entry as it is now and who changed it. A JSON Patch may `test` a value first
/// (409 when it no longer holds).
#[utoipa::path(
    operation_id = "update_coordination_entry",
    tag = "coordination-documents",
    params(("id" = Uuid, Path, description = "Document id"), ("entry_id" = Uuid, Path, description = "Entry id"),
           IfMatchRequired),
    request_body(content = EntryFields, content_type = "application/merge-patch+json",
        description = PATCH_BODY),
    responses((status = 200, description = "Updated", body = EntryView, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/api/v1/coordination-documents/{id}/entries/{entry_id}")]
pub async fn update(
    mut cx: Cx<'static>,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    body: PatchBody,
) -> Result<Tagged, AppError> {
    let (doc, id) = path.into_inner();
    let result = entries::update(&mut cx, doc, id, if_match, body.0).await;
    Tagged::of(&EntryView::from(or_stale(result, async || current(&mut cx, doc, id).await).await?))
}

/// Move an entry after another one (or first, with `after_entry_id: null`); no other entry
/// changes.
#[utoipa::path(
    operation_id = "move_coordination_entry",
    tag = "coordination-documents",
    params(("id" = Uuid, Path, description = "Document id"), ("entry_id" = Uuid, Path, description = "Entry id"),
           IfMatchRequired),
    request_body = MoveInput,
    responses((status = 200, description = "Moved", body = EntryView, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/coordination-documents/{id}/entries/{entry_id}/move")]
pub async fn move_entry(
    mut cx: Cx<'static>,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    body: Body<MoveInput>,
) -> Result<Tagged, AppError> {
    let (doc, id) = path.into_inner();
    let result = entries::move_entry(&mut cx, doc, id, if_match, body.into_inner()).await;
    Tagged::of(&EntryView::from(or_stale(result, async || current(&mut cx, doc, id).await).await?))
}

/// Delete an entry. History keeps it: restoring an earlier revision brings it back.
#[utoipa::path(
    operation_id = "delete_coordination_entry",
    tag = "coordination-documents",
    params(("id" = Uuid, Path, description = "Document id"), ("entry_id" = Uuid, Path, description = "Entry id"),
           IfMatchRequired),
    responses((status = 204, description = "Deleted"), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/api/v1/coordination-documents/{id}/entries/{entry_id}")]
pub async fn delete(
    mut cx: Cx<'static>,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
) -> Result<HttpResponse, AppError> {
    let (doc, id) = path.into_inner();
    let result = entries::delete(&mut cx, doc, id, if_match).await;
    or_stale(result, async || current(&mut cx, doc, id).await).await?;
    Ok(HttpResponse::NoContent().finish())
}
