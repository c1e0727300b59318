//! `/api/v1/agreements`: partnership agreements, their lifecycle, versions and signatures.

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::db::Db;
use crate::domain::agreements::reviews::{self as reviews, Acknowledgement, AcknowledgementInput, Review, ReviewInput};
use crate::domain::agreements::{
    self, Agreement, AgreementContent, AgreementQuery, Amendment, NewSignature, Signature, SignatureMethod, Status,
    Version, VersionDiff,
};
use crate::error::{AppError, Problem};
use crate::http::common::{
    GetErrors, IfMatch, ListErrors, ListResponse, Listed, Tagged, WriteErrors, created, page_request,
};
use crate::http::identity::Caller;

#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementView {
    pub id: Uuid,
    #[serde(flatten)]
    pub content: AgreementContent,
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
        }
    }
}

fn tagged(a: Agreement) -> Result<Tagged, AppError> {
    let row_version = a.version;
    Tagged::versioned(&AgreementView::from(a), row_version)
}

#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Completeness {
    Complete,
    Incomplete,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AgreementListParams {
    /// Agreements with this organisation as a party.
    pub party: Option<Uuid>,
    pub status: Option<Status>,
    /// Agreements whose period includes this day.
    pub valid_on: Option<NaiveDate>,
    /// Whether all five collective-impact principles are documented.
    #[param(inline)]
    pub ci_principles: Option<Completeness>,
    /// Agreements whose annual review is due before this day.
    pub review_due_before: Option<NaiveDate>,
    /// Words in the title (prefix match).
    pub q: Option<String>,
    /// Changed at or after this instant (RFC 3339).
    pub updated_since: Option<DateTime<Utc>>,
    /// Page size, 1–200 (default 50; larger values are clamped).
    pub limit: Option<i64>,
    /// `meta.next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List the agreements you may see: public ones, and those your organisations are party to.
#[utoipa::path(
    operation_id = "list_agreements",
    tag = "agreements",
    params(AgreementListParams),
    responses((status = 200, description = "A page of agreements", body = ListResponse<AgreementView>), ListErrors)
)]
#[get("/api/v1/agreements")]
pub async fn list(
    db: web::Data<Db>,
    caller: Caller,
    params: web::Query<AgreementListParams>,
) -> Result<Listed<AgreementView>, AppError> {
    let p = params.into_inner();
    let page = page_request(p.limit, p.cursor.as_deref())?;
    let query = AgreementQuery {
        party: p.party,
        status: p.status,
        valid_on: p.valid_on,
        ci_principles_complete: p.ci_principles.map(|c| matches!(c, Completeness::Complete)),
        review_due_before: p.review_due_before,
        q: p.q,
        updated_since: p.updated_since,
    };
    let mut conn = db.conn().await?;
    let actor = caller.actor(&mut conn).await?;
    let page = agreements::list(&mut conn, &actor, query, page).await?;
    Ok(Listed::from_page(page, AgreementView::from))
}

/// Create an agreement in `draft` (coordinators and org admins of a party, platform admins).
#[utoipa::path(
    operation_id = "create_agreement",
    tag = "agreements",
    request_body = AgreementContent,
    responses((status = 201, description = "Created", body = AgreementView, headers(("Location" = String), ("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/agreements")]
pub async fn create(
    db: web::Data<Db>,
    caller: Caller,
    body: web::Json<AgreementContent>,
) -> Result<HttpResponse, AppError> {
    let mut conn = db.conn().await?;
    let actor = caller.actor(&mut conn).await?;
    let a = agreements::create(&mut conn, &actor, body.into_inner()).await?;
    Ok(created(format!("/api/v1/agreements/{}", a.id), a.version, &AgreementView::from(a)))
}

/// Read an agreement. Agreements with `parties` visibility are visible only to members of the
/// party organisations (404 for everyone else).
#[utoipa::path(
    operation_id = "get_agreement",
    tag = "agreements",
    params(("id" = Uuid, Path, description = "Agreement id"), ("If-None-Match" = Option<String>, Header)),
    responses((status = 200, description = "The agreement", body = AgreementView, headers(("ETag" = String))),
              (status = 304, description = "Your copy is current"), GetErrors)
)]
#[get("/api/v1/agreements/{id}")]
pub async fn get(db: web::Data<Db>, caller: Caller, id: web::Path<Uuid>) -> Result<Tagged, AppError> {
    let mut conn = db.conn().await?;
    let actor = caller.actor(&mut conn).await?;
    tagged(agreements::get(&mut conn, &actor, id.into_inner()).await?)
}

