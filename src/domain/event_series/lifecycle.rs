//! Writing a series: create, update, accept a place among the organisers, delete; and the
//! hourly move of every series' occurrences with the horizon.

use chrono::{Months, Utc};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::access;
use super::model::*;
use crate::db::Conn;
use crate::domain::access::{Role, accepted_as_listed};
use crate::domain::audit::{self, Change};
use crate::domain::context::Cx;
use crate::domain::types::merge_patch;
use crate::domain::types::precondition::IfMatch;
use crate::domain::types::validation;
use crate::error::{AppError, FieldError};
use crate::repo::event_series as repo;

/// References that need the database and the actor's view: 422 naming the field.
async fn check_references(
    cx: &mut Cx<'_>,
    fields: &SeriesFields,
    before: Option<&SeriesFields>,
) -> Result<(), AppError> {
    let changed = |f: fn(&SeriesFields) -> Option<Uuid>| before.is_none_or(|b| f(b) != f(fields));
    let (conn, actor) = cx.parts().await?;
    if let Some(schedule) = &fields.schedule
        && before.is_none_or(|b| b.schedule.as_ref().map(|s| &s.timezone) != Some(&schedule.timezone))
        && !zone_known(conn, &schedule.timezone).await?
    {
        return Err(AppError::invalid(
            "schedule.timezone",
            "unknown_timezone",
            "the database does not know this time zone",
        ));
    }
    if let Some(i) = crate::domain::organizations::first_missing(conn, &fields.organizer_ids).await? {
        return Err(AppError::invalid(format!("organizer_ids[{i}]"), "not_found", "no such organisation"));
    }
    if let Some(venue) = fields.venue_id
        && changed(|f| f.venue_id)
        && crate::repo::venues::get(conn, venue).await?.is_none()
    {
        return Err(AppError::invalid("venue_id", "not_found", "no such venue"));
    }
    if let Some(parent) = fields.parent_id
        && changed(|f| f.parent_id)
    {
        let parent = match load(conn, parent, false).await.and_then(|p| access::visible(actor, p)) {
            Ok(p) => p,
            Err(_) => return Err(AppError::invalid("parent_id", "not_found", "no such series visible to you")),
        };
        if parent.fields.kind != SeriesKind::Umbrella {
            return Err(AppError::invalid("parent_id", "not_umbrella", "the parent must be an umbrella series"));
        }
        // Joining an umbrella is for its organisers: naming it binds it to the child.
        if !access::can_join_umbrella(actor, &parent) {
            return Err(AppError::invalid("parent_id", "not_an_organizer", "you do not organise that umbrella series"));
        }
    }
    let new_contacts: Vec<Uuid> = fields
        .responsible_contact_ids
        .iter()
        .copied()
        .filter(|c| before.is_none_or(|b| !b.responsible_contact_ids.contains(c)))
        .collect();
    for c in new_contacts {
        if !crate::domain::contacts::is_visible(conn, actor, c).await? {
            let i = fields.responsible_contact_ids.iter().position(|x| *x == c).unwrap_or_default();
            return Err(AppError::invalid(
                format!("responsible_contact_ids[{i}]"),
                "not_found",
                "no such contact visible to you",
            ));
        }
    }
    if let Some(agreement) = fields.agreement_id
        && changed(|f| f.agreement_id)
    {
        // A link lends the agreement's cost sharing to the series: only a party to what is in
        // force links (not one an unsigned amendment would add), and only while it is in force.
        let Ok(signed) = crate::domain::agreements::versions::in_force(cx, agreement).await else {
            return Err(AppError::invalid("agreement_id", "not_found", "no such agreement visible to you"));
        };
        let Some(signed) = signed else {
            return Err(AppError::invalid("agreement_id", "not_in_force", "link an agreement in force"));
        };
        let parties: Vec<Uuid> = signed.parties.iter().map(|p| p.organization_id).collect();
        let (_, actor) = cx.parts().await?;
        if !actor.has_role_in_any(&parties, Role::Coordinator) {
            return Err(AppError::invalid(
                "agreement_id",
                "not_a_party",
                "link an agreement to which an organisation you coordinate is a party",
            ));
        }
    }
    Ok(())
}

pub async fn create(cx: &mut Cx<'_>, mut fields: SeriesFields) -> Result<EventSeries, AppError> {
    cx.write(async |cx| {
        let (_, actor) = cx.parts().await?;
        access::can_create(actor, fields.publisher_id)?;
        validation::check_with(&fields, fields.rules())?;
        if !fields.organizer_ids.contains(&fields.publisher_id) {
            fields.organizer_ids.push(fields.publisher_id);
        }
        check_references(cx, &fields, None).await?;
        let (tx, actor) = cx.parts().await?;
        // The creator acts for the organisations it coordinates: those accept at once.
        let organizers = accepted_as_listed(actor, &fields.organizer_ids);
        let id = Uuid::now_v7();
        repo::insert(tx, id, &fields.into_row(0)?).await?;
        repo::add_organizers(tx, id, &organizers).await?;
        let created = load(tx, id, false).await?;
        materialise(tx, &created).await?;
        audit::record(tx, actor, "create", Change::Created(&created)).await?;
        access::for_reader(tx, actor, created).await
    })
    .await
}

