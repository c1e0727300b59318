//! Creating and editing agreements and moving them through their lifecycle: `draft` ⇄
//! `negotiation` → `awaiting_signatures` (freezes a version) → `active` (by signatures, see
//! `versions`) → `terminated`; `cancelled` before `active`; amendments of active agreements.

use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::access;
use super::model::{
    Agreement, AgreementFields, PartyContacts, Status, from_json, from_rows, load, open_amendment, today,
};
use crate::db::Conn;
use crate::domain::access::Role;
use crate::domain::audit::{self, Change};
use crate::domain::context::Cx;
use crate::domain::types::canonical_json;
use crate::domain::types::merge_patch;
use crate::domain::types::names::name_of;
use crate::domain::types::precondition::IfMatch;
use crate::domain::types::stored::to_json;
use crate::domain::types::validation;
use crate::error::AppError;
use crate::repo::agreements as repo;
use crate::repo::agreements::versions::{self as version_repo, VersionRow};

pub async fn create(cx: &mut Cx<'_>, content: AgreementFields) -> Result<Agreement, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        access::can_create(actor, &content)?;
        validation::check_with(&content, content.rules())?;
        content.check_references(tx).await?;
        // The creating organisation: the first party the creator coordinates.
        let created_by =
            content.parties.iter().map(|p| p.organization_id).find(|p| actor.has_role(*p, Role::Coordinator));
        let id = Uuid::now_v7();
        let row = repo::insert(tx, id, created_by, &content.to_row()?).await?;
        let parties = content.party_rows(id);
        repo::replace_parties(tx, id, &parties).await?;
        let created = from_rows(row, parties, today())?;
        audit::record(tx, actor, "create", Change::Created(&created)).await?;
        Ok(created)
    })
    .await
}

/// Writes new content to a locked agreement: the row comes back from `UPDATE … RETURNING`,
/// the parties are the ones written.
async fn write_content(tx: &mut Conn, id: Uuid, content: &AgreementFields) -> Result<Agreement, AppError> {
    let row = repo::update(tx, id, &content.to_row()?).await?;
    let parties = content.party_rows(id);
    repo::replace_parties(tx, id, &parties).await?;
    from_rows(row, parties, today())
}

/// Applies a JSON Merge Patch to the content (draft and negotiation only), by the write
/// template: lock, authorise, `If-Match`, state, apply, validate, write, audit.
pub async fn update(
    cx: &mut Cx<'_>,
    id: Uuid,
    if_match: IfMatch,
    patch: serde_json::Value,
) -> Result<Agreement, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = load(tx, id, true).await?;
        access::can_edit(actor, &before)?;
        if_match.check_required(before.version)?;
        if !before.working_status().is_editable() {
            let hint = if before.status == Status::Active { "; open an amendment to change it" } else { "" };
            return Err(AppError::Conflict {
                detail: format!(
                    "the agreement is {}; content can be edited only in draft or negotiation{hint}",
                    name_of(&before.working_status())
                ),
            });
        }
        let content = merge_patch::apply(&before.content, &patch)?;
        let removed: Vec<Uuid> = before
            .party_ids()
            .into_iter()
            .filter(|p| !content.parties.iter().any(|q| q.organization_id == *p))
            .collect();
        if !removed.is_empty() {
            let anything_signed = version_repo::any_signature(tx, id).await?;
            for party in removed {
                access::can_remove_party(actor, &before, party, anything_signed)?;
            }
        }
        validation::check_with(&content, content.rules())?;
        content.check_references(tx).await?;
        let after = write_content(tx, id, &content).await?;
        audit::record(tx, actor, "update", Change::updated(&before, &after)).await?;
        Ok(after)
    })
    .await
}

/// A move through the lifecycle.
#[derive(Clone, Debug, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct TransitionInput {
    /// `negotiation`, `draft`, `awaiting_signatures`, `terminated` or `cancelled`.
    pub to: Status,
    /// Required for `terminated` (the reason); at most 2,000 characters.
    #[serde(default)]
    #[validate(length(max = 2000))]
    pub comment: Option<String>,
}

/// The contract states the one rule between the fields: terminating needs its reason.
impl utoipa::PartialSchema for TransitionInput {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, OneOfBuilder, SchemaType, Type};
        let shape = |states: Vec<Status>, comment: ObjectBuilder| {
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .property(
                    "to",
                    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(states.iter().map(name_of))),
                )
                .required("to")
                .property("comment", comment.max_length(Some(2000)))
                .additional_properties(Some(AdditionalProperties::FreeForm(false)))
        };
        let others: Vec<Status> = Status::ALL.into_iter().filter(|s| *s != Status::Terminated).collect();
        OneOfBuilder::new()
            .item(shape(others, ObjectBuilder::new().schema_type(SchemaType::Array(vec![Type::String, Type::Null]))))
            .item(
                shape(
                    vec![Status::Terminated],
                    ObjectBuilder::new().schema_type(Type::String).pattern(Some("[^\\s\\u0085]")),
                )
                .required("comment"),
            )
            .description(Some(
                "The state to move to (`negotiation`, `draft`, `awaiting_signatures`, `terminated` or `cancelled`) \
                 and a comment of at most 2,000 characters, required when terminating (the reason).",
            ))
            .examples([
                serde_json::json!({"to": "negotiation", "comment": "Luonnos neuvoteltavaksi osapuolten kanssa"}),
            ])
            .into()
    }
}

