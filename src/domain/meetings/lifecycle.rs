//! Holding meetings: creating one for a network or an agreement's parties (booking its venue
//! when asked), changing it, recording decisions, deleting it; each one transaction with its
//! audit record.

use uuid::Uuid;

use super::access;
use super::model::*;
use crate::domain::access::{Actor, Role};
use crate::domain::actions::{self, Action, ActionFields};
use crate::domain::audit::{self, Change};
use crate::domain::context::Cx;
use crate::domain::types::merge_patch;
use crate::domain::types::precondition::IfMatch;
use crate::domain::types::validation;
use crate::error::{AppError, FieldError};
use crate::repo::meetings as repo;

/// The organising organisation: the one given, or the one runner the actor coordinates.
fn organizer(actor: &Actor, fields: &MeetingFields, runners: &[Uuid]) -> Result<Uuid, AppError> {
    let mine: Vec<Uuid> = runners.iter().copied().filter(|r| actor.has_role(*r, Role::Coordinator)).collect();
    match fields.organizer_organization_id {
        Some(given) if mine.contains(&given) || (actor.is_platform_admin() && runners.contains(&given)) => Ok(given),
        Some(_) => Err(AppError::invalid(
            "organizer_organization_id",
            "not_a_host",
            "a coordinating member of the network, or a party, that you coordinate",
        )),
        None => match mine.as_slice() {
            [only] => Ok(*only),
            _ => Err(AppError::invalid("organizer_organization_id", "required", "say which organisation organises")),
        },
    }
}

/// What the meeting names exists and the caller may read it (422 naming the field), the
/// decisions' references too.
async fn references_hold(cx: &mut Cx<'_>, fields: &MeetingFields) -> Result<(), AppError> {
    use crate::domain::access::seen_by_caller;
    let mut errors = Vec::new();
    let conn = cx.conn().await?;
    if let Some(venue) = fields.venue_id
        && crate::repo::venues::get(conn, venue).await?.is_none()
    {
        errors.push(FieldError::new("venue_id", "not_found", "no such venue"));
    }
    let attending: Vec<Uuid> = fields.attendance.iter().map(|a| a.organization_id).collect();
    if let Some(i) = crate::domain::organizations::first_missing(conn, &attending).await? {
        errors.push(FieldError::new(format!("attendance[{i}].organization_id"), "not_found", "no such organisation"));
    }
    if let Some(doc) = fields.coordination_document_id
        && !seen_by_caller(crate::domain::coordination_documents::get(cx, doc).await)?
    {
        errors.push(FieldError::new("coordination_document_id", "not_found", "no such document"));
    }
    if let Some(w) = fields.workshop_id
        && !seen_by_caller(crate::domain::workshops::get(cx, w).await)?
    {
        errors.push(FieldError::new("workshop_id", "not_found", "no such workshop"));
    }
    for (i, d) in fields.decisions.iter().enumerate() {
        errors.extend(actions::references_hold(cx, &format!("decisions[{i}]"), &d.clone().into_action(), None).await?);
    }
    if errors.is_empty() { Ok(()) } else { Err(AppError::Validation(errors)) }
}

/// Books the venue for the meeting's time for the organiser, through the venue's bookings.
async fn book(cx: &mut Cx<'_>, fields: &MeetingFields, organizer: Uuid) -> Result<Option<Uuid>, AppError> {
    let Some(venue) = fields.venue_id.filter(|_| fields.book_venue) else { return Ok(None) };
    let booking = crate::domain::venues::bookings::BookingFields {
        organization_id: organizer,
        occurrence_id: None,
        start: fields.starts_at,
        end: fields.ends(),
        note: None,
    };
    Ok(Some(crate::domain::venues::bookings::create(cx, venue, booking).await?.id))
}

/// Frees the venue a meeting booked.
async fn unbook(cx: &mut Cx<'_>, venue: Option<Uuid>, booking: Option<Uuid>) -> Result<(), AppError> {
    if let (Some(venue), Some(booking)) = (venue, booking) {
        crate::domain::venues::bookings::cancel(cx, venue, booking, IfMatch::Any).await?;
    }
    Ok(())
}

/// A booking is for what is still to come.
fn bookable(fields: &MeetingFields) -> Result<(), AppError> {
    if fields.book_venue && fields.starts_at < chrono::Utc::now() - chrono::Duration::days(1) {
        return Err(AppError::invalid("book_venue", "in_past", "only meetings still to come book a venue"));
    }
    Ok(())
}

