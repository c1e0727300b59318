//! Joining and leaving: invitations an invited organisation's org admin accepts, requests to
//! join a coordinator approves, members' roles and contacts, leaving. Naming an organisation
//! makes it nothing until its own org admin acts; whoever already acts for it on both sides
//! (an org admin of the invited organisation who coordinates the network) settles it at once.

use uuid::Uuid;

use super::access;
use super::model::*;
use crate::domain::audit::{self, Change};
use crate::domain::context::Cx;
use crate::domain::types::names::name_of;
use crate::domain::types::pagination::{ListQuery, Page};
use crate::domain::types::stored::now;
use crate::domain::types::validation;
use crate::error::{AppError, FieldError};
use crate::repo::networks as repo;
use crate::repo::networks::members::{self as members_repo, MemberRow, RequestRow};

/// Adds `organization` as a member (or changes its role) and bumps the network's version.
async fn admit(
    conn: &mut crate::db::Conn,
    network: Uuid,
    organization: Uuid,
    role: NetworkRole,
) -> Result<(), AppError> {
    let row = MemberRow {
        network_id: network,
        organization_id: organization,
        role: name_of(&role),
        contact_ids: Vec::new(),
        joined_at: now(),
    };
    members_repo::insert(conn, &row).await?;
    repo::touch(conn, network).await?;
    Ok(())
}

/// Records a pending request (409 when the organisation is a member or one is pending).
async fn open_request(
    conn: &mut crate::db::Conn,
    network: &Network,
    organization: Uuid,
    kind: MembershipRequestKind,
    role: NetworkRole,
    by: Option<Uuid>,
) -> Result<MembershipRequest, AppError> {
    // A member may be invited to coordinate; otherwise a member is a member already.
    let promotion = kind == MembershipRequestKind::Invitation && role == NetworkRole::Coordinator;
    if network.member(organization).is_some_and(|m| !promotion || m.role == NetworkRole::Coordinator) {
        return Err(AppError::Conflict { detail: "the organisation is already a member in this role".into() });
    }
    let row = RequestRow {
        id: Uuid::now_v7(),
        network_id: network.id,
        organization_id: organization,
        kind: name_of(&kind),
        role: name_of(&role),
        status: name_of(&MembershipRequestStatus::Pending),
        created_by: by,
        created_at: now(),
        decided_at: None,
        version: 1,
    };
    let row = members_repo::insert_request(conn, &row).await?.ok_or_else(|| AppError::Conflict {
        detail: "an invitation or a request to join is already pending for this organisation".into(),
    })?;
    MembershipRequest::of(row, network)
}

/// Settles a pending request as `status`, admitting the organisation when accepted.
async fn settle(
    conn: &mut crate::db::Conn,
    actor: &crate::domain::access::Actor,
    network: &Network,
    before: &MembershipRequest,
    status: MembershipRequestStatus,
) -> Result<MembershipRequest, AppError> {
    let after = MembershipRequest::of(members_repo::decide(conn, before.id, &name_of(&status)).await?, network)?;
    if status == MembershipRequestStatus::Accepted {
        admit(conn, before.network_id, before.organization_id, before.role).await?;
    }
    audit::record(conn, actor, &name_of(&status), Change::updated(before, &after)).await?;
    Ok(after)
}

/// Invites an organisation (the network's coordinators). An inviter who is also the invited
/// organisation's org admin accepts at once.
pub async fn invite(
    cx: &mut Cx<'_>,
    network_id: Uuid,
    input: NetworkInvitationInput,
) -> Result<MembershipRequest, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let network = load(tx, network_id, true).await?;
        access::can_edit(actor, &network)?;
        validation::check(&input)?;
        if crate::domain::organizations::first_missing(tx, &[input.organization_id]).await?.is_some() {
            return Err(AppError::invalid("organization_id", "not_found", "no such organisation"));
        }
        let created = open_request(
            tx,
            &network,
            input.organization_id,
            MembershipRequestKind::Invitation,
            input.role,
            actor.user_id(),
        )
        .await?;
        audit::record(tx, actor, "invite", Change::Created(&created)).await?;
        if access::can_act_for(actor, input.organization_id).is_ok() {
            return settle(tx, actor, &network, &created, MembershipRequestStatus::Accepted).await;
        }
        Ok(created)
    })
    .await
}

