//! `/api/v1/webhooks`: an organisation's subscriptions to the change feed, and what was
//! delivered to each. Deliveries are POSTs of change items, signed with the subscription's
//! secret; `docs/WEBHOOKS.md` shows how to verify them.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::context::Cx;
use crate::domain::directory::DirectoryResource;
use crate::domain::types::pagination::ListQuery;
use crate::domain::types::precondition::IfMatch;
use crate::domain::webhooks::{self, Attempt, Delivery, DeliveryStatus, Webhook, WebhookFields, WebhookQuery};
use crate::error::AppError;
use crate::http::common::{
    Body, IfMatchRequired, ListResponse, Listed, Listing, ReadErrors, Tagged, Versioned, WriteErrors, created, or_stale,
};

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01938000-0000-7000-8000-0000000000a1", "organization_id": "01930000-0000-7000-8000-000000000004",
    "url": "https://partner.example/hook", "event_types": ["event_series", "venue"], "active": true,
    "disabled_reason": null, "disabled_at": null, "created_at": "2026-03-01T09:30:00Z",
    "updated_at": "2026-03-01T09:30:00Z", "version": 1}))]
pub struct WebhookView {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub url: String,
    pub event_types: Vec<DirectoryResource>,
    /// Deliveries are made. False after deliveries failed for a day (see `disabled_reason`)
    /// or when its keeper turned it off.
    pub active: bool,
    pub disabled_reason: Option<String>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl From<Webhook> for WebhookView {
    fn from(w: Webhook) -> Self {
        WebhookView {
            id: w.id,
            organization_id: w.organization_id,
            url: w.url,
            event_types: w.event_types,
            active: w.active,
            disabled_reason: w.disabled_reason,
            disabled_at: w.disabled_at,
            created_at: w.created_at,
            updated_at: w.updated_at,
            version: w.version,
        }
    }
}

impl Versioned for WebhookView {
    fn version(&self) -> i64 {
        self.version
    }
}

/// One batch of changes and its attempts.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01938000-0000-7000-8000-0000000000d1", "first_seq": 1040, "last_seq": 1042, "items": 3,
    "status": "delivered", "attempts": [{"at": "2026-03-01T09:30:01Z", "status_code": 503, "error": "answered 503", "duration_ms": 41},
    {"at": "2026-03-01T09:30:12Z", "status_code": 204, "error": null, "duration_ms": 38}],
    "next_attempt_at": null, "created_at": "2026-03-01T09:30:01Z", "delivered_at": "2026-03-01T09:30:12Z"}))]
pub struct DeliveryView {
    /// Also the `Yhdyspinta-Delivery` header: the same on every attempt.
    pub id: Uuid,
    /// The feed positions of its first and last change.
    pub first_seq: i64,
    pub last_seq: i64,
    /// Changes in it.
    pub items: usize,
    pub status: DeliveryStatus,
    pub attempts: Vec<Attempt>,
    /// When it is tried next, while pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> Self {
        DeliveryView {
            id: d.id,
            first_seq: d.first_seq,
            last_seq: d.last_seq,
            items: d.items,
            status: d.status,
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at,
            created_at: d.created_at,
            delivered_at: d.delivered_at,
        }
    }
}

/// List the subscriptions you keep: your organisations' as their org admin, or your own
/// organisation's as a service client with `webhooks:manage`.
#[utoipa::path(
    operation_id = "list_webhooks",
    tag = "webhooks",
    params(WebhookQuery, ListQuery),
    responses((status = 200, description = "A page of subscriptions", body = ListResponse<WebhookView>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/webhooks")]
pub async fn list(mut cx: Cx<'static>, query: Listing<WebhookQuery>) -> Result<Listed<WebhookView>, AppError> {
    let page = webhooks::list(&mut cx, query.filters, &query.list).await?;
    Ok(Listed::from_page(page, WebhookView::from))
}

/// Read one subscription (never its secret).
#[utoipa::path(
    operation_id = "get_webhook",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "Subscription id")),
    responses((status = 200, description = "The subscription", body = WebhookView, headers(("ETag" = String))),
              (status = 304, description = "Your copy is current"), ReadErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/webhooks/{id}")]
pub async fn get(mut cx: Cx<'static>, id: web::Path<Uuid>) -> Result<Tagged, AppError> {
    Tagged::of(&current(&mut cx, id.into_inner()).await?)
}

async fn current(cx: &mut Cx<'static>, id: Uuid) -> Result<WebhookView, AppError> {
    webhooks::get(cx, id).await.map(WebhookView::from)
}

/// Subscribe to the change feed. Deliveries start with the changes after this moment: read
/// the lists for what came before. The URL must be https and resolve to public addresses
/// (`YHDYSPINTA_WEBHOOK_ALLOW_HOSTS` names exceptions); redirects are not followed.
#[utoipa::path(
    operation_id = "create_webhook",
    tag = "webhooks",
    request_body = WebhookFields,
    responses((status = 201, description = "Created", body = WebhookView, headers(("Location" = String), ("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/webhooks")]
pub async fn create(mut cx: Cx<'static>, body: Body<WebhookFields>) -> Result<HttpResponse, AppError> {
    let made = WebhookView::from(webhooks::create(&mut cx, body.into_inner()).await?);
    Ok(created(format!("/api/v1/webhooks/{}", made.id), &made))
}

/// Change a subscription: its URL, types or secret (patch `secret` to rotate it), or turn it
/// back on with `active: true` after fixing what disabled it.
#[utoipa::path(
    operation_id = "update_webhook",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "Subscription id"), IfMatchRequired),
    request_body(content = WebhookFields, content_type = "application/merge-patch+json",
                 description = "JSON Merge Patch (RFC 7396): any of the fields"),
    responses((status = 200, description = "Updated", body = WebhookView, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/api/v1/webhooks/{id}")]
pub async fn update(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<serde_json::Value>,
) -> Result<Tagged, AppError> {
    let id = id.into_inner();
    let result = webhooks::update(&mut cx, id, if_match, body.into_inner()).await;
    Tagged::of(&WebhookView::from(or_stale(result, async || current(&mut cx, id).await).await?))
}

/// Delete a subscription with its deliveries.
#[utoipa::path(
    operation_id = "delete_webhook",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "Subscription id"), IfMatchRequired),
    responses((status = 204, description = "Deleted"), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/api/v1/webhooks/{id}")]
pub async fn delete(mut cx: Cx<'static>, id: web::Path<Uuid>, if_match: IfMatch) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let result = webhooks::delete(&mut cx, id, if_match).await;
    or_stale(result, async || current(&mut cx, id).await).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// What was delivered, newest first: each batch with its attempts, the receiver's status
/// codes and errors (never the response bodies).
#[utoipa::path(
    operation_id = "list_webhook_deliveries",
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "Subscription id"), ListQuery),
    responses((status = 200, description = "A page of deliveries", body = ListResponse<DeliveryView>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/webhooks/{id}/deliveries")]
pub async fn deliveries(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    paging: web::Query<ListQuery>,
) -> Result<Listed<DeliveryView>, AppError> {
    let page = webhooks::deliveries(&mut cx, id.into_inner(), &paging).await?;
    Ok(Listed::from_page(page, DeliveryView::from))
}
