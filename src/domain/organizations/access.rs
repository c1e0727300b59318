//! Who may do what to organisation records. Records are public directory data; platform admins
//! register and remove organisations and change registry facts (kind, business ID, parent); an
//! organisation's own org admins edit the rest of its record.

use uuid::Uuid;

use crate::domain::access::{Actor, Role, admin_or};
use crate::error::AppError;

pub fn can_create(actor: &Actor) -> Result<(), AppError> {
    admin_or(actor, false)
}

pub fn can_update(actor: &Actor, organization_id: Uuid) -> Result<(), AppError> {
    admin_or(actor, actor.has_role(organization_id, Role::OrgAdmin))
}

/// Registry facts (kind, business ID, parent) say what the organisation is; an org admin edits
/// how it presents itself, a platform admin what it is.
pub fn can_change_registry_facts(actor: &Actor) -> Result<(), AppError> {
    admin_or(actor, false)
}

pub fn can_delete(actor: &Actor) -> Result<(), AppError> {
    admin_or(actor, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::access::{Membership, Principal};

    #[test]
    fn org_admins_edit_only_their_own_organisation() {
        let org = Uuid::now_v7();
        let admin = Actor {
            principal: Principal::User {
                id: Uuid::now_v7(),
                platform_admin: false,
                memberships: vec![Membership { organization_id: org, role: Role::OrgAdmin }],
            },
            request_id: None,
        };
        assert!(can_update(&admin, org).is_ok());
        assert!(matches!(can_update(&admin, Uuid::now_v7()), Err(AppError::Forbidden)));
        assert!(can_create(&admin).is_err());
        assert!(matches!(can_update(&Actor::anonymous(), org), Err(AppError::Unauthorized { .. })));
    }
}
