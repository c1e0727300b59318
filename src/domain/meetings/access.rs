//! Who sees and runs a meeting. A public network's or public agreement's meetings are
//! anyone's to see without their minutes, attendance, notes, online link and decisions; those
//! are for the host's organisations (members, parties). Other meetings do not exist for others
//! (404). The network's coordinators, or the agreement's parties, run them.

use super::model::{Meeting, SeenMeeting};
use crate::domain::access::{Actor, Role, admin_or};
use crate::domain::actions::Action;
use crate::error::AppError;

pub fn is_insider(actor: &Actor, m: &Meeting) -> bool {
    actor.is_platform_admin() || actor.organizations().iter().any(|o| m.hosts.contains(o))
}

pub fn can_read(actor: &Actor, m: &Meeting) -> Result<(), AppError> {
    if m.public || is_insider(actor, m) { Ok(()) } else { Err(AppError::NotFound) }
}

pub fn can_edit(actor: &Actor, m: &Meeting) -> Result<(), AppError> {
    can_read(actor, m)?;
    admin_or(actor, actor.has_role_in_any(&m.runners, Role::Coordinator))
}

/// What `actor` sees of `meeting`: its decisions only as an insider (the view also leaves out
/// the minutes, attendance, notes and link then).
pub fn for_reader(actor: &Actor, meeting: Meeting, decisions: Vec<Action>) -> SeenMeeting {
    let insider = is_insider(actor, &meeting);
    SeenMeeting { decisions: if insider { decisions } else { Vec::new() }, insider, meeting }
}
