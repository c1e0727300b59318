//! `/api/v1/actions`: follow-up actions of meetings and workshops, in one list.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::access::AcceptanceInput;
use crate::domain::actions::{self, Action, ActionFields, ActionQuery};
use crate::domain::context::Cx;
use crate::domain::types::pagination::ListQuery;
use crate::domain::types::precondition::IfMatch;
use crate::error::AppError;
use crate::http::common::{
    Body, IfMatchRequired, ListResponse, Listed, Listing, ReadErrors, Tagged, Versioned, WriteErrors, or_stale,
};

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01938000-0000-7000-8000-0000000000e1", "meeting_id": "01938000-0000-7000-8000-0000000000f1",
    "workshop_id": null, "description": {"fi": "Kootaan kohtaamispaikkojen kalenteri."},
    "responsible_organization_id": "01930000-0000-7000-8000-000000000002", "contact_id": null, "due_date": "2027-02-01",
    "status": "open", "agreement_id": null, "event_series_id": null, "indicator_id": null,
    "accepted": true, "created_at": "2026-12-03T14:00:00Z", "updated_at": "2026-12-03T14:00:00Z", "version": 1}))]
pub struct ActionView {
    pub id: Uuid,
    /// The meeting that decided it, or
    pub meeting_id: Option<Uuid>,
    /// the workshop that set it.
    pub workshop_id: Option<Uuid>,
    #[serde(flatten)]
    pub fields: ActionFields,
    /// The responsible organisation has taken it on.
    pub accepted: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl From<Action> for ActionView {
    fn from(a: Action) -> Self {
        ActionView {
            id: a.id,
            meeting_id: a.meeting_id,
            workshop_id: a.workshop_id,
            fields: a.fields,
            accepted: a.accepted,
            created_at: a.created_at,
            updated_at: a.updated_at,
            version: a.version,
        }
    }
}

impl Versioned for ActionView {
    fn version(&self) -> i64 {
        self.version
    }
}

/// Actions your organisations host (as network members, agreement parties, workshop
/// organisations) or are responsible for, filtered by the responsible organisation, status,
/// being overdue, the meeting or the workshop.
#[utoipa::path(
    operation_id = "list_actions",
    tag = "actions",
    params(ActionQuery, ListQuery),
    responses((status = 200, description = "A page of actions", body = ListResponse<ActionView>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/actions")]
pub async fn list(mut cx: Cx<'static>, query: Listing<ActionQuery>) -> Result<Listed<ActionView>, AppError> {
    let page = actions::list(&mut cx, query.filters, &query.list).await?;
    Ok(Listed::from_page(page, ActionView::from))
}

/// Read one action.
#[utoipa::path(
    operation_id = "get_action",
    tag = "actions",
    params(("id" = Uuid, Path, description = "Action id")),
    responses((status = 200, description = "The action", body = ActionView, headers(("ETag" = String))),
              (status = 304, description = "Your copy is current"), ReadErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/actions/{id}")]
pub async fn get(mut cx: Cx<'static>, id: web::Path<Uuid>) -> Result<Tagged, AppError> {
    Tagged::of(&current(&mut cx, id.into_inner()).await?)
}

async fn current(cx: &mut Cx<'static>, id: Uuid) -> Result<ActionView, AppError> {
    actions::get(cx, id).await.map(ActionView::from)
}

/// Change an action: the host's coordinators anything; the responsible organisation's
/// coordinators, once it has accepted, its status and contact.
#[utoipa::path(
    operation_id = "update_action",
    tag = "actions",
    params(("id" = Uuid, Path, description = "Action id"), IfMatchRequired),
    request_body(content = ActionFields, content_type = "application/merge-patch+json",
                 description = "JSON Merge Patch (RFC 7396): any of the fields"),
    responses((status = 200, description = "Updated", body = ActionView, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/api/v1/actions/{id}")]
pub async fn update(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<serde_json::Value>,
) -> Result<Tagged, AppError> {
    let id = id.into_inner();
    let result = actions::update(&mut cx, id, if_match, body.into_inner()).await;
    Tagged::of(&ActionView::from(or_stale(result, async || current(&mut cx, id).await).await?))
}

/// Take the action on for the responsible organisation (its coordinators).
#[utoipa::path(
    operation_id = "accept_action",
    tag = "actions",
    params(("id" = Uuid, Path, description = "Action id"), IfMatchRequired),
    request_body = AcceptanceInput,
    responses((status = 200, description = "Accepted", body = ActionView, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/actions/{id}/acceptances")]
pub async fn accept(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Body<AcceptanceInput>,
) -> Result<Tagged, AppError> {
    let id = id.into_inner();
    let result = actions::accept(&mut cx, id, body.into_inner().organization_id, if_match).await;
    Tagged::of(&ActionView::from(or_stale(result, async || current(&mut cx, id).await).await?))
}

/// Delete an action (the host's coordinators).
#[utoipa::path(
    operation_id = "delete_action",
    tag = "actions",
    params(("id" = Uuid, Path, description = "Action id"), IfMatchRequired),
    responses((status = 204, description = "Deleted"), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/api/v1/actions/{id}")]
pub async fn delete(mut cx: Cx<'static>, id: web::Path<Uuid>, if_match: IfMatch) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let result = actions::delete(&mut cx, id, if_match).await;
    or_stale(result, async || current(&mut cx, id).await).await?;
    Ok(HttpResponse::NoContent().finish())
}
