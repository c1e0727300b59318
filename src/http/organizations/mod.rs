//! `/api/v1/organizations`: the organisations that collaborate.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::db::Db;
use crate::domain::organizations::{self, NewOrganization, Organization, OrganizationKind, OrganizationQuery};
use crate::domain::types::localized::LocalizedText;
use crate::error::{AppError, Problem};
use crate::http::common::{
    GetErrors, IfMatch, ListErrors, ListResponse, Listed, Tagged, WriteErrors, created, page_request,
};
use crate::http::identity::Caller;

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01936f0e-5c4a-7b8e-9a51-3f0c2d1e4b6a",
    "name": {"fi": "Jyväskylän kaupunki", "sv": "Jyväskylä stad"},
    "kind": "municipality", "business_id": "0208201-1", "parent_id": null,
    "municipality_codes": ["179"], "wellbeing_county_code": "15",
    "description": {"fi": "Kaupungin hyvinvoinnin ja terveyden edistäminen."},
    "website": "https://www.example.fi", "email": "kirjaamo@example.fi", "phone": "+358 14 000 000",
    "external_ids": {"ptv": "3c5b1f2e-0000-4000-8000-000000000179"},
    "created_at": "2026-01-15T08:00:00Z", "updated_at": "2026-03-01T09:30:00Z", "version": 3}))]
pub struct OrganizationView {
    pub id: Uuid,
    pub name: LocalizedText,
    pub kind: OrganizationKind,
    /// Finnish business ID (Y-tunnus), unique when present.
    pub business_id: Option<String>,
    /// The organisation this one is part of (e.g. a health station of a county).
    pub parent_id: Option<Uuid>,
    /// Municipalities the organisation serves (three-digit codes).
    pub municipality_codes: Vec<String>,
    /// The wellbeing services county the organisation belongs to or serves (two-digit code).
    pub wellbeing_county_code: Option<String>,
    pub description: Option<LocalizedText>,
    pub website: Option<String>,
    /// Public e-mail of the organisation (registry office or role mailbox).
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Identifiers in outside registers, e.g. `{"ptv": "...", "lahella": "..."}`.
    pub external_ids: BTreeMap<String, String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Incremented by every change; the ETag is derived from it.
    pub version: i64,
}

impl From<Organization> for OrganizationView {
    fn from(o: Organization) -> Self {
        OrganizationView {
            id: o.id,
            name: o.name,
            kind: o.kind,
            business_id: o.business_id,
            parent_id: o.parent_id,
            municipality_codes: o.municipality_codes,
            wellbeing_county_code: o.wellbeing_county_code,
            description: o.description,
            website: o.website,
            email: o.email,
            phone: o.phone,
            external_ids: o.external_ids,
            created_at: o.created_at,
            updated_at: o.updated_at,
            version: o.version,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrganizationListParams {
    /// Only organisations of this kind.
    pub kind: Option<OrganizationKind>,
    /// Only organisations serving this municipality (three-digit code).
    #[param(example = "179")]
    pub municipality: Option<String>,
    /// Only organisations of this wellbeing services county (two-digit code).
    #[param(example = "15")]
    pub wellbeing_county: Option<String>,
    /// Only direct sub-organisations of this organisation.
    pub parent: Option<Uuid>,
    /// The organisation with this business ID (Y-tunnus); the check digit is validated.
    #[param(example = "0208201-1")]
    pub business_id: Option<String>,
    /// Words to look for in the Finnish and Swedish names; each word matches as a prefix.
    #[param(example = "tampe")]
    pub q: Option<String>,
    /// Only organisations changed at or after this instant (RFC 3339).
    pub updated_since: Option<DateTime<Utc>>,
    /// Page size, 1–200 (default 50; larger values are clamped).
    pub limit: Option<i64>,
    /// `meta.next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List organisations in creation order.
#[utoipa::path(
    operation_id = "list_organizations",
    tag = "organizations",
    params(OrganizationListParams),
    responses((status = 200, description = "A page of organisations", body = ListResponse<OrganizationView>), ListErrors)
)]
#[get("/api/v1/organizations")]
pub async fn list(
    db: web::Data<Db>,
    caller: Caller,
    params: web::Query<OrganizationListParams>,
) -> Result<Listed<OrganizationView>, AppError> {
    let params = params.into_inner();
    let page = page_request(params.limit, params.cursor.as_deref())?;
    let query = OrganizationQuery {
        kind: params.kind,
        municipality: params.municipality,
        wellbeing_county: params.wellbeing_county,
        parent: params.parent,
        business_id: params.business_id,
        q: params.q,
        updated_since: params.updated_since,
    };
    let mut conn = db.conn().await?;
    let actor = caller.actor(&mut conn).await?;
    let page = organizations::list(&mut conn, &actor, query, page).await?;
    Ok(Listed::from_page(page, OrganizationView::from))
}

/// Read one organisation.
#[utoipa::path(
    operation_id = "get_organization",
    tag = "organizations",
    params(
        ("id" = Uuid, Path, description = "Organisation id"),
        ("If-None-Match" = Option<String>, Header, description = "ETag of a copy you hold"),
    ),
    responses(
        (status = 200, description = "The organisation", body = OrganizationView,
         headers(("ETag" = String, description = "Entity tag derived from `version`"))),
        (status = 304, description = "Your copy is current"),
        GetErrors,
    )
)]
#[get("/api/v1/organizations/{id}")]
pub async fn get(db: web::Data<Db>, caller: Caller, id: web::Path<Uuid>) -> Result<Tagged, AppError> {
    let mut conn = db.conn().await?;
    let actor = caller.actor(&mut conn).await?;
    let organization = organizations::get(&mut conn, &actor, id.into_inner()).await?;
    let version = organization.version;
    Tagged::versioned(&OrganizationView::from(organization), version)
}

