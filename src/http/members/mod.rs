//! `/api/v1/organizations/{id}/members` and `/api/v1/invitations/{token}/accept`.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::config::MailConfig;
use crate::domain::access::Role;
use crate::domain::context::Cx;
use crate::domain::identity::rate_limit::RateLimiter;
use crate::domain::members::{
    self, Invitation, InvitationAcceptanceInput, Member, MemberFields, MemberInvitationInput,
};
use crate::domain::types::pagination::ListQuery;
use crate::domain::types::precondition::{IMMUTABLE_VERSION, IfMatch};
use crate::error::{AppError, Problem};
use crate::http::common::{
    Body, ListResponse, Listed, Listing, NoFilters, ReadErrors, Tagged, Versioned, WriteErrors, client_address,
    or_stale,
};
use crate::http::common::{IfMatchOptional, IfMatchRequired};

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"organization_id": "01930000-0000-7000-8000-000000000005",
    "user_id": "01936f0e-5c4a-7b8e-9a51-3f0c2d1e4b6a", "email": "maija.meikalainen@example.fi",
    "display_name": "Maija Meikäläinen", "role": "coordinator",
    "created_at": "2026-02-01T08:00:00Z", "updated_at": "2026-02-01T08:00:00Z", "version": 1}))]
pub struct MemberView {
    pub organization_id: Uuid,
    pub user_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl From<Member> for MemberView {
    fn from(m: Member) -> Self {
        MemberView {
            organization_id: m.organization_id,
            user_id: m.user_id,
            email: m.email,
            display_name: m.display_name,
            role: m.role,
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
        }
    }
}

impl Versioned for MemberView {
    fn version(&self) -> i64 {
        self.version
    }
}

/// List an organisation's members (its members and platform admins).
#[utoipa::path(
    operation_id = "list_members",
    tag = "members",
    params(("id" = Uuid, Path, description = "Organisation id"), ListQuery),
    responses((status = 200, description = "A page of members", body = ListResponse<MemberView>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/organizations/{id}/members")]
pub async fn list(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    query: Listing<NoFilters>,
) -> Result<Listed<MemberView>, AppError> {
    let page = members::list(&mut cx, id.into_inner(), &query.list).await?;
    Ok(Listed::from_page(page, MemberView::from))
}

/// Read one membership.
#[utoipa::path(
    operation_id = "get_member",
    tag = "members",
    params(("id" = Uuid, Path, description = "Organisation id"), ("user_id" = Uuid, Path, description = "User id")),
    responses((status = 200, description = "The membership", body = MemberView, headers(("ETag" = String))),
              (status = 304, description = "Your copy is current"), ReadErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/organizations/{id}/members/{user_id}")]
pub async fn get(mut cx: Cx<'static>, path: web::Path<(Uuid, Uuid)>) -> Result<Tagged, AppError> {
    let (org, user) = path.into_inner();
    Tagged::of(&current(&mut cx, org, user).await?)
}

async fn current(cx: &mut Cx<'static>, org: Uuid, user: Uuid) -> Result<MemberView, AppError> {
    members::get(cx, org, user).await.map(MemberView::from)
}

/// An invitation on its way to the address (its token goes there only).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "invited", "invitation_id": "01937a00-0000-7000-8000-000000000001",
    "email": "uusi.tyontekija@example.fi", "role": "member", "expires_at": "2026-12-01T12:00:00Z"}))]
pub struct InvitationView {
    /// Always `invited`.
    pub status: &'static str,
    pub invitation_id: Uuid,
    pub email: String,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
}

/// Invitations never change: their ETag is constant.
impl Versioned for InvitationView {
    fn version(&self) -> i64 {
        IMMUTABLE_VERSION
    }
}

impl From<Invitation> for InvitationView {
    fn from(i: Invitation) -> Self {
        InvitationView {
            status: "invited",
            invitation_id: i.id,
            email: i.email,
            role: i.role,
            expires_at: i.expires_at,
        }
    }
}

/// Invite a person by e-mail (org admins, platform admins). The invitation, with its
/// single-use token, goes to the address only; its owner accepts it signed in (an existing
/// account) or by choosing a password (a new one). The answer is the same either way.
#[utoipa::path(
    operation_id = "add_member",
    tag = "members",
    params(("id" = Uuid, Path, description = "Organisation id")),
    request_body = MemberInvitationInput,
    responses(
        (status = 202, description = "Invited: the invitation was sent to the address", body = InvitationView),
        WriteErrors,
    ),
    security(("bearer" = []))
)]
#[post("/api/v1/organizations/{id}/members")]
pub async fn add(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    mail: web::Data<MailConfig>,
    body: Body<MemberInvitationInput>,
) -> Result<HttpResponse, AppError> {
    let invitation = members::add(&mut cx, &mail, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Accepted().json(InvitationView::from(invitation)))
}

