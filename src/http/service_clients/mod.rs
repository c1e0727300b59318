//! `/api/v1/service-clients`: machine clients (platform administration).

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::db::Db;
use crate::domain::access::Scope;
use crate::domain::service_clients::{self, ServiceClient, WithSecret};
use crate::error::AppError;
use crate::http::common::{GetErrors, ListResponse, Listed, Tagged, WriteErrors, created, page_request};
use crate::http::identity::Caller;

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

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ServiceClientListParams {
    /// Only clients owned by this organisation.
    pub organization: Option<Uuid>,
    /// Page size, 1–200 (default 50; larger values are clamped).
    pub limit: Option<i64>,
    /// `meta.next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List service clients (platform admins).
#[utoipa::path(
    operation_id = "list_service_clients",
    tag = "service-clients",
    params(ServiceClientListParams),
    responses((status = 200, description = "A page of clients", body = ListResponse<ServiceClientView>), WriteErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/service-clients")]
pub async fn list(
    db: web::Data<Db>,
    caller: Caller,
    params: web::Query<ServiceClientListParams>,
) -> Result<Listed<ServiceClientView>, AppError> {
    let page = page_request(params.limit, params.cursor.as_deref())?;
    let mut conn = db.conn().await?;
    let actor = caller.actor(&mut conn).await?;
    let page = service_clients::list(&mut conn, &actor, params.organization, page).await?;
    Ok(Listed::from_page(page, ServiceClientView::from))
}

/// Read one service client (platform admins).
#[utoipa::path(
    operation_id = "get_service_client",
    tag = "service-clients",
    params(("id" = Uuid, Path, description = "Client id")),
    responses((status = 200, description = "The client", body = ServiceClientView, headers(("ETag" = String))), GetErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/service-clients/{id}")]
pub async fn get(db: web::Data<Db>, caller: Caller, id: web::Path<Uuid>) -> Result<Tagged, AppError> {
    let mut conn = db.conn().await?;
    let actor = caller.actor(&mut conn).await?;
    let client = service_clients::get(&mut conn, &actor, id.into_inner()).await?;
    let version = client.version;
    Tagged::versioned(&ServiceClientView::from(client), version)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Raportointityökalu", "organization_id": "01930000-0000-7000-8000-000000000004",
    "scopes": ["indicators:read", "directory:read"]}))]
pub struct ServiceClientCreate {
    pub name: String,
    /// The organisation that owns and answers for the client.
    pub organization_id: Uuid,
    #[serde(default)]
    pub scopes: Vec<Scope>,
}

/// Register a service client (platform admins). The response carries the secret, once.
#[utoipa::path(
    operation_id = "create_service_client",
    tag = "service-clients",
    request_body = ServiceClientCreate,
    responses((status = 201, description = "Created", body = ServiceClientWithSecret, headers(("Location" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/service-clients")]
pub async fn create(
    db: web::Data<Db>,
    caller: Caller,
    body: web::Json<ServiceClientCreate>,
) -> Result<HttpResponse, AppError> {
    let b = body.into_inner();
    let mut conn = db.conn().await?;
    let actor = caller.actor(&mut conn).await?;
    let made = service_clients::create(&mut conn, &actor, &b.name, b.organization_id, b.scopes).await?;
    let (id, version) = (made.client.id, made.client.version);
    Ok(created(format!("/api/v1/service-clients/{id}"), version, &ServiceClientWithSecret::from(made)))
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
pub async fn rotate(
    db: web::Data<Db>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<ServiceClientWithSecret>, AppError> {
    let mut conn = db.conn().await?;
    let actor = caller.actor(&mut conn).await?;
    Ok(web::Json(service_clients::rotate_secret(&mut conn, &actor, id.into_inner()).await?.into()))
}

/// Revoke a client (platform admins): its secret and outstanding tokens stop working.
#[utoipa::path(
    operation_id = "revoke_service_client",
    tag = "service-clients",
    params(("id" = Uuid, Path, description = "Client id")),
    responses((status = 204, description = "Revoked"), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/api/v1/service-clients/{id}")]
pub async fn revoke(db: web::Data<Db>, caller: Caller, id: web::Path<Uuid>) -> Result<HttpResponse, AppError> {
    let mut conn = db.conn().await?;
    let actor = caller.actor(&mut conn).await?;
    service_clients::revoke(&mut conn, &actor, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
