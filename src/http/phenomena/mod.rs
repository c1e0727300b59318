//! `/api/v1/phenomena`: phenomenon reports, their handling and the summary for maps;
//! `/api/v1/phenomenon-themes`: the controlled list of themes.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::context::Cx;
use crate::domain::phenomena::{
    self, Phenomenon, PhenomenonFields, PhenomenonQuery, PhenomenonStatus, PhenomenonSummaryGroup,
    PhenomenonSummaryQuery, PhenomenonTheme, PhenomenonTransition,
};
use crate::domain::types::localized::LocalizedText;
use crate::domain::types::pagination::ListQuery;
use crate::domain::types::precondition::IfMatch;
use crate::error::AppError;
use crate::http::common::{
    Body, IfMatchRequired, ListResponse, Listed, Listing, ReadErrors, Tagged, Versioned, WriteErrors, created, or_stale,
};

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01938000-0000-7000-8000-0000000000a1", "theme": "loneliness",
    "description": {"fi": "Aamupäivisin aulassa istuu ikäihmisiä, jotka kertovat, ettei heillä ole ketään, jolle puhua."},
    "area": {"municipality_code": "837"}, "venue_id": null, "observed_from": "2026-10-01", "observed_to": "2026-10-31",
    "people_concerned": 12, "reporter_organization_id": "01930000-0000-7000-8000-000000000002",
    "responsible_organization_id": null, "status": "new", "response": null,
    "created_at": "2026-11-02T09:30:00Z", "updated_at": "2026-11-02T09:30:00Z", "version": 1}))]
pub struct PhenomenonView {
    pub id: Uuid,
    #[serde(flatten)]
    pub fields: PhenomenonFields,
    pub status: PhenomenonStatus,
    /// The responsible organisation's response.
    pub response: Option<LocalizedText>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl From<Phenomenon> for PhenomenonView {
    fn from(p: Phenomenon) -> Self {
        PhenomenonView {
            id: p.id,
            fields: p.fields,
            status: p.status,
            response: p.response,
            created_at: p.created_at,
            updated_at: p.updated_at,
            version: p.version,
        }
    }
}

impl Versioned for PhenomenonView {
    fn version(&self) -> i64 {
        self.version
    }
}

/// The themes of the controlled list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PhenomenonThemeList {
    pub data: Vec<PhenomenonTheme>,
}

/// The summary's groups, ordered by their keys.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"data": [{"theme": "loneliness", "municipality": "837", "count": 7, "people_concerned": 40},
                                   {"theme": "housing", "municipality": "837", "count": null, "people_concerned": null}]}))]
pub struct PhenomenonSummary {
    pub data: Vec<PhenomenonSummaryGroup>,
}

/// The themes reports use (anyone).
#[utoipa::path(
    operation_id = "list_phenomenon_themes",
    tag = "phenomena",
    responses((status = 200, description = "The themes", body = PhenomenonThemeList), ReadErrors),
    security((), ("bearer" = []))
)]
#[get("/api/v1/phenomenon-themes")]
pub async fn themes(mut cx: Cx<'static>) -> Result<web::Json<PhenomenonThemeList>, AppError> {
    Ok(web::Json(PhenomenonThemeList { data: phenomena::themes(&mut cx).await? }))
}

