//! The event-series policy. A published series is public. A draft exists only for members of
//! the organisations it names (and platform admins); to everyone else it is a 404. The
//! publisher's and accepted organisers' coordinators edit; a named organisation's coordinator
//! accepts for it, or takes it off the list; the publisher's coordinators delete. Attendance
//! is recorded by any member of an accepted organiser. Platform admins read everything (for
//! support) and write nothing: they do not act for organisations.

use uuid::Uuid;

use super::model::{CostItem, CostItemFields, EventSeries};
use crate::db::Conn;
use crate::domain::access::{Actor, Role, allow, can_accept_listing};
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
    can_accept_listing(actor, organization)
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
    if is_insider(actor, series) { Ok(()) } else { Err(crate::domain::access::denied(actor)) }
}

/// Agreeing to a share is the sharing organisation's own act: its coordinators and org admins.
pub fn can_accept_share(actor: &Actor, series: &EventSeries, organization: Uuid) -> Result<(), AppError> {
    can_read_costs(actor, series)?;
    can_accept_listing(actor, organization)
}

/// The cost rule: who has agreed to their share after this write. Organisations the actor
/// coordinates, all of them for the cost the agreement signed, and those who agreed before
/// when neither their percentage nor what the item costs changed.
pub fn agreed_after(
    actor: &Actor,
    fields: &CostItemFields,
    from_agreement: bool,
    before: Option<&CostItem>,
) -> Vec<Uuid> {
    fields
        .shares
        .iter()
        .filter(|s| {
            from_agreement
                || actor.has_role(s.organization_id, Role::Coordinator)
                || before.is_some_and(|b| {
                    let same_cost = b.fields.category == fields.category
                        && b.fields.basis == fields.basis
                        && b.fields.amount == fields.amount;
                    same_cost && b.agreed_by.contains(&s.organization_id) && b.fields.shares.iter().any(|old| old == *s)
                })
        })
        .map(|s| s.organization_id)
        .collect()
}

/// The series, if the actor may see it (404 when not).
pub fn visible(actor: &Actor, series: EventSeries) -> Result<EventSeries, AppError> {
    can_read(actor, &series)?;
    Ok(series)
}

/// Who sees what in a list: published series for everyone; drafts for the named organisations'
/// members (and platform admins).
pub fn visibility(actor: &Actor) -> (Vec<Uuid>, bool) {
    (actor.organizations(), actor.is_platform_admin())
}

/// Members of the named organisations (accepted or not) and platform admins see the whole
/// series: every organisation named and every contact they may see.
pub fn is_insider(actor: &Actor, series: &EventSeries) -> bool {
    actor.is_platform_admin() || series.named_organizers().iter().any(|o| actor.role_in(*o).is_some())
}

/// Joining an umbrella binds it to the child: for coordinators of its accepted organisers.
pub fn can_join_umbrella(actor: &Actor, umbrella: &EventSeries) -> bool {
    actor.has_role_in_any(&umbrella.accepted_organizers(), Role::Coordinator)
}

/// The series as its reader may see it. An invited organisation is shown as one only to the
/// named organisations' members (to others it is not an organiser until it accepts), and
/// responsible contacts only as far as the reader may see them.
pub async fn for_reader(conn: &mut Conn, actor: &Actor, series: EventSeries) -> Result<EventSeries, AppError> {
    for_readers(conn, actor, vec![series]).await?.pop().ok_or(AppError::NotFound)
}

/// [`for_reader`] for a page: the contacts of all of them are judged together.
pub async fn for_readers(
    conn: &mut Conn,
    actor: &Actor,
    mut all: Vec<EventSeries>,
) -> Result<Vec<EventSeries>, AppError> {
    let contacts: Vec<Uuid> = all.iter().flat_map(|s| s.fields.responsible_contact_ids.iter().copied()).collect();
    let visible = crate::domain::contacts::visible_among(conn, actor, &contacts).await?;
    for series in &mut all {
        let insider = is_insider(actor, series);
        let shown = (series.organizers.len(), series.fields.responsible_contact_ids.len());
        if !insider {
            series.organizers.retain(|o| o.accepted);
            series.fields.organizer_ids = series.accepted_organizers();
        }
        series.fields.responsible_contact_ids.retain(|c| visible.contains(c));
        series.redacted = shown != (series.organizers.len(), series.fields.responsible_contact_ids.len());
    }
    Ok(all)
}