/// Create an organisation (platform admins).
#[utoipa::path(
    operation_id = "create_organization",
    tag = "organizations",
    request_body = NewOrganization,
    responses(
        (status = 201, description = "Created", body = OrganizationView,
         headers(("Location" = String), ("ETag" = String))),
        WriteErrors,
    ),
    security(("bearer" = []))
)]
#[post("/api/v1/organizations")]
pub async fn create(
    db: web::Data<Db>,
    caller: Caller,
    body: web::Json<NewOrganization>,
) -> Result<HttpResponse, AppError> {
    let new = NewOrganization { id: Uuid::now_v7(), ..body.into_inner() };
    let mut conn = db.conn().await?;
    let actor = caller.actor(&mut conn).await?;
    let org = organizations::create(&mut conn, &actor, new).await?;
    Ok(created(format!("/api/v1/organizations/{}", org.id), org.version, &OrganizationView::from(org)))
}

/// Update an organisation (its org admins, platform admins). `If-Match` is required.
#[utoipa::path(
    operation_id = "update_organization",
    tag = "organizations",
    params(
        ("id" = Uuid, Path, description = "Organisation id"),
        ("If-Match" = String, Header, description = "The ETag you last read"),
    ),
    request_body(content = NewOrganization, content_type = "application/merge-patch+json",
                 description = "JSON Merge Patch (RFC 7396): any of the fields; `null` clears an optional one"),
    responses(
        (status = 200, description = "Updated", body = OrganizationView, headers(("ETag" = String))),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
        WriteErrors,
    ),
    security(("bearer" = []))
)]
#[patch("/api/v1/organizations/{id}")]
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
    let org = organizations::update(&mut conn, &actor, id.into_inner(), expected, body.into_inner()).await?;
    let version = org.version;
    Tagged::versioned(&OrganizationView::from(org), version)
}

/// Delete an organisation (platform admins). Its memberships, contacts and clients go too;
/// an organisation with sub-organisations cannot be deleted.
#[utoipa::path(
    operation_id = "delete_organization",
    tag = "organizations",
    params(
        ("id" = Uuid, Path, description = "Organisation id"),
        ("If-Match" = Option<String>, Header, description = "Delete only if still at this ETag"),
    ),
    responses((status = 204, description = "Deleted"), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/api/v1/organizations/{id}")]
pub async fn delete(
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, AppError> {
    let expected = if_match.optional()?;
    let mut conn = db.conn().await?;
    let actor = caller.actor(&mut conn).await?;
    organizations::delete(&mut conn, &actor, id.into_inner(), expected).await?;
    Ok(HttpResponse::NoContent().finish())
}
