//! Authorisation: the one place that answers "may this actor do this to that resource".
//!
//! Handlers never check roles themselves; domain functions call [`can`] after loading the
//! resource. Anonymous callers asking for something that needs an identity get 401; known
//! callers without the right get 403, or 404 where even the existence of the resource is
//! not theirs to learn.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::AppError;

/// A person's role in one organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Member,
    Coordinator,
    OrgAdmin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Coordinator => "coordinator",
            Role::OrgAdmin => "org_admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        [Role::Member, Role::Coordinator, Role::OrgAdmin].into_iter().find(|r| r.as_str() == s)
    }
}

/// What a service client may be granted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
pub enum Scope {
    #[serde(rename = "indicators:read")]
    IndicatorsRead,
    #[serde(rename = "directory:read")]
    DirectoryRead,
    #[serde(rename = "webhooks:manage")]
    WebhooksManage,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::IndicatorsRead, Scope::DirectoryRead, Scope::WebhooksManage];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::IndicatorsRead => "indicators:read",
            Scope::DirectoryRead => "directory:read",
            Scope::WebhooksManage => "webhooks:manage",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Membership {
    pub organization_id: Uuid,
    pub role: Role,
}

/// Who is calling, as established for this request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    Anonymous,
    User { id: Uuid, platform_admin: bool, memberships: Vec<Membership> },
    Client { id: Uuid, organization_id: Uuid, scopes: Vec<Scope> },
}

/// The caller of one request: the principal and the request id that audit entries carry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub principal: Principal,
    pub request_id: Option<String>,
}

impl Actor {
    pub fn anonymous() -> Actor {
        Actor { principal: Principal::Anonymous, request_id: None }
    }

    /// The platform's own processes (start-up tasks, demo data, command-line tools).
    pub fn system() -> Actor {
        Actor::anonymous()
    }

    pub fn is_platform_admin(&self) -> bool {
        matches!(self.principal, Principal::User { platform_admin: true, .. })
    }

    pub fn user_id(&self) -> Option<Uuid> {
        match &self.principal {
            Principal::User { id, .. } => Some(*id),
            _ => None,
        }
    }

    pub fn role_in(&self, organization_id: Uuid) -> Option<Role> {
        match &self.principal {
            Principal::User { memberships, .. } => {
                memberships.iter().find(|m| m.organization_id == organization_id).map(|m| m.role)
            }
            _ => None,
        }
    }

    pub fn has_scope(&self, scope: Scope) -> bool {
        matches!(&self.principal, Principal::Client { scopes, .. } if scopes.contains(&scope))
    }

    /// Organisations where this actor is an org admin.
    pub fn admin_organizations(&self) -> Vec<Uuid> {
        match &self.principal {
            Principal::User { memberships, .. } => {
                memberships.iter().filter(|m| m.role == Role::OrgAdmin).map(|m| m.organization_id).collect()
            }
            _ => Vec::new(),
        }
    }