/// Edit an agreement's content with a JSON Merge Patch (draft and negotiation only;
/// coordinators and org admins of the parties). `If-Match` is required.
#[utoipa::path(
    operation_id = "update_agreement",
    tag = "agreements",
    params(("id" = Uuid, Path, description = "Agreement id"), ("If-Match" = String, Header, description = "The ETag you last read")),
    request_body(content = Object, content_type = "application/merge-patch+json",
                 description = "Members of the agreement content to change (see AgreementContent); null removes optional ones"),
    responses(
        (status = 200, description = "Updated", body = AgreementView, headers(("ETag" = String))),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
        WriteErrors,
    ),
    security(("bearer" = []))
)]
#[patch("/api/v1/agreements/{id}")]
pub async fn update(
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<serde_json::Value>,
) -> Result<Tagged, AppError> {
    let expected = if_match.required()?;
    let mut conn = db.conn().await?;
    let actor = caller.actor(&mut conn).await?;
    tagged(agreements::update(&mut conn, &actor, id.into_inner(), expected, body.into_inner()).await?)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"to": "negotiation", "comment": "Luonnos neuvoteltavaksi osapuolten kanssa"}))]
pub struct TransitionRequest {
    /// `negotiation`, `draft`, `awaiting_signatures`, `terminated` or `cancelled`.
    pub to: Status,
    /// Required for `terminated` (the reason).
    pub comment: Option<String>,
}

/// Move the agreement through its lifecycle. An illegal move is 409 naming the allowed ones;
/// `awaiting_signatures` freezes a new version; `active` comes from signatures only.
#[utoipa::path(
    operation_id = "transition_agreement",
    tag = "agreements",
    params(("id" = Uuid, Path, description = "Agreement id")),
    request_body = TransitionRequest,
    responses((status = 200, description = "The agreement in its new state", body = AgreementView), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/agreements/{id}/transitions")]
pub async fn transition(
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<TransitionRequest>,
) -> Result<Tagged, AppError> {
    let b = body.into_inner();
    let mut conn = db.conn().await?;
    let actor = caller.actor(&mut conn).await?;
    tagged(agreements::transition(&mut conn, &actor, id.into_inner(), b.to, b.comment).await?)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SignatureView {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub version: i32,
    pub content_hash: String,
    pub signatory_name: String,
    pub signatory_title: String,
    /// `electronic`, `board_decision` or `scan`.
    pub method: String,
    pub decision_ref: Option<String>,
    /// The user who recorded the signature (party members only).
    pub signed_by: Option<Uuid>,
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
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionView {
    pub version: i32,
    /// Lowercase hex SHA-256 of the RFC 8785 canonical JSON of `snapshot`.
    pub content_hash: String,
    /// The frozen agreement content.
    #[schema(value_type = Object)]
    pub snapshot: serde_json::Value,
    pub rationale: Option<String>,
    pub signatures: Vec<SignatureView>,
}

impl From<Version> for VersionView {
    fn from(v: Version) -> Self {
        VersionView {
            version: v.number,
            content_hash: v.content_hash,
            snapshot: v.snapshot,
            rationale: v.rationale,
            signatures: v.signatures.into_iter().map(SignatureView::from).collect(),
        }
    }
}

/// The agreement's frozen versions, oldest first.
#[utoipa::path(
    operation_id = "list_agreement_versions",
    tag = "agreements",
    params(("id" = Uuid, Path, description = "Agreement id")),
    responses((status = 200, description = "Versions", body = ListResponse<VersionView>), GetErrors)
)]
#[get("/api/v1/agreements/{id}/versions")]
pub async fn list_versions(
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<ListResponse<VersionView>>, AppError> {
    let mut conn = db.conn().await?;
    let actor = caller.actor(&mut conn).await?;
    let data: Vec<VersionView> =
        agreements::versions(&mut conn, &actor, id.into_inner()).await?.into_iter().map(VersionView::from).collect();
    Ok(web::Json(ListResponse::complete(data)))
}

/// One frozen version with its signatures.
#[utoipa::path(
    operation_id = "get_agreement_version",
    tag = "agreements",
    params(("id" = Uuid, Path, description = "Agreement id"), ("n" = i32, Path, description = "Version number")),
    responses((status = 200, description = "The version", body = VersionView,
               headers(("ETag" = String, description = "Changes when a signature is added"))),
              (status = 304, description = "Your copy is current"), GetErrors)
)]
#[get("/api/v1/agreements/{id}/versions/{n}")]
pub async fn get_version(db: web::Data<Db>, caller: Caller, path: web::Path<(Uuid, i32)>) -> Result<Tagged, AppError> {
    let (id, n) = path.into_inner();
    let mut conn = db.conn().await?;
    let actor = caller.actor(&mut conn).await?;
    Tagged::by_content(&VersionView::from(agreements::version(&mut conn, &actor, id, n).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"content_hash": "9f2c...64 hex...", "signatory_name": "Aino Esimerkki",
    "signatory_title": "Puheenjohtaja", "method": "board_decision", "decision_ref": "Hallitus 1.2.2026 §4"}))]
