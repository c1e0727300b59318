//! Who may see and edit contact persons. Public role contacts are for everyone. A members-only
//! contact is for the organisation's members and for members of organisations collaborating
//! with it; to anyone else it does not exist (404). Coordinators and org admins edit.

use uuid::Uuid;

use crate::domain::access::{Actor, Role, Scope, admin_or};
use crate::error::AppError;

/// `collaborator`: the actor reads for an organisation collaborating with the contact's. A
/// service client with `contacts:read` reads as its organisation's members do.
pub fn can_read(actor: &Actor, organization_id: Uuid, public: bool, collaborator: bool) -> Result<(), AppError> {
    let visible = public
        || collaborator
        || actor.is_platform_admin()
        || actor.reading_organizations(Scope::ContactsRead).contains(&organization_id);
    if visible { Ok(()) } else { Err(AppError::NotFound) }
}

pub fn can_edit(actor: &Actor, organization_id: Uuid) -> Result<(), AppError> {
    admin_or(actor, actor.has_role(organization_id, Role::Coordinator))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::access::{Membership, Principal};

    fn user(memberships: Vec<Membership>) -> Actor {
        Actor {
            principal: Principal::User { id: Uuid::now_v7(), platform_admin: false, memberships },
            request_id: None,
        }
    }

    #[test]
    fn private_contacts_of_others_are_not_found() {
        let org = Uuid::now_v7();
        assert!(matches!(can_read(&user(vec![]), org, false, false), Err(AppError::NotFound)));
        assert!(matches!(can_read(&Actor::anonymous(), org, false, false), Err(AppError::NotFound)));
        assert!(can_read(&Actor::anonymous(), org, true, false).is_ok());
        let member = user(vec![Membership { organization_id: org, role: Role::Member }]);
        assert!(can_read(&member, org, false, false).is_ok());
        assert!(matches!(can_edit(&member, org), Err(AppError::Forbidden)));
    }
}