/// Add a theme to the list (platform admins).
#[utoipa::path(
    operation_id = "create_phenomenon_theme",
    tag = "phenomena",
    request_body = PhenomenonTheme,
    responses((status = 201, description = "Added", body = PhenomenonTheme), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/phenomenon-themes")]
pub async fn create_theme(mut cx: Cx<'static>, body: Body<PhenomenonTheme>) -> Result<HttpResponse, AppError> {
    let theme = phenomena::create_theme(&mut cx, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(theme))
}

/// List reports (members of any organisation), filtered by theme, municipality, status,
/// reporting or responsible organisation and the observation period.
#[utoipa::path(
    operation_id = "list_phenomena",
    tag = "phenomena",
    params(PhenomenonQuery, ListQuery),
    responses((status = 200, description = "A page of reports", body = ListResponse<PhenomenonView>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/phenomena")]
pub async fn list(mut cx: Cx<'static>, query: Listing<PhenomenonQuery>) -> Result<Listed<PhenomenonView>, AppError> {
    let page = phenomena::list(&mut cx, query.filters, &query.list).await?;
    Ok(Listed::from_page(page, PhenomenonView::from))
}

/// Counts of reports and the people they concerned, grouped by theme, municipality and month
/// (anyone), for maps and heat-maps. A group of fewer than 5 reports shows `null` unless every
/// report in it is by your own organisations.
#[utoipa::path(
    operation_id = "summarise_phenomena",
    tag = "phenomena",
    params(PhenomenonSummaryQuery),
    responses((status = 200, description = "The groups", body = PhenomenonSummary), ReadErrors),
    security((), ("bearer" = []))
)]
#[get("/api/v1/phenomena/summary")]
pub async fn summary(
    mut cx: Cx<'static>,
    query: web::Query<PhenomenonSummaryQuery>,
) -> Result<web::Json<PhenomenonSummary>, AppError> {
    Ok(web::Json(PhenomenonSummary { data: phenomena::summary(&mut cx, query.into_inner()).await? }))
}

/// Read one report.
#[utoipa::path(
    operation_id = "get_phenomenon",
    tag = "phenomena",
    params(("id" = Uuid, Path, description = "Report id")),
    responses((status = 200, description = "The report", body = PhenomenonView, headers(("ETag" = String))),
              (status = 304, description = "Your copy is current"), ReadErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/phenomena/{id}")]
pub async fn get(mut cx: Cx<'static>, id: web::Path<Uuid>) -> Result<Tagged, AppError> {
    Tagged::of(&current(&mut cx, id.into_inner()).await?)
}

async fn current(cx: &mut Cx<'static>, id: Uuid) -> Result<PhenomenonView, AppError> {
    phenomena::get(cx, id).await.map(PhenomenonView::from)
}

/// Report a phenomenon for an organisation you are a member of. Describe what was noticed,
/// never a person: identity codes, phone numbers and e-mail addresses are refused (422).
#[utoipa::path(
    operation_id = "create_phenomenon",
    tag = "phenomena",
    request_body = PhenomenonFields,
    responses((status = 201, description = "Reported", body = PhenomenonView, headers(("Location" = String), ("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/phenomena")]
pub async fn create(mut cx: Cx<'static>, body: Body<PhenomenonFields>) -> Result<HttpResponse, AppError> {
    let made = PhenomenonView::from(phenomena::create(&mut cx, body.into_inner()).await?);
    Ok(created(format!("/api/v1/phenomena/{}", made.id), &made))
}

/// Change what a report says (the reporter's members).
#[utoipa::path(
    operation_id = "update_phenomenon",
    tag = "phenomena",
    params(("id" = Uuid, Path, description = "Report id"), IfMatchRequired),
    request_body(content = PhenomenonFields, content_type = "application/merge-patch+json",
                 description = "JSON Merge Patch (RFC 7396): any of the fields"),
    responses((status = 200, description = "Updated", body = PhenomenonView, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/api/v1/phenomena/{id}")]
pub async fn update(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<serde_json::Value>,
) -> Result<Tagged, AppError> {
    let id = id.into_inner();
    let result = phenomena::update(&mut cx, id, if_match, body.into_inner()).await;
    Tagged::of(&PhenomenonView::from(or_stale(result, async || current(&mut cx, id).await).await?))
}

/// Move a report along and respond: the responsible organisation's coordinators (without one,
/// the reporter's). `addressed` needs a response.
#[utoipa::path(
    operation_id = "transition_phenomenon",
    tag = "phenomena",
    params(("id" = Uuid, Path, description = "Report id")),
    request_body = PhenomenonTransition,
    responses((status = 200, description = "Moved", body = PhenomenonView, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/phenomena/{id}/transitions")]
pub async fn transition(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    body: Body<PhenomenonTransition>,
) -> Result<Tagged, AppError> {
    Tagged::of(&PhenomenonView::from(phenomena::transition(&mut cx, id.into_inner(), body.into_inner()).await?))
}

/// Delete a report (the reporter's coordinators).
#[utoipa::path(
    operation_id = "delete_phenomenon",
    tag = "phenomena",
    params(("id" = Uuid, Path, description = "Report id"), IfMatchRequired),
    responses((status = 204, description = "Deleted"), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/api/v1/phenomena/{id}")]
pub async fn delete(mut cx: Cx<'static>, id: web::Path<Uuid>, if_match: IfMatch) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let result = phenomena::delete(&mut cx, id, if_match).await;
    or_stale(result, async || current(&mut cx, id).await).await?;
    Ok(HttpResponse::NoContent().finish())
}
