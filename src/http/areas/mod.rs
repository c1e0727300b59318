//! `/api/v1/areas`: the register of municipalities and wellbeing services counties.

use actix_web::{get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::Db;
use crate::domain::areas::{self, Area, AreaKind, AreaQuery};
use crate::domain::types::localized::LocalizedText;
use crate::error::AppError;
use crate::http::common::{GetErrors, ListErrors, ListResponse, Listed, Tagged, page_request};
use crate::http::identity::Caller;

/// A municipality (kunta) or wellbeing services county (hyvinvointialue) as registered for
/// a validity period.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "kind": "municipality", "code": "179", "name": {"fi": "Jyväskylä", "sv": "Jyväskylä"},
    "wellbeing_county_code": "15", "short_id": null, "sotkanet_region_id": null,
    "valid_from": "2021-01-01", "valid_to": null}))]
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
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AreaListParams {
    /// Only areas of this kind.
    pub kind: Option<AreaKind>,
    /// Name prefix in Finnish or Swedish (case-insensitive), or an exact code.
    #[param(example = "jyv")]
    pub q: Option<String>,
    /// Only municipalities of this wellbeing services county (two-digit code).
    #[param(example = "15")]
    pub wellbeing_county: Option<String>,
    /// Areas valid on this date (default: today).
    pub valid_on: Option<NaiveDate>,
    /// Page size, 1–200 (default 50; larger values are clamped).
    pub limit: Option<i64>,
    /// `meta.next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List areas in (kind, code) order.
#[utoipa::path(
    operation_id = "list_areas",
    tag = "areas",
    params(AreaListParams),
    responses((status = 200, description = "A page of areas", body = ListResponse<AreaView>), ListErrors)
)]
#[get("/api/v1/areas")]
pub async fn list(
    db: web::Data<Db>,
    caller: Caller,
    params: web::Query<AreaListParams>,
) -> Result<Listed<AreaView>, AppError> {
    let params = params.into_inner();
    let page = page_request(params.limit, params.cursor.as_deref())?;
    let query = AreaQuery {
        kind: params.kind,
        q: params.q,
        wellbeing_county: params.wellbeing_county,
        valid_on: params.valid_on,
    };
    let mut conn = db.conn().await?;
    let actor = caller.actor(&mut conn).await?;
    let page = areas::list(&mut conn, &actor, query, page).await?;
    Ok(Listed::from_page(page, AreaView::from))
}

/// Read the area with this code that is valid today.
#[utoipa::path(
    operation_id = "get_area",
    tag = "areas",
    params(
        ("kind" = AreaKind, Path, description = "Area kind"),
        ("code" = String, Path, description = "Statistics Finland code", example = "179"),
        ("If-None-Match" = Option<String>, Header, description = "ETag of a copy you hold"),
    ),
    responses(
        (status = 200, description = "The area", body = AreaView,
         headers(("ETag" = String, description = "Entity tag of this representation"))),
        (status = 304, description = "Your copy is current"),
        GetErrors,
    )
)]
#[get("/api/v1/areas/{kind}/{code}")]
pub async fn get(db: web::Data<Db>, caller: Caller, path: web::Path<(AreaKind, String)>) -> Result<Tagged, AppError> {
    let (kind, code) = path.into_inner();
    let mut conn = db.conn().await?;
    let actor = caller.actor(&mut conn).await?;
    let area = areas::get(&mut conn, &actor, kind, &code).await?;
    Tagged::by_content(&AreaView::from(area))
}
