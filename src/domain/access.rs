//! Authorisation primitives: who the actor is, their roles in which organisations, and the one
//! answer to "not allowed" (401 for an anonymous caller, 403 for a known one). Each resource
//! composes these into its own policy in `domain/<resource>/access.rs`; "not visible" is a 404
//! decided there.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::AppError;

/// A person's role in one organisation, weakest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Member,
    Coordinator,
    OrgAdmin,
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
    /// Read the agreements the client's organisation is party to, as its members may.
    #[serde(rename = "agreements:read")]
    AgreementsRead,
    /// Read contact persons as the client's organisation's members may.
    #[serde(rename = "contacts:read")]
    ContactsRead,
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

    /// Whether the actor has at least `min` in `organization_id`.
    pub fn has_role(&self, organization_id: Uuid, min: Role) -> bool {
        self.role_in(organization_id).is_some_and(|r| r >= min)
    }

    /// Whether the actor has at least `min` in any of `organizations`.
    pub fn has_role_in_any(&self, organizations: &[Uuid], min: Role) -> bool {
        organizations.iter().any(|o| self.has_role(*o, min))
    }

    /// Organisations the actor is a member of (any role); none for clients and anonymous callers.
    pub fn organizations(&self) -> Vec<Uuid> {
        match &self.principal {
            Principal::User { memberships, .. } => memberships.iter().map(|m| m.organization_id).collect(),
            _ => Vec::new(),
        }
    }

    /// The organisations whose members' reading rights the actor has for what `scope` covers:
    /// a person's own organisations, or a service client's organisation when it holds `scope`.
    pub fn reading_organizations(&self, scope: Scope) -> Vec<Uuid> {
        match &self.principal {
            Principal::Client { organization_id, scopes, .. } if scopes.contains(&scope) => vec![*organization_id],
            _ => self.organizations(),
        }
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

    pub fn is_anonymous(&self) -> bool {
        self.principal == Principal::Anonymous
    }
}

/// The answer to a caller who may not do something: 401 (sign in) when anonymous, else 403.
pub fn denied(actor: &Actor) -> AppError {
    if actor.is_anonymous() {
        AppError::unauthorized("Sign in: this needs an access token.")
    } else {
        AppError::Forbidden
    }
}

/// `Ok` when `allowed`, else [`denied`].
pub fn allow(actor: &Actor, allowed: bool) -> Result<(), AppError> {
    if allowed { Ok(()) } else { Err(denied(actor)) }
}

/// Naming is not consent: an organisation listed on a record (an event series' organiser, a
/// document's editor, a cost item's sharer) takes its place by its own act. Its coordinators
/// and org admins accept for it; platform admins do not act for organisations.
pub fn can_accept_listing(actor: &Actor, organization: Uuid) -> Result<(), AppError> {
    allow(actor, actor.has_role(organization, Role::Coordinator))
}

/// The body of an acceptance: the listed organisation that takes its place (as an organiser,
/// an editor, a sharer of a cost).
#[derive(Clone, Copy, Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptanceInput {
    /// The listed organisation that accepts; you coordinate or administer it.
    pub organization_id: Uuid,
}

/// The organisations a write lists, each with whether it accepts by this very write: those
/// the writer coordinates do, the others are only invited.
pub fn accepted_as_listed(actor: &Actor, listed: &[Uuid]) -> Vec<(Uuid, bool)> {
    listed.iter().map(|o| (*o, actor.has_role(*o, Role::Coordinator))).collect()
}

/// Whether a reference the caller gives is to a record they may see: the answer of that
/// resource's own read (`get`), with "not found" and "not allowed" both `false`, so that a
/// reference never tells a record the caller cannot read from one that does not exist.
pub fn seen_by_caller<T>(read: Result<T, AppError>) -> Result<bool, AppError> {
    match read {
        Ok(_) => Ok(true),
        Err(AppError::NotFound | AppError::Forbidden | AppError::Unauthorized { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Platform admins may do anything; everyone else needs `allowed`.
pub fn admin_or(actor: &Actor, allowed: bool) -> Result<(), AppError> {
    allow(actor, actor.is_platform_admin() || allowed)
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
    fn denial_is_401_for_anonymous_and_403_for_known_callers() {
        assert!(matches!(allow(&Actor::anonymous(), false), Err(AppError::Unauthorized { .. })));
        assert!(matches!(allow(&user(vec![]), false), Err(AppError::Forbidden)));
        assert!(allow(&user(vec![]), true).is_ok());
    }

    #[test]
    fn roles_are_ordered_and_checked_per_organisation() {
        let org = Uuid::now_v7();
        let coordinator = user(vec![Membership { organization_id: org, role: Role::Coordinator }]);
        assert!(coordinator.has_role(org, Role::Member) && coordinator.has_role(org, Role::Coordinator));
        assert!(!coordinator.has_role(org, Role::OrgAdmin));
        assert!(!coordinator.has_role(Uuid::now_v7(), Role::Member));
        assert!(Role::OrgAdmin > Role::Coordinator && Role::Coordinator > Role::Member);
    }
}
