//! `/api/v1/organizations/{id}/contacts`: contact persons (yhdyshenkilöt).

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::db::Db;
use crate::domain::contacts::{self, Contact, ContactDetails, Visibility};
use crate::error::AppError;
use crate::http::common::{
    GetErrors, IfMatch, ListErrors, ListResponse, Listed, Tagged, WriteErrors, created, page_request,
};
use crate::http::identity::Caller;

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

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ContactListParams {
    /// Page size, 1–200 (default 50; larger values are clamped).
    pub limit: Option<i64>,
    /// `meta.next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List contacts: members see all of their organisation's contacts, everyone else the
/// public role contacts.
#[utoipa::path(
    operation_id = "list_contacts",
    tag = "contacts",
    params(("id" = Uuid, Path, description = "Organisation id"), ContactListParams),
    responses((status = 200, description = "A page of contacts", body = ListResponse<ContactView>), ListErrors)
)]
#[get("/api/v1/organizations/{id}/contacts")]
pub async fn list(
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Uuid>,
    params: web::Query<ContactListParams>,
) -> Result<Listed<ContactView>, AppError> {
    let page = page_request(params.limit, params.cursor.as_deref())?;
    let mut conn = db.conn().await?;
    let actor = caller.actor(&mut conn).await?;
    let page = contacts::list(&mut conn, &actor, id.into_inner(), page).await?;
    Ok(Listed::from_page(page, ContactView::from))
}

/// Read one contact.
#[utoipa::path(
    operation_id = "get_contact",
    tag = "contacts",
    params(("id" = Uuid, Path, description = "Organisation id"), ("contact_id" = Uuid, Path, description = "Contact id")),
    responses((status = 200, description = "The contact", body = ContactView, headers(("ETag" = String))), GetErrors)
)]
#[get("/api/v1/organizations/{id}/contacts/{contact_id}")]
pub async fn get(db: web::Data<Db>, caller: Caller, path: web::Path<(Uuid, Uuid)>) -> Result<Tagged, AppError> {
    let (org, id) = path.into_inner();
    let mut conn = db.conn().await?;
    let actor = caller.actor(&mut conn).await?;
    let contact = contacts::get(&mut conn, &actor, org, id).await?;
    let version = contact.version;
    Tagged::versioned(&ContactView::from(contact), version)
}

/// Add a contact (the organisation's coordinators and org admins, platform admins).
#[utoipa::path(
    operation_id = "create_contact",
    tag = "contacts",
    params(("id" = Uuid, Path, description = "Organisation id")),
    request_body = ContactDetails,
    responses((status = 201, description = "Created", body = ContactView, headers(("Location" = String), ("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/organizations/{id}/contacts")]
pub async fn create(
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<ContactDetails>,
) -> Result<HttpResponse, AppError> {
    let org = id.into_inner();
    let details = body.into_inner();
    let mut conn = db.conn().await?;
    let actor = caller.actor(&mut conn).await?;
    let contact = contacts::create(&mut conn, &actor, org, details).await?;
    Ok(created(
        format!("/api/v1/organizations/{org}/contacts/{}", contact.id),
        contact.version,
        &ContactView::from(contact),
    ))
}

/// Update a contact.
#[utoipa::path(
    operation_id = "update_contact",
    tag = "contacts",
    params(
        ("id" = Uuid, Path, description = "Organisation id"), ("contact_id" = Uuid, Path, description = "Contact id"),
        ("If-Match" = Option<String>, Header, description = "Change only if still at this ETag"),
    ),
    request_body(content = ContactDetails, content_type = "application/merge-patch+json",
                 description = "JSON Merge Patch (RFC 7396): any of the fields; `null` clears an optional one"),
    responses((status = 200, description = "Updated", body = ContactView), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/api/v1/organizations/{id}/contacts/{contact_id}")]
pub async fn update(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    body: web::Json<serde_json::Value>,
) -> Result<Tagged, AppError> {
    let (org, id) = path.into_inner();
    let expected = if_match.optional()?;
    let mut conn = db.conn().await?;
    let actor = caller.actor(&mut conn).await?;
    let contact = contacts::update(&mut conn, &actor, org, id, expected, body.into_inner()).await?;
    let version = contact.version;
    Tagged::versioned(&ContactView::from(contact), version)
}

/// Erase a contact (GDPR): personal data is removed from the contact and from the audit
/// log's snapshots; the contact remains as "erased" so references still resolve.
#[utoipa::path(
    operation_id = "erase_contact",
    tag = "contacts",
    params(
        ("id" = Uuid, Path, description = "Organisation id"), ("contact_id" = Uuid, Path, description = "Contact id"),
        ("If-Match" = Option<String>, Header, description = "Erase only if still at this ETag"),
    ),
    responses((status = 204, description = "Erased"), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/api/v1/organizations/{id}/contacts/{contact_id}")]
pub async fn erase(
    db: web::Data<Db>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
) -> Result<HttpResponse, AppError> {
    let (org, id) = path.into_inner();
    let expected = if_match.optional()?;
    let mut conn = db.conn().await?;
    let actor = caller.actor(&mut conn).await?;
    contacts::erase(&mut conn, &actor, org, id, expected).await?;
    Ok(HttpResponse::NoContent().finish())
}
