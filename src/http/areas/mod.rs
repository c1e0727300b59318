//! `/api/v1/areas`: the register of municipalities and wellbeing services counties.

use actix_web::{get, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::areas::{self, Area, AreaKind, AreaQuery};
use crate::domain::context::Cx;
use crate::domain::types::localized::LocalizedText;
use crate::domain::types::pagination::ListQuery;
use crate::error::AppError;
use crate::http::common::{ListResponse, Listed, Listing, ReadErrors, Tagged};

/// A municipality (kunta) or wellbeing services county (hyvinvointialue) as registered for
/// a validity period.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "kind": "municipality", "code": "179", "name": {"fi": "Jyväskylä", "sv": "Jyväskylä"},
    "wellbeing_county_code": "15", "short_id": null, "sotkanet_region_id": null,
    "valid_from": "2021-01-01", "valid_to": null, "updated_at": "2026-11-22T00:00:00Z"}))]
pub struct AreaView {
    pub kind: AreaKind,
    /// Statistics Finland code: three digits for a municipality, two for a county.
    pub code: String,
    pub name: LocalizedText,
    /// The county a municipality belongs to (`null` for counties).
    pub wellbeing_county_code: Option<String>,
    /// Two-letter abbreviation of a county (e.g. `KS`).
    pub short_id: Option<String>,
    /// THL Sotkanet region id of a county, for indicator integrations.
    pub sotkanet_region_id: Option<i32>,
    pub valid_from: NaiveDate,
    /// First day the area is no longer valid (`null`: still valid).
    pub valid_to: Option<NaiveDate>,
    /// When the register entry last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<Area> for AreaView {
    fn from(a: Area) -> Self {
        AreaView {
            kind: a.kind,
            code: a.code,
            name: a.name,
            wellbeing_county_code: a.wellbeing_county_code,
            short_id: a.short_id,
            sotkanet_region_id: a.sotkanet_region_id,
            valid_from: a.valid_from,
            valid_to: a.valid_to,
            updated_at: a.updated_at,
        }
    }
}

/// List areas in (kind, code) order.
#[utoipa::path(
    operation_id = "list_areas",
    tag = "areas",
    params(AreaQuery, ListQuery),
    responses((status = 200, description = "A page of areas", body = ListResponse<AreaView>), ReadErrors),
    security((), ("bearer" = []))
)]
#[get("/api/v1/areas")]
pub async fn list(mut cx: Cx<'static>, query: Listing<AreaQuery>) -> Result<Listed<AreaView>, AppError> {
    let page = areas::list(&mut cx, query.filters, &query.list).await?;
    Ok(Listed::from_page(page, AreaView::from))
}

/// Read the area with this code that is valid today.
#[utoipa::path(
    operation_id = "get_area",
    tag = "areas",
    params(
        ("kind" = AreaKind, Path, description = "Area kind"),
        ("code" = String, Path, description = "Statistics Finland code", example = "179"),
    ),
    responses(
        (status = 200, description = "The area", body = AreaView,
         headers(("ETag" = String, description = "Entity tag of this representation"))),
        (status = 304, description = "Your copy is current"),
        ReadErrors,
    ),
    security((), ("bearer" = []))
)]
#[get("/api/v1/areas/{kind}/{code}")]
pub async fn get(mut cx: Cx<'static>, path: web::Path<(AreaKind, String)>) -> Result<Tagged, AppError> {
    let (kind, code) = path.into_inner();
    Tagged::by_content(&AreaView::from(areas::get(&mut cx, kind, &code).await?))
}