/// Asks to join for an organisation the actor administers; a coordinator of the network who
/// asks approves at once.
pub async fn request_to_join(
    cx: &mut Cx<'_>,
    network_id: Uuid,
    input: JoinRequestInput,
) -> Result<MembershipRequest, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let network = load(tx, network_id, true).await?;
        access::can_read(actor, &network)?;
        access::can_act_for(actor, input.organization_id)?;
        let created = open_request(
            tx,
            &network,
            input.organization_id,
            MembershipRequestKind::JoinRequest,
            NetworkRole::Member,
            actor.user_id(),
        )
        .await?;
        audit::record(tx, actor, "request_to_join", Change::Created(&created)).await?;
        if access::can_edit(actor, &network).is_ok() {
            return settle(tx, actor, &network, &created, MembershipRequestStatus::Accepted).await;
        }
        Ok(created)
    })
    .await
}

/// The request of `kind` (an invitation's path never reaches a request to join), if the actor
/// may see it (404 otherwise), with its network locked or not.
async fn visible_request(
    conn: &mut crate::db::Conn,
    actor: &crate::domain::access::Actor,
    (network_id, id, kind): (Uuid, Uuid, MembershipRequestKind),
    for_update: bool,
) -> Result<(Network, MembershipRequest), AppError> {
    let network = load(conn, network_id, for_update).await?;
    let row = if for_update {
        members_repo::lock_request(conn, network_id, id).await?
    } else {
        members_repo::get_request(conn, network_id, id).await?
    };
    let request = MembershipRequest::of(row.filter(|r| r.kind == name_of(&kind)).ok_or(AppError::NotFound)?, &network)?;
    access::can_see_request(actor, &network, &request)?;
    Ok((network, request))
}

fn still_pending(r: &MembershipRequest) -> Result<(), AppError> {
    if r.status != MembershipRequestStatus::Pending {
        return Err(AppError::Conflict { detail: "this has already been settled".into() });
    }
    Ok(())
}

/// Accepts an invitation: the invited organisation's org admin.
pub async fn accept_invitation(cx: &mut Cx<'_>, network_id: Uuid, id: Uuid) -> Result<MembershipRequest, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let (network, before) =
            visible_request(tx, actor, (network_id, id, MembershipRequestKind::Invitation), true).await?;
        access::can_act_for(actor, before.organization_id)?;
        still_pending(&before)?;
        settle(tx, actor, &network, &before, MembershipRequestStatus::Accepted).await
    })
    .await
}

/// Approves a request to join: the network's coordinators.
pub async fn approve_join_request(cx: &mut Cx<'_>, network_id: Uuid, id: Uuid) -> Result<MembershipRequest, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let (network, before) =
            visible_request(tx, actor, (network_id, id, MembershipRequestKind::JoinRequest), true).await?;
        access::can_edit(actor, &network)?;
        still_pending(&before)?;
        settle(tx, actor, &network, &before, MembershipRequestStatus::Accepted).await
    })
    .await
}

/// Says no: the side asked declines (the invited organisation's org admin, the network's
/// coordinators for a request to join), the side that asked withdraws.
pub async fn decline(
    cx: &mut Cx<'_>,
    network_id: Uuid,
    id: Uuid,
    kind: MembershipRequestKind,
) -> Result<MembershipRequest, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let (network, before) = visible_request(tx, actor, (network_id, id, kind), true).await?;
        let for_organization = access::can_act_for(actor, before.organization_id).is_ok();
        let for_network = access::can_edit(actor, &network).is_ok();
        let status = match (before.kind, for_organization, for_network) {
            (MembershipRequestKind::Invitation, true, _) | (MembershipRequestKind::JoinRequest, _, true) => {
                MembershipRequestStatus::Declined
            }
            (MembershipRequestKind::Invitation, false, true) | (MembershipRequestKind::JoinRequest, true, false) => {
                MembershipRequestStatus::Withdrawn
            }
            _ => return Err(crate::domain::access::denied(actor)),
        };
        still_pending(&before)?;
        settle(tx, actor, &network, &before, status).await
    })
    .await
}

pub async fn get_request(
    cx: &mut Cx<'_>,
    network_id: Uuid,
    id: Uuid,
    kind: MembershipRequestKind,
) -> Result<MembershipRequest, AppError> {
    let (conn, actor) = cx.parts().await?;
    Ok(visible_request(conn, actor, (network_id, id, kind), false).await?.1)
}