    fn is_anonymous(&self) -> bool {
        self.principal == Principal::Anonymous
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Read,
    Create,
    Update,
    Delete,
}

/// What an action is performed on.
#[derive(Clone, Copy, Debug)]
pub enum Resource {
    /// The area register is public reference data.
    AreaRegister,
    /// Organisation records are public directory data; `None` is the collection.
    Organization(Option<Uuid>),
    /// The member list of an organisation.
    Members(Uuid),
    /// One contact person of an organisation, public or members-only. `collaborator`: the
    /// actor belongs to an organisation that is party to a live agreement with this one.
    Contact { organization_id: Uuid, public: bool, collaborator: bool },
    /// Service clients (platform administration).
    ServiceClients,
    /// Audit entries about one organisation's resources, or all of them.
    AuditLog(Option<Uuid>),
}

fn unauthenticated() -> AppError {
    AppError::unauthorized("Sign in: this resource needs an access token.")
}

pub fn can(actor: &Actor, action: Action, resource: Resource) -> Result<(), AppError> {
    let allowed = match (action, resource) {
        (Action::Read, Resource::AreaRegister | Resource::Organization(_)) => return Ok(()),
        (_, _) if actor.is_platform_admin() => return Ok(()),
        (_, _) if actor.is_anonymous() => {
            // Public contacts are readable by anyone; everything else needs an identity.
            return match (action, resource) {
                (Action::Read, Resource::Contact { public: true, .. }) => Ok(()),
                (Action::Read, Resource::Contact { public: false, .. }) => Err(AppError::NotFound),
                _ => Err(unauthenticated()),
            };
        }
        (Action::Update, Resource::Organization(Some(id))) => actor.role_in(id) == Some(Role::OrgAdmin),
        (Action::Update, Resource::Organization(None))
        | (Action::Create | Action::Delete, Resource::Organization(_)) => false,
        (Action::Read, Resource::Members(org)) => actor.role_in(org).is_some(),
        (_, Resource::Members(org)) => actor.role_in(org) == Some(Role::OrgAdmin),
        (Action::Read, Resource::Contact { organization_id, public, collaborator }) => {
            if !(public || collaborator || actor.role_in(organization_id).is_some()) {
                // A members-only contact of another organisation is not yours to know of.
                return Err(AppError::NotFound);
            }
            true
        }
        (_, Resource::Contact { organization_id, .. }) => {
            actor.role_in(organization_id).is_some_and(|r| r >= Role::Coordinator)
        }
        (_, Resource::ServiceClients) => false,
        (Action::Read, Resource::AuditLog(Some(org))) => actor.role_in(org) == Some(Role::OrgAdmin),
        (Action::Read, Resource::AuditLog(None)) => !actor.admin_organizations().is_empty(),
        (_, Resource::AuditLog(_)) => false,
        (_, Resource::AreaRegister) => false,
    };
    if allowed { Ok(()) } else { Err(AppError::Forbidden) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(memberships: Vec<Membership>) -> Actor {
        Actor {
            principal: Principal::User { id: Uuid::now_v7(), platform_admin: false, memberships },
            request_id: None,
        }
    }

    #[test]
    fn public_registers_are_readable_anonymously() {
        assert!(can(&Actor::anonymous(), Action::Read, Resource::AreaRegister).is_ok());
        assert!(can(&Actor::anonymous(), Action::Read, Resource::Organization(None)).is_ok());
    }

    #[test]
    fn anonymous_writes_need_a_token() {
        let err = can(&Actor::anonymous(), Action::Update, Resource::Organization(Some(Uuid::now_v7()))).unwrap_err();
        assert!(matches!(err, AppError::Unauthorized { .. }));
    }

    #[test]
    fn org_admins_edit_only_their_own_organisation() {
        let org = Uuid::now_v7();
        let admin = user(vec![Membership { organization_id: org, role: Role::OrgAdmin }]);
        assert!(can(&admin, Action::Update, Resource::Organization(Some(org))).is_ok());
        assert!(matches!(
            can(&admin, Action::Update, Resource::Organization(Some(Uuid::now_v7()))),
            Err(AppError::Forbidden)
        ));
        assert!(can(&admin, Action::Create, Resource::Organization(None)).is_err());
    }

    #[test]
    fn private_contacts_of_others_are_not_found() {
        let org = Uuid::now_v7();
        let outsider = user(vec![]);
        let res = can(
            &outsider,
            Action::Read,
            Resource::Contact { organization_id: org, public: false, collaborator: false },
        );
        assert!(matches!(res, Err(AppError::NotFound)));
        let member = user(vec![Membership { organization_id: org, role: Role::Member }]);
        assert!(
            can(&member, Action::Read, Resource::Contact { organization_id: org, public: false, collaborator: false })
                .is_ok()
        );
        assert!(
            can(
                &member,
                Action::Update,
                Resource::Contact { organization_id: org, public: false, collaborator: false }
            )
            .is_err()
        );
    }

    #[test]
    fn roles_are_ordered() {
        assert!(Role::OrgAdmin > Role::Coordinator && Role::Coordinator > Role::Member);
    }
}
