//! `/api/v1/networks`: networks, their members, invitations and requests to join, and the
//! calendar of their meetings.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::context::Cx;
use crate::domain::networks::{
    self, JoinRequestInput, MembershipRequest, MembershipRequestKind, MembershipRequestQuery, NetworkFields,
    NetworkInvitationInput, NetworkMemberInput, NetworkQuery, NetworkRole, SeenNetwork,
};
use crate::domain::types::pagination::ListQuery;
use crate::domain::types::precondition::IfMatch;
use crate::error::AppError;
use crate::http::common::{
    Body, IfMatchRequired, ListResponse, Listed, Listing, ReadErrors, Tagged, Versioned, WriteErrors, created, or_stale,
};

/// A member as a reader sees it: contacts only for the network's own members.
#[derive(Debug, Serialize, ToSchema)]
pub struct NetworkMemberView {
    pub organization_id: Uuid,
    pub role: NetworkRole,
    /// The member's contact persons; `null` unless you belong to a member organisation.
    pub contact_ids: Option<Vec<Uuid>>,
    pub joined_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01938000-0000-7000-8000-0000000000b1", "name": {"fi": "Keusoten hyte-verkosto"},
    "purpose": {"fi": "Hyvinvoinnin ja terveyden edistämisen yhteistyö."}, "kind": "hyte_network",
    "parent_network_id": null, "area": {"county_code": "02", "municipality_codes": []}, "visibility": "public",
    "members": [{"organization_id": "01930000-0000-7000-8000-000000000002", "role": "coordinator",
                 "contact_ids": null, "joined_at": "2026-11-02T09:30:00Z"}],
    "created_at": "2026-11-02T09:30:00Z", "updated_at": "2026-11-02T09:30:00Z", "version": 1}))]
pub struct NetworkView {
    pub id: Uuid,
    #[serde(flatten)]
    pub fields: NetworkFields,
    pub members: Vec<NetworkMemberView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    #[serde(skip)]
    insider: bool,
}

impl From<SeenNetwork> for NetworkView {
    fn from(SeenNetwork { network: n, insider }: SeenNetwork) -> Self {
        NetworkView {
            id: n.id,
            fields: n.fields,
            members: n
                .members
                .into_iter()
                .map(|m| NetworkMemberView {
                    organization_id: m.organization_id,
                    role: m.role,
                    contact_ids: insider.then_some(m.contact_ids),
                    joined_at: m.joined_at,
                })
                .collect(),
            created_at: n.created_at,
            updated_at: n.updated_at,
            version: n.version,
            insider,
        }
    }
}

impl Versioned for NetworkView {
    fn version(&self) -> i64 {
        self.version
    }
    fn variant(&self) -> Option<&'static str> {
        (!self.insider).then_some("public")
    }
}

impl Versioned for MembershipRequest {
    fn version(&self) -> i64 {
        self.version
    }
}

/// List networks: public ones, and those your organisations are members of.
#[utoipa::path(
    operation_id = "list_networks",
    tag = "networks",
    params(NetworkQuery, ListQuery),
    responses((status = 200, description = "A page of networks", body = ListResponse<NetworkView>), ReadErrors),
    security((), ("bearer" = []))
)]
#[get("/api/v1/networks")]
pub async fn list(mut cx: Cx<'static>, query: Listing<NetworkQuery>) -> Result<Listed<NetworkView>, AppError> {
    let page = networks::list(&mut cx, query.filters, &query.list).await?;
    Ok(Listed::from_page(page, NetworkView::from))
}

/// Read one network (a members-only one only for its members).
#[utoipa::path(
    operation_id = "get_network",
    tag = "networks",
    params(("id" = Uuid, Path, description = "Network id")),
    responses((status = 200, description = "The network", body = NetworkView, headers(("ETag" = String))),
              (status = 304, description = "Your copy is current"), ReadErrors),
    security((), ("bearer" = []))
)]
#[get("/api/v1/networks/{id}")]
pub async fn get(mut cx: Cx<'static>, id: web::Path<Uuid>) -> Result<Tagged, AppError> {
    Tagged::of(&current(&mut cx, id.into_inner()).await?)
}

