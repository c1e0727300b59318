//! `/api/v1/agreements/{id}/versions`: frozen versions, their differences and signatures.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::agreements::{
    self, AgreementFields, PartyContacts, Signature, SignatureInput, SignatureMethod, Status, Version, VersionDiff,
};
use crate::domain::context::Cx;
use crate::domain::identity::tokens::KeySet;
use crate::domain::types::pagination::ListQuery;
use crate::error::AppError;
use crate::http::common::{Body, ListResponse, Listed, Listing, NoFilters, ReadErrors, Tagged, WriteErrors};

#[derive(Debug, Serialize, ToSchema)]
pub struct SignatureView {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub version: i32,
    pub content_hash: String,
    /// The signatory's name (party members only; `null` for other readers: personal data).
    pub signatory_name: Option<String>,
    /// The signatory's title (party members only).
    pub signatory_title: Option<String>,
    pub method: SignatureMethod,
    pub decision_ref: Option<String>,
    /// The user who recorded the signature (party members only).
    pub signed_by: Option<Uuid>,
    pub signed_at: DateTime<Utc>,
}

impl From<Signature> for SignatureView {
    fn from(s: Signature) -> Self {
        SignatureView {
            id: s.id,
            organization_id: s.organization_id,
            version: s.version,
            content_hash: s.content_hash,
            signatory_name: s.signatory_name,
            signatory_title: s.signatory_title,
            method: s.method,
            decision_ref: s.decision_ref,
            signed_by: s.signed_by,
            signed_at: s.signed_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionView {
    pub version: i32,
    /// Lowercase hex SHA-256 of the RFC 8785 canonical JSON of `snapshot`: anyone who may
    /// read the version can recompute it.
    pub content_hash: String,
    /// The signed agreement content: everything the parties agreed on except their contact
    /// persons, which are personal data (see `party_contacts`).
    #[schema(value_type = AgreementFields)]
    pub snapshot: serde_json::Value,
    /// The contact persons each party named for this version; party members only (empty for
    /// other readers), and not part of what is signed.
    pub party_contacts: Vec<PartyContacts>,
    /// The platform's seal once the version entered into force: a compact JWS (EdDSA; verify it
    /// with the key of its `kid` in `/.well-known/jwks.json`) whose payload names the
    /// agreement, `code`, `version`, `content_hash` and the signing organisations with their
    /// `signed_at`.
    pub seal: Option<String>,
    pub rationale: Option<String>,
    /// When the version was frozen (the agreement entered `awaiting_signatures`).
    pub created_at: DateTime<Utc>,
    /// When the last signature it needed was given; `null` while it has not been in force.
    pub entered_into_force_at: Option<DateTime<Utc>>,
    /// The organisations whose signatures put the version in force: its signing parties, and
    /// for an amendment also every party that signed the version in force and every
    /// organisation whose obligations it sets, changes or removes.
    pub required_signers: Vec<Uuid>,
    pub signatures: Vec<SignatureView>,
}

impl From<Version> for VersionView {
    fn from(v: Version) -> Self {
        VersionView {
            version: v.number,
            content_hash: v.content_hash,
            party_contacts: v.party_contacts,
            seal: v.seal,
            snapshot: v.snapshot,
            rationale: v.rationale,
            created_at: v.created_at,
            entered_into_force_at: v.entered_into_force_at,
            required_signers: v.required_signers,
            signatures: v.signatures.into_iter().map(SignatureView::from).collect(),
        }
    }
}

/// The agreement's frozen versions, oldest first.
#[utoipa::path(
    operation_id = "list_agreement_versions",
    tag = "agreements",
    params(("id" = Uuid, Path, description = "Agreement id"), ListQuery),
    responses((status = 200, description = "Versions", body = ListResponse<VersionView>), ReadErrors),
    security((), ("bearer" = []), ("oauth2" = ["agreements:read"]))
)]
#[get("/api/v1/agreements/{id}/versions")]
pub async fn list(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    query: Listing<NoFilters>,
) -> Result<Listed<VersionView>, AppError> {
    let page = agreements::versions(&mut cx, id.into_inner(), &query.list).await?;
    Ok(Listed::from_page(page, VersionView::from))
}

/// One frozen version with its signatures.
#[utoipa::path(
    operation_id = "get_agreement_version",
    tag = "agreements",
    params(("id" = Uuid, Path, description = "Agreement id"), ("n" = i32, Path, description = "Version number")),
    responses((status = 200, description = "The version", body = VersionView,
               headers(("ETag" = String, description = "Changes when a signature is added"))),
              (status = 304, description = "Your copy is current"), ReadErrors),
    security((), ("bearer" = []), ("oauth2" = ["agreements:read"]))
)]
#[get("/api/v1/agreements/{id}/versions/{n}")]
pub async fn get(mut cx: Cx<'static>, path: web::Path<(Uuid, i32)>) -> Result<Tagged, AppError> {
    let (id, n) = path.into_inner();
    Tagged::by_content(&VersionView::from(agreements::version(&mut cx, id, n).await?))
}

