//! `/api/v1/coordination-documents/{id}/revisions`: the append-only history.

use actix_web::{get, post, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::DocumentView;
use crate::domain::context::Cx;
use crate::domain::coordination_documents::Author;
use crate::domain::coordination_documents::history::{self, RestoreInput, TextChange};
use crate::domain::coordination_documents::{DocumentState, Revision};
use crate::domain::types::pagination::ListQuery;
use crate::domain::types::precondition::IfMatch;
use crate::error::AppError;
use crate::http::common::IfMatchRequired;
use crate::http::common::{Body, ListResponse, Listed, Listing, NoFilters, ReadErrors, Tagged, WriteErrors, or_stale};

/// One revision: who changed what, as a JSON Patch against the previous revision.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"revision": 7, "at": "2026-02-03T09:30:00Z",
    "actor": {"user_id": "01936000-0000-7000-8000-000000000001", "name": "Kaisa Koordinaattori"},
    "action": "entry_updated", "entry_id": "01937c01-0000-7000-8000-000000000001",
    "patch": [{"op": "replace", "path": "/entries/01937c01-0000-7000-8000-000000000001/status", "value": "confirmed"}],
    "etags": {"entry": "\"2\""}}))]
pub struct RevisionView {
    pub revision: i64,
    pub at: DateTime<Utc>,
    /// Who made the change (`null` once the account is deleted).
    pub actor: Option<Author>,
    /// `document_created`, `document_updated`, `editor_accepted`, `document_deleted`,
    /// `document_undeleted`, `entry_created`, `entry_updated`, `entry_moved`, `entry_deleted`
    /// or `revision_restored`.
    pub action: String,
    pub entry_id: Option<Uuid>,
    /// RFC 6902 operations turning the previous revision into this one (paths into the
    /// history form of the document, see `DocumentState`).
    #[schema(value_type = Vec<crate::domain::types::formats::schema::JsonPatchOperation>)]
    pub patch: serde_json::Value,
    /// The ETags the change produced.
    #[schema(value_type = RevisionEtags)]
    pub etags: serde_json::Value,
}

/// The ETags a change produced (the contract's shape of `RevisionView.etags`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct RevisionEtags {
    /// The document's new ETag: a change of its own fields, a deletion or a restore.
    document: Option<String>,
    /// The entry's new ETag; `null` when the change deleted it.
    entry: Option<String>,
    /// A restore: the new ETag of every entry it touched, by entry id (`null`: deleted).
    entries: Option<std::collections::BTreeMap<String, Option<String>>>,
}

impl From<Revision> for RevisionView {
    fn from(r: Revision) -> Self {
        RevisionView {
            revision: r.revision,
            at: r.at,
            actor: r.actor,
            action: r.action,
            entry_id: r.entry_id,
            patch: r.patch,
            etags: r.etags,
        }
    }
}

/// A revision with the whole document as it was then.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionStateView {
    #[serde(flatten)]
    pub revision: RevisionView,
    #[schema(value_type = DocumentState)]
    pub document: serde_json::Value,
}

/// What changed between two revisions.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"from": 3, "to": 7,
    "patch": [{"op": "replace", "path": "/title", "value": "Kevään kohtaamispaikkasuunnitelma"}],
    "text_changes": [{"path": "/title", "unified_diff": "--- a/title\n+++ b/title\n@@ -1 +1 @@\n-Kevään suunnitelma\n+Kevään kohtaamispaikkasuunnitelma\n"}]}))]
pub struct RevisionDiffView {
    pub from: i64,
    pub to: i64,
    /// RFC 6902 operations turning revision `from` into `to`.
    #[schema(value_type = Vec<crate::domain::types::formats::schema::JsonPatchOperation>)]
    pub patch: serde_json::Value,
    /// Line diffs of the markdown fields that differ.
    pub text_changes: Vec<TextChange>,
}

/// List the document's revisions, oldest first.
#[utoipa::path(
    operation_id = "list_coordination_revisions",
    tag = "coordination-documents",
    params(("id" = Uuid, Path, description = "Document id"), ListQuery),
    responses((status = 200, description = "A page of revisions", body = ListResponse<RevisionView>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/coordination-documents/{id}/revisions")]
pub async fn list(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    query: Listing<NoFilters>,
) -> Result<Listed<RevisionView>, AppError> {
    let page = history::list(&mut cx, id.into_inner(), &query.list).await?;
    Ok(Listed::from_page(page, RevisionView::from))
}

/// The document as it was at one revision.
#[utoipa::path(
    operation_id = "get_coordination_revision",
    tag = "coordination-documents",
    params(("id" = Uuid, Path, description = "Document id"), ("revision" = i64, Path, description = "Revision number", minimum = 1)),
    responses((status = 200, description = "The revision and the document then", body = RevisionStateView, headers(("ETag" = String))),
              (status = 304, description = "Your copy is current"), ReadErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/coordination-documents/{id}/revisions/{revision}")]
pub async fn get(mut cx: Cx<'static>, path: web::Path<(Uuid, i64)>) -> Result<Tagged, AppError> {
    let (id, n) = path.into_inner();
    let state = history::get(&mut cx, id, n).await?;
    Tagged::by_content(&RevisionStateView { revision: state.revision.into(), document: state.document })
}

/// What changed from one revision to another: a JSON Patch and line diffs of the markdown. A
/// difference over 2 MiB is 422 (`too_large`): compare revisions closer together, or read
/// them whole.
#[utoipa::path(
    operation_id = "diff_coordination_revisions",
    tag = "coordination-documents",
    params(("id" = Uuid, Path, description = "Document id"), ("from" = i64, Path, description = "Revision number", minimum = 1),
           ("to" = i64, Path, description = "Revision number", minimum = 1)),
    responses((status = 200, description = "The differences", body = RevisionDiffView), ReadErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/coordination-documents/{id}/revisions/{from}/diff/{to}")]
pub async fn diff(mut cx: Cx<'static>, path: web::Path<(Uuid, i64, i64)>) -> Result<Tagged, AppError> {
    let (id, from, to) = path.into_inner();
    let d = history::diff(&mut cx, id, from, to).await?;
    Tagged::by_content(&RevisionDiffView { from: d.from, to: d.to, patch: d.patch, text_changes: d.text_changes })
}

/// Make an earlier revision's title, sections and entries current again, as a new revision
/// (history is never rewritten). The editors stay as they are. `based_on_revision` is the
/// document's `revision` you saw: if anything changed since, even one entry, it is 412.
#[utoipa::path(
    operation_id = "restore_coordination_revision",
    tag = "coordination-documents",
    params(("id" = Uuid, Path, description = "Document id"), ("revision" = i64, Path, description = "Revision number", minimum = 1),
           IfMatchRequired),
    request_body = RestoreInput,
    responses((status = 200, description = "Restored", body = DocumentView, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/coordination-documents/{id}/revisions/{revision}/restore")]
pub async fn restore(
    mut cx: Cx<'static>,
    path: web::Path<(Uuid, i64)>,
    if_match: IfMatch,
    body: Body<RestoreInput>,
) -> Result<Tagged, AppError> {
    let (id, n) = path.into_inner();
    let result = history::restore(&mut cx, id, n, if_match, body.into_inner()).await;
    Tagged::of(&DocumentView::from(or_stale(result, async || super::current(&mut cx, id).await).await?))
}
