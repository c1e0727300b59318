//! `/api/v1/indicators`: collective-impact indicator definitions, their versions and time
//! series; `observations.rs` the values reported for them.

pub mod exports;
pub mod observations;

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::context::Cx;
use crate::domain::indicators::sotkanet::{SotkanetImport, SotkanetImported};
use crate::domain::indicators::{
    self, Direction, Indicator, IndicatorFields, IndicatorQuery, IndicatorSeriesPoint, IndicatorSeriesQuery,
    IndicatorSource, IndicatorVersion,
};
use crate::domain::types::localized::LocalizedText;
use crate::domain::types::pagination::ListQuery;
use crate::domain::types::precondition::IfMatch;
use crate::error::AppError;
use crate::http::common::{
    Body, IfMatchRequired, ListResponse, Listed, Listing, ReadErrors, Tagged, Versioned, WriteErrors, created, or_stale,
};

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01938000-0000-7000-8000-0000000000e1", "code": "KS_LONELY_65",
    "title": {"fi": "Yksinäisyyttä kokevat 65+"}, "description": null, "interpretation": null, "limitations": null,
    "type": "population", "measure": "percentage", "unit": "%", "decimals": 1, "rate_per": null,
    "direction": "lower_is_better", "aggregation": "weighted_mean", "periodicity": "P1Y",
    "dimensions": ["area", "organization"], "owner_organization_id": "01930000-0000-7000-8000-000000000001",
    "agreement_ids": [], "external_references": [{"vocabulary": "sotkanet", "code": "4230", "url": null}],
    "attribution": "Kyselytutkimus", "licence": "CC BY 4.0", "visibility": "public", "locked_through": null,
    "created_at": "2026-03-01T09:30:00Z", "updated_at": "2026-03-01T09:30:00Z", "version": 1, "source": "reported", "derivation": null}))]
pub struct IndicatorView {
    pub id: Uuid,
    #[serde(flatten)]
    pub fields: IndicatorFields,
    pub source: IndicatorSource,
    /// For a platform indicator: the built-in computation, documented per code in
    /// docs/INDICATORS.md.
    #[schema(example = "occurrences_held")]
    pub derivation: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl From<Indicator> for IndicatorView {
    fn from(i: Indicator) -> Self {
        IndicatorView {
            id: i.id,
            fields: i.fields,
            source: i.source,
            derivation: i.derivation,
            created_at: i.created_at,
            updated_at: i.updated_at,
            version: i.version,
        }
    }
}

impl Versioned for IndicatorView {
    fn version(&self) -> i64 {
        self.version
    }
}

/// The definition as it was at one version.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorVersionView {
    pub version: i64,
    pub changed_at: DateTime<Utc>,
    pub definition: IndicatorFields,
}

impl From<IndicatorVersion> for IndicatorVersionView {
    fn from(v: IndicatorVersion) -> Self {
        IndicatorVersionView { version: v.version, changed_at: v.changed_at, definition: v.definition }
    }
}

/// A time series for a chart: approved values period by period.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"indicator_id": "01938000-0000-7000-8000-0000000000e1", "code": "KS_LONELY_65",
    "title": {"fi": "Yksinäisyyttä kokevat 65+"}, "unit": "%", "decimals": 1, "direction": "lower_is_better",
    "points": [{"period": {"code": "2025", "start": "2025-01-01", "end": "2025-12-31"},
                "actual": "11.0", "target": "10.0", "baseline": "12.5", "provisional": false}]}))]
pub struct IndicatorSeriesView {
    pub indicator_id: Uuid,
    pub code: String,
    pub title: LocalizedText,
    pub unit: Option<String>,
    pub decimals: i32,
    pub direction: Direction,
    /// Oldest period first.
    pub points: Vec<IndicatorSeriesPoint>,
}

/// List the indicators you may read: public ones, and those of your organisations'
/// partnerships (service clients: with `indicators:read`).
#[utoipa::path(
    operation_id = "list_indicators",
    tag = "indicators",
    params(IndicatorQuery, ListQuery),
    responses((status = 200, description = "A page of indicators", body = ListResponse<IndicatorView>), ReadErrors),
    security((), ("bearer" = []))
)]
#[get("/api/v1/indicators")]
pub async fn list(mut cx: Cx<'static>, query: Listing<IndicatorQuery>) -> Result<Listed<IndicatorView>, AppError> {
    let page = indicators::list(&mut cx, query.filters, &query.list).await?;
    Ok(Listed::from_page(page, IndicatorView::from))
}

