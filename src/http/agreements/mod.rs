//! `/api/v1/agreements`: partnership agreements and their lifecycle. Versions and signatures,
//! reviews and acknowledgements are in the files beside this one.

pub mod reviews;
pub mod versions;

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::agreements::{
    self, Agreement, AgreementFields, AgreementQuery, Amendment, AmendmentInput, Status, TransitionInput,
};
use crate::domain::context::Cx;
use crate::domain::types::pagination::ListQuery;
use crate::domain::types::precondition::IfMatch;
use crate::error::AppError;
use crate::http::common::IfMatchRequired;
use crate::http::common::{
    Body, ListResponse, Listed, Listing, ReadErrors, Tagged, Versioned, WriteErrors, created, or_stale,
};

#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementView {
    pub id: Uuid,
    #[serde(flatten)]
    pub content: AgreementFields,
    /// `expired` is derived from the end date.
    pub status: Status,
    /// The comment of the last transition (the reason, for `terminated`).
    pub status_comment: Option<String>,
    /// The version in force: signed by every signing party.
    pub current_version: Option<i32>,
    /// An amendment in preparation: the content above is its working copy, and
    /// `current_version` stays in force until the amended version is signed by all.
    pub amendment: Option<Amendment>,
    /// Whether all five collective-impact principles are documented.
    pub ci_principles_complete: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// The outsiders' view: the content in force, without contact persons.
    #[serde(skip)]
    pub redacted: bool,
}

impl From<Agreement> for AgreementView {
    fn from(a: Agreement) -> Self {
        AgreementView {
            id: a.id,
            content: a.content,
            status: a.status,
            status_comment: a.status_comment,
            current_version: a.current_version,
            amendment: a.amendment,
            ci_principles_complete: a.ci_principles_complete,
            created_at: a.created_at,
            updated_at: a.updated_at,
            version: a.version,
            redacted: a.redacted,
        }
    }
}

impl Versioned for AgreementView {
    fn version(&self) -> i64 {
        self.version
    }

    fn variant(&self) -> Option<&'static str> {
        self.redacted.then_some("public")
    }
}

/// List the agreements you may see: public ones, and those your organisations are party to.
#[utoipa::path(
    operation_id = "list_agreements",
    tag = "agreements",
    params(AgreementQuery, ListQuery),
    responses((status = 200, description = "A page of agreements", body = ListResponse<AgreementView>), ReadErrors),
    security((), ("bearer" = []), ("oauth2" = ["agreements:read"]))
)]
#[get("/api/v1/agreements")]
pub async fn list(mut cx: Cx<'static>, query: Listing<AgreementQuery>) -> Result<Listed<AgreementView>, AppError> {
    let page = agreements::list(&mut cx, query.filters, &query.list).await?;
    Ok(Listed::from_page(page, AgreementView::from))
}

/// Create an agreement in `draft` (coordinators and org admins of a party, platform admins).
#[utoipa::path(
    operation_id = "create_agreement",
    tag = "agreements",
    request_body = AgreementFields,
    responses((status = 201, description = "Created", body = AgreementView, headers(("Location" = String), ("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/agreements")]
pub async fn create(mut cx: Cx<'static>, body: Body<AgreementFields>) -> Result<HttpResponse, AppError> {
    let view = AgreementView::from(agreements::create(&mut cx, body.into_inner()).await?);
    Ok(created(format!("/api/v1/agreements/{}", view.id), &view))
}

/// Read an agreement. Agreements with `parties` visibility are visible only to members of the
/// party organisations (404 for everyone else).
#[utoipa::path(
    operation_id = "get_agreement",
    tag = "agreements",
    params(("id" = Uuid, Path, description = "Agreement id")),
    responses((status = 200, description = "The agreement", body = AgreementView, headers(("ETag" = String))),
              (status = 304, description = "Your copy is current"), ReadErrors),
    security((), ("bearer" = []), ("oauth2" = ["agreements:read"]))
)]
#[get("/api/v1/agreements/{id}")]
pub async fn get(mut cx: Cx<'static>, id: web::Path<Uuid>) -> Result<Tagged, AppError> {
    Tagged::of(&current(&mut cx, id.into_inner()).await?)
}

async fn current(cx: &mut Cx<'static>, id: Uuid) -> Result<AgreementView, AppError> {
    agreements::get(cx, id).await.map(AgreementView::from)
}

/// Edit an agreement's content with a JSON Merge Patch (draft and negotiation only;
/// coordinators and org admins of the parties). `If-Match` is required.
#[utoipa::path(
    operation_id = "update_agreement",
    tag = "agreements",
    params(("id" = Uuid, Path, description = "Agreement id"), IfMatchRequired),
    request_body(content = AgreementFields, content_type = "application/merge-patch+json",
                 description = "JSON Merge Patch (RFC 7396) of the agreement content: any of its members; null removes optional ones"),
    responses((status = 200, description = "Updated", body = AgreementView, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/api/v1/agreements/{id}")]
pub async fn update(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<serde_json::Value>,
) -> Result<Tagged, AppError> {
    let id = id.into_inner();
    let result = agreements::update(&mut cx, id, if_match, body.into_inner()).await;
    Tagged::of(&AgreementView::from(or_stale(result, async || current(&mut cx, id).await).await?))
}

/// Move the agreement through its lifecycle. An illegal move is 409 naming the allowed ones;
/// `awaiting_signatures` freezes a new version; `active` comes from signatures only.
#[utoipa::path(
    operation_id = "transition_agreement",
    tag = "agreements",
    params(("id" = Uuid, Path, description = "Agreement id")),
    request_body = TransitionInput,
    responses((status = 200, description = "The agreement in its new state", body = AgreementView, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/agreements/{id}/transitions")]
pub async fn transition(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    body: Body<TransitionInput>,
) -> Result<Tagged, AppError> {
    Tagged::of(&AgreementView::from(agreements::transition(&mut cx, id.into_inner(), body.into_inner()).await?))
}

/// Open an amendment of an active agreement. Its content becomes editable as a draft; the
/// version in force stays in force until the amended version is signed by every signing party.
#[utoipa::path(
    operation_id = "amend_agreement",
    tag = "agreements",
    params(("id" = Uuid, Path, description = "Agreement id")),
    request_body = AmendmentInput,
    responses((status = 200, description = "The agreement with its amendment open", body = AgreementView, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/agreements/{id}/amendments")]
pub async fn amend(mut cx: Cx<'static>, id: web::Path<Uuid>, body: Body<AmendmentInput>) -> Result<Tagged, AppError> {
    Tagged::of(&AgreementView::from(agreements::amend(&mut cx, id.into_inner(), body.into_inner()).await?))
}
