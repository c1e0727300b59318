//! Who reads and follows up actions: the host's organisations (a network's members, an
//! agreement's parties, a workshop's organisations) and the responsible organisation read
//! them; others get 404. The host's runners edit and delete; the responsible organisation,
//! once it has taken the action on, moves its status and names its contact.

use super::model::Action;
use crate::domain::access::{Actor, Role, admin_or, allow};
use crate::error::AppError;

pub fn can_read(actor: &Actor, a: &Action) -> Result<(), AppError> {
    let orgs = actor.organizations();
    let concerned = orgs.iter().any(|o| a.hosts.contains(o) || *o == a.fields.responsible_organization_id);
    if actor.is_platform_admin() || concerned { Ok(()) } else { Err(AppError::NotFound) }
}

/// Change anything or delete: coordinators of the host's runners.
pub fn can_edit(actor: &Actor, a: &Action) -> Result<(), AppError> {
    can_read(actor, a)?;
    admin_or(actor, actor.has_role_in_any(&a.runners, Role::Coordinator))
}

/// Move the status and name the contact: the runners, or the responsible organisation's
/// coordinators once it has accepted.
pub fn can_follow_up(actor: &Actor, a: &Action) -> Result<(), AppError> {
    can_read(actor, a)?;
    if can_edit(actor, a).is_ok() {
        return Ok(());
    }
    allow(actor, a.accepted && actor.has_role(a.fields.responsible_organization_id, Role::Coordinator))
}

/// Take the action on: the responsible organisation's coordinators.
pub fn can_accept(actor: &Actor, a: &Action) -> Result<(), AppError> {
    can_read(actor, a)?;
    crate::domain::access::can_accept_listing(actor, a.fields.responsible_organization_id)
}
