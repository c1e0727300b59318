//! Holding workshops: creating, changing, accepting a listed place, deleting, setting
//! actions; each one transaction with its audit record.

use uuid::Uuid;

use super::access;
use super::model::*;
use crate::domain::access::Actor;
use crate::domain::actions::{self, Action, ActionFields};
use crate::domain::audit::{self, Change};
use crate::domain::context::Cx;
use crate::domain::types::merge_patch;
use crate::domain::types::names::name_of;
use crate::domain::types::precondition::IfMatch;
use crate::domain::types::validation;
use crate::error::{AppError, FieldError};
use crate::repo::workshops::{self as repo, WorkshopOrganizationRow};

/// What the workshop names exists and may be named by the actor (422 naming the field).
/// `before` skips what an update leaves as it was.
async fn references_hold(
    conn: &mut crate::db::Conn,
    actor: &Actor,
    id: Option<Uuid>,
    fields: &WorkshopFields,
    before: Option<&WorkshopFields>,
) -> Result<(), AppError> {
    let mut errors = Vec::new();
    for (field, ids) in [
        ("organizer_ids", &fields.organizer_ids),
        ("participant_organization_ids", &fields.participant_organization_ids),
    ] {
        if let Some(i) = crate::domain::organizations::first_missing(conn, ids).await? {
            errors.push(FieldError::new(format!("{field}[{i}]"), "not_found", "no such organisation"));
        }
    }
    if let Some(venue) = fields.venue_id
        && crate::repo::venues::get(conn, venue).await?.is_none()
    {
        errors.push(FieldError::new("venue_id", "not_found", "no such venue"));
    }
    if let Some(network) = fields.network_id
        && before.is_none_or(|b| b.network_id != fields.network_id)
    {
        match crate::domain::networks::load(conn, network, false).await {
            Ok(n) if crate::domain::networks::access::can_edit(actor, &n).is_ok() => {}
            Ok(n) if crate::domain::networks::access::can_read(actor, &n).is_ok() => errors.push(FieldError::new(
                "network_id",
                "not_coordinated",
                "only the network's coordinators hold workshops in it",
            )),
            Ok(_) | Err(AppError::NotFound) => {
                errors.push(FieldError::new("network_id", "not_found", "no such network"))
            }
            Err(e) => return Err(e),
        }
    }
    if let Some(follows) = fields.follows_workshop_id
        && before.is_none_or(|b| b.follows_workshop_id != fields.follows_workshop_id)
    {
        let seen = match load(conn, follows, false).await {
            Ok(w) => access::can_read(actor, &w).is_ok(),
            Err(AppError::NotFound) => false,
            Err(e) => return Err(e),
        };
        if !seen || Some(follows) == id {
            errors.push(FieldError::new("follows_workshop_id", "not_found", "no such workshop"));
        }
    }
    let known = crate::repo::phenomena::existing(conn, &fields.phenomenon_ids).await?;
    for (i, _) in fields.phenomenon_ids.iter().enumerate().filter(|(_, p)| !known.contains(p)) {
        errors.push(FieldError::new(format!("phenomenon_ids[{i}]"), "not_found", "no such phenomenon report"));
    }
    if errors.is_empty() { Ok(()) } else { Err(AppError::Validation(errors)) }
}

/// The organisation rows for `fields`: a place already accepted stays accepted, a new one is
/// accepted when the writer coordinates it.
fn organization_rows(
    actor: &Actor,
    id: Uuid,
    fields: &WorkshopFields,
    before: Option<&Workshop>,
) -> Vec<WorkshopOrganizationRow> {
    fields
        .listed()
        .into_iter()
        .enumerate()
        .map(|(position, (organization_id, role))| {
            let kept = before.is_some_and(|b| {
                b.organizations.iter().any(|o| o.organization_id == organization_id && o.role == role && o.accepted)
            });
            let accepted = kept || crate::domain::access::accepted_as_listed(actor, &[organization_id])[0].1;
            WorkshopOrganizationRow {
                workshop_id: id,
                organization_id,
                role: name_of(&role),
                accepted,
                position: position as i32,
            }
        })
        .collect()
}