/// A network's invitations or requests to join: all of them for its members' people, an
/// organisation's own for its people.
pub async fn list_requests(
    cx: &mut Cx<'_>,
    network_id: Uuid,
    kind: MembershipRequestKind,
    query: MembershipRequestQuery,
    list: &ListQuery,
) -> Result<Page<MembershipRequest, Uuid>, AppError> {
    let page = list.page::<Uuid>()?;
    let (conn, actor) = cx.parts().await?;
    let network = load(conn, network_id, false).await?;
    let own = actor.organizations();
    let only_for = if access::is_insider(actor, &network) {
        None
    } else if actor.is_anonymous() {
        access::can_read(actor, &network)?;
        return Err(crate::domain::access::denied(actor));
    } else {
        Some(own.as_slice())
    };
    let status = query.status.map(|s| name_of(&s));
    let rows = members_repo::requests(
        conn,
        network_id,
        &name_of(&kind),
        only_for,
        status.as_deref(),
        page.after,
        page.fetch_limit(),
    )
    .await?;
    if only_for.is_some() && rows.is_empty() {
        access::can_read(actor, &network)?;
    }
    Page::from_rows(rows, &page, |r| r.id).try_map(|r| MembershipRequest::of(r, &network))
}

/// 409 when `member` is the network's last coordinator (the database holds the same rule).
fn keeps_a_coordinator(network: &Network, member: &NetworkMember) -> Result<(), AppError> {
    if member.role == NetworkRole::Coordinator && network.coordinator_ids().len() == 1 {
        return Err(AppError::Conflict { detail: "a network keeps a coordinator: name another first".into() });
    }
    Ok(())
}

/// Changes a member's role (the network's coordinators) or contact persons (the member
/// organisation's own coordinators). A network keeps a coordinator (409).
pub async fn update_member(
    cx: &mut Cx<'_>,
    network_id: Uuid,
    organization: Uuid,
    input: NetworkMemberInput,
) -> Result<SeenNetwork, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = load(tx, network_id, true).await?;
        access::can_read(actor, &before)?;
        let member = before.member(organization).ok_or(AppError::NotFound)?.clone();
        let role = input.role.unwrap_or(member.role);
        if role != member.role {
            access::can_edit(actor, &before)?;
            // Coordinating is a burden the organisation takes on itself: invite it as a
            // coordinator and its org admin accepts (or its org admin, coordinating here, acts).
            if role == NetworkRole::Coordinator && access::can_act_for(actor, organization).is_err() {
                return Err(AppError::Conflict {
                    detail: "invite the organisation as a coordinator: its own org admin accepts".into(),
                });
            }
        }
        let contacts = input.contact_ids.clone().unwrap_or_else(|| member.contact_ids.clone());
        if contacts != member.contact_ids {
            access::can_name_contacts(actor, organization)?;
        }
        validation::check(&input)?;
        let mut unique = contacts.clone();
        unique.sort_unstable();
        unique.dedup();
        if unique.len() != contacts.len() {
            return Err(AppError::invalid("contact_ids", "duplicate", "each contact once"));
        }
        if !crate::domain::contacts::belong_to(tx, organization, &contacts).await? {
            return Err(AppError::Validation(vec![FieldError::new(
                "contact_ids",
                "not_found",
                "contacts of the member organisation only",
            )]));
        }
        if role == NetworkRole::Member {
            keeps_a_coordinator(&before, &member)?;
        }
        if role == member.role && contacts == member.contact_ids {
            return Ok(access::for_reader(actor, before));
        }
        members_repo::update(tx, network_id, organization, &name_of(&role), contacts.into_iter().map(Some).collect())
            .await?;
        repo::touch(tx, network_id).await?;
        let after = load(tx, network_id, false).await?;
        audit::record(tx, actor, "update_member", Change::updated(&before, &after)).await?;
        Ok(access::for_reader(actor, after))
    })
    .await
}

/// An organisation leaves (its org admin), or the network's coordinators remove it. A network
/// keeps a coordinator (409).
pub async fn leave_or_remove(cx: &mut Cx<'_>, network_id: Uuid, organization: Uuid) -> Result<(), AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = load(tx, network_id, true).await?;
        access::can_read(actor, &before)?;
        let member = before.member(organization).ok_or(AppError::NotFound)?.clone();
        if access::can_act_for(actor, organization).is_err() {
            access::can_edit(actor, &before)?;
        }
        keeps_a_coordinator(&before, &member)?;
        members_repo::delete(tx, network_id, organization).await?;
        repo::touch(tx, network_id).await?;
        let after = load(tx, network_id, false).await?;
        audit::record(tx, actor, "remove_member", Change::updated(&before, &after)).await?;
        Ok(())
    })
    .await
}