/// Holds a meeting of a network (its coordinators) or of an agreement's parties (their
/// coordinators); the decisions become its actions.
pub async fn create(cx: &mut Cx<'_>, host: MeetingHost, fields: MeetingFields) -> Result<SeenMeeting, AppError> {
    cx.write(async |cx| {
        let runners = match host {
            MeetingHost::Network(id) => {
                let (tx, actor) = cx.parts().await?;
                let network = crate::domain::networks::load(tx, id, true).await?;
                crate::domain::networks::access::can_edit(actor, &network)?;
                network.coordinator_ids()
            }
            MeetingHost::Agreement(id) => {
                let agreement = crate::domain::agreements::get(cx, id).await?;
                let (_, actor) = cx.parts().await?;
                crate::domain::agreements::access::can_edit(actor, &agreement)?;
                agreement.party_ids()
            }
        };
        let (_, actor) = cx.parts().await?;
        validation::check_with(&fields, fields.rules())?;
        let organizer = organizer(actor, &fields, &runners)?;
        bookable(&fields)?;
        references_hold(cx, &fields).await?;
        let booking = book(cx, &fields, organizer).await?;
        let (tx, actor) = cx.parts().await?;
        let id = Uuid::now_v7();
        let decisions = fields.decisions.clone();
        let origin = match host {
            MeetingHost::Network(n) => (Some(n), None),
            MeetingHost::Agreement(a) => (None, Some(a)),
        };
        repo::insert(tx, id, origin, booking, &fields.into_row(organizer)?).await?;
        let mut made = Vec::new();
        for d in decisions {
            made.push(actions::add(tx, actor, (Some(id), None), d.into_action()).await?);
        }
        let created = load(tx, id, false).await?;
        audit::record(tx, actor, "create", Change::Created(&created)).await?;
        Ok(access::for_reader(actor, created, made))
    })
    .await
}

/// Applies a merge patch; a new time or venue moves the booking with it.
pub async fn update(
    cx: &mut Cx<'_>,
    id: Uuid,
    if_match: IfMatch,
    patch: serde_json::Value,
) -> Result<SeenMeeting, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = load(tx, id, true).await?;
        access::can_edit(actor, &before)?;
        if_match.check_required(before.version)?;
        let mut fields = merge_patch::apply(&before.fields, &patch)?;
        // A new start alone moves the meeting, keeping its length.
        if patch.get("starts_at").is_some() && patch.get("ends_at").is_none() {
            let length = before.fields.ends() - before.fields.starts_at;
            fields.ends_at = Some(fields.starts_at.checked_add_signed(length).unwrap_or(fields.starts_at));
        }
        let mut rules = fields.rules();
        if !fields.decisions.is_empty() {
            rules.push(FieldError::new(
                "decisions",
                "use_actions",
                "add decisions with POST /api/v1/meetings/{id}/actions",
            ));
        }
        validation::check_with(&fields, rules)?;
        let organizer = if fields.organizer_organization_id == before.fields.organizer_organization_id {
            before
                .fields
                .organizer_organization_id
                .ok_or_else(|| AppError::internal("a meeting without an organiser"))?
        } else {
            organizer(actor, &fields, &before.runners)?
        };
        references_hold(cx, &fields).await?;
        if fields == before.fields {
            let (tx, actor) = cx.parts().await?;
            let decisions = actions::of_meetings(tx, &[id]).await?;
            return Ok(access::for_reader(actor, before, decisions));
        }
        let (_, actor) = cx.parts().await?;
        let moved = fields.venue_id != before.fields.venue_id
            || fields.starts_at != before.fields.starts_at
            || fields.ends() != before.fields.ends()
            || Some(organizer) != before.fields.organizer_organization_id;
        let mut booking = before.booking_id;
        let rebook = booking.is_some() && (!fields.book_venue || moved);
        if rebook || (fields.book_venue && booking.is_none()) {
            // Bookings are the organiser's: say so before anything is cancelled.
            crate::domain::venues::access::can_book(actor, organizer)?;
        }
        if rebook {
            unbook(cx, before.fields.venue_id, booking).await?;
            booking = None;
        }
        if fields.book_venue && booking.is_none() {
            bookable(&fields)?;
            booking = book(cx, &fields, organizer).await?;
        }
        let (tx, actor) = cx.parts().await?;
        repo::update(tx, id, booking, &fields.into_row(organizer)?).await?;
        let after = load(tx, id, false).await?;
        audit::record(tx, actor, "update", Change::updated(&before, &after)).await?;
        let decisions = actions::of_meetings(tx, &[id]).await?;
        Ok(access::for_reader(actor, after, decisions))
    })
    .await
}

/// Deletes a meeting and frees its booking; 409 while it has decisions (actions), which other
/// organisations may have taken on.
pub async fn delete(cx: &mut Cx<'_>, id: Uuid, if_match: IfMatch) -> Result<(), AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = load(tx, id, true).await?;
        access::can_edit(actor, &before)?;
        if_match.check_required(before.version)?;
        if crate::repo::actions::count_of_origin(tx, Some(id), None).await? > 0 {
            return Err(AppError::Conflict {
                detail: "the meeting's decisions are followed up as actions: delete them first".into(),
            });
        }
        unbook(cx, before.fields.venue_id, before.booking_id).await?;
        let (tx, actor) = cx.parts().await?;
        repo::delete(tx, id).await?;
        audit::record(tx, actor, "delete", Change::Deleted(&before)).await?;
        Ok(())
    })
    .await
}

/// Records a decision or another follow-up action of the meeting (its runners).
pub async fn add_action(cx: &mut Cx<'_>, meeting_id: Uuid, fields: ActionFields) -> Result<Action, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let meeting = load(tx, meeting_id, true).await?;
        access::can_edit(actor, &meeting)?;
        actions::check(cx, &fields, None).await?;
        let (tx, actor) = cx.parts().await?;
        actions::add(tx, actor, (Some(meeting_id), None), fields).await
    })
    .await
}