/// The organisation's invitations that can still be accepted (org admins, platform admins).
#[utoipa::path(
    operation_id = "list_invitations",
    tag = "members",
    params(("id" = Uuid, Path, description = "Organisation id"), ListQuery),
    responses((status = 200, description = "Pending invitations", body = ListResponse<InvitationView>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/organizations/{id}/invitations")]
pub async fn list_invitations(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    query: Listing<NoFilters>,
) -> Result<Listed<InvitationView>, AppError> {
    let page = members::invitations(&mut cx, id.into_inner(), &query.list).await?;
    Ok(Listed::from_page(page, InvitationView::from))
}

/// Revoke an invitation that was not accepted yet (org admins, platform admins): its token
/// stops working.
#[utoipa::path(
    operation_id = "revoke_invitation",
    tag = "members",
    params(("id" = Uuid, Path, description = "Organisation id"),
           ("invitation_id" = Uuid, Path, description = "Invitation id"),
           IfMatchOptional),
    responses((status = 204, description = "Revoked"), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/api/v1/organizations/{id}/invitations/{invitation_id}")]
pub async fn revoke_invitation(
    mut cx: Cx<'static>,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
) -> Result<HttpResponse, AppError> {
    let (org, invitation) = path.into_inner();
    let result = members::revoke_invitation(&mut cx, org, invitation, if_match).await;
    or_stale(result, async || members::invitation(&mut cx, org, invitation).await.map(InvitationView::from)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Change a member's role (org admins, platform admins). The last org admin cannot be demoted.
#[utoipa::path(
    operation_id = "update_member",
    tag = "members",
    params(
        ("id" = Uuid, Path, description = "Organisation id"), ("user_id" = Uuid, Path, description = "User id"),
        IfMatchRequired,
    ),
    request_body(content = MemberFields, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "Updated", body = MemberView, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/api/v1/organizations/{id}/members/{user_id}")]
pub async fn update(
    mut cx: Cx<'static>,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    body: web::Json<serde_json::Value>,
) -> Result<Tagged, AppError> {
    let (org, user) = path.into_inner();
    let result = members::update(&mut cx, org, user, if_match, body.into_inner()).await;
    Tagged::of(&MemberView::from(or_stale(result, async || current(&mut cx, org, user).await).await?))
}

/// Remove a member (org admins, platform admins). The last org admin cannot be removed.
#[utoipa::path(
    operation_id = "remove_member",
    tag = "members",
    params(
        ("id" = Uuid, Path, description = "Organisation id"), ("user_id" = Uuid, Path, description = "User id"),
        IfMatchRequired,
    ),
    responses((status = 204, description = "Removed"), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/api/v1/organizations/{id}/members/{user_id}")]
pub async fn remove(
    mut cx: Cx<'static>,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
) -> Result<HttpResponse, AppError> {
    let (org, user) = path.into_inner();
    let result = members::remove(&mut cx, org, user, if_match).await;
    or_stale(result, async || current(&mut cx, org, user).await).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AcceptedView {
    pub user_id: Uuid,
    pub email: String,
    pub display_name: String,
}

/// Redeem an invitation with the token from its e-mail. Signed in (with an account of the
/// invited address), you join the organisation; otherwise give a password and the account is
/// created. Unknown, used and expired tokens answer 404; an address that has an account must
/// sign in (409). Rate limited per client address.
#[utoipa::path(
    operation_id = "accept_invitation",
    tag = "members",
    params(("token" = String, Path, description = "The invitation token", max_length = 128)),
    request_body = InvitationAcceptanceInput,
    responses(
        (status = 201, description = "Account created and joined", body = AcceptedView),
        (status = 200, description = "Joined with your account", body = AcceptedView),
        (status = 429, description = "Too many attempts; see `Retry-After`", body = Problem, content_type = "application/problem+json"),
        WriteErrors,
    ),
    security((), ("bearer" = []))
)]
#[post("/api/v1/invitations/{token}/accept")]
pub async fn accept(
    req: HttpRequest,
    mut cx: Cx<'static>,
    token: web::Path<String>,
    limiter: web::Data<RateLimiter>,
    body: Body<InvitationAcceptanceInput>,
) -> Result<HttpResponse, AppError> {
    let client = client_address(&req);
    let accepted = members::accept_invitation(&mut cx, &limiter, client, &token, body.into_inner()).await?;
    let view = AcceptedView {
        user_id: accepted.user.id,
        email: accepted.user.email,
        display_name: accepted.user.display_name,
    };
    Ok(if accepted.created { HttpResponse::Created().json(view) } else { HttpResponse::Ok().json(view) })
}
