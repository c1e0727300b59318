//! `/api/v1/organizations/{id}/contacts`: contact persons (yhdyshenkilöt).

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::contacts::{self, Contact, ContactFields, Visibility};
use crate::domain::context::Cx;
use crate::domain::types::pagination::ListQuery;
use crate::domain::types::precondition::IfMatch;
use crate::error::AppError;
use crate::http::common::IfMatchRequired;
use crate::http::common::{
    Body, ListResponse, Listed, Listing, NoFilters, ReadErrors, Tagged, Versioned, WriteErrors, created, or_stale,
};

/// A contact person. An erased contact keeps its id and reads `erased: true` with no
/// personal data.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01937b00-0000-7000-8000-000000000001",
    "organization_id": "01930000-0000-7000-8000-00000000000c", "name": "Aino Esimerkki",
    "title": "Toiminnanjohtaja", "email": "aino@seniorikammari.example", "phone": "+358 40 000 0001",
    "topics": ["ngo-collaboration", "premises"], "languages": ["fi", "sv"], "user_id": null,
    "visibility": "members", "erased": false,
    "created_at": "2026-02-01T08:00:00Z", "updated_at": "2026-02-01T08:00:00Z", "version": 1}))]
pub struct ContactView {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: Option<String>,
    pub title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Free tags such as `ngo-collaboration` or `premises`.
    pub topics: Vec<String>,
    /// Languages the person serves in (e.g. `fi`, `sv`, `en`).
    pub languages: Vec<String>,
    /// The person's user account, if they have one.
    pub user_id: Option<Uuid>,
    pub visibility: Visibility,
    pub erased: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl From<Contact> for ContactView {
    fn from(c: Contact) -> Self {
        ContactView {
            id: c.id,
            organization_id: c.organization_id,
            name: c.name,
            title: c.title,
            email: c.email,
            phone: c.phone,
            topics: c.topics,
            languages: c.languages,
            user_id: c.user_id,
            visibility: c.visibility,
            erased: c.erased_at.is_some(),
            created_at: c.created_at,
            updated_at: c.updated_at,
            version: c.version,
        }
    }
}

impl Versioned for ContactView {
    fn version(&self) -> i64 {
        self.version
    }
}

/// List contacts: members see all of their organisation's contacts, everyone else the
/// public role contacts.
#[utoipa::path(
    operation_id = "list_contacts",
    tag = "contacts",
    params(("id" = Uuid, Path, description = "Organisation id"), ListQuery),
    responses((status = 200, description = "A page of contacts", body = ListResponse<ContactView>), ReadErrors),
    security((), ("bearer" = []), ("oauth2" = ["contacts:read"]))
)]
#[get("/api/v1/organizations/{id}/contacts")]
pub async fn list(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    query: Listing<NoFilters>,
) -> Result<Listed<ContactView>, AppError> {
    let page = contacts::list(&mut cx, id.into_inner(), &query.list).await?;
    Ok(Listed::from_page(page, ContactView::from))
}

/// Read one contact.
#[utoipa::path(
    operation_id = "get_contact",
    tag = "contacts",
    params(("id" = Uuid, Path, description = "Organisation id"), ("contact_id" = Uuid, Path, description = "Contact id")),
    responses((status = 200, description = "The contact", body = ContactView, headers(("ETag" = String))),
              (status = 304, description = "Your copy is current"), ReadErrors),
    security((), ("bearer" = []), ("oauth2" = ["contacts:read"]))
)]
#[get("/api/v1/organizations/{id}/contacts/{contact_id}")]
pub async fn get(mut cx: Cx<'static>, path: web::Path<(Uuid, Uuid)>) -> Result<Tagged, AppError> {
    let (org, id) = path.into_inner();
    Tagged::of(&current(&mut cx, org, id).await?)
}

async fn current(cx: &mut Cx<'static>, org: Uuid, id: Uuid) -> Result<ContactView, AppError> {
    contacts::get(cx, org, id).await.map(ContactView::from)
}

/// Add a contact (the organisation's coordinators and org admins, platform admins).
#[utoipa::path(
    operation_id = "create_contact",
    tag = "contacts",
    params(("id" = Uuid, Path, description = "Organisation id")),
    request_body = ContactFields,
    responses((status = 201, description = "Created", body = ContactView, headers(("Location" = String), ("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/organizations/{id}/contacts")]
pub async fn create(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    body: Body<ContactFields>,
) -> Result<HttpResponse, AppError> {
    let org = id.into_inner();
    let view = ContactView::from(contacts::create(&mut cx, org, body.into_inner()).await?);
    Ok(created(format!("/api/v1/organizations/{org}/contacts/{}", view.id), &view))
}

/// Update a contact.
#[utoipa::path(
    operation_id = "update_contact",
    tag = "contacts",
    params(
        ("id" = Uuid, Path, description = "Organisation id"), ("contact_id" = Uuid, Path, description = "Contact id"),
        IfMatchRequired,
    ),
    request_body(content = ContactFields, content_type = "application/merge-patch+json",
                 description = "JSON Merge Patch (RFC 7396): any of the fields; `null` clears an optional one"),
    responses((status = 200, description = "Updated", body = ContactView, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/api/v1/organizations/{id}/contacts/{contact_id}")]
pub async fn update(
    mut cx: Cx<'static>,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    body: web::Json<serde_json::Value>,
) -> Result<Tagged, AppError> {
    let (org, id) = path.into_inner();
    let result = contacts::update(&mut cx, org, id, if_match, body.into_inner()).await;
    Tagged::of(&ContactView::from(or_stale(result, async || current(&mut cx, org, id).await).await?))
}

/// Erase a contact (GDPR): personal data is removed from the contact and from the audit
/// log's snapshots; the contact remains as "erased" so references still resolve.
#[utoipa::path(
    operation_id = "erase_contact",
    tag = "contacts",
    params(
        ("id" = Uuid, Path, description = "Organisation id"), ("contact_id" = Uuid, Path, description = "Contact id"),
        IfMatchRequired,
    ),
    responses((status = 204, description = "Erased"), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/api/v1/organizations/{id}/contacts/{contact_id}")]
pub async fn erase(
    mut cx: Cx<'static>,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
) -> Result<HttpResponse, AppError> {
    let (org, id) = path.into_inner();
    let result = contacts::erase(&mut cx, org, id, if_match).await;
    or_stale(result, async || current(&mut cx, org, id).await).await?;
    Ok(HttpResponse::NoContent().finish())
}
