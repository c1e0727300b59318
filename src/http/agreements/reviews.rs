//! `/api/v1/agreements/{id}/reviews` and `…/acknowledgements`: the parties' annual reviews and
//! who was briefed on the ground rules.

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::AgreementView;
use crate::domain::agreements::reviews::{
    self, Acknowledgement, AcknowledgementInput, AcknowledgementQuery, Review, ReviewInput,
};
use crate::domain::context::Cx;
use crate::domain::types::pagination::ListQuery;
use crate::domain::types::precondition::{IMMUTABLE_VERSION, IfMatch};
use crate::error::AppError;
use crate::http::common::IfMatchOptional;
use crate::http::common::{
    Body, ListResponse, Listed, Listing, NoFilters, ReadErrors, Tagged, Versioned, WriteErrors, created, or_stale,
};

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

impl Versioned for ReviewView {
    fn version(&self) -> i64 {
        self.version
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordedReview {
    pub review: ReviewView,
    /// The agreement after the review: its `review.next_due` moved, and with outcome `amend`
    /// an amendment open.
    pub agreement: AgreementView,
}

/// The `ETag` and `Location` of a recorded review are the review's.
impl Versioned for RecordedReview {
    fn version(&self) -> i64 {
        self.review.version
    }
}

/// The agreement's annual reviews, oldest first (members of the parties).
#[utoipa::path(
    operation_id = "list_agreement_reviews",
    tag = "agreements",
    params(("id" = Uuid, Path, description = "Agreement id"), ListQuery),
    responses((status = 200, description = "Reviews", body = ListResponse<ReviewView>), ReadErrors),
    security(("bearer" = []), ("oauth2" = ["agreements:read"]))
)]
#[get("/api/v1/agreements/{id}/reviews")]
pub async fn list_reviews(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    query: Listing<NoFilters>,
) -> Result<Listed<ReviewView>, AppError> {
    let page = reviews::list_reviews(&mut cx, id.into_inner(), &query.list).await?;
    Ok(Listed::from_page(page, ReviewView::from))
}

/// One annual review (members of the parties).
#[utoipa::path(
    operation_id = "get_agreement_review",
    tag = "agreements",
    params(("id" = Uuid, Path, description = "Agreement id"), ("review_id" = Uuid, Path, description = "Review id")),
    responses((status = 200, description = "The review", body = ReviewView, headers(("ETag" = String))),
              (status = 304, description = "Your copy is current"), ReadErrors),
    security(("bearer" = []), ("oauth2" = ["agreements:read"]))
)]
#[get("/api/v1/agreements/{id}/reviews/{review_id}")]
pub async fn get_review(mut cx: Cx<'static>, path: web::Path<(Uuid, Uuid)>) -> Result<Tagged, AppError> {
    let (id, review_id) = path.into_inner();
    Tagged::of(&ReviewView::from(reviews::review(&mut cx, id, review_id).await?))
}

/// Record an annual review (coordinators and org admins of the parties). Moves the agreement's
/// next review date; outcome `amend` opens an amendment.
#[utoipa::path(
    operation_id = "record_agreement_review",
    tag = "agreements",
    params(("id" = Uuid, Path, description = "Agreement id")),
    request_body = ReviewInput,
    responses((status = 201, description = "Recorded", body = RecordedReview,
               headers(("Location" = String, description = "The review"), ("ETag" = String, description = "The review's"))),
              WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/agreements/{id}/reviews")]
pub async fn record_review(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    body: Body<ReviewInput>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (review, agreement) = reviews::record_review(&mut cx, id, body.into_inner()).await?;
    let recorded = RecordedReview { review: review.into(), agreement: agreement.into() };
    Ok(created(format!("/api/v1/agreements/{id}/reviews/{}", recorded.review.id), &recorded))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AcknowledgementView {
    pub id: Uuid,
    pub version: i32,
    pub user_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
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
            contact_id: a.contact_id,
            person_name: a.person_name,
            organization_id: a.organization_id,
            acknowledged_on: a.acknowledged_on,
            recorded_by: a.recorded_by,
            current: a.current,
        }
    }
}

