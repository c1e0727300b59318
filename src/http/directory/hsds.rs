//! `/api/v1/directory/hsds`: the directory as Open Referral HSDS 3.0, for service catalogues
//! and referral tools that speak it, with HSDS's numbered pages and `modified_after`.

use actix_web::{get, web};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::config::PublicUrl;
use crate::domain::context::Cx;
use crate::domain::directory::{HsdsPage, HsdsQuery, HsdsTable, hsds};
use crate::error::AppError;
use crate::http::common::ReadErrors;

/// An HSDS table.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HsdsTableName {
    /// Organisations.
    Organizations,
    /// Published series and ongoing activities.
    Services,
    /// Venues, with their accessibility and opening hours.
    Locations,
    /// A published series at its venue (with the series' id), the venue nested.
    ServiceAtLocations,
}

impl From<HsdsTableName> for HsdsTable {
    fn from(t: HsdsTableName) -> Self {
        match t {
            HsdsTableName::Organizations => HsdsTable::Organizations,
            HsdsTableName::Services => HsdsTable::Services,
            HsdsTableName::Locations => HsdsTable::Locations,
            HsdsTableName::ServiceAtLocations => HsdsTable::ServiceAtLocations,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TablePath {
    #[param(inline)]
    pub table: HsdsTableName,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ItemPath {
    #[param(inline)]
    pub table: HsdsTableName,
    pub id: Uuid,
}

/// HSDS's paging envelope.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"total_items": 1, "total_pages": 1, "page_number": 1, "size": 1, "first_page": true,
    "last_page": true, "empty": false, "contents": [{"id": "01938000-0000-7000-8000-000000000010",
    "organization_id": "01938000-0000-7000-8000-000000000001", "name": "Seniorikahvila", "status": "active",
    "schedules": [{"id": "5b0c1f1e-3f4c-5a55-9a0e-7c1d2f3a4b5c", "service_id": "01938000-0000-7000-8000-000000000010",
      "freq": "WEEKLY", "interval": 1, "byday": "TU", "dtstart": "2026-03-03", "opens_at": "10:00", "closes_at": "12:00"}]}]}))]
pub struct HsdsPageView {
    /// Items matching, on all pages.
    pub total_items: i64,
    pub total_pages: i64,
    /// From 1.
    pub page_number: i64,
    /// Items on this page.
    pub size: i64,
    pub first_page: bool,
    pub last_page: bool,
    /// Nothing matches.
    pub empty: bool,
    /// HSDS 3.0 objects of the table (`organization`, `service`, `location` or
    /// `service_at_location`), nested as in HSDS's compiled schemas.
    pub contents: Vec<Value>,
}

impl From<HsdsPage> for HsdsPageView {
    fn from(p: HsdsPage) -> Self {
        let total_pages = (p.total_items + p.per_page - 1) / p.per_page;
        HsdsPageView {
            total_items: p.total_items,
            total_pages,
            page_number: p.page_number,
            size: i64::try_from(p.contents.len()).unwrap_or(i64::MAX),
            first_page: p.page_number == 1,
            last_page: p.page_number >= total_pages,
            empty: p.total_items == 0,
            contents: p.contents,
        }
    }
}

/// What this HSDS API is (HSDS's own `/` endpoint).
#[derive(Debug, Serialize, ToSchema)]
pub struct HsdsAbout {
    /// The HSDS version served.
    #[schema(example = "3.0")]
    pub version: String,
    /// Where the HSDS profile is described.
    pub profile: String,
    /// This API's OpenAPI description.
    pub openapi_url: String,
}

/// The HSDS version served, and where the contract is.
#[utoipa::path(
    operation_id = "get_hsds_about",
    tag = "directory",
    responses((status = 200, description = "What this HSDS API is", body = HsdsAbout), ReadErrors),
    security((), ("bearer" = []))
)]
#[get("/api/v1/directory/hsds")]
pub async fn about(public_url: web::Data<PublicUrl>) -> web::Json<HsdsAbout> {
    web::Json(HsdsAbout {
        version: "3.0".to_owned(),
        profile: "https://docs.openreferral.org/en/latest/hsds/overview.html".to_owned(),
        openapi_url: format!("{}/openapi.json", public_url.0),
    })
}

/// One numbered page of an HSDS table, in id order. `modified_after` keeps what changed on or
/// after an instant; to see what left the directory, follow `/api/v1/directory/changes`. The
/// same for everyone: organisations and venues, and the published series only.
#[utoipa::path(
    operation_id = "list_hsds",
    tag = "directory",
    params(TablePath, HsdsQuery),
    responses((status = 200, description = "A page of HSDS objects", body = HsdsPageView), ReadErrors),
    security((), ("bearer" = []))
)]
#[get("/api/v1/directory/hsds/{table}")]
pub async fn list(
    mut cx: Cx<'static>,
    path: web::Path<TablePath>,
    query: web::Query<HsdsQuery>,
    public_url: web::Data<PublicUrl>,
) -> Result<web::Json<HsdsPageView>, AppError> {
    let page = hsds::page(&mut cx, path.table.into(), &query, &public_url.0).await?;
    Ok(web::Json(page.into()))
}

/// One HSDS object by id; 404 for what is not in the directory.
#[utoipa::path(
    operation_id = "get_hsds",
    tag = "directory",
    params(ItemPath),
    responses((status = 200, description = "An HSDS 3.0 object of the table", body = Object,
               example = json!({"id": "01938000-0000-7000-8000-000000000001", "name": "Keski-Suomen Setlementti",
                 "description": "Järjestö", "uri": "https://yhdyspinta.example/api/v1/organizations/01938000-0000-7000-8000-000000000001",
                 "phones": [], "organization_identifiers": [{"id": "6c1b1d4e-1b9a-5c1e-8f0a-3e2d1c0b9a87",
                 "organization_id": "01938000-0000-7000-8000-000000000001", "identifier_scheme": "FI-PRO",
                 "identifier_type": "Y-tunnus (business ID)", "identifier": "0208201-1"}]})),
              ReadErrors),
    security((), ("bearer" = []))
)]
#[get("/api/v1/directory/hsds/{table}/{id}")]
pub async fn item(
    mut cx: Cx<'static>,
    path: web::Path<ItemPath>,
    public_url: web::Data<PublicUrl>,
) -> Result<web::Json<Value>, AppError> {
    Ok(web::Json(hsds::item(&mut cx, path.table.into(), path.id, &public_url.0).await?))
}
