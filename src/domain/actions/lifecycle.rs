//! Following actions up: changing them, taking them on, deleting them; each one transaction
//! with its audit record. They are created by their meeting or workshop (`model::add`).

use uuid::Uuid;

use super::access;
use super::model::*;
use crate::domain::audit::{self, Change};
use crate::domain::context::Cx;
use crate::domain::types::merge_patch;
use crate::domain::types::precondition::IfMatch;
use crate::error::{AppError, FieldError};
use crate::repo::actions as repo;

/// Applies a merge patch. The host's runners change anything; the responsible organisation
/// (once it has accepted) its status and contact. Changing what was asked of it (or naming
/// another organisation) asks anew: acceptance holds only for what was accepted.
pub async fn update(
    cx: &mut Cx<'_>,
    id: Uuid,
    if_match: IfMatch,
    patch: serde_json::Value,
) -> Result<Action, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = load(tx, id, true).await?;
        access::can_follow_up(actor, &before)?;
        if_match.check_required(before.version)?;
        let fields = merge_patch::apply(&before.fields, &patch)?;
        let follow_up_only =
            ActionFields { status: fields.status, contact_id: fields.contact_id, ..before.fields.clone() };
        if fields != follow_up_only {
            access::can_edit(actor, &before)?;
        }
        check(cx, &fields, before.workshop_id).await?;
        if fields == before.fields {
            return Ok(before);
        }
        let (tx, actor) = cx.parts().await?;
        // What the responsible organisation took on stays taken on while only its progress
        // changes; anything else it is asked to take on anew.
        let accepted = if fields == follow_up_only {
            before.accepted
        } else {
            crate::domain::access::can_accept_listing(actor, fields.responsible_organization_id).is_ok()
        };
        repo::update(tx, id, accepted, &fields.into_row()?).await?;
        let after = load(tx, id, false).await?;
        touch_meeting(tx, &after).await?;
        audit::record(tx, actor, "update", Change::updated(&before, &after)).await?;
        Ok(after)
    })
    .await
}

/// The responsible organisation takes the action on (its coordinators).
pub async fn accept(cx: &mut Cx<'_>, id: Uuid, organization: Uuid, if_match: IfMatch) -> Result<Action, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = load(tx, id, true).await?;
        access::can_read(actor, &before)?;
        crate::domain::access::can_accept_listing(actor, organization)?;
        if_match.check_required(before.version)?;
        if organization != before.fields.responsible_organization_id {
            return Err(AppError::Validation(vec![FieldError::new(
                "organization_id",
                "not_listed",
                "the action names another organisation as responsible",
            )]));
        }
        access::can_accept(actor, &before)?;
        if before.accepted {
            return Ok(before);
        }
        repo::update(tx, id, true, &before.fields.clone().into_row()?).await?;
        let after = load(tx, id, false).await?;
        touch_meeting(tx, &after).await?;
        audit::record(tx, actor, "accept", Change::updated(&before, &after)).await?;
        Ok(after)
    })
    .await
}

pub async fn delete(cx: &mut Cx<'_>, id: Uuid, if_match: IfMatch) -> Result<(), AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = load(tx, id, true).await?;
        access::can_edit(actor, &before)?;
        if_match.check_required(before.version)?;
        repo::delete(tx, id).await?;
        touch_meeting(tx, &before).await?;
        audit::record(tx, actor, "delete", Change::Deleted(&before)).await?;
        Ok(())
    })
    .await
}