/// Read one indicator's definition.
#[utoipa::path(
    operation_id = "get_indicator",
    tag = "indicators",
    params(("id" = Uuid, Path, description = "Indicator id")),
    responses((status = 200, description = "The indicator", body = IndicatorView, headers(("ETag" = String))),
              (status = 304, description = "Your copy is current"), ReadErrors),
    security((), ("bearer" = []))
)]
#[get("/api/v1/indicators/{id}")]
pub async fn get(mut cx: Cx<'static>, id: web::Path<Uuid>) -> Result<Tagged, AppError> {
    Tagged::of(&current(&mut cx, id.into_inner()).await?)
}

async fn current(cx: &mut Cx<'static>, id: Uuid) -> Result<IndicatorView, AppError> {
    indicators::get(cx, id).await.map(IndicatorView::from)
}

/// Define an indicator, owned by an organisation you coordinate. Linked agreements must have
/// the owner as a party; their parties may then read the indicator and report values.
#[utoipa::path(
    operation_id = "create_indicator",
    tag = "indicators",
    request_body = IndicatorFields,
    responses((status = 201, description = "Created", body = IndicatorView, headers(("Location" = String), ("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/indicators")]
pub async fn create(mut cx: Cx<'static>, body: Body<IndicatorFields>) -> Result<HttpResponse, AppError> {
    let made = IndicatorView::from(indicators::create(&mut cx, body.into_inner()).await?);
    Ok(created(format!("/api/v1/indicators/{}", made.id), &made))
}

/// Change a definition; each change is kept as a version. The measure of an indicator with
/// values cannot change (409).
#[utoipa::path(
    operation_id = "update_indicator",
    tag = "indicators",
    params(("id" = Uuid, Path, description = "Indicator id"), IfMatchRequired),
    request_body(content = IndicatorFields, content_type = "application/merge-patch+json",
                 description = "JSON Merge Patch (RFC 7396): any of the fields"),
    responses((status = 200, description = "Updated", body = IndicatorView, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/api/v1/indicators/{id}")]
pub async fn update(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<serde_json::Value>,
) -> Result<Tagged, AppError> {
    let id = id.into_inner();
    let result = indicators::update(&mut cx, id, if_match, body.into_inner()).await;
    Tagged::of(&IndicatorView::from(or_stale(result, async || current(&mut cx, id).await).await?))
}

/// Delete an indicator that has no values on record (409 otherwise).
#[utoipa::path(
    operation_id = "delete_indicator",
    tag = "indicators",
    params(("id" = Uuid, Path, description = "Indicator id"), IfMatchRequired),
    responses((status = 204, description = "Deleted"), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/api/v1/indicators/{id}")]
pub async fn delete(mut cx: Cx<'static>, id: web::Path<Uuid>, if_match: IfMatch) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let result = indicators::delete(&mut cx, id, if_match).await;
    or_stale(result, async || current(&mut cx, id).await).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Every version of the definition, oldest first.
#[utoipa::path(
    operation_id = "list_indicator_versions",
    tag = "indicators",
    params(("id" = Uuid, Path, description = "Indicator id"), ListQuery),
    responses((status = 200, description = "A page of versions", body = ListResponse<IndicatorVersionView>), ReadErrors),
    security((), ("bearer" = []))
)]
#[get("/api/v1/indicators/{id}/versions")]
pub async fn versions(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    paging: web::Query<ListQuery>,
) -> Result<Listed<IndicatorVersionView>, AppError> {
    let page = indicators::versions(&mut cx, id.into_inner(), &paging).await?;
    Ok(Listed::from_page(page, IndicatorVersionView::from))
}

/// The series drawn as an SVG line chart (800 × 450): actuals with targets and baselines, the
/// unit on the y axis, Finnish number formatting, and a `<title>` and `<desc>` that say in
/// words what the lines show, for a directory page or a newsletter to embed.
#[utoipa::path(
    operation_id = "get_indicator_chart",
    tag = "indicators",
    params(("id" = Uuid, Path, description = "Indicator id"), IndicatorSeriesQuery),
    responses((status = 200, description = "The chart", body = String, content_type = "image/svg+xml"), ReadErrors),
    security((), ("bearer" = []))
)]
#[get("/api/v1/indicators/{id}/chart.svg")]
pub async fn chart(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    query: web::Query<IndicatorSeriesQuery>,
) -> Result<HttpResponse, AppError> {
    let (indicator, points) = indicators::series(&mut cx, id.into_inner(), query.into_inner()).await?;
    drop(cx);
    let svg = indicators::chart::draw(&indicator, &points)?;
    Ok(HttpResponse::Ok().content_type("image/svg+xml; charset=utf-8").body(svg))
}

/// The approved values of one area, one organisation or the whole (neither given), period
/// by period, with targets and baselines beside the actuals: what a chart draws.
#[utoipa::path(
    operation_id = "get_indicator_series",
    tag = "indicators",
    params(("id" = Uuid, Path, description = "Indicator id"), IndicatorSeriesQuery),
    responses((status = 200, description = "The series", body = IndicatorSeriesView, headers(("ETag" = String))),
              (status = 304, description = "Your copy is current"), ReadErrors),
    security((), ("bearer" = []))
)]
#[get("/api/v1/indicators/{id}/series")]
pub async fn series(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    query: web::Query<IndicatorSeriesQuery>,
) -> Result<Tagged, AppError> {
    let (indicator, points) = indicators::series(&mut cx, id.into_inner(), query.into_inner()).await?;
    let f = indicator.fields;
    Tagged::by_content(&IndicatorSeriesView {
        indicator_id: indicator.id,
        code: f.code,
        title: f.title,
        unit: f.unit,
        decimals: f.decimals,
        direction: f.direction,
        points,
    })
}

