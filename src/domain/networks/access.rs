//! Who sees and runs a network. A public network, its member organisations and its meetings
//! are anyone's to read; contacts, invitations and minutes are for members. A members-only
//! network does not exist for others (404). The coordinator members' coordinators run it. An
//! organisation joins, names its contacts and leaves by its own act (its org admin).

use uuid::Uuid;

use super::model::{MembershipRequest, Network, NetworkVisibility, SeenNetwork};
use crate::domain::access::{Actor, Role, admin_or, allow};
use crate::error::AppError;

/// A platform admin or a member organisation's person: sees contacts and members-only parts.
pub fn is_insider(actor: &Actor, n: &Network) -> bool {
    actor.is_platform_admin() || actor.organizations().iter().any(|o| n.member(*o).is_some())
}

/// What `actor` sees of `network` (the view leaves contacts out for outsiders).
pub fn for_reader(actor: &Actor, network: Network) -> SeenNetwork {
    SeenNetwork { insider: is_insider(actor, &network), network }
}

/// 404 unless the network is public or the actor is an insider.
pub fn can_read(actor: &Actor, n: &Network) -> Result<(), AppError> {
    if n.fields.visibility == NetworkVisibility::Public || is_insider(actor, n) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Edit the network, invite, approve and remove members, hold meetings: coordinators and org
/// admins of a coordinating member (platform admins too).
pub fn can_edit(actor: &Actor, n: &Network) -> Result<(), AppError> {
    can_read(actor, n)?;
    admin_or(actor, actor.has_role_in_any(&n.coordinator_ids(), Role::Coordinator))
}

/// Found a network for `organization`: you coordinate it.
pub fn can_found(actor: &Actor, organization: Uuid) -> Result<(), AppError> {
    allow(actor, actor.has_role(organization, Role::Coordinator))
}

/// Join, accept an invitation, ask to join or leave for `organization`: its org admins only.
pub fn can_act_for(actor: &Actor, organization: Uuid) -> Result<(), AppError> {
    allow(actor, actor.has_role(organization, Role::OrgAdmin))
}

/// Name a member's contact persons: the member organisation's own coordinators.
pub fn can_name_contacts(actor: &Actor, organization: Uuid) -> Result<(), AppError> {
    crate::domain::access::can_accept_listing(actor, organization)
}

/// See one invitation or request: the network's own people, or the organisation it concerns.
pub fn can_see_request(actor: &Actor, n: &Network, r: &MembershipRequest) -> Result<(), AppError> {
    if actor.has_role(r.organization_id, Role::Member) || is_insider(actor, n) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::access::{Membership, Principal};
    use crate::domain::networks::model::*;

    fn user(org: Uuid, role: Role) -> Actor {
        Actor {
            principal: Principal::User {
                id: Uuid::now_v7(),
                platform_admin: false,
                memberships: vec![Membership { organization_id: org, role }],
            },
            request_id: None,
        }
    }

    fn network(coordinator: Uuid, member: Uuid, visibility: NetworkVisibility) -> Network {
        let at = chrono::Utc::now();
        let m = |organization_id, role| NetworkMember { organization_id, role, contact_ids: vec![], joined_at: at };
        Network {
            id: Uuid::now_v7(),
            fields: NetworkFields {
                name: crate::domain::types::localized::LocalizedText::fi("Verkosto"),
                purpose: None,
                kind: NetworkKind::HyteNetwork,
                parent_network_id: None,
                area: NetworkArea::default(),
                visibility,
                founding_organization_id: None,
            },
            members: vec![m(coordinator, NetworkRole::Coordinator), m(member, NetworkRole::Member)],
            created_at: at,
            updated_at: at,
            version: 1,
        }
    }

    #[test]
    fn members_only_networks_do_not_exist_for_others_and_only_coordinators_run_them() {
        let (c, m, other) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let hidden = network(c, m, NetworkVisibility::Members);
        assert!(matches!(can_read(&user(other, Role::OrgAdmin), &hidden), Err(AppError::NotFound)));
        assert!(can_read(&user(m, Role::Member), &hidden).is_ok());
        assert!(matches!(can_edit(&user(m, Role::OrgAdmin), &hidden), Err(AppError::Forbidden)));
        assert!(can_edit(&user(c, Role::Coordinator), &hidden).is_ok());
        assert!(matches!(can_edit(&user(c, Role::Member), &hidden), Err(AppError::Forbidden)));
        let public = network(c, m, NetworkVisibility::Public);
        assert!(can_read(&Actor::anonymous(), &public).is_ok());
        assert!(!is_insider(&Actor::anonymous(), &public));
        assert!(matches!(can_edit(&Actor::anonymous(), &public), Err(AppError::Unauthorized { .. })));
    }

    #[test]
    fn only_an_org_admin_acts_for_their_organisation() {
        let org = Uuid::now_v7();
        assert!(can_act_for(&user(org, Role::OrgAdmin), org).is_ok());
        assert!(can_act_for(&user(org, Role::Coordinator), org).is_err());
        assert!(can_act_for(&user(Uuid::now_v7(), Role::OrgAdmin), org).is_err());
    }
}