impl utoipa::ToSchema for TransitionInput {}

/// Moves the agreement, or its open amendment, to `to`. Entering `awaiting_signatures`
/// freezes a new version; cancelling an amendment restores the version in force.
pub async fn transition(cx: &mut Cx<'_>, id: Uuid, t: TransitionInput) -> Result<Agreement, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = load(tx, id, true).await?;
        access::can_edit(actor, &before)?;
        // The version in force matters to terminating (who signed it), freezing an amendment
        // (who must sign) and cancelling one (its content comes back).
        let uses_in_force = matches!(t.to, Status::Terminated | Status::AwaitingSignatures | Status::Cancelled);
        let in_force = match before.current_version {
            Some(number) if uses_in_force => Some(in_force(tx, id, number).await?),
            _ => None,
        };
        if t.to == Status::Terminated
            && let Some((_, signed)) = &in_force
        {
            access::can_terminate(actor, signed)?;
        }
        validation::check(&t)?;
        let to = t.to;
        let amending = before.amendment.is_some() && to != Status::Terminated;
        let from = if amending { before.working_status() } else { before.status };
        let allowed = from.allowed_transitions();
        if !allowed.contains(&to) {
            let names: Vec<String> = allowed.iter().map(name_of).collect();
            return Err(AppError::Conflict {
                detail: format!(
                    "cannot go from {}{} to {}; allowed: {}",
                    if amending { "amendment " } else { "" },
                    name_of(&from),
                    name_of(&to),
                    if names.is_empty() { "none".to_owned() } else { names.join(", ") }
                ),
            });
        }
        let comment = t.comment.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
        if to == Status::Terminated && comment.is_none() {
            return Err(AppError::invalid("comment", "required", "give the reason for terminating"));
        }
        if to == Status::AwaitingSignatures {
            if before.signing_parties().is_empty() {
                return Err(AppError::Conflict { detail: "no party is marked to sign".into() });
            }
            let required_signers = before
                .content
                .required_signers(in_force.as_ref().map(|(content, signed)| (content, signed.as_slice())))
                .into_iter()
                .map(Some)
                .collect();
            let number = version_repo::latest_number(tx, id).await?.unwrap_or(0) + 1;
            let (snapshot, contacts) = before.content.signed_content()?;
            let content_hash = canonical_json::content_hash(&snapshot);
            let party_contacts = to_json(&contacts)?;
            let rationale =
                if amending { before.amendment.as_ref().map(|a| a.rationale.clone()) } else { comment.clone() };
            let row = VersionRow {
                agreement_id: id,
                number,
                snapshot,
                content_hash,
                rationale,
                created_at: crate::domain::types::stored::now(),
                party_contacts,
                required_signers,
            };
            version_repo::insert(tx, &row).await?;
        }
        match (amending, to) {
            (true, Status::Cancelled) => {
                // Back to the content in force.
                let (content, _) = in_force.ok_or_else(|| AppError::internal("amendment without a version"))?;
                write_content(tx, id, &content).await?;
                repo::set_amendment(tx, id, None, None).await?;
            }
            (true, to) => {
                let rationale = before.amendment.as_ref().map(|a| a.rationale.as_str());
                repo::set_amendment(tx, id, Some(&to.stored()), rationale).await?;
            }
            (false, to) => {
                if before.amendment.is_some() {
                    repo::set_amendment(tx, id, None, None).await?;
                }
                repo::set_status(tx, id, &to.stored(), comment.as_deref(), before.current_version).await?;
            }
        }
        let after = load(tx, id, false).await?;
        audit::record(tx, actor, "transition", Change::updated(&before, &after)).await?;
        Ok(after)
    })
    .await
}

/// The content of version `number` (in force) and the organisations that signed it.
async fn in_force(tx: &mut Conn, id: Uuid, number: i32) -> Result<(AgreementFields, Vec<Uuid>), AppError> {
    let row =
        version_repo::version(tx, id, number).await?.ok_or_else(|| AppError::internal("version in force missing"))?;
    let contacts: Vec<PartyContacts> = from_json(row.party_contacts)?;
    let content = AgreementFields::from_version(row.snapshot, &contacts)?;
    let signed = version_repo::signatures(tx, id, number).await?.into_iter().map(|s| s.organization_id).collect();
    Ok((content, signed))
}

/// Opening an amendment.
#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"rationale": "Vuosikatsauksessa sovittu kustannusjaon muutos"}))]
pub struct AmendmentInput {
    /// Why the agreement is amended (required, at most 2,000 characters).
    #[schema(min_length = 1, max_length = 2000)]
    #[validate(length(max = 2000), custom(function = "crate::domain::types::formats::not_blank"))]
    pub rationale: String,
}

/// Opens an amendment of an active agreement: its content becomes editable again as a draft,
/// while the version in force stays in force until the amended version is signed by all.
pub async fn amend(cx: &mut Cx<'_>, id: Uuid, input: AmendmentInput) -> Result<Agreement, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = load(tx, id, true).await?;
        access::can_edit(actor, &before)?;
        validation::check(&input)?;
        open_amendment(tx, actor, &before, input.rationale.trim()).await
    })
    .await
}
