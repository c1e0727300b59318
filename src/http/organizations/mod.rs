//! `/api/v1/organizations`: the organisations that collaborate.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::context::Cx;
use crate::domain::organizations::{self, Organization, OrganizationFields, OrganizationKind, OrganizationQuery};
use crate::domain::types::localized::LocalizedText;
use crate::domain::types::pagination::ListQuery;
use crate::domain::types::precondition::IfMatch;
use crate::error::AppError;
use crate::http::common::IfMatchRequired;
use crate::http::common::{
    Body, ListResponse, Listed, Listing, ReadErrors, Tagged, Versioned, WriteErrors, created, or_stale,
};

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
    #[serde(serialize_with = "crate::http::common::timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::http::common::timestamp")]
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

impl Versioned for OrganizationView {
    fn version(&self) -> i64 {
        self.version
    }
}

/// List organisations in creation order.
#[utoipa::path(
    operation_id = "list_organizations",
    tag = "organizations",
    params(OrganizationQuery, ListQuery),
    responses((status = 200, description = "A page of organisations", body = ListResponse<OrganizationView>), ReadErrors),
    security((), ("bearer" = []))
)]
#[get("/api/v1/organizations")]
pub async fn list(
    mut cx: Cx<'static>,
    query: Listing<OrganizationQuery>,
) -> Result<Listed<OrganizationView>, AppError> {
    let page = organizations::list(&mut cx, query.filters, &query.list).await?;
    Ok(Listed::from_page(page, OrganizationView::from))
}

/// Read one organisation.
#[utoipa::path(
    operation_id = "get_organization",
    tag = "organizations",
    params(
        ("id" = Uuid, Path, description = "Organisation id"),
    ),
    responses(
        (status = 200, description = "The organisation", body = OrganizationView,
         headers(("ETag" = String, description = "Entity tag derived from `version`"))),
        (status = 304, description = "Your copy is current"),
        ReadErrors,
    ),
    security((), ("bearer" = []))
)]
#[get("/api/v1/organizations/{id}")]
pub async fn get(mut cx: Cx<'static>, id: web::Path<Uuid>) -> Result<Tagged, AppError> {
    Tagged::of(&current(&mut cx, id.into_inner()).await?)
}

async fn current(cx: &mut Cx<'static>, id: Uuid) -> Result<OrganizationView, AppError> {
    organizations::get(cx, id).await.map(OrganizationView::from)
}

/// Create an organisation (platform admins).
#[utoipa::path(
    operation_id = "create_organization",
    tag = "organizations",
    request_body = OrganizationFields,
    responses(
        (status = 201, description = "Created", body = OrganizationView,
         headers(("Location" = String), ("ETag" = String))),
        WriteErrors,
    ),
    security(("bearer" = []))
)]
#[post("/api/v1/organizations")]
pub async fn create(mut cx: Cx<'static>, body: Body<OrganizationFields>) -> Result<HttpResponse, AppError> {
    let view = OrganizationView::from(organizations::create(&mut cx, body.into_inner()).await?);
    Ok(created(format!("/api/v1/organizations/{}", view.id), &view))
}

/// Update an organisation (its org admins, platform admins). `If-Match` is required.
#[utoipa::path(
    operation_id = "update_organization",
    tag = "organizations",
    params(
        ("id" = Uuid, Path, description = "Organisation id"),
        IfMatchRequired,
    ),
    request_body(content = OrganizationFields, content_type = "application/merge-patch+json",
                 description = "JSON Merge Patch (RFC 7396): any of the fields; `null` clears an optional one"),
    responses((status = 200, description = "Updated", body = OrganizationView, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/api/v1/organizations/{id}")]
pub async fn update(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<serde_json::Value>,
) -> Result<Tagged, AppError> {
    let id = id.into_inner();
    let result = organizations::update(&mut cx, id, if_match, body.into_inner()).await;
    Tagged::of(&OrganizationView::from(or_stale(result, async || current(&mut cx, id).await).await?))
}

/// Delete an organisation (platform admins). Its memberships, contacts and clients go too;
/// an organisation with sub-organisations cannot be deleted.
#[utoipa::path(
    operation_id = "delete_organization",
    tag = "organizations",
    params(
        ("id" = Uuid, Path, description = "Organisation id"),
        IfMatchRequired,
    ),
    responses((status = 204, description = "Deleted"), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/api/v1/organizations/{id}")]
pub async fn delete(mut cx: Cx<'static>, id: web::Path<Uuid>, if_match: IfMatch) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let result = organizations::delete(&mut cx, id, if_match).await;
    or_stale(result, async || current(&mut cx, id).await).await?;
    Ok(HttpResponse::NoContent().finish())
}