/// One signature of a version (as the version is shown to the reader: party members see who
/// signed). Signatures never change, so the ETag is of the content.
#[utoipa::path(
    operation_id = "get_agreement_signature",
    tag = "agreements",
    params(("id" = Uuid, Path, description = "Agreement id"), ("n" = i32, Path, description = "Version number"),
           ("signature_id" = Uuid, Path, description = "Signature id")),
    responses((status = 200, description = "The signature", body = SignatureView, headers(("ETag" = String))),
              (status = 304, description = "Your copy is current"), ReadErrors),
    security((), ("bearer" = []), ("oauth2" = ["agreements:read"]))
)]
#[get("/api/v1/agreements/{id}/versions/{n}/signatures/{signature_id}")]
pub async fn get_signature(mut cx: Cx<'static>, path: web::Path<(Uuid, i32, Uuid)>) -> Result<Tagged, AppError> {
    let (id, n, signature_id) = path.into_inner();
    Tagged::by_content(&SignatureView::from(agreements::versions::signature(&mut cx, id, n, signature_id).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SignResponse {
    pub signature: SignatureView,
    /// `active` when this was the last signature needed.
    pub agreement_status: Status,
    pub current_version: Option<i32>,
}

/// Sign a version for your organisation (org admins of signing parties). A hash that is not
/// the version's is 409; the last signature activates the agreement in the same transaction.
#[utoipa::path(
    operation_id = "sign_agreement_version",
    tag = "agreements",
    params(("id" = Uuid, Path, description = "Agreement id"), ("n" = i32, Path, description = "Version number")),
    request_body = SignatureInput,
    responses((status = 201, description = "Signed", body = SignResponse,
               headers(("Location" = String, description = "The signature"))),
              WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/agreements/{id}/versions/{n}/signatures")]
pub async fn sign(
    mut cx: Cx<'static>,
    keys: web::Data<KeySet>,
    path: web::Path<(Uuid, i32)>,
    body: Body<SignatureInput>,
) -> Result<HttpResponse, AppError> {
    let (id, n) = path.into_inner();
    let (signature, agreement) = agreements::sign(&mut cx, &keys, id, n, body.into_inner()).await?;
    let location = format!("/api/v1/agreements/{id}/versions/{n}/signatures/{}", signature.id);
    Ok(HttpResponse::Created().insert_header((actix_web::http::header::LOCATION, location)).json(SignResponse {
        signature: signature.into(),
        agreement_status: agreement.status,
        current_version: agreement.current_version,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"from": 1, "to": 2,
    "patch": [{"op": "replace", "path": "/purpose/fi", "value": "Uusi tarkoitus"}],
    "changes": ["purpose.fi changed"]}))]
pub struct VersionDiffView {
    pub from: i32,
    pub to: i32,
    /// RFC 6902 JSON Patch turning snapshot `from` into snapshot `to`.
    #[schema(value_type = Vec<crate::domain::types::formats::schema::JsonPatchOperation>)]
    pub patch: json_patch::Patch,
    /// The same changes in plain words, one per patch operation.
    pub changes: Vec<String>,
}

impl From<VersionDiff> for VersionDiffView {
    fn from(d: VersionDiff) -> Self {
        VersionDiffView { from: d.from, to: d.to, patch: d.patch, changes: d.changes }
    }
}

/// What changed from version `a` to version `b`.
#[utoipa::path(
    operation_id = "diff_agreement_versions",
    tag = "agreements",
    params(("id" = Uuid, Path, description = "Agreement id"), ("a" = i32, Path, description = "From version"),
           ("b" = i32, Path, description = "To version")),
    responses((status = 200, description = "The differences", body = VersionDiffView), ReadErrors),
    security((), ("bearer" = []), ("oauth2" = ["agreements:read"]))
)]
#[get("/api/v1/agreements/{id}/versions/{a}/diff/{b}")]
pub async fn diff(
    mut cx: Cx<'static>,
    path: web::Path<(Uuid, i32, i32)>,
) -> Result<web::Json<VersionDiffView>, AppError> {
    let (id, a, b) = path.into_inner();
    Ok(web::Json(agreements::diff(&mut cx, id, a, b).await?.into()))
}
