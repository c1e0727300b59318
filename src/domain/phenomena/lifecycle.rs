//! Reporting, changing, handling and deleting reports, and extending the themes; each one
//! transaction with its audit record.

use uuid::Uuid;

use super::access;
use super::model::*;
use crate::domain::access::Actor;
use crate::domain::audit::{self, Change};
use crate::domain::context::Cx;
use crate::domain::types::merge_patch;
use crate::domain::types::precondition::IfMatch;
use crate::domain::types::stored::to_json;
use crate::domain::types::validation;
use crate::error::{AppError, FieldError};
use crate::repo::phenomena as repo;

/// The reporter: the one given, or the actor's only organisation (422 otherwise).
fn reporter(actor: &Actor, fields: &PhenomenonFields) -> Result<Uuid, AppError> {
    if let Some(given) = fields.reporter_organization_id {
        return Ok(given);
    }
    match actor.organizations().as_slice() {
        [only] => Ok(*only),
        _ => Err(AppError::invalid("reporter_organization_id", "required", "say which organisation reports")),
    }
}

/// The theme, area, venue and responsible organisation exist (422 naming the field).
async fn references_hold(conn: &mut crate::db::Conn, fields: &PhenomenonFields) -> Result<(), AppError> {
    let mut errors = Vec::new();
    if !repo::theme_exists(conn, &fields.theme).await? {
        errors.push(FieldError::new("theme", "unknown_theme", "not in /api/v1/phenomenon-themes"));
    }
    if !crate::repo::areas::exists(conn, "municipality", &fields.area.municipality_code).await? {
        errors.push(FieldError::new("area.municipality_code", "unknown_area", "not in the area register"));
    }
    if let Some(venue) = fields.venue_id
        && crate::repo::venues::get(conn, venue).await?.is_none()
    {
        errors.push(FieldError::new("venue_id", "not_found", "no such venue"));
    }
    if let Some(org) = fields.responsible_organization_id
        && crate::domain::organizations::first_missing(conn, &[org]).await?.is_some()
    {
        errors.push(FieldError::new("responsible_organization_id", "not_found", "no such organisation"));
    }
    if errors.is_empty() { Ok(()) } else { Err(AppError::Validation(errors)) }
}

pub async fn create(cx: &mut Cx<'_>, fields: PhenomenonFields) -> Result<Phenomenon, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        if actor.is_anonymous() {
            return Err(crate::domain::access::denied(actor));
        }
        let reporter = reporter(actor, &fields)?;
        access::can_report(actor, reporter)?;
        validation::check_with(&fields, fields.rules())?;
        references_hold(tx, &fields).await?;
        let row = repo::insert(tx, Uuid::now_v7(), reporter, actor.user_id(), &fields.into_row()?).await?;
        let created = Phenomenon::try_from(row)?;
        audit::record(tx, actor, "create", Change::Created(&created)).await?;
        Ok(created)
    })
    .await
}

/// Applies a merge patch to what the report says; the reporter cannot change.
pub async fn update(
    cx: &mut Cx<'_>,
    id: Uuid,
    if_match: IfMatch,
    patch: serde_json::Value,
) -> Result<Phenomenon, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        access::can_read(actor)?;
        let before = load(tx, id, true).await?;
        access::can_edit(actor, &before)?;
        if_match.check_required(before.version)?;
        let fields = merge_patch::apply(&before.fields, &patch)?;
        let mut rules = fields.rules();
        if fields.reporter_organization_id != before.fields.reporter_organization_id {
            rules.push(FieldError::new("reporter_organization_id", "immutable", "a report keeps its reporter"));
        }
        validation::check_with(&fields, rules)?;
        references_hold(tx, &fields).await?;
        if fields == before.fields {
            return Ok(before);
        }
        let after = Phenomenon::try_from(repo::update(tx, id, &fields.into_row()?).await?)?;
        audit::record(tx, actor, "update", Change::updated(&before, &after)).await?;
        Ok(after)
    })
    .await
}

/// Moves a report along with the response; `addressed` needs a response.
pub async fn transition(cx: &mut Cx<'_>, id: Uuid, input: PhenomenonTransition) -> Result<Phenomenon, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        access::can_read(actor)?;
        let before = load(tx, id, true).await?;
        access::can_respond(actor, &before)?;
        let mut rules = Vec::new();
        let response = input.response.clone().or_else(|| before.response.clone());
        if input.status == PhenomenonStatus::Addressed && response.is_none() {
            rules.push(FieldError::new("response", "required", "say what was done"));
        }
        if let Some(text) = &input.response {
            rules.extend(crate::domain::types::personal_data::errors_in("response", text));
        }
        validation::check_with(&input, rules)?;
        let stored = response.as_ref().map(to_json).transpose()?;
        let after = Phenomenon::try_from(
            repo::set_status(tx, id, &crate::domain::types::names::name_of(&input.status), stored).await?,
        )?;
        if after != before {
            audit::record(tx, actor, "transition", Change::updated(&before, &after)).await?;
        }
        Ok(after)
    })
    .await
}

pub async fn delete(cx: &mut Cx<'_>, id: Uuid, if_match: IfMatch) -> Result<(), AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        access::can_read(actor)?;
        let before = load(tx, id, true).await?;
        access::can_delete(actor, &before)?;
        if_match.check_required(before.version)?;
        // Workshops that took it up lose it from their list: a new version of each.
        crate::repo::workshops::touch_taking_up(tx, id).await?;
        repo::delete(tx, id).await?;
        audit::record(tx, actor, "delete", Change::Deleted(&before)).await?;
        Ok(())
    })
    .await
}

impl crate::domain::audit::Audited for PhenomenonTheme {
    const RESOURCE_TYPE: &'static str = "phenomenon_theme";
    fn audit_id(&self) -> String {
        self.code.clone()
    }
    fn audit_organizations(&self) -> Vec<Uuid> {
        Vec::new()
    }
}

/// Adds a theme to the controlled list (409 when the code is taken).
pub async fn create_theme(cx: &mut Cx<'_>, theme: PhenomenonTheme) -> Result<PhenomenonTheme, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        access::can_add_theme(actor)?;
        let mut rules = Vec::new();
        let code_ok = theme.code.as_bytes().first().is_some_and(u8::is_ascii_lowercase)
            && theme.code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !code_ok {
            rules.push(FieldError::new("code", "invalid_format", "lower-case letters, digits and _, a letter first"));
        }
        validation::check_with(&theme, rules)?;
        if repo::theme_exists(tx, &theme.code).await? {
            return Err(AppError::Conflict { detail: "a theme with this code exists".into() });
        }
        repo::insert_theme(tx, &repo::ThemeRow { code: theme.code.clone(), name: to_json(&theme.name)? }).await?;
        audit::record(tx, actor, "create", Change::Created(&theme)).await?;
        Ok(theme)
    })
    .await
}
