//! Cost items of a series and their allocation between organisers (read by the named
//! organisations' members, kept by coordinators of organisers that accepted).

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::access::AcceptanceInput;
use crate::domain::context::Cx;
use crate::domain::event_series::costs::{self, AllocationQuery, CostAllocation};
use crate::domain::event_series::{CostItem, CostItemBasis, CostItemFields};
use crate::domain::types::pagination::ListQuery;
use crate::domain::types::precondition::IfMatch;
use crate::error::AppError;
use crate::http::common::IfMatchRequired;
use crate::http::common::{
    Body, ListResponse, Listed, Listing, NoFilters, ReadErrors, Tagged, Versioned, WriteErrors, created, or_stale,
};

/// A cost item.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01938000-0000-7000-8000-000000000020", "series_id": "01938000-0000-7000-8000-000000000010",
    "category": "refreshments", "basis": "per_occurrence", "amount": "10.00",
    "shares": [{"organization_id": "01930000-0000-7000-8000-00000000000c", "percent": "33.33", "agreed": true},
               {"organization_id": "01930000-0000-7000-8000-00000000000b", "percent": "66.67", "agreed": false}],
    "description": null, "updated_at": "2026-02-01T08:00:00Z", "version": 1}))]
pub struct CostItemView {
    pub id: Uuid,
    pub series_id: Uuid,
    pub category: crate::domain::agreements::CostCategory,
    pub basis: CostItemBasis,
    pub amount: crate::domain::types::decimal::Decimal2,
    pub shares: Vec<ShareView>,
    pub description: Option<String>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// One organisation's share of a cost item.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ShareView {
    pub organization_id: Uuid,
    pub percent: crate::domain::types::decimal::Decimal2,
    /// The organisation has agreed to it (set it itself, accepted it, or signed it in the
    /// linked agreement): only then does it bind the organisation.
    pub agreed: bool,
}

impl From<CostItem> for CostItemView {
    fn from(c: CostItem) -> Self {
        CostItemView {
            id: c.id,
            series_id: c.series_id,
            category: c.fields.category,
            basis: c.fields.basis,
            amount: c.fields.amount.unwrap_or_default(),
            shares: c
                .fields
                .shares
                .iter()
                .map(|s| ShareView {
                    organization_id: s.organization_id,
                    percent: s.percent,
                    agreed: c.agreed_by.contains(&s.organization_id),
                })
                .collect(),
            description: c.fields.description,
            updated_at: c.updated_at,
            version: c.version,
        }
    }
}

impl Versioned for CostItemView {
    fn version(&self) -> i64 {
        self.version
    }
}

async fn current(cx: &mut Cx<'static>, series: Uuid, id: Uuid) -> Result<CostItemView, AppError> {
    costs::get(cx, series, id).await.map(CostItemView::from)
}

/// The series' cost items, in creation order (a series carries at most 200).
#[utoipa::path(
    operation_id = "list_event_series_cost_items",
    tag = "event-series",
    params(("id" = Uuid, Path, description = "Series id"), ListQuery),
    responses((status = 200, description = "The cost items", body = ListResponse<CostItemView>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/event-series/{id}/cost-items")]
pub async fn list(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    query: Listing<NoFilters>,
) -> Result<Listed<CostItemView>, AppError> {
    let page = costs::list(&mut cx, id.into_inner(), &query.list).await?;
    Ok(Listed::from_page(page, CostItemView::from))
}

/// Add a cost item. Rent defaults to the venue's terms; shares default to the linked
/// agreement's cost sharing for the same category. Shares are for organisers that accepted and
/// add up to exactly 100.
#[utoipa::path(
    operation_id = "create_event_series_cost_item",
    tag = "event-series",
    params(("id" = Uuid, Path, description = "Series id")),
    request_body = CostItemFields,
    responses((status = 201, description = "Created", body = CostItemView, headers(("Location" = String), ("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/event-series/{id}/cost-items")]
pub async fn create(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    body: Body<CostItemFields>,
) -> Result<HttpResponse, AppError> {
    let series = id.into_inner();
    let view = CostItemView::from(costs::create(&mut cx, series, body.into_inner()).await?);
    Ok(created(format!("/api/v1/event-series/{series}/cost-items/{}", view.id), &view))
}

/// Change a cost item.
#[utoipa::path(
    operation_id = "update_event_series_cost_item",
    tag = "event-series",
    params(("id" = Uuid, Path, description = "Series id"), ("item_id" = Uuid, Path, description = "Cost item id"),
           IfMatchRequired),
    request_body(content = CostItemFields, content_type = "application/merge-patch+json",
                 description = "JSON Merge Patch (RFC 7396) of the fields"),
    responses((status = 200, description = "Updated", body = CostItemView, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/api/v1/event-series/{id}/cost-items/{item_id}")]
pub async fn update(
    mut cx: Cx<'static>,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    body: web::Json<serde_json::Value>,
) -> Result<Tagged, AppError> {
    let (series, id) = path.into_inner();
    let result = costs::update(&mut cx, series, id, if_match, body.into_inner()).await.map(CostItemView::from);
    Tagged::of(&or_stale(result, async || current(&mut cx, series, id).await).await?)
}

/// Agree to your organisation's share of a cost item: from now on it binds the organisation.
#[utoipa::path(
    operation_id = "accept_event_series_cost_item",
    tag = "event-series",
    params(("id" = Uuid, Path, description = "Series id"), ("item_id" = Uuid, Path, description = "Cost item id"),
           IfMatchRequired),
    request_body = AcceptanceInput,
    responses((status = 200, description = "Agreed", body = CostItemView, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/event-series/{id}/cost-items/{item_id}/acceptances")]
pub async fn accept(
    mut cx: Cx<'static>,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    body: Body<AcceptanceInput>,
) -> Result<Tagged, AppError> {
    let (series, id) = path.into_inner();
    let result =
        costs::accept(&mut cx, series, id, body.into_inner().organization_id, if_match).await.map(CostItemView::from);
    Tagged::of(&or_stale(result, async || current(&mut cx, series, id).await).await?)
}

/// Remove a cost item.
#[utoipa::path(
    operation_id = "delete_event_series_cost_item",
    tag = "event-series",
    params(("id" = Uuid, Path, description = "Series id"), ("item_id" = Uuid, Path, description = "Cost item id"),
           IfMatchRequired),
    responses((status = 204, description = "Deleted"), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/api/v1/event-series/{id}/cost-items/{item_id}")]
pub async fn delete(
    mut cx: Cx<'static>,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
) -> Result<HttpResponse, AppError> {
    let (series, id) = path.into_inner();
    let result = costs::delete(&mut cx, series, id, if_match).await;
    or_stale(result, async || current(&mut cx, series, id).await).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Each organiser's share of the costs over the held (not cancelled) occurrences starting in
/// the period, exact to the cent. Rounding: each share is rounded down to the cent and the
/// cents left over go to the largest remainders (ties in listed order), so the shares always
/// add up to the item's total and the organisers' sums to the grand total.
#[utoipa::path(
    operation_id = "get_event_series_cost_allocation",
    tag = "event-series",
    params(("id" = Uuid, Path, description = "Series id"), AllocationQuery),
    responses((status = 200, description = "The allocation", body = CostAllocation), ReadErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/event-series/{id}/cost-allocation")]
pub async fn allocation(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    query: web::Query<AllocationQuery>,
) -> Result<web::Json<CostAllocation>, AppError> {
    Ok(web::Json(costs::allocation(&mut cx, id.into_inner(), query.into_inner()).await?))
}