/// What a refresh did to one platform indicator.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"indicator_id": "01938000-0000-7000-8000-0000000000f1", "code": "PLATFORM_OCCURRENCES_HELD",
    "written": 3, "removed": 0, "closed_through": "2026-10-31"}))]
pub struct PlatformIndicatorRefresh {
    pub indicator_id: Uuid,
    pub code: String,
    /// Values inserted or changed.
    pub written: i64,
    /// Values of open months removed: nothing left to count.
    pub removed: i64,
    /// Months ending on or before this day are final and were not changed.
    pub closed_through: chrono::NaiveDate,
}

/// Recompute the platform indicators now (platform admins; the service also does it every
/// hour). Values of closed months are never changed.
#[utoipa::path(
    operation_id = "refresh_platform_indicators",
    tag = "indicators",
    responses((status = 200, description = "Recomputed", body = Vec<PlatformIndicatorRefresh>), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/indicators:refresh")]
pub async fn refresh_platform(mut cx: Cx<'static>) -> Result<web::Json<Vec<PlatformIndicatorRefresh>>, AppError> {
    let done = indicators::derived::refresh(&mut cx).await?;
    Ok(web::Json(
        done.into_iter()
            .map(|r| PlatformIndicatorRefresh {
                indicator_id: r.indicator_id,
                code: r.code.to_owned(),
                written: r.written,
                removed: r.removed,
                closed_through: r.closed_through,
            })
            .collect(),
    ))
}

/// Import indicators and their values from THL's Sotkanet, in Sotkanet's own shapes (platform
/// admins). Each becomes a public, read-only `SOTKANET_<id>` indicator with yearly values by
/// area and sex; regions other than municipalities, counties and the whole country are
/// skipped and reported. Importing the same data again changes nothing.
#[utoipa::path(
    operation_id = "import_sotkanet",
    tag = "indicators",
    request_body = SotkanetImport,
    responses((status = 200, description = "Imported", body = SotkanetImported), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/indicators:import-sotkanet")]
pub async fn import_sotkanet(
    mut cx: Cx<'static>,
    body: Body<SotkanetImport>,
) -> Result<web::Json<SotkanetImported>, AppError> {
    Ok(web::Json(indicators::sotkanet::import(&mut cx, body.into_inner()).await?))
}
