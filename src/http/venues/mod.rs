//! `/api/v1/venues`: meeting places, collaboration lobbies and other premises (public
//! directory data), and their bookings.

pub mod bookings;

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::context::Cx;
use crate::domain::types::pagination::ListQuery;
use crate::domain::types::precondition::IfMatch;
use crate::domain::venues::{self as venues, Venue, VenueFields, VenueQuery};
use crate::error::AppError;
use crate::http::common::IfMatchRequired;
use crate::http::common::{
    Body, ListResponse, Listed, Listing, ReadErrors, Tagged, Versioned, WriteErrors, created, or_stale,
};

/// A venue.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01938000-0000-7000-8000-000000000001", "name": {"fi": "Kohtaamispaikka Olotila"},
    "description": null, "kind": "meeting_place", "owner_organization_id": "01930000-0000-7000-8000-00000000000b",
    "operator_organization_id": null,
    "address": {"street": "Kauppakatu 1", "postal_code": "40100", "locality": "Jyväskylä", "municipality_code": "179"},
    "wellbeing_county_code": "15", "position": {"lon": 25.7473, "lat": 62.2426},
    "accessibility": ["induction_loop", "wheelchair"], "accessibility_info": null, "interpretation_services": [],
    "opening_hours": {"rules": [{"weekdays": ["mo", "tu"], "opens": "09:00", "closes": "16:00"}], "exceptions": []},
    "capacity": 40, "premises_terms": "free_for_ngos", "rent_amount": "40.00", "contact": null, "images": [],
    "external_ids": {}, "created_at": "2026-02-01T08:00:00Z", "updated_at": "2026-02-01T08:00:00Z", "version": 1}))]
pub struct VenueView {
    pub id: Uuid,
    #[serde(flatten)]
    pub fields: VenueFields,
    /// From the municipality, per the area register.
    pub wellbeing_county_code: String,
    /// With `near=`: metres from that point.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_m: Option<f64>,
    #[serde(serialize_with = "crate::http::common::timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::http::common::timestamp")]
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl VenueView {
    fn of(v: Venue, distance_m: Option<f64>) -> Self {
        VenueView {
            id: v.id,
            fields: v.fields,
            wellbeing_county_code: v.wellbeing_county_code,
            distance_m,
            created_at: v.created_at,
            updated_at: v.updated_at,
            version: v.version,
        }
    }
}

impl From<Venue> for VenueView {
    fn from(v: Venue) -> Self {
        VenueView::of(v, None)
    }
}

impl Versioned for VenueView {
    fn version(&self) -> i64 {
        self.version
    }
}

async fn current(cx: &mut Cx<'static>, id: Uuid) -> Result<VenueView, AppError> {
    venues::get(cx, id).await.map(VenueView::from)
}

/// List venues: in creation order, or nearest first with `near=lon,lat` (and `radius_m`).
#[utoipa::path(
    operation_id = "list_venues",
    tag = "venues",
    params(VenueQuery, ListQuery),
    responses((status = 200, description = "A page of venues", body = ListResponse<VenueView>), ReadErrors),
    security((), ("bearer" = []))
)]
#[get("/api/v1/venues")]
pub async fn list(mut cx: Cx<'static>, query: Listing<VenueQuery>) -> Result<Listed<VenueView>, AppError> {
    let page = venues::list(&mut cx, query.filters, &query.list).await?;
    Ok(Listed::from_page(page, |(v, d)| VenueView::of(v, d)))
}

/// Read one venue.
#[utoipa::path(
    operation_id = "get_venue",
    tag = "venues",
    params(("id" = Uuid, Path, description = "Venue id")),
    responses((status = 200, description = "The venue", body = VenueView, headers(("ETag" = String))),
              (status = 304, description = "Your copy is current"), ReadErrors),
    security((), ("bearer" = []))
)]
#[get("/api/v1/venues/{id}")]
pub async fn get(mut cx: Cx<'static>, id: web::Path<Uuid>) -> Result<Tagged, AppError> {
    Tagged::of(&current(&mut cx, id.into_inner()).await?)
}

/// Add a venue (a coordinator or org admin of the owner organisation).
#[utoipa::path(
    operation_id = "create_venue",
    tag = "venues",
    request_body = VenueFields,
    responses((status = 201, description = "Created", body = VenueView, headers(("Location" = String), ("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/venues")]
pub async fn create(mut cx: Cx<'static>, body: Body<VenueFields>) -> Result<HttpResponse, AppError> {
    let view = VenueView::from(venues::create(&mut cx, body.into_inner()).await?);
    Ok(created(format!("/api/v1/venues/{}", view.id), &view))
}

/// Change a venue (the owner's coordinators and org admins).
#[utoipa::path(
    operation_id = "update_venue",
    tag = "venues",
    params(("id" = Uuid, Path, description = "Venue id"), IfMatchRequired),
    request_body(content = VenueFields, content_type = "application/merge-patch+json",
                 description = "JSON Merge Patch (RFC 7396): any of the fields; `null` clears an optional one"),
    responses((status = 200, description = "Updated", body = VenueView, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/api/v1/venues/{id}")]
pub async fn update(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<serde_json::Value>,
) -> Result<Tagged, AppError> {
    let id = id.into_inner();
    let result = venues::update(&mut cx, id, if_match, body.into_inner()).await;
    Tagged::of(&VenueView::from(or_stale(result, async || current(&mut cx, id).await).await?))
}

/// Delete a venue that no event series uses and that has no bookings on record (409
/// otherwise).
#[utoipa::path(
    operation_id = "delete_venue",
    tag = "venues",
    params(("id" = Uuid, Path, description = "Venue id"), IfMatchRequired),
    responses((status = 204, description = "Deleted"), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/api/v1/venues/{id}")]
pub async fn delete(mut cx: Cx<'static>, id: web::Path<Uuid>, if_match: IfMatch) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let result = venues::delete(&mut cx, id, if_match).await;
    or_stale(result, async || current(&mut cx, id).await).await?;
    Ok(HttpResponse::NoContent().finish())
}