/// Acknowledgements never change: their ETag is constant.
impl Versioned for AcknowledgementView {
    fn version(&self) -> i64 {
        IMMUTABLE_VERSION
    }
}

/// Who was briefed on which version's ground rules (members of the parties).
#[utoipa::path(
    operation_id = "list_agreement_acknowledgements",
    tag = "agreements",
    params(("id" = Uuid, Path, description = "Agreement id"), AcknowledgementQuery, ListQuery),
    responses((status = 200, description = "Acknowledgements", body = ListResponse<AcknowledgementView>), ReadErrors),
    security(("bearer" = []), ("oauth2" = ["agreements:read"]))
)]
#[get("/api/v1/agreements/{id}/acknowledgements")]
pub async fn list_acknowledgements(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    query: Listing<AcknowledgementQuery>,
) -> Result<Listed<AcknowledgementView>, AppError> {
    let page = reviews::list_acknowledgements(&mut cx, id.into_inner(), query.filters, &query.list).await?;
    Ok(Listed::from_page(page, AcknowledgementView::from))
}

/// One acknowledgement (members of the parties).
#[utoipa::path(
    operation_id = "get_agreement_acknowledgement",
    tag = "agreements",
    params(("id" = Uuid, Path, description = "Agreement id"),
           ("acknowledgement_id" = Uuid, Path, description = "Acknowledgement id")),
    responses((status = 200, description = "The acknowledgement", body = AcknowledgementView, headers(("ETag" = String))),
              (status = 304, description = "Your copy is current"), ReadErrors),
    security(("bearer" = []), ("oauth2" = ["agreements:read"]))
)]
#[get("/api/v1/agreements/{id}/acknowledgements/{acknowledgement_id}")]
pub async fn get_acknowledgement(mut cx: Cx<'static>, path: web::Path<(Uuid, Uuid)>) -> Result<Tagged, AppError> {
    let (id, acknowledgement_id) = path.into_inner();
    Tagged::of(&AcknowledgementView::from(reviews::acknowledgement(&mut cx, id, acknowledgement_id).await?))
}

/// Record that a person was briefed on the ground rules of a version. Members record their
/// own; coordinators and org admins of the parties record others.
#[utoipa::path(
    operation_id = "record_agreement_acknowledgement",
    tag = "agreements",
    params(("id" = Uuid, Path, description = "Agreement id")),
    request_body = AcknowledgementInput,
    responses((status = 201, description = "Recorded", body = AcknowledgementView,
               headers(("Location" = String, description = "The acknowledgement"), ("ETag" = String))),
              WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/agreements/{id}/acknowledgements")]
pub async fn acknowledge(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    body: Body<AcknowledgementInput>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let view = AcknowledgementView::from(reviews::acknowledge(&mut cx, id, body.into_inner()).await?);
    Ok(created(format!("/api/v1/agreements/{id}/acknowledgements/{}", view.id), &view))
}

/// Delete an acknowledgement, erasing the name it carried (also from the audit log). The
/// person themself deletes their own; coordinators and org admins of the parties any.
#[utoipa::path(
    operation_id = "delete_agreement_acknowledgement",
    tag = "agreements",
    params(("id" = Uuid, Path, description = "Agreement id"), ("acknowledgement_id" = Uuid, Path, description = "Acknowledgement id"),
           IfMatchOptional),
    responses((status = 204, description = "Deleted"), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/api/v1/agreements/{id}/acknowledgements/{acknowledgement_id}")]
pub async fn delete_acknowledgement(
    mut cx: Cx<'static>,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
) -> Result<HttpResponse, AppError> {
    let (id, acknowledgement_id) = path.into_inner();
    let result = reviews::delete_acknowledgement(&mut cx, id, acknowledgement_id, if_match).await;
    or_stale(result, async || {
        reviews::acknowledgement(&mut cx, id, acknowledgement_id).await.map(AcknowledgementView::from)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