pub struct SignRequest {
    /// The signing party; needed only if you are org admin of several signing parties.
    pub organization_id: Option<Uuid>,
    /// The version's `content_hash`: what you read is what you sign.
    pub content_hash: String,
    pub signatory_name: String,
    pub signatory_title: String,
    pub method: SignatureMethod,
    pub decision_ref: Option<String>,
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
    request_body = SignRequest,
    responses((status = 201, description = "Signed", body = SignResponse), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/agreements/{id}/versions/{n}/signatures")]
pub async fn sign(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(Uuid, i32)>,
    body: web::Json<SignRequest>,
) -> Result<HttpResponse, AppError> {
    let (id, n) = path.into_inner();
    let b = body.into_inner();
    let signature = NewSignature {
        organization_id: b.organization_id,
        content_hash: b.content_hash,
        signatory_name: b.signatory_name,
        signatory_title: b.signatory_title,
        method: b.method,
        decision_ref: b.decision_ref,
    };
    let mut conn = db.conn().await?;
    let actor = caller.actor(&mut conn).await?;
    let (signature, agreement) = agreements::sign(&mut conn, &actor, id, n, signature).await?;
    Ok(HttpResponse::Created().json(SignResponse {
        signature: signature.into(),
        agreement_status: agreement.status,
        current_version: agreement.current_version,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"rationale": "Vuosikatsauksessa sovittu kustannusjaon muutos"}))]
pub struct AmendmentRequest {
    /// Why the agreement is amended (required).
    pub rationale: String,
}

/// Open an amendment of an active agreement. Its content becomes editable as a draft; the
/// version in force stays in force until the amended version is signed by every signing party.
#[utoipa::path(
    operation_id = "amend_agreement",
    tag = "agreements",
    params(("id" = Uuid, Path, description = "Agreement id")),
    request_body = AmendmentRequest,
    responses((status = 200, description = "The agreement with its amendment open", body = AgreementView), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/agreements/{id}/amendments")]
pub async fn amend(
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<AmendmentRequest>,
) -> Result<Tagged, AppError> {
    let mut conn = db.conn().await?;
    let actor = caller.actor(&mut conn).await?;
    tagged(agreements::amend(&mut conn, &actor, id.into_inner(), &body.rationale).await?)
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"from": 1, "to": 2,
    "patch": [{"op": "replace", "path": "/purpose/fi", "value": "Uusi tarkoitus"}],
    "changes": ["purpose.fi changed"]}))]
