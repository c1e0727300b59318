//! Founding, changing and closing a network; each one transaction with its audit record.

use uuid::Uuid;

use super::access;
use super::model::*;
use crate::domain::access::{Actor, Role};
use crate::domain::audit::{self, Change};
use crate::domain::context::Cx;
use crate::domain::types::merge_patch;
use crate::domain::types::precondition::IfMatch;
use crate::domain::types::stored::now;
use crate::domain::types::validation;
use crate::error::{AppError, FieldError};
use crate::repo::networks as repo;

/// How deep networks nest (a board, its theme networks, their working groups, ...).
const MAX_DEPTH: i64 = 8;

/// The founder: the one given, or the one organisation the actor coordinates (422 otherwise).
fn founder(actor: &Actor, fields: &NetworkFields) -> Result<Uuid, AppError> {
    if let Some(given) = fields.founding_organization_id {
        return Ok(given);
    }
    let coordinated: Vec<Uuid> =
        actor.organizations().into_iter().filter(|o| actor.has_role(*o, Role::Coordinator)).collect();
    match coordinated.as_slice() {
        [only] => Ok(*only),
        [] => Err(crate::domain::access::denied(actor)),
        _ => {
            Err(AppError::invalid("founding_organization_id", "required", "say which organisation founds the network"))
        }
    }
}

/// The parent is a network the actor runs and not the network itself or below it; the area
/// codes are in the register (422 naming the field).
async fn references_hold(
    conn: &mut crate::db::Conn,
    actor: &Actor,
    id: Option<Uuid>,
    fields: &NetworkFields,
    before: Option<&NetworkFields>,
) -> Result<(), AppError> {
    let mut errors = Vec::new();
    if let Some(parent) =
        fields.parent_network_id.filter(|_| before.is_none_or(|b| b.parent_network_id != fields.parent_network_id))
    {
        // Moves in the tree one at a time, so that two cannot make a cycle together.
        repo::lock_tree(conn).await?;
        match load(conn, parent, false).await {
            Ok(p) if access::can_edit(actor, &p).is_ok() => {
                let above = repo::ancestors(conn, parent, MAX_DEPTH).await?;
                if id.is_some_and(|id| id == parent || above.contains(&id)) {
                    errors.push(FieldError::new("parent_network_id", "cycle", "a network cannot be under itself"));
                } else if above.len() as i64 >= MAX_DEPTH - 1 {
                    errors.push(FieldError::new("parent_network_id", "too_deep", "networks nest at most 8 deep"));
                }
            }
            Ok(p) if access::can_read(actor, &p).is_ok() => errors.push(FieldError::new(
                "parent_network_id",
                "not_coordinated",
                "only the parent network's coordinators place a network under it",
            )),
            Ok(_) | Err(AppError::NotFound) => {
                errors.push(FieldError::new("parent_network_id", "not_found", "no such network"))
            }
            Err(e) => return Err(e),
        }
    }
    if let Some(county) = &fields.area.county_code
        && !crate::repo::areas::exists(conn, "wellbeing_services_county", county).await?
    {
        errors.push(FieldError::new("area.county_code", "unknown_area", "not in the area register"));
    }
    let known = crate::repo::areas::existing(conn, "municipality", &fields.area.municipality_codes).await?;
    if fields.area.municipality_codes.iter().any(|c| !known.contains(c)) {
        errors.push(FieldError::new("area.municipality_codes", "unknown_area", "not in the area register"));
    }
    if errors.is_empty() { Ok(()) } else { Err(AppError::Validation(errors)) }
}

/// Founds a network; the founding organisation is its first coordinator.
pub async fn create(cx: &mut Cx<'_>, fields: NetworkFields) -> Result<SeenNetwork, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        if actor.is_anonymous() {
            return Err(crate::domain::access::denied(actor));
        }
        let founder = founder(actor, &fields)?;
        access::can_found(actor, founder)?;
        validation::check_with(&fields, fields.rules())?;
        references_hold(tx, actor, None, &fields, None).await?;
        crate::domain::organizations::ensure_exists(tx, founder).await?;
        let id = Uuid::now_v7();
        repo::insert(tx, id, &fields.into_row()?).await?;
        let first = crate::repo::networks::members::MemberRow {
            network_id: id,
            organization_id: founder,
            role: crate::domain::types::names::name_of(&NetworkRole::Coordinator),
            contact_ids: Vec::new(),
            joined_at: now(),
        };
        crate::repo::networks::members::insert(tx, &first).await?;
        let created = load(tx, id, false).await?;
        audit::record(tx, actor, "create", Change::Created(&created)).await?;
        Ok(access::for_reader(actor, created))
    })
    .await
}

pub async fn update(
    cx: &mut Cx<'_>,
    id: Uuid,
    if_match: IfMatch,
    patch: serde_json::Value,
) -> Result<SeenNetwork, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = load(tx, id, true).await?;
        access::can_edit(actor, &before)?;
        if_match.check_required(before.version)?;
        let fields = merge_patch::apply(&before.fields, &patch)?;
        let mut rules = fields.rules();
        if fields.founding_organization_id.is_some() {
            rules.push(FieldError::new("founding_organization_id", "immutable", "given only when founding"));
        }
        validation::check_with(&fields, rules)?;
        references_hold(tx, actor, Some(id), &fields, Some(&before.fields)).await?;
        if fields == before.fields {
            return Ok(access::for_reader(actor, before));
        }
        repo::update(tx, id, &fields.into_row()?).await?;
        let after = load(tx, id, false).await?;
        audit::record(tx, actor, "update", Change::updated(&before, &after)).await?;
        Ok(access::for_reader(actor, after))
    })
    .await
}

/// Closes a network with its pending requests; 409 while networks are under it or it has
/// meetings.
pub async fn delete(cx: &mut Cx<'_>, id: Uuid, if_match: IfMatch) -> Result<(), AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = load(tx, id, true).await?;
        access::can_edit(actor, &before)?;
        if_match.check_required(before.version)?;
        if repo::has_children(tx, id).await? {
            return Err(AppError::Conflict { detail: "networks are under this one: move or close them first".into() });
        }
        if crate::repo::meetings::any_of(tx, Some(id), None).await? {
            return Err(AppError::Conflict {
                detail: "the network has meetings (with minutes, bookings and decisions): delete them first".into(),
            });
        }
        repo::delete(tx, id).await?;
        audit::record(tx, actor, "delete", Change::Deleted(&before)).await?;
        Ok(())
    })
    .await
}