pub async fn create(cx: &mut Cx<'_>, fields: WorkshopFields) -> Result<Workshop, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        access::can_create(actor, &fields)?;
        validation::check_with(&fields, fields.rules())?;
        references_hold(tx, actor, None, &fields, None).await?;
        let id = Uuid::now_v7();
        repo::insert(tx, id, &fields.to_row()?).await?;
        repo::set_organizations(tx, id, &organization_rows(actor, id, &fields, None)).await?;
        repo::set_phenomena(tx, id, &fields.phenomenon_ids).await?;
        let created = load(tx, id, false).await?;
        audit::record(tx, actor, "create", Change::Created(&created)).await?;
        Ok(created)
    })
    .await
}

/// Applies a merge patch. An organisation newly listed is only named until it accepts; one
/// organiser that has accepted must stay.
pub async fn update(
    cx: &mut Cx<'_>,
    id: Uuid,
    if_match: IfMatch,
    patch: serde_json::Value,
) -> Result<Workshop, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = load(tx, id, true).await?;
        access::can_edit(actor, &before)?;
        if_match.check_required(before.version)?;
        let fields = merge_patch::apply(&before.fields, &patch)?;
        let rows = organization_rows(actor, id, &fields, Some(&before));
        let mut rules = fields.rules();
        if !rows.iter().any(|r| r.accepted && r.role == name_of(&WorkshopRole::Organizer)) {
            rules.push(FieldError::new("organizer_ids", "no_organizer", "keep an organiser that has accepted"));
        }
        validation::check_with(&fields, rules)?;
        references_hold(tx, actor, Some(id), &fields, Some(&before.fields)).await?;
        if fields == before.fields {
            return Ok(before);
        }
        repo::update(tx, id, &fields.to_row()?).await?;
        repo::set_organizations(tx, id, &rows).await?;
        repo::set_phenomena(tx, id, &fields.phenomenon_ids).await?;
        let after = load(tx, id, false).await?;
        audit::record(tx, actor, "update", Change::updated(&before, &after)).await?;
        Ok(after)
    })
    .await
}

/// A listed organisation takes its place (its coordinators).
pub async fn accept(cx: &mut Cx<'_>, id: Uuid, organization: Uuid, if_match: IfMatch) -> Result<Workshop, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = load(tx, id, true).await?;
        access::can_accept(actor, &before, organization)?;
        if_match.check_required(before.version)?;
        if !before.organizations.iter().any(|o| o.organization_id == organization) {
            return Err(AppError::Conflict { detail: "the workshop does not list this organisation".into() });
        }
        if before.accepted(None).contains(&organization) {
            return Ok(before);
        }
        // Only this organisation's place changes, whatever else the caller coordinates.
        let rows: Vec<WorkshopOrganizationRow> = before
            .organizations
            .iter()
            .enumerate()
            .map(|(position, o)| WorkshopOrganizationRow {
                workshop_id: id,
                organization_id: o.organization_id,
                role: name_of(&o.role),
                accepted: o.accepted || o.organization_id == organization,
                position: position as i32,
            })
            .collect();
        repo::set_organizations(tx, id, &rows).await?;
        repo::touch(tx, id).await?;
        let after = load(tx, id, false).await?;
        audit::record(tx, actor, "accept", Change::updated(&before, &after)).await?;
        Ok(after)
    })
    .await
}

/// Deletes a workshop with its challenges, votes and artefacts; 409 while it has actions,
/// which other organisations may have taken on.
pub async fn delete(cx: &mut Cx<'_>, id: Uuid, if_match: IfMatch) -> Result<(), AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = load(tx, id, true).await?;
        access::can_edit(actor, &before)?;
        if_match.check_required(before.version)?;
        if crate::repo::actions::count_of_origin(tx, None, Some(id)).await? > 0 {
            return Err(AppError::Conflict {
                detail: "the workshop's actions are followed up: delete them first".into(),
            });
        }
        repo::delete(tx, id).await?;
        audit::record(tx, actor, "delete", Change::Deleted(&before)).await?;
        Ok(())
    })
    .await
}

/// Sets an action of the workshop (its organisers), possibly answering one of its challenges.
pub async fn add_action(cx: &mut Cx<'_>, workshop_id: Uuid, fields: ActionFields) -> Result<Action, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let workshop = load(tx, workshop_id, true).await?;
        access::can_edit(actor, &workshop)?;
        actions::check(cx, &fields, Some(workshop_id)).await?;
        let (tx, actor) = cx.parts().await?;
        actions::add(tx, actor, (None, Some(workshop_id)), fields).await
    })
    .await
}
