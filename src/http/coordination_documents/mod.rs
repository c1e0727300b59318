//! `/api/v1/coordination-documents`: shared coordination documents that every key person of
//! the editing organisations can change, with entries, history, live updates and exports.
//! Every write needs `If-Match`; a stale one gets 412 with the current state.

pub mod entries;
pub mod events;
pub mod exports;
pub mod revisions;

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::access::AcceptanceInput;
use crate::domain::context::Cx;
use crate::domain::coordination_documents::{
    self as documents, Author, CoordinationDocument, DocumentFields, DocumentQuery, DocumentScope, Editor, Section,
};
use crate::domain::types::pagination::ListQuery;
use crate::domain::types::precondition::IfMatch;
use crate::error::AppError;
use crate::http::common::IfMatchRequired;
use crate::http::common::{
    Body, ListResponse, Listed, Listing, PATCH_BODY, PatchBody, ReadErrors, Tagged, Versioned, WriteErrors, created,
    or_stale,
};

/// A coordination document's own fields (its entries are at `/entries`).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01937c00-0000-7000-8000-000000000001",
    "owner_organization_id": "01930000-0000-7000-8000-000000000002", "title": "Kevään kohtaamispaikkasuunnitelma",
    "timezone": "Europe/Helsinki", "scope": {"kind": "organizations"},
    "editors": [{"organization_id": "01930000-0000-7000-8000-000000000002", "accepted": true},
                {"organization_id": "01930000-0000-7000-8000-00000000000c", "accepted": false}],
    "sections": [{"heading": "Tavoitteet", "body": "Matalan kynnyksen kohtaamispaikka."}], "revision": 7,
    "updated_by": {"user_id": "01936000-0000-7000-8000-000000000001", "name": "Kaisa Koordinaattori"},
    "deleted_at": null, "created_at": "2026-02-01T08:00:00Z", "updated_at": "2026-02-03T09:30:00Z", "version": 3}))]