pub async fn update(
    cx: &mut Cx<'_>,
    id: Uuid,
    if_match: IfMatch,
    patch: serde_json::Value,
) -> Result<EventSeries, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = access::visible(actor, load(tx, id, true).await?)?;
        access::can_edit_or_leave(actor, &before)?;
        if_match.check_required(before.version)?;
        let mut fields = merge_patch::apply(&before.fields, &patch)?;
        if !fields.organizer_ids.contains(&fields.publisher_id) {
            fields.organizer_ids.push(fields.publisher_id);
        }
        // Contacts the editor was not shown stay: a patch of what it saw cannot drop them.
        let shown = crate::domain::contacts::visible_among(tx, actor, &before.fields.responsible_contact_ids).await?;
        for contact in &before.fields.responsible_contact_ids {
            if !fields.responsible_contact_ids.contains(contact) && !shown.contains(contact) {
                fields.responsible_contact_ids.push(*contact);
            }
        }
        let added: Vec<Uuid> =
            fields.organizer_ids.iter().copied().filter(|o| !before.fields.organizer_ids.contains(o)).collect();
        let removed: Vec<Uuid> =
            before.fields.organizer_ids.iter().copied().filter(|o| !fields.organizer_ids.contains(o)).collect();
        let mut content_before = before.fields.clone();
        content_before.organizer_ids = fields.organizer_ids.clone();
        access::can_change(actor, &before, content_before != fields, &added, &removed)?;
        if fields.publisher_id != before.fields.publisher_id {
            access::can_hand_over(actor, &before)?;
        }
        let mut errors = fields.rules();
        if fields.publisher_id != before.fields.publisher_id
            && !before.accepted_organizers().contains(&fields.publisher_id)
        {
            errors.push(FieldError::new(
                "publisher_id",
                "not_accepted",
                "the publisher must be an organiser that has accepted",
            ));
        }
        validation::check_with(&fields, errors)?;
        check_references(cx, &fields, Some(&before.fields)).await?;
        let (tx, actor) = cx.parts().await?;
        let sequence = if fields.materially_differs(&before.fields) { before.sequence + 1 } else { before.sequence };
        repo::update(tx, id, &fields.clone().into_row(sequence)?).await?;
        let accepted_now = accepted_as_listed(actor, &added);
        repo::add_organizers(tx, id, &accepted_now).await?;
        // An organiser that leaves stops carrying costs: first the cost items change.
        let items = crate::repo::event_series::costs::of_series(tx, id).await?;
        for item in items.into_iter().map(CostItem::try_from) {
            if let Some(org) = item?.fields.shares.iter().find(|s| removed.contains(&s.organization_id)) {
                return Err(AppError::Conflict {
                    detail: format!(
                        "organizer_ids: {} carries a share of the series' costs; change the cost items first",
                        org.organization_id
                    ),
                });
            }
        }
        repo::remove_organizers(tx, id, &removed).await?;
        let after = load(tx, id, false).await?;
        if after.fields.schedule != before.fields.schedule || after.fields.venue_id != before.fields.venue_id {
            materialise(tx, &after).await?;
        }
        audit::record(tx, actor, "update", Change::updated(&before, &after)).await?;
        access::for_reader(tx, actor, after).await
    })
    .await
}

/// Accepting to organise is the organisation's own act.
pub async fn accept(
    cx: &mut Cx<'_>,
    id: Uuid,
    organization_id: Uuid,
    if_match: IfMatch,
) -> Result<EventSeries, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = access::visible(actor, load(tx, id, true).await?)?;
        access::can_accept(actor, &before, organization_id)?;
        if_match.check_required(before.version)?;
        if !before.named_organizers().contains(&organization_id) {
            return Err(AppError::Conflict {
                detail: "The series does not name this organisation as an organiser.".into(),
            });
        }
        let after = if before.accepted_organizers().contains(&organization_id) {
            before
        } else {
            repo::accept_organizer(tx, id, organization_id).await?;
            // The acceptance changes what the series says: its version (and ETag) moves on.
            repo::update(tx, id, &before.fields.clone().into_row(before.sequence)?).await?;
            let after = load(tx, id, false).await?;
            audit::record(tx, actor, "accept", Change::updated(&before, &after)).await?;
            after
        };
        access::for_reader(tx, actor, after).await
    })
    .await
}

/// Deletes a series with its occurrences; one with attendance on record is cancelled instead
/// (409), so what happened is not lost.
pub async fn delete(cx: &mut Cx<'_>, id: Uuid, if_match: IfMatch) -> Result<(), AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = access::visible(actor, load(tx, id, true).await?)?;
        access::can_delete(actor, &before)?;
        if_match.check_required(before.version)?;
        if crate::repo::event_series::occurrences::any_attendance(tx, id).await? {
            return Err(AppError::Conflict {
                detail: "attendance is recorded for this series; set event_status to cancelled instead".into(),
            });
        }
        repo::delete(tx, id).await?;
        audit::record(tx, actor, "delete", Change::Deleted(&before)).await?;
        Ok(())
    })
    .await
}

/// Moves every series' occurrences forward with the rolling horizon: series whose occurrences
/// end within a month of the horizon are re-derived up to it. Returns how many were.
pub async fn extend_horizons(conn: &mut Conn) -> Result<usize, AppError> {
    let today = Utc::now().date_naive();
    let due_before = horizon_end(today).checked_sub_months(Months::new(1)).unwrap_or(today);
    let (mut done, mut after) = (0, Uuid::nil());
    loop {
        let ids = repo::due_for_horizon(conn, due_before, after, 100).await?;
        let Some(last) = ids.last() else { return Ok(done) };
        after = *last;
        for id in ids {
            let result = conn
                .transaction(async |tx| {
                    let series = load(tx, id, true).await?;
                    materialise(tx, &series).await
                })
                .await;
            match result {
                Ok(()) => done += 1,
                // One series that cannot be expanded must not hold back the others.
                Err(e) => tracing::warn!(series = %id, error = %e, "extending the occurrences of a series failed"),
            }
        }
    }
}
