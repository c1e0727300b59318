//! The event-series policy. A published series is public. A draft exists only for members of
//! the organisations it names (and platform admins); to everyone else it is a 404. The
//! publisher's and accepted organisers' coordinators edit; a named organisation's coordinator
//! accepts for it, or takes it off the list; the publisher's coordinators delete. Attendance
//! is recorded by any member of an accepted organiser. Platform admins read everything (for
//! support) and write nothing: they do not act for organisations.

use uuid::Uuid;

use super::EventSeries;
use crate::domain::access::{Actor, Role, allow};
use crate::error::AppError;

pub fn can_read(actor: &Actor, series: &EventSeries) -> Result<(), AppError> {
    let named = series.named_organizers();
    if series.is_published() || actor.is_platform_admin() || named.iter().any(|o| actor.role_in(*o).is_some()) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

pub fn can_create(actor: &Actor, publisher: Uuid) -> Result<(), AppError> {
    allow(actor, actor.has_role(publisher, Role::Coordinator))
}

/// Editing the content: a coordinator of an organiser that has accepted.
pub fn can_edit(actor: &Actor, series: &EventSeries) -> Result<(), AppError> {
    can_read(actor, series)?;
    allow(actor, actor.has_role_in_any(&series.accepted_organizers(), Role::Coordinator))
}

/// Changing the series at all: an editor, or a named organisation's coordinator (who may
/// only take it off the list).
pub fn can_edit_or_leave(actor: &Actor, series: &EventSeries) -> Result<(), AppError> {
    can_read(actor, series)?;
    allow(actor, actor.has_role_in_any(&series.named_organizers(), Role::Coordinator))
}

/// Content and added organisers need an editor; each removed organiser needs its own
/// coordinator or the publisher's.
pub fn can_change(
    actor: &Actor,
    series: &EventSeries,
    content: bool,
    added: &[Uuid],
    removed: &[Uuid],
) -> Result<(), AppError> {
    let editor = actor.has_role_in_any(&series.accepted_organizers(), Role::Coordinator);
    if (content || !added.is_empty()) && !editor {
        return Err(crate::domain::access::denied(actor));
    }
    let publisher = actor.has_role(series.fields.publisher_id, Role::Coordinator);
    allow(actor, removed.iter().all(|o| publisher || actor.has_role(*o, Role::Coordinator)))
}

/// Handing the publisher's role to another organiser is the publisher's own act.
pub fn can_hand_over(actor: &Actor, series: &EventSeries) -> Result<(), AppError> {
    allow(actor, actor.has_role(series.fields.publisher_id, Role::Coordinator))
}

pub fn can_accept(actor: &Actor, series: &EventSeries, organization: Uuid) -> Result<(), AppError> {
    can_read(actor, series)?;
    allow(actor, actor.has_role(organization, Role::Coordinator))
}

pub fn can_delete(actor: &Actor, series: &EventSeries) -> Result<(), AppError> {
    can_read(actor, series)?;
    allow(actor, actor.has_role(series.fields.publisher_id, Role::Coordinator))
}

pub fn can_record_attendance(actor: &Actor, series: &EventSeries) -> Result<(), AppError> {
    can_read(actor, series)?;
    allow(actor, actor.has_role_in_any(&series.accepted_organizers(), Role::Member))
}

/// Cost items are the organisers' business: members of named organisations read them.
pub fn can_read_costs(actor: &Actor, series: &EventSeries) -> Result<(), AppError> {
    can_read(actor, series)?;
    if actor.is_platform_admin() || series.named_organizers().iter().any(|o| actor.role_in(*o).is_some()) {
        Ok(())
    } else {
        Err(crate::domain::access::denied(actor))
    }
}

/// Agreeing to a share is the sharing organisation's own act: its coordinators and org admins.
pub fn can_accept_share(actor: &Actor, series: &EventSeries, organization: Uuid) -> Result<(), AppError> {
    can_read_costs(actor, series)?;
    allow(actor, actor.has_role(organization, Role::Coordinator))
}
