//! Keeping a venue record: create, update, delete, each one transaction with its audit
//! record.

use chrono::Utc;
use uuid::Uuid;

use super::access;
use super::model::*;
use crate::domain::audit::{self, Change};
use crate::domain::context::Cx;
use crate::domain::organizations::first_missing;
use crate::domain::types::localized::{Lang, LocalizedText};
use crate::domain::types::merge_patch;
use crate::domain::types::precondition::IfMatch;
use crate::domain::types::stored::from_json;
use crate::domain::types::validation;
use crate::error::AppError;
use crate::repo::venues as repo;

/// Named organisations must exist and the municipality must be in the area register today
/// (422 naming the field; the database checks them too).
async fn organizations_exist(conn: &mut crate::db::Conn, fields: &VenueFields) -> Result<(), AppError> {
    let code = &fields.address.municipality_code;
    if crate::repo::areas::get_valid_on(conn, "municipality", code, Utc::now().date_naive()).await?.is_none() {
        return Err(AppError::invalid(
            "address.municipality_code",
            "unknown_area",
            format!("{code} is not a municipality in the area register"),
        ));
    }
    let named: Vec<(&str, Uuid)> = std::iter::once(("owner_organization_id", fields.owner_organization_id))
        .chain(fields.operator_organization_id.map(|o| ("operator_organization_id", o)))
        .collect();
    let ids: Vec<Uuid> = named.iter().map(|(_, id)| *id).collect();
    match first_missing(conn, &ids).await? {
        Some(i) => Err(AppError::invalid(named[i].0, "not_found", "no such organisation")),
        None => Ok(()),
    }
}

pub async fn create(cx: &mut Cx<'_>, fields: VenueFields) -> Result<Venue, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        access::can_keep(actor, fields.owner_organization_id)?;
        validation::check_with(&fields, fields.rules())?;
        organizations_exist(tx, &fields).await?;
        let created = Venue::try_from(repo::insert(tx, Uuid::now_v7(), &fields.into_row()?).await?)?;
        audit::record(tx, actor, "create", Change::Created(&created)).await?;
        Ok(created)
    })
    .await
}

pub async fn update(cx: &mut Cx<'_>, id: Uuid, if_match: IfMatch, patch: serde_json::Value) -> Result<Venue, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = load(tx, id, true).await?;
        access::can_keep(actor, before.fields.owner_organization_id)?;
        if_match.check_required(before.version)?;
        let fields = merge_patch::apply(&before.fields, &patch)?;
        // Handing the venue to another organisation needs a say there too.
        access::can_keep(actor, fields.owner_organization_id)?;
        validation::check_with(&fields, fields.rules())?;
        organizations_exist(tx, &fields).await?;
        let after = Venue::try_from(repo::update(tx, id, &fields.into_row()?).await?)?;
        if after.fields.address.municipality_code != before.fields.address.municipality_code {
            crate::repo::event_series::occurrences::refresh_areas_of_venue(tx, id).await?;
        }
        audit::record(tx, actor, "update", Change::updated(&before, &after)).await?;
        Ok(after)
    })
    .await
}

/// Deletes a venue that no series is held at and no confirmed booking holds; its cancelled
/// bookings go with it. Otherwise 409 saying what holds it, drafts of other organisations
/// included (how many series of whom, not what they are), so the owner knows whom to ask.
pub async fn delete(cx: &mut Cx<'_>, id: Uuid, if_match: IfMatch) -> Result<(), AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = load(tx, id, true).await?;
        access::can_keep(actor, before.fields.owner_organization_id)?;
        if_match.check_required(before.version)?;
        let (series, bookings) = repo::in_use(tx, id).await?;
        if !series.is_empty() || bookings > 0 {
            let mut by_publisher: Vec<(String, usize)> = Vec::new();
            for (_, name) in &series {
                let name: LocalizedText = from_json(name.clone())?;
                let name = name.display(Lang::Fi).to_owned();
                match by_publisher.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, count)) => *count += 1,
                    None => by_publisher.push((name, 1)),
                }
            }
            let mut held =
                by_publisher.iter().map(|(name, n)| format!("{n} event series of {name}")).collect::<Vec<_>>();
            if bookings > 0 {
                held.push(format!("{bookings} confirmed bookings"));
            }
            return Err(AppError::Conflict {
                detail: format!("the venue is in use: {}; those must move or end first", held.join(", ")),
            });
        }
        for row in crate::repo::venues::bookings::delete_cancelled(tx, id).await? {
            let cancelled = Booking::try_from(row)?;
            audit::record(tx, actor, "delete", Change::Deleted(&cancelled)).await?;
        }
        repo::delete(tx, id).await?;
        audit::record(tx, actor, "delete", Change::Deleted(&before)).await?;
        Ok(())
    })
    .await
}
