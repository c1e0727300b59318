//! Keeping a definition: create, change, delete, each one transaction with its audit record
//! and, for create and change, the version it makes.

use uuid::Uuid;

use super::access;
use super::model::*;
use crate::domain::audit::{self, Change};
use crate::domain::context::Cx;
use crate::domain::organizations::first_missing;
use crate::domain::types::merge_patch;
use crate::domain::types::precondition::IfMatch;
use crate::domain::types::validation;
use crate::error::{AppError, FieldError};
use crate::repo::indicators as repo;

/// The owner exists, and is a party of every linked agreement (422 naming the field): an
/// indicator reaches only partnerships its owner is in.
async fn references_hold(conn: &mut crate::db::Conn, fields: &IndicatorFields) -> Result<(), AppError> {
    let Some(owner) = fields.owner_organization_id else { return Ok(()) };
    if first_missing(conn, &[owner]).await?.is_some() {
        return Err(AppError::invalid("owner_organization_id", "not_found", "no such organisation"));
    }
    let with_owner = repo::agreements_with_party(conn, &fields.agreement_ids, owner).await?;
    let errors: Vec<FieldError> = (fields.agreement_ids.iter().enumerate())
        .filter(|(_, agreement)| !with_owner.contains(agreement))
        .map(|(i, _)| {
            FieldError::new(format!("agreement_ids[{i}]"), "not_found", "no such agreement with the owner as a party")
        })
        .collect();
    if errors.is_empty() { Ok(()) } else { Err(AppError::Validation(errors)) }
}

pub async fn create(cx: &mut Cx<'_>, fields: IndicatorFields) -> Result<Indicator, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        access::can_keep(actor, fields.owner_organization_id)?;
        validation::check_with(&fields, fields.rules())?;
        references_hold(tx, &fields).await?;
        let created = Indicator::try_from(repo::insert(tx, Uuid::now_v7(), &fields.into_row()?).await?)?;
        record_version(tx, &created).await?;
        audit::record(tx, actor, "create", Change::Created(&created)).await?;
        Ok(created)
    })
    .await
}

/// Applies a merge patch to the definition; the new version is kept beside the old ones.
pub async fn update(
    cx: &mut Cx<'_>,
    id: Uuid,
    if_match: IfMatch,
    patch: serde_json::Value,
) -> Result<Indicator, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = load(tx, id, true).await?;
        let partner = has_partner(tx, id, &access::reading_organizations(actor)).await?;
        let before = access::visible(before, partner)?;
        access::can_keep(actor, before.fields.owner_organization_id)?;
        if_match.check_required(before.version)?;
        let fields = merge_patch::apply(&before.fields, &patch)?;
        // Handing the indicator to another organisation needs a say there too.
        access::can_keep(actor, fields.owner_organization_id)?;
        validation::check_with(&fields, fields.rules())?;
        if fields.measure != before.fields.measure
            && crate::repo::indicators::observations::count_of_indicator(tx, id).await? > 0
        {
            return Err(AppError::Conflict {
                detail: "values are on record in the old measure: define a new indicator instead".into(),
            });
        }
        references_hold(tx, &fields).await?;
        if fields == before.fields {
            return Ok(before);
        }
        let after = Indicator::try_from(repo::update(tx, id, &fields.into_row()?).await?)?;
        record_version(tx, &after).await?;
        audit::record(tx, actor, "update", Change::updated(&before, &after)).await?;
        Ok(after)
    })
    .await
}

/// Deletes a definition that has no values on record (409 otherwise).
pub async fn delete(cx: &mut Cx<'_>, id: Uuid, if_match: IfMatch) -> Result<(), AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = load(tx, id, true).await?;
        let partner = has_partner(tx, id, &access::reading_organizations(actor)).await?;
        let before = access::visible(before, partner)?;
        access::can_keep(actor, before.fields.owner_organization_id)?;
        if_match.check_required(before.version)?;
        if crate::repo::indicators::observations::count_of_indicator(tx, id).await? > 0 {
            return Err(AppError::Conflict { detail: "the indicator has values on record: delete them first".into() });
        }
        repo::delete(tx, id).await?;
        audit::record(tx, actor, "delete", Change::Deleted(&before)).await?;
        Ok(())
    })
    .await
}