async fn current(cx: &mut Cx<'static>, id: Uuid) -> Result<NetworkView, AppError> {
    networks::get(cx, id).await.map(NetworkView::from)
}

/// Found a network; the founding organisation (one you coordinate) is its first coordinator.
#[utoipa::path(
    operation_id = "create_network",
    tag = "networks",
    request_body = NetworkFields,
    responses((status = 201, description = "Founded", body = NetworkView, headers(("Location" = String), ("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/networks")]
pub async fn create(mut cx: Cx<'static>, body: Body<NetworkFields>) -> Result<HttpResponse, AppError> {
    let made = NetworkView::from(networks::create(&mut cx, body.into_inner()).await?);
    Ok(created(format!("/api/v1/networks/{}", made.id), &made))
}

/// Change a network (its coordinators).
#[utoipa::path(
    operation_id = "update_network",
    tag = "networks",
    params(("id" = Uuid, Path, description = "Network id"), IfMatchRequired),
    request_body(content = NetworkFields, content_type = "application/merge-patch+json",
                 description = "JSON Merge Patch (RFC 7396): any of the fields"),
    responses((status = 200, description = "Updated", body = NetworkView, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/api/v1/networks/{id}")]
pub async fn update(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<serde_json::Value>,
) -> Result<Tagged, AppError> {
    let id = id.into_inner();
    let result = networks::update(&mut cx, id, if_match, body.into_inner()).await;
    Tagged::of(&NetworkView::from(or_stale(result, async || current(&mut cx, id).await).await?))
}

/// Close a network with its meetings (its coordinators); 409 while networks are under it.
#[utoipa::path(
    operation_id = "delete_network",
    tag = "networks",
    params(("id" = Uuid, Path, description = "Network id"), IfMatchRequired),
    responses((status = 204, description = "Closed"), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/api/v1/networks/{id}")]
pub async fn delete(mut cx: Cx<'static>, id: web::Path<Uuid>, if_match: IfMatch) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let result = networks::delete(&mut cx, id, if_match).await;
    or_stale(result, async || current(&mut cx, id).await).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Change a member: its role (the network's coordinators) or its contact persons (the member
/// organisation's own coordinators). A network keeps a coordinator (409).
#[utoipa::path(
    operation_id = "update_network_member",
    tag = "networks",
    params(("id" = Uuid, Path, description = "Network id"), ("organization_id" = Uuid, Path, description = "Member organisation")),
    request_body = NetworkMemberInput,
    responses((status = 200, description = "The network", body = NetworkView, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/api/v1/networks/{id}/members/{organization_id}")]
pub async fn update_member(
    mut cx: Cx<'static>,
    path: web::Path<(Uuid, Uuid)>,
    body: Body<NetworkMemberInput>,
) -> Result<Tagged, AppError> {
    let (id, org) = path.into_inner();
    Tagged::of(&NetworkView::from(networks::update_member(&mut cx, id, org, body.into_inner()).await?))
}

/// Leave (the member organisation's org admin) or remove a member (the network's
/// coordinators). A network keeps a coordinator (409).
#[utoipa::path(
    operation_id = "remove_network_member",
    tag = "networks",
    params(("id" = Uuid, Path, description = "Network id"), ("organization_id" = Uuid, Path, description = "Member organisation")),
    responses((status = 204, description = "No longer a member"), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/api/v1/networks/{id}/members/{organization_id}")]
pub async fn remove_member(mut cx: Cx<'static>, path: web::Path<(Uuid, Uuid)>) -> Result<HttpResponse, AppError> {
    let (id, org) = path.into_inner();
    networks::leave_or_remove(&mut cx, id, org).await?;
    Ok(HttpResponse::NoContent().finish())
}

fn request_location(r: &MembershipRequest) -> String {
    let segment = match r.kind {
        MembershipRequestKind::Invitation => "invitations",
        MembershipRequestKind::JoinRequest => "join-requests",
    };
    format!("/api/v1/networks/{}/{segment}/{}", r.network_id, r.id)
}

/// Invite an organisation (the network's coordinators). It becomes a member when its own org
/// admin accepts; an inviter who is that org admin accepts at once.
#[utoipa::path(
    operation_id = "create_network_invitation",
    tag = "networks",
    params(("id" = Uuid, Path, description = "Network id")),
    request_body = NetworkInvitationInput,
    responses((status = 201, description = "Invited", body = MembershipRequest, headers(("Location" = String), ("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/networks/{id}/invitations")]
pub async fn invite(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    body: Body<NetworkInvitationInput>,
) -> Result<HttpResponse, AppError> {
    let r = networks::invite(&mut cx, id.into_inner(), body.into_inner()).await?;
    Ok(created(request_location(&r), &r))
}

/// Ask to join for an organisation you are an org admin of; the network's coordinators approve.
#[utoipa::path(
    operation_id = "create_network_join_request",
    tag = "networks",
    params(("id" = Uuid, Path, description = "Network id")),
    request_body = JoinRequestInput,
    responses((status = 201, description = "Asked", body = MembershipRequest, headers(("Location" = String), ("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/networks/{id}/join-requests")]
pub async fn request_to_join(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    body: Body<JoinRequestInput>,
) -> Result<HttpResponse, AppError> {
    let r = networks::request_to_join(&mut cx, id.into_inner(), body.into_inner()).await?;
    Ok(created(request_location(&r), &r))
}

/// A network's invitations: all for its members' people, your organisations' own for you.
#[utoipa::path(
    operation_id = "list_network_invitations",
    tag = "networks",
    params(("id" = Uuid, Path, description = "Network id"), MembershipRequestQuery, ListQuery),
    responses((status = 200, description = "A page of invitations", body = ListResponse<MembershipRequest>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/networks/{id}/invitations")]
pub async fn list_invitations(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    query: Listing<MembershipRequestQuery>,
) -> Result<Listed<MembershipRequest>, AppError> {
    let page = networks::list_requests(
        &mut cx,
        id.into_inner(),
        MembershipRequestKind::Invitation,
        query.filters,
        &query.list,
    )
    .await?;
    Ok(Listed::from_page(page, |r| r))
}

/// A network's requests to join: all for its members' people, your organisations' own for you.
#[utoipa::path(
    operation_id = "list_network_join_requests",
    tag = "networks",
    params(("id" = Uuid, Path, description = "Network id"), MembershipRequestQuery, ListQuery),
    responses((status = 200, description = "A page of requests", body = ListResponse<MembershipRequest>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/networks/{id}/join-requests")]
pub async fn list_join_requests(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    query: Listing<MembershipRequestQuery>,
) -> Result<Listed<MembershipRequest>, AppError> {
    let page = networks::list_requests(
        &mut cx,
        id.into_inner(),
        MembershipRequestKind::JoinRequest,
        query.filters,
        &query.list,
    )
    .await?;
    Ok(Listed::from_page(page, |r| r))
}

/// Read one invitation.
#[utoipa::path(
    operation_id = "get_network_invitation",
    tag = "networks",
    params(("id" = Uuid, Path, description = "Network id"), ("request_id" = Uuid, Path, description = "Invitation id")),
    responses((status = 200, description = "The invitation", body = MembershipRequest, headers(("ETag" = String))),
              (status = 304, description = "Your copy is current"), ReadErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/networks/{id}/invitations/{request_id}")]
pub async fn get_invitation(mut cx: Cx<'static>, path: web::Path<(Uuid, Uuid)>) -> Result<Tagged, AppError> {
    let (id, request) = path.into_inner();
    Tagged::of(&networks::get_request(&mut cx, id, request, MembershipRequestKind::Invitation).await?)
}

/// Read one request to join.
#[utoipa::path(
    operation_id = "get_network_join_request",
    tag = "networks",
    params(("id" = Uuid, Path, description = "Network id"), ("request_id" = Uuid, Path, description = "Request id")),
    responses((status = 200, description = "The request", body = MembershipRequest, headers(("ETag" = String))),
              (status = 304, description = "Your copy is current"), ReadErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/networks/{id}/join-requests/{request_id}")]
pub async fn get_join_request(mut cx: Cx<'static>, path: web::Path<(Uuid, Uuid)>) -> Result<Tagged, AppError> {
    let (id, request) = path.into_inner();
    Tagged::of(&networks::get_request(&mut cx, id, request, MembershipRequestKind::JoinRequest).await?)
}

/// Accept an invitation for your organisation (its org admin): it becomes a member.
#[utoipa::path(
    operation_id = "accept_network_invitation",
    tag = "networks",
    params(("id" = Uuid, Path, description = "Network id"), ("request_id" = Uuid, Path, description = "Invitation id")),
    responses((status = 200, description = "Accepted", body = MembershipRequest, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/networks/{id}/invitations/{request_id}/accept")]
pub async fn accept_invitation(mut cx: Cx<'static>, path: web::Path<(Uuid, Uuid)>) -> Result<Tagged, AppError> {
    let (id, request) = path.into_inner();
    Tagged::of(&networks::accept_invitation(&mut cx, id, request).await?)
}

/// Decline an invitation (the invited organisation's org admin) or withdraw it (the
/// network's coordinators).
#[utoipa::path(
    operation_id = "decline_network_invitation",
    tag = "networks",
    params(("id" = Uuid, Path, description = "Network id"), ("request_id" = Uuid, Path, description = "Invitation id")),
    responses((status = 200, description = "Declined or withdrawn", body = MembershipRequest, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/networks/{id}/invitations/{request_id}/decline")]
pub async fn decline_invitation(mut cx: Cx<'static>, path: web::Path<(Uuid, Uuid)>) -> Result<Tagged, AppError> {
    let (id, request) = path.into_inner();
    Tagged::of(&networks::decline(&mut cx, id, request, MembershipRequestKind::Invitation).await?)
}

/// Approve a request to join (the network's coordinators): the organisation becomes a member.
#[utoipa::path(
    operation_id = "approve_network_join_request",
    tag = "networks",
    params(("id" = Uuid, Path, description = "Network id"), ("request_id" = Uuid, Path, description = "Request id")),
    responses((status = 200, description = "Approved", body = MembershipRequest, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/networks/{id}/join-requests/{request_id}/approve")]
pub async fn approve_join_request(mut cx: Cx<'static>, path: web::Path<(Uuid, Uuid)>) -> Result<Tagged, AppError> {
    let (id, request) = path.into_inner();
    Tagged::of(&networks::approve_join_request(&mut cx, id, request).await?)
}

/// Decline a request to join (the network's coordinators) or withdraw it (the asking
/// organisation's org admin).
#[utoipa::path(
    operation_id = "decline_network_join_request",
    tag = "networks",
    params(("id" = Uuid, Path, description = "Network id"), ("request_id" = Uuid, Path, description = "Request id")),
    responses((status = 200, description = "Declined or withdrawn", body = MembershipRequest, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/networks/{id}/join-requests/{request_id}/decline")]
pub async fn decline_join_request(mut cx: Cx<'static>, path: web::Path<(Uuid, Uuid)>) -> Result<Tagged, AppError> {
    let (id, request) = path.into_inner();
    Tagged::of(&networks::decline(&mut cx, id, request, MembershipRequestKind::JoinRequest).await?)
}

/// The network's meetings as an RFC 5545 calendar (a year back, eighteen months ahead), for
/// anyone who may read the network: time, title, place and agenda, never minutes.
#[utoipa::path(
    operation_id = "get_network_calendar",
    tag = "networks",
    params(("id" = Uuid, Path, description = "Network id")),
    responses(
        (status = 200, description = "A VCALENDAR", body = String, content_type = "text/calendar"),
        ReadErrors
    ),
    security((), ("bearer" = []))
)]
#[get("/api/v1/networks/{id}/calendar.ics")]
pub async fn calendar(mut cx: Cx<'static>, id: web::Path<Uuid>) -> Result<HttpResponse, AppError> {
    let body = crate::domain::meetings::calendar(&mut cx, id.into_inner()).await?;
    Ok(HttpResponse::Ok().content_type("text/calendar; charset=utf-8").body(body))
}