pub struct DocumentView {
    pub id: Uuid,
    pub owner_organization_id: Uuid,
    pub title: String,
    pub timezone: String,
    pub scope: DocumentScope,
    pub editors: Vec<Editor>,
    pub sections: Vec<Section>,
    /// The newest revision of the document and its entries (the log at `/revisions`).
    pub revision: i64,
    /// Who changed the document's own fields last.
    pub updated_by: Option<Author>,
    /// Set on a deleted document (seen only by those who may restore it).
    pub deleted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl From<CoordinationDocument> for DocumentView {
    fn from(d: CoordinationDocument) -> Self {
        DocumentView {
            id: d.id,
            owner_organization_id: d.owner_organization_id,
            title: d.title,
            timezone: d.timezone,
            scope: d.scope,
            editors: d.editors,
            sections: d.sections,
            revision: d.revision,
            updated_by: d.author,
            deleted_at: d.deleted_at,
            created_at: d.created_at,
            updated_at: d.updated_at,
            version: d.version,
        }
    }
}

impl Versioned for DocumentView {
    fn version(&self) -> i64 {
        self.version
    }
}

/// The document as it is now, for a 412.
async fn current(cx: &mut Cx<'static>, id: Uuid) -> Result<DocumentView, AppError> {
    documents::get(cx, id).await.map(DocumentView::from)
}

/// List the documents of your organisations.
#[utoipa::path(
    operation_id = "list_coordination_documents",
    tag = "coordination-documents",
    params(DocumentQuery, ListQuery),
    responses((status = 200, description = "A page of documents", body = ListResponse<DocumentView>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/coordination-documents")]
pub async fn list(mut cx: Cx<'static>, query: Listing<DocumentQuery>) -> Result<Listed<DocumentView>, AppError> {
    let page = documents::list(&mut cx, query.filters, &query.list).await?;
    Ok(Listed::from_page(page, DocumentView::from))
}

/// Create a document (a coordinator or org admin of the owner organisation). Organisations
/// you coordinate accept at once; the others are invited.
#[utoipa::path(
    operation_id = "create_coordination_document",
    tag = "coordination-documents",
    request_body = DocumentFields,
    responses((status = 201, description = "Created", body = DocumentView, headers(("Location" = String), ("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/coordination-documents")]
pub async fn create(mut cx: Cx<'static>, body: Body<DocumentFields>) -> Result<HttpResponse, AppError> {
    let view = DocumentView::from(documents::create(&mut cx, body.into_inner()).await?);
    Ok(created(format!("/api/v1/coordination-documents/{}", view.id), &view))
}

/// Read one document.
#[utoipa::path(
    operation_id = "get_coordination_document",
    tag = "coordination-documents",
    params(("id" = Uuid, Path, description = "Document id")),
    responses((status = 200, description = "The document", body = DocumentView, headers(("ETag" = String))),
              (status = 304, description = "Your copy is current"), ReadErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/coordination-documents/{id}")]
pub async fn get(mut cx: Cx<'static>, id: web::Path<Uuid>) -> Result<Tagged, AppError> {
    Tagged::of(&current(&mut cx, id.into_inner()).await?)
}

/// Change the document's title, sections, time zone, scope or editors. Adding organisations
/// is for editors; taking one off is for that organisation itself or the owner. A JSON Patch
/// may `test` a value first: if it changed, nothing is written (409).
#[utoipa::path(
    operation_id = "update_coordination_document",
    tag = "coordination-documents",
    params(("id" = Uuid, Path, description = "Document id"), IfMatchRequired),
    request_body(content = DocumentFields, content_type = "application/merge-patch+json",
        description = PATCH_BODY),
    responses((status = 200, description = "Updated", body = DocumentView, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/api/v1/coordination-documents/{id}")]
pub async fn update(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: PatchBody,
) -> Result<Tagged, AppError> {
    let id = id.into_inner();
    let result = documents::update(&mut cx, id, if_match, body.0).await;
    Tagged::of(&DocumentView::from(or_stale(result, async || current(&mut cx, id).await).await?))
}

/// Delete a document (the owner's coordinators and org admins). Its org admins can restore
/// it for 30 days (`POST …/undeletion`); then it is purged.
#[utoipa::path(
    operation_id = "delete_coordination_document",
    tag = "coordination-documents",
    params(("id" = Uuid, Path, description = "Document id"), IfMatchRequired),
    responses((status = 204, description = "Deleted"), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/api/v1/coordination-documents/{id}")]
pub async fn delete(mut cx: Cx<'static>, id: web::Path<Uuid>, if_match: IfMatch) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let result = documents::delete(&mut cx, id, if_match).await;
    or_stale(result, async || current(&mut cx, id).await).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Restore a deleted document (the owner's org admins, within 30 days of the deletion). Its
/// ETag is in the list of deleted documents (`?deleted=true`).
#[utoipa::path(
    operation_id = "undelete_coordination_document",
    tag = "coordination-documents",
    params(("id" = Uuid, Path, description = "Document id"), IfMatchRequired),
    responses((status = 200, description = "Restored", body = DocumentView, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/coordination-documents/{id}/undeletion")]
pub async fn undelete(mut cx: Cx<'static>, id: web::Path<Uuid>, if_match: IfMatch) -> Result<Tagged, AppError> {
    let id = id.into_inner();
    let result = documents::undelete(&mut cx, id, if_match).await;
    Tagged::of(&DocumentView::from(
        or_stale(result, async || documents::deleted(&mut cx, id).await.map(DocumentView::from)).await?,
    ))
}

/// Accept your organisation's place among the editors: from now on its coordinators and org
/// admins edit.
#[utoipa::path(
    operation_id = "accept_coordination_document",
    tag = "coordination-documents",
    params(("id" = Uuid, Path, description = "Document id"), IfMatchRequired),
    request_body = AcceptanceInput,
    responses((status = 200, description = "Accepted", body = DocumentView, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/coordination-documents/{id}/acceptances")]
pub async fn accept(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Body<AcceptanceInput>,
) -> Result<Tagged, AppError> {
    let id = id.into_inner();
    let result = documents::accept(&mut cx, id, body.into_inner().organization_id, if_match).await;
    Tagged::of(&DocumentView::from(or_stale(result, async || current(&mut cx, id).await).await?))
}
