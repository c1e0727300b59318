//! `/api/v1/workshops`: workshops, their challenges and votes, actions and artefacts.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::access::AcceptanceInput;
use crate::domain::actions::{ActionFields, ActionQuery};
use crate::domain::context::Cx;
use crate::domain::types::pagination::{ListQuery, Page};
use crate::domain::types::precondition::IfMatch;
use crate::domain::workshops::artefacts::{self, Artefact, ArtefactFields};
use crate::domain::workshops::challenges::{self, Challenge, ChallengeFields, ChallengeQuery};
use crate::domain::workshops::{self, Workshop, WorkshopFields, WorkshopOrganization, WorkshopQuery};
use crate::error::AppError;
use crate::http::actions::ActionView;
use crate::http::common::{
    Body, IfMatchRequired, ListResponse, Listed, Listing, NoFilters, ReadErrors, Tagged, Versioned, WriteErrors,
    created, or_stale,
};

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01938000-0000-7000-8000-0000000000a6", "kind": "waste_workshop",
    "title": {"fi": "Hukkapaja"}, "description": null, "date": "2026-11-01", "venue_id": null, "network_id": null,
    "follows_workshop_id": null, "phenomenon_ids": [], "client_cases": [], "votes_per_person": 3,
    "organizer_ids": ["01930000-0000-7000-8000-000000000002"],
    "participant_organization_ids": ["01930000-0000-7000-8000-000000000003"],
    "organizations": [{"organization_id": "01930000-0000-7000-8000-000000000002", "role": "organizer", "accepted": true},
                      {"organization_id": "01930000-0000-7000-8000-000000000003", "role": "participant", "accepted": false}],
    "created_at": "2026-10-20T09:30:00Z", "updated_at": "2026-10-20T09:30:00Z", "version": 1}))]