pub struct VersionDiffView {
    pub from: i32,
    pub to: i32,
    /// RFC 6902 JSON Patch turning snapshot `from` into snapshot `to`.
    #[schema(value_type = Vec<Object>)]
    pub patch: Vec<serde_json::Value>,
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
    responses((status = 200, description = "The differences", body = VersionDiffView), GetErrors)
)]
#[get("/api/v1/agreements/{id}/versions/{a}/diff/{b}")]
pub async fn diff(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(Uuid, i32, i32)>,
) -> Result<web::Json<VersionDiffView>, AppError> {
    let (id, a, b) = path.into_inner();
    let mut conn = db.conn().await?;
    let actor = caller.actor(&mut conn).await?;
    Ok(web::Json(agreements::diff(&mut conn, &actor, id, a, b).await?.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewView {
    pub id: Uuid,
    pub agreement_id: Uuid,
    #[serde(flatten)]
    pub review: ReviewInput,
    pub recorded_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub version: i64,
}

impl From<Review> for ReviewView {
    fn from(r: Review) -> Self {
        ReviewView {
            id: r.id,
            agreement_id: r.agreement_id,
            review: r.input,
            recorded_by: r.recorded_by,
            created_at: r.created_at,
            version: r.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordedReview {
    pub review: ReviewView,
    /// The agreement after the review: its `review.next_due` moved, and with outcome `amend`
    /// an amendment open.
    pub agreement: AgreementView,
}

/// The agreement's annual reviews, oldest first (members of the parties).
#[utoipa::path(
    operation_id = "list_agreement_reviews",
    tag = "agreements",
    params(("id" = Uuid, Path, description = "Agreement id")),
    responses((status = 200, description = "Reviews", body = ListResponse<ReviewView>), WriteErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/agreements/{id}/reviews")]
pub async fn list_reviews(
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<ListResponse<ReviewView>>, AppError> {
    let mut conn = db.conn().await?;
    let actor = caller.actor(&mut conn).await?;
    let data: Vec<ReviewView> =
        reviews::list_reviews(&mut conn, &actor, id.into_inner()).await?.into_iter().map(ReviewView::from).collect();
    Ok(web::Json(ListResponse::complete(data)))
}

/// Record an annual review (coordinators and org admins of the parties). Moves the agreement's
/// next review date; outcome `amend` opens an amendment.
#[utoipa::path(
    operation_id = "record_agreement_review",
    tag = "agreements",
    params(("id" = Uuid, Path, description = "Agreement id")),
    request_body = ReviewInput,
    responses((status = 201, description = "Recorded", body = RecordedReview), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/agreements/{id}/reviews")]
pub async fn record_review(
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<ReviewInput>,
) -> Result<HttpResponse, AppError> {
    let mut conn = db.conn().await?;
    let actor = caller.actor(&mut conn).await?;
    let (review, agreement) = reviews::record_review(&mut conn, &actor, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(RecordedReview { review: review.into(), agreement: agreement.into() }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AcknowledgementView {
    pub id: Uuid,
    pub version: i32,
    pub user_id: Option<Uuid>,
    pub person_name: Option<String>,
    pub organization_id: Option<Uuid>,
    pub acknowledged_on: NaiveDate,
    pub recorded_by: Option<Uuid>,
    /// Whether it concerns the version in force; `false` means the person needs briefing on
    /// the amended ground rules.
    pub current: bool,
}

impl From<Acknowledgement> for AcknowledgementView {
    fn from(a: Acknowledgement) -> Self {
        AcknowledgementView {
            id: a.id,
            version: a.version,
            user_id: a.user_id,
            person_name: a.person_name,
            organization_id: a.organization_id,
            acknowledged_on: a.acknowledged_on,
            recorded_by: a.recorded_by,
            current: a.current,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AcknowledgementListParams {
    /// `false`: only acknowledgements of older versions (who needs briefing again).
    pub current: Option<bool>,
}

/// Who was briefed on which version's ground rules (members of the parties).
#[utoipa::path(
    operation_id = "list_agreement_acknowledgements",
    tag = "agreements",
    params(("id" = Uuid, Path, description = "Agreement id"), AcknowledgementListParams),
    responses((status = 200, description = "Acknowledgements", body = ListResponse<AcknowledgementView>), WriteErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/agreements/{id}/acknowledgements")]
pub async fn list_acknowledgements(
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Uuid>,
    params: web::Query<AcknowledgementListParams>,
) -> Result<web::Json<ListResponse<AcknowledgementView>>, AppError> {
    let mut conn = db.conn().await?;
    let actor = caller.actor(&mut conn).await?;
    let data: Vec<AcknowledgementView> =
        reviews::list_acknowledgements(&mut conn, &actor, id.into_inner(), params.current)
            .await?
            .into_iter()
            .map(AcknowledgementView::from)
            .collect();
    Ok(web::Json(ListResponse::complete(data)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"person_name": "Vapaaehtoinen Virtanen", "organization_id": "01930000-0000-7000-8000-00000000000c"}))]
pub struct AcknowledgementRequest {
    /// Default: the version in force.
    pub version: Option<i32>,
    /// Another user; default: yourself (unless `person_name` is given).
    pub user_id: Option<Uuid>,
    /// A person without an account (a volunteer, say).
    pub person_name: Option<String>,
    /// The party organisation the person acts for.
    pub organization_id: Option<Uuid>,
    /// Default: today.
    pub acknowledged_on: Option<NaiveDate>,
}

/// Record that a person was briefed on the ground rules of a version. Members record their
/// own; coordinators and org admins of the parties record others.
#[utoipa::path(
    operation_id = "record_agreement_acknowledgement",
    tag = "agreements",
    params(("id" = Uuid, Path, description = "Agreement id")),
    request_body = AcknowledgementRequest,
    responses((status = 201, description = "Recorded", body = AcknowledgementView), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/agreements/{id}/acknowledgements")]
pub async fn acknowledge(
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<AcknowledgementRequest>,
) -> Result<HttpResponse, AppError> {
    let b = body.into_inner();
    let input = AcknowledgementInput {
        version: b.version,
        user_id: b.user_id,
        person_name: b.person_name,
        organization_id: b.organization_id,
        acknowledged_on: b.acknowledged_on,
    };
    let mut conn = db.conn().await?;
    let actor = caller.actor(&mut conn).await?;
    let ack = reviews::acknowledge(&mut conn, &actor, id.into_inner(), input).await?;
    Ok(HttpResponse::Created().json(AcknowledgementView::from(ack)))
}
