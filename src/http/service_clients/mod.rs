//! `/api/v1/service-clients`: machine clients (platform administration).

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::access::Scope;
use crate::domain::context::Cx;
use crate::domain::service_clients::{self, ServiceClient, ServiceClientFields, ServiceClientQuery, WithSecret};
use crate::domain::types::pagination::ListQuery;
use crate::domain::types::precondition::IfMatch;
use crate::error::AppError;
use crate::http::common::IfMatchRequired;
use crate::http::common::{
    Body, ListResponse, Listed, Listing, ReadErrors, Tagged, Versioned, WriteErrors, created, or_stale,
};

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01937c00-0000-7000-8000-000000000001", "name": "Raportointityökalu",
    "organization_id": "01930000-0000-7000-8000-000000000004", "scopes": ["indicators:read"],
    "revoked": false, "created_at": "2026-02-01T08:00:00Z", "updated_at": "2026-02-01T08:00:00Z", "version": 1}))]
pub struct ServiceClientView {
    /// Also the `client_id` of the `client_credentials` grant.
    pub id: Uuid,
    pub name: String,
    pub organization_id: Uuid,
    pub scopes: Vec<Scope>,
    pub revoked: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl From<ServiceClient> for ServiceClientView {
    fn from(c: ServiceClient) -> Self {
        ServiceClientView {
            id: c.id,
            name: c.name,
            organization_id: c.organization_id,
            scopes: c.scopes,
            revoked: c.revoked_at.is_some(),
            created_at: c.created_at,
            updated_at: c.updated_at,
            version: c.version,
        }
    }
}

/// A client with its secret, which is shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceClientWithSecret {
    #[serde(flatten)]
    pub client: ServiceClientView,
    /// Use as `client_secret`; store it now, it cannot be read again.
    pub client_secret: String,
}

impl From<WithSecret> for ServiceClientWithSecret {
    fn from(w: WithSecret) -> Self {
        ServiceClientWithSecret { client: w.client.into(), client_secret: w.secret }
    }
}

impl Versioned for ServiceClientView {
    fn version(&self) -> i64 {
        self.version
    }
}

impl Versioned for ServiceClientWithSecret {
    fn version(&self) -> i64 {
        self.client.version
    }
}

/// List service clients (platform admins).
#[utoipa::path(
    operation_id = "list_service_clients",
    tag = "service-clients",
    params(ServiceClientQuery, ListQuery),
    responses((status = 200, description = "A page of clients", body = ListResponse<ServiceClientView>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/service-clients")]
pub async fn list(
    mut cx: Cx<'static>,
    query: Listing<ServiceClientQuery>,
) -> Result<Listed<ServiceClientView>, AppError> {
    let page = service_clients::list(&mut cx, query.filters, &query.list).await?;
    Ok(Listed::from_page(page, ServiceClientView::from))
}

/// Read one service client (platform admins).
#[utoipa::path(
    operation_id = "get_service_client",
    tag = "service-clients",
    params(("id" = Uuid, Path, description = "Client id")),
    responses((status = 200, description = "The client", body = ServiceClientView, headers(("ETag" = String))),
              (status = 304, description = "Your copy is current"), ReadErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/service-clients/{id}")]
pub async fn get(mut cx: Cx<'static>, id: web::Path<Uuid>) -> Result<Tagged, AppError> {
    Tagged::of(&current(&mut cx, id.into_inner()).await?)
}

async fn current(cx: &mut Cx<'static>, id: Uuid) -> Result<ServiceClientView, AppError> {
    service_clients::get(cx, id).await.map(ServiceClientView::from)
}

/// Register a service client (platform admins). The response carries the secret, once.
#[utoipa::path(
    operation_id = "create_service_client",
    tag = "service-clients",
    request_body = ServiceClientFields,
    responses((status = 201, description = "Created", body = ServiceClientWithSecret, headers(("Location" = String), ("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/service-clients")]
pub async fn create(mut cx: Cx<'static>, body: Body<ServiceClientFields>) -> Result<HttpResponse, AppError> {
    let made = ServiceClientWithSecret::from(service_clients::create(&mut cx, body.into_inner()).await?);
    Ok(created(format!("/api/v1/service-clients/{}", made.client.id), &made))
}

/// Replace the client's secret (platform admins); the old secret stops working at once.
#[utoipa::path(
    operation_id = "rotate_service_client_secret",
    tag = "service-clients",
    params(("id" = Uuid, Path, description = "Client id")),
    responses((status = 200, description = "The new secret", body = ServiceClientWithSecret), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/service-clients/{id}/secret")]
pub async fn rotate(mut cx: Cx<'static>, id: web::Path<Uuid>) -> Result<web::Json<ServiceClientWithSecret>, AppError> {
    Ok(web::Json(service_clients::rotate_secret(&mut cx, id.into_inner()).await?.into()))
}

/// Revoke a client (platform admins): its secret and outstanding tokens stop working.
#[utoipa::path(
    operation_id = "revoke_service_client",
    tag = "service-clients",
    params(("id" = Uuid, Path, description = "Client id"),
           IfMatchRequired),
    responses((status = 204, description = "Revoked"), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/api/v1/service-clients/{id}")]
pub async fn revoke(mut cx: Cx<'static>, id: web::Path<Uuid>, if_match: IfMatch) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let result = service_clients::revoke(&mut cx, id, if_match).await;
    or_stale(result, async || current(&mut cx, id).await).await?;
    Ok(HttpResponse::NoContent().finish())
}