pub struct WorkshopView {
    pub id: Uuid,
    #[serde(flatten)]
    pub fields: WorkshopFields,
    /// The listed organisations; `accepted: false` ones are named, not yet taking part.
    pub organizations: Vec<WorkshopOrganization>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl From<Workshop> for WorkshopView {
    fn from(w: Workshop) -> Self {
        WorkshopView {
            id: w.id,
            fields: w.fields,
            organizations: w.organizations,
            created_at: w.created_at,
            updated_at: w.updated_at,
            version: w.version,
        }
    }
}

impl Versioned for WorkshopView {
    fn version(&self) -> i64 {
        self.version
    }
}

impl Versioned for Challenge {
    fn version(&self) -> i64 {
        self.version
    }
}

impl Versioned for Artefact {
    fn version(&self) -> i64 {
        self.version
    }
}

/// Workshops your organisations are listed in, or held in networks they belong to.
#[utoipa::path(
    operation_id = "list_workshops",
    tag = "workshops",
    params(WorkshopQuery, ListQuery),
    responses((status = 200, description = "A page of workshops", body = ListResponse<WorkshopView>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/workshops")]
pub async fn list(mut cx: Cx<'static>, query: Listing<WorkshopQuery>) -> Result<Listed<WorkshopView>, AppError> {
    let page = workshops::list(&mut cx, query.filters, &query.list).await?;
    Ok(Listed::from_page(page, WorkshopView::from))
}

/// Read one workshop (its organisations and its network's members).
#[utoipa::path(
    operation_id = "get_workshop",
    tag = "workshops",
    params(("id" = Uuid, Path, description = "Workshop id")),
    responses((status = 200, description = "The workshop", body = WorkshopView, headers(("ETag" = String))),
              (status = 304, description = "Your copy is current"), ReadErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/workshops/{id}")]
pub async fn get(mut cx: Cx<'static>, id: web::Path<Uuid>) -> Result<Tagged, AppError> {
    Tagged::of(&current(&mut cx, id.into_inner()).await?)
}

async fn current(cx: &mut Cx<'static>, id: Uuid) -> Result<WorkshopView, AppError> {
    workshops::get(cx, id).await.map(WorkshopView::from)
}

/// Hold a workshop; you coordinate one of its organisers. Listed organisations take their
/// place when their own coordinators accept.
#[utoipa::path(
    operation_id = "create_workshop",
    tag = "workshops",
    request_body = WorkshopFields,
    responses((status = 201, description = "Created", body = WorkshopView, headers(("Location" = String), ("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/workshops")]
pub async fn create(mut cx: Cx<'static>, body: Body<WorkshopFields>) -> Result<HttpResponse, AppError> {
    let made = WorkshopView::from(workshops::create(&mut cx, body.into_inner()).await?);
    Ok(created(format!("/api/v1/workshops/{}", made.id), &made))
}

/// Change a workshop (coordinators of organisers that accepted).
#[utoipa::path(
    operation_id = "update_workshop",
    tag = "workshops",
    params(("id" = Uuid, Path, description = "Workshop id"), IfMatchRequired),
    request_body(content = WorkshopFields, content_type = "application/merge-patch+json",
                 description = "JSON Merge Patch (RFC 7396): any of the fields"),
    responses((status = 200, description = "Updated", body = WorkshopView, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/api/v1/workshops/{id}")]
pub async fn update(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<serde_json::Value>,
) -> Result<Tagged, AppError> {
    let id = id.into_inner();
    let result = workshops::update(&mut cx, id, if_match, body.into_inner()).await;
    Tagged::of(&WorkshopView::from(or_stale(result, async || current(&mut cx, id).await).await?))
}

/// Take your organisation's listed place as an organiser or a participant (its coordinators).
#[utoipa::path(
    operation_id = "accept_workshop",
    tag = "workshops",
    params(("id" = Uuid, Path, description = "Workshop id"), IfMatchRequired),
    request_body = AcceptanceInput,
    responses((status = 200, description = "Accepted", body = WorkshopView, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/workshops/{id}/acceptances")]
pub async fn accept(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Body<AcceptanceInput>,
) -> Result<Tagged, AppError> {
    let id = id.into_inner();
    let result = workshops::accept(&mut cx, id, body.into_inner().organization_id, if_match).await;
    Tagged::of(&WorkshopView::from(or_stale(result, async || current(&mut cx, id).await).await?))
}

/// Delete a workshop with its challenges, votes, actions and artefacts.
#[utoipa::path(
    operation_id = "delete_workshop",
    tag = "workshops",
    params(("id" = Uuid, Path, description = "Workshop id"), IfMatchRequired),
    responses((status = 204, description = "Deleted"), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/api/v1/workshops/{id}")]
pub async fn delete(mut cx: Cx<'static>, id: web::Path<Uuid>, if_match: IfMatch) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let result = workshops::delete(&mut cx, id, if_match).await;
    or_stale(result, async || current(&mut cx, id).await).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// All of a workshop's challenges (at most 200), in the order named or, with `sort=votes`, the
/// prioritised list: most votes first.
#[utoipa::path(
    operation_id = "list_workshop_challenges",
    tag = "workshops",
    params(("id" = Uuid, Path, description = "Workshop id"), ChallengeQuery),
    responses((status = 200, description = "The challenges", body = ListResponse<Challenge>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/workshops/{id}/challenges")]
pub async fn list_challenges(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    query: web::Query<ChallengeQuery>,
) -> Result<Listed<Challenge>, AppError> {
    let all = challenges::list(&mut cx, id.into_inner(), query.into_inner()).await?;
    let limit = all.len() as i64;
    Ok(Listed::from_page(Page::<Challenge, Uuid> { items: all, next: None, limit }, |c| c))
}

/// Name a challenge (people of organisations that accepted; marking it prioritised is the
/// organisers').
#[utoipa::path(
    operation_id = "create_workshop_challenge",
    tag = "workshops",
    params(("id" = Uuid, Path, description = "Workshop id")),
    request_body = ChallengeFields,
    responses((status = 201, description = "Named", body = Challenge, headers(("Location" = String), ("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/workshops/{id}/challenges")]
pub async fn create_challenge(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    body: Body<ChallengeFields>,
) -> Result<HttpResponse, AppError> {
    let c = challenges::create(&mut cx, id.into_inner(), body.into_inner()).await?;
    Ok(created(format!("/api/v1/workshops/{}/challenges/{}", c.workshop_id, c.id), &c))
}

/// Read one challenge with its votes.
#[utoipa::path(
    operation_id = "get_workshop_challenge",
    tag = "workshops",
    params(("id" = Uuid, Path, description = "Workshop id"), ("challenge_id" = Uuid, Path, description = "Challenge id")),
    responses((status = 200, description = "The challenge", body = Challenge, headers(("ETag" = String))), ReadErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/workshops/{id}/challenges/{challenge_id}")]
pub async fn get_challenge(mut cx: Cx<'static>, path: web::Path<(Uuid, Uuid)>) -> Result<Tagged, AppError> {
    let (id, challenge) = path.into_inner();
    Tagged::of(&challenges::get(&mut cx, id, challenge).await?)
}

/// Change a challenge or mark it prioritised (coordinators of organisers that accepted).
#[utoipa::path(
    operation_id = "update_workshop_challenge",
    tag = "workshops",
    params(("id" = Uuid, Path, description = "Workshop id"), ("challenge_id" = Uuid, Path, description = "Challenge id"), IfMatchRequired),
    request_body(content = ChallengeFields, content_type = "application/merge-patch+json",
                 description = "JSON Merge Patch (RFC 7396): any of the fields"),
    responses((status = 200, description = "Updated", body = Challenge, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/api/v1/workshops/{id}/challenges/{challenge_id}")]
pub async fn update_challenge(
    mut cx: Cx<'static>,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    body: web::Json<serde_json::Value>,
) -> Result<Tagged, AppError> {
    let (id, challenge) = path.into_inner();
    let result = challenges::update(&mut cx, id, challenge, if_match, body.into_inner()).await;
    Tagged::of(&or_stale(result, async || challenges::get(&mut cx, id, challenge).await).await?)
}

/// Delete a challenge with its votes.
#[utoipa::path(
    operation_id = "delete_workshop_challenge",
    tag = "workshops",
    params(("id" = Uuid, Path, description = "Workshop id"), ("challenge_id" = Uuid, Path, description = "Challenge id"), IfMatchRequired),
    responses((status = 204, description = "Deleted"), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/api/v1/workshops/{id}/challenges/{challenge_id}")]
pub async fn delete_challenge(
    mut cx: Cx<'static>,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
) -> Result<HttpResponse, AppError> {
    let (id, challenge) = path.into_inner();
    let result = challenges::delete(&mut cx, id, challenge, if_match).await;
    or_stale(result, async || challenges::get(&mut cx, id, challenge).await).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Vote for a challenge as yourself: once per challenge, at most the workshop's
/// `votes_per_person` in all (409 otherwise).
#[utoipa::path(
    operation_id = "vote_workshop_challenge",
    tag = "workshops",
    params(("id" = Uuid, Path, description = "Workshop id"), ("challenge_id" = Uuid, Path, description = "Challenge id")),
    responses((status = 200, description = "Voted: the challenge with its votes", body = Challenge, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/workshops/{id}/challenges/{challenge_id}/votes")]
pub async fn vote(mut cx: Cx<'static>, path: web::Path<(Uuid, Uuid)>) -> Result<Tagged, AppError> {
    let (id, challenge) = path.into_inner();
    Tagged::of(&challenges::vote(&mut cx, id, challenge).await?)
}

/// Take your vote back.
#[utoipa::path(
    operation_id = "unvote_workshop_challenge",
    tag = "workshops",
    params(("id" = Uuid, Path, description = "Workshop id"), ("challenge_id" = Uuid, Path, description = "Challenge id")),
    responses((status = 200, description = "The challenge with its votes", body = Challenge, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/api/v1/workshops/{id}/challenges/{challenge_id}/votes")]
pub async fn unvote(mut cx: Cx<'static>, path: web::Path<(Uuid, Uuid)>) -> Result<Tagged, AppError> {
    let (id, challenge) = path.into_inner();
    Tagged::of(&challenges::unvote(&mut cx, id, challenge).await?)
}

/// A workshop's actions.
#[utoipa::path(
    operation_id = "list_workshop_actions",
    tag = "workshops",
    params(("id" = Uuid, Path, description = "Workshop id"), ListQuery),
    responses((status = 200, description = "A page of actions", body = ListResponse<ActionView>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/workshops/{id}/actions")]
pub async fn list_actions(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    query: Listing<NoFilters>,
) -> Result<Listed<ActionView>, AppError> {
    let id = id.into_inner();
    workshops::get(&mut cx, id).await?;
    let filters = ActionQuery { workshop: Some(id), ..ActionQuery::default() };
    let page = crate::domain::actions::list(&mut cx, filters, &query.list).await?;
    Ok(Listed::from_page(page, ActionView::from))
}

/// Set an action: what will be done, who is responsible and by when, and optionally the
/// challenge it answers and the agreement, event series or indicator it links to.
#[utoipa::path(
    operation_id = "create_workshop_action",
    tag = "workshops",
    params(("id" = Uuid, Path, description = "Workshop id")),
    request_body = ActionFields,
    responses((status = 201, description = "Set", body = ActionView, headers(("Location" = String), ("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/workshops/{id}/actions")]
pub async fn add_action(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    body: Body<ActionFields>,
) -> Result<HttpResponse, AppError> {
    let made = ActionView::from(workshops::add_action(&mut cx, id.into_inner(), body.into_inner()).await?);
    Ok(created(format!("/api/v1/actions/{}", made.id), &made))
}

/// A workshop's artefacts (at most 50).
#[utoipa::path(
    operation_id = "list_workshop_artefacts",
    tag = "workshops",
    params(("id" = Uuid, Path, description = "Workshop id")),
    responses((status = 200, description = "The artefacts", body = ListResponse<Artefact>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/workshops/{id}/artefacts")]
pub async fn list_artefacts(mut cx: Cx<'static>, id: web::Path<Uuid>) -> Result<Listed<Artefact>, AppError> {
    let all = artefacts::list(&mut cx, id.into_inner()).await?;
    let limit = all.len() as i64;
    Ok(Listed::from_page(Page::<Artefact, Uuid> { items: all, next: None, limit }, |a| a))
}

/// Add a client path, a collaboration flowchart or another artefact as ordered steps.
#[utoipa::path(
    operation_id = "create_workshop_artefact",
    tag = "workshops",
    params(("id" = Uuid, Path, description = "Workshop id")),
    request_body = ArtefactFields,
    responses((status = 201, description = "Added", body = Artefact, headers(("Location" = String), ("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/workshops/{id}/artefacts")]
pub async fn create_artefact(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    body: Body<ArtefactFields>,
) -> Result<HttpResponse, AppError> {
    let a = artefacts::create(&mut cx, id.into_inner(), body.into_inner()).await?;
    Ok(created(format!("/api/v1/workshops/{}/artefacts/{}", a.workshop_id, a.id), &a))
}

/// Read one artefact.
#[utoipa::path(
    operation_id = "get_workshop_artefact",
    tag = "workshops",
    params(("id" = Uuid, Path, description = "Workshop id"), ("artefact_id" = Uuid, Path, description = "Artefact id")),
    responses((status = 200, description = "The artefact", body = Artefact, headers(("ETag" = String))),
              (status = 304, description = "Your copy is current"), ReadErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/workshops/{id}/artefacts/{artefact_id}")]
pub async fn get_artefact(mut cx: Cx<'static>, path: web::Path<(Uuid, Uuid)>) -> Result<Tagged, AppError> {
    let (id, artefact) = path.into_inner();
    Tagged::of(&artefacts::get(&mut cx, id, artefact).await?)
}

/// Change an artefact (the organisers).
#[utoipa::path(
    operation_id = "update_workshop_artefact",
    tag = "workshops",
    params(("id" = Uuid, Path, description = "Workshop id"), ("artefact_id" = Uuid, Path, description = "Artefact id"), IfMatchRequired),
    request_body(content = ArtefactFields, content_type = "application/merge-patch+json",
                 description = "JSON Merge Patch (RFC 7396): any of the fields; `steps` is replaced whole"),
    responses((status = 200, description = "Updated", body = Artefact, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/api/v1/workshops/{id}/artefacts/{artefact_id}")]
pub async fn update_artefact(
    mut cx: Cx<'static>,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    body: web::Json<serde_json::Value>,
) -> Result<Tagged, AppError> {
    let (id, artefact) = path.into_inner();
    let result = artefacts::update(&mut cx, id, artefact, if_match, body.into_inner()).await;
    Tagged::of(&or_stale(result, async || artefacts::get(&mut cx, id, artefact).await).await?)
}

/// Delete an artefact (the organisers).
#[utoipa::path(
    operation_id = "delete_workshop_artefact",
    tag = "workshops",
    params(("id" = Uuid, Path, description = "Workshop id"), ("artefact_id" = Uuid, Path, description = "Artefact id"), IfMatchRequired),
    responses((status = 204, description = "Deleted"), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/api/v1/workshops/{id}/artefacts/{artefact_id}")]
pub async fn delete_artefact(
    mut cx: Cx<'static>,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
) -> Result<HttpResponse, AppError> {
    let (id, artefact) = path.into_inner();
    let result = artefacts::delete(&mut cx, id, artefact, if_match).await;
    or_stale(result, async || artefacts::get(&mut cx, id, artefact).await).await?;
    Ok(HttpResponse::NoContent().finish())
}
