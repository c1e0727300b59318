//! Who may see and manage an organisation's members: its members read the list; its org
//! admins add, change and remove members.

use uuid::Uuid;

use crate::domain::access::{Actor, Role, admin_or};
use crate::error::AppError;

pub fn can_read(actor: &Actor, organization_id: Uuid) -> Result<(), AppError> {
    admin_or(actor, actor.has_role(organization_id, Role::Member))
}

pub fn can_manage(actor: &Actor, organization_id: Uuid) -> Result<(), AppError> {
    admin_or(actor, actor.has_role(organization_id, Role::OrgAdmin))
}
