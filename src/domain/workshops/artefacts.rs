//! A workshop's artefacts: a client path or a collaboration flowchart kept as ordered steps
//! (who acts, what happens) rather than as a file, so that frontends can draw them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::access;
use super::model::*;
use crate::domain::audit::{self, Audited, Change};
use crate::domain::context::Cx;
use crate::domain::types::localized::LocalizedText;
use crate::domain::types::merge_patch;
use crate::domain::types::names::{from_stored, name_of};
use crate::domain::types::precondition::IfMatch;
use crate::domain::types::stored::{from_json, to_json};
use crate::domain::types::validation;
use crate::error::{AppError, FieldError};
use crate::repo::workshops::artefacts::{self as repo, ArtefactRow, ArtefactWrite};

/// At most this many artefacts in one workshop.
const MAX_ARTEFACTS: i64 = 50;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ArtefactKind {
    /// Asiakaspolku: the client's path through services.
    ClientPath,
    /// Yhteistyön vuokaavio: who does what, in which order.
    CollaborationFlowchart,
    Other,
}

/// One step: who acts (a role or an organisation, never a person's name) and what happens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ArtefactStep {
    #[schema(min_length = 1, max_length = 200, example = "Asiakas")]
    #[validate(length(min = 1, max = 200), custom(function = "crate::domain::types::formats::single_line"))]
    pub actor: String,
    #[validate(nested)]
    pub description: LocalizedText,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "client_path", "title": {"fi": "Asiakaspolku"},
    "steps": [{"actor": "Asiakas", "description": {"fi": "Tulee yhteistyöaulaan kysymään asumisesta."}},
              {"actor": "Aulan työntekijä", "description": {"fi": "Ohjaa asumisneuvojalle samana päivänä."}}]}))]
pub struct ArtefactFields {
    pub kind: ArtefactKind,
    #[validate(nested)]
    pub title: LocalizedText,
    /// In order, 1–30 steps.
    #[schema(min_items = 1, max_items = 30)]
    #[validate(length(min = 1, max = 30), nested)]
    pub steps: Vec<ArtefactStep>,
}

impl ArtefactFields {
    fn rules(&self) -> Vec<FieldError> {
        let mut errors = self.title.line_breaks("title");
        for (i, step) in self.steps.iter().enumerate() {
            if step.actor.trim().is_empty() {
                errors.push(FieldError::new(format!("steps[{i}].actor"), "blank", "say who acts"));
            }
            errors.extend(crate::domain::types::personal_data::errors_in(
                &format!("steps[{i}].description"),
                &step.description,
            ));
        }
        errors
    }

    fn to_row(&self) -> Result<ArtefactWrite, AppError> {
        Ok(ArtefactWrite { kind: name_of(&self.kind), title: to_json(&self.title)?, steps: to_json(&self.steps)? })
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Artefact {
    pub id: Uuid,
    pub workshop_id: Uuid,
    #[serde(flatten)]
    pub fields: ArtefactFields,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    #[serde(skip)]
    pub organizations: Vec<Uuid>,
}

impl Audited for Artefact {
    const RESOURCE_TYPE: &'static str = "workshop_artefact";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_organizations(&self) -> Vec<Uuid> {
        self.organizations.clone()
    }
}

fn artefact(r: ArtefactRow, w: &Workshop) -> Result<Artefact, AppError> {
    Ok(Artefact {
        id: r.id,
        workshop_id: r.workshop_id,
        fields: ArtefactFields {
            kind: from_stored("artefact kind", &r.written.kind)?,
            title: from_json(r.written.title)?,
            steps: from_json(r.written.steps)?,
        },
        created_at: r.created_at,
        updated_at: r.updated_at,
        version: r.version,
        organizations: w.organizations.iter().map(|o| o.organization_id).collect(),
    })
}

pub async fn list(cx: &mut Cx<'_>, workshop_id: Uuid) -> Result<Vec<Artefact>, AppError> {
    let (conn, actor) = cx.parts().await?;
    let workshop = load(conn, workshop_id, false).await?;
    access::can_read(actor, &workshop)?;
    repo::list(conn, workshop_id).await?.into_iter().map(|r| artefact(r, &workshop)).collect()
}

pub async fn get(cx: &mut Cx<'_>, workshop_id: Uuid, id: Uuid) -> Result<Artefact, AppError> {
    let (conn, actor) = cx.parts().await?;
    let workshop = load(conn, workshop_id, false).await?;
    access::can_read(actor, &workshop)?;
    artefact(repo::get(conn, workshop_id, id).await?.ok_or(AppError::NotFound)?, &workshop)
}

/// Adds an artefact (the organisers).
pub async fn create(cx: &mut Cx<'_>, workshop_id: Uuid, fields: ArtefactFields) -> Result<Artefact, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let workshop = load(tx, workshop_id, true).await?;
        access::can_edit(actor, &workshop)?;
        validation::check_with(&fields, fields.rules())?;
        if repo::count(tx, workshop_id).await? >= MAX_ARTEFACTS {
            return Err(AppError::Conflict { detail: "a workshop holds at most 50 artefacts".into() });
        }
        let created = artefact(repo::insert(tx, workshop_id, Uuid::now_v7(), &fields.to_row()?).await?, &workshop)?;
        audit::record(tx, actor, "create", Change::Created(&created)).await?;
        Ok(created)
    })
    .await
}

pub async fn update(
    cx: &mut Cx<'_>,
    workshop_id: Uuid,
    id: Uuid,
    if_match: IfMatch,
    patch: serde_json::Value,
) -> Result<Artefact, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let workshop = load(tx, workshop_id, true).await?;
        access::can_edit(actor, &workshop)?;
        let before = artefact(repo::lock(tx, workshop_id, id).await?.ok_or(AppError::NotFound)?, &workshop)?;
        if_match.check_required(before.version)?;
        let fields = merge_patch::apply(&before.fields, &patch)?;
        validation::check_with(&fields, fields.rules())?;
        if fields == before.fields {
            return Ok(before);
        }
        let after = artefact(repo::update(tx, id, &fields.to_row()?).await?, &workshop)?;
        audit::record(tx, actor, "update", Change::updated(&before, &after)).await?;
        Ok(after)
    })
    .await
}

pub async fn delete(cx: &mut Cx<'_>, workshop_id: Uuid, id: Uuid, if_match: IfMatch) -> Result<(), AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let workshop = load(tx, workshop_id, true).await?;
        access::can_edit(actor, &workshop)?;
        let before = artefact(repo::lock(tx, workshop_id, id).await?.ok_or(AppError::NotFound)?, &workshop)?;
        if_match.check_required(before.version)?;
        repo::delete(tx, id).await?;
        audit::record(tx, actor, "delete", Change::Deleted(&before)).await?;
        Ok(())
    })
    .await
}
