//! Who reads and handles phenomenon reports. Reports are the collaboration's: members of any
//! organisation read them (others 401/403); counts for maps are anyone's, small ones
//! suppressed. An organisation's members report for it and keep its reports; the responsible
//! organisation's coordinators (without one, the reporter's) move a report along and respond.
//! Naming a responsible organisation lets it respond and binds it to nothing.

use uuid::Uuid;

use super::model::Phenomenon;
use crate::domain::access::{Actor, Principal, Role, allow, denied};
use crate::error::AppError;

/// Read reports: a member of some organisation, or a platform admin.
pub fn can_read(actor: &Actor) -> Result<(), AppError> {
    match &actor.principal {
        Principal::Anonymous => Err(denied(actor)),
        _ => allow(actor, actor.is_platform_admin() || !actor.organizations().is_empty()),
    }
}

/// Report for `reporter`: its members.
pub fn can_report(actor: &Actor, reporter: Uuid) -> Result<(), AppError> {
    allow(actor, actor.has_role(reporter, Role::Member))
}

/// Change what a report says: the reporter's members.
pub fn can_edit(actor: &Actor, report: &Phenomenon) -> Result<(), AppError> {
    allow(actor, actor.has_role(report.reporter_organization_id, Role::Member))
}

/// Move a report along and respond: the responsible organisation's coordinators, or the
/// reporter's when none is named.
pub fn can_respond(actor: &Actor, report: &Phenomenon) -> Result<(), AppError> {
    let handler = report.fields.responsible_organization_id.unwrap_or(report.reporter_organization_id);
    allow(actor, actor.has_role(handler, Role::Coordinator))
}

/// Delete a report: the reporter's coordinators.
pub fn can_delete(actor: &Actor, report: &Phenomenon) -> Result<(), AppError> {
    allow(actor, actor.has_role(report.reporter_organization_id, Role::Coordinator))
}

/// Extend the list of themes: platform admins.
pub fn can_add_theme(actor: &Actor) -> Result<(), AppError> {
    allow(actor, actor.is_platform_admin())
}

/// The organisations whose own reports the summary shows unsuppressed.
pub fn own_organizations(actor: &Actor) -> Vec<Uuid> {
    actor.organizations()
}
