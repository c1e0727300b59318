//! Writing a document: create, update, accept a place among the editors, delete and undelete
//! (each with its revision and audit record in one transaction), and the hourly purge of what
//! is past the restore window.

use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::access;
use super::model::*;
use crate::db::Conn;
use crate::domain::access::{Actor, Role, accepted_as_listed};
use crate::domain::audit::{self, Change};
use crate::domain::context::Cx;
use crate::domain::types::merge_patch::Patch;
use crate::domain::types::precondition::IfMatch;
use crate::domain::types::stored::to_json;
use crate::domain::types::validation;
use crate::error::{AppError, FieldError};
use crate::repo::coordination_documents::{self as repo, DocumentWrite};

/// The end of a document write, in its transaction: the document as written, its revision,
/// its audit entry.
async fn recorded(
    tx: &mut Conn,
    actor: &Actor,
    id: Uuid,
    (action, audit_action): (&'static str, &str),
    before: Option<&CoordinationDocument>,
) -> Result<CoordinationDocument, AppError> {
    let mut after = load(tx, id, false).await?.ok_or(AppError::NotFound)?;
    after.revision = record(tx, actor, &after, RevisionChange::document(action, before, &after)).await?;
    let change = match before {
        Some(before) => Change::updated(before, &after),
        None => Change::Created(&after),
    };
    audit::record(tx, actor, audit_action, change).await?;
    named(tx, after).await
}

/// The organisation that owns a new document: the one named, or the one editor the actor
/// coordinates.
fn owner_of(actor: &Actor, fields: &DocumentFields) -> Result<Uuid, AppError> {
    if let Some(owner) = fields.owner_organization_id {
        return Ok(owner);
    }
    let mut mine: Vec<Uuid> =
        fields.editors.iter().copied().filter(|o| actor.has_role(*o, Role::Coordinator)).collect();
    if mine.is_empty() {
        // None of the listed editors: the one organisation the actor coordinates, if one.
        mine = actor.organizations().into_iter().filter(|o| actor.has_role(*o, Role::Coordinator)).collect();
    }
    match mine.as_slice() {
        [only] => Ok(*only),
        [] => Err(AppError::invalid(
            "owner_organization_id",
            "required",
            "name the owner: an organisation you coordinate or administer",
        )),
        _ => Err(AppError::invalid(
            "owner_organization_id",
            "required",
            "you coordinate several of the editors: say which one owns the document",
        )),
    }
}

/// Rules that need the database: listed organisations exist, the agreement is the actor's to
/// read.
async fn check_references(
    cx: &mut Cx<'_>,
    fields: &DocumentFields,
    before: Option<&DocumentFields>,
) -> Result<(), AppError> {
    let conn = cx.conn().await?;
    if let Some(i) = crate::domain::organizations::first_missing(conn, &fields.editors).await? {
        return Err(AppError::invalid(format!("editors[{i}]"), "not_found", "no such organisation"));
    }
    if let Some(agreement) = fields.scope.agreement_id()
        && before.is_none_or(|b| b.scope.agreement_id() != Some(agreement))
        && crate::domain::agreements::get(cx, agreement).await.is_err()
    {
        return Err(AppError::invalid("scope.agreement_id", "not_found", "no such agreement visible to you"));
    }
    if let Some(series) = fields.scope.event_series_id()
        && before.is_none_or(|b| b.scope.event_series_id() != Some(series))
        && crate::domain::event_series::get(cx, series).await.is_err()
    {
        return Err(AppError::invalid("scope.event_series_id", "not_found", "no such event series visible to you"));
    }
    Ok(())
}

pub async fn create(cx: &mut Cx<'_>, mut fields: DocumentFields) -> Result<CoordinationDocument, AppError> {
    cx.write(async |cx| {
        let (_, actor) = cx.parts().await?;
        let owner = owner_of(actor, &fields)?;
        access::can_create(actor, owner)?;
        if !fields.editors.contains(&owner) {
            fields.editors.insert(0, owner);
        }
        fields.owner_organization_id = Some(owner);
        validation::check(&fields)?;
        check_references(cx, &fields, None).await?;
        let (tx, actor) = cx.parts().await?;
        let actor_id = actor.user_id();
        // The creator acts for the organisations it coordinates: those accept at once.
        let editors = accepted_as_listed(actor, &fields.editors);
        let id = Uuid::now_v7();
        repo::insert(tx, id, owner, &write_of(&fields, actor_id)?).await?;
        repo::add_editors(tx, id, &editors).await?;
        recorded(tx, actor, id, ("document_created", "create"), None).await
    })
    .await
}

fn write_of(fields: &DocumentFields, actor: Option<Uuid>) -> Result<DocumentWrite, AppError> {
    Ok(DocumentWrite {
        title: fields.title.trim().to_owned(),
        timezone: fields.timezone.clone(),
        agreement_id: fields.scope.agreement_id(),
        event_series_id: fields.scope.event_series_id(),
        sections: to_json(&fields.sections)?,
        updated_by: actor,
    })
}

/// Edits the document's fields: the write template, with editor changes judged per
/// organisation (adding is for editors; removing is for the organisation itself or the owner).
pub async fn update(
    cx: &mut Cx<'_>,
    id: Uuid,
    if_match: IfMatch,
    patch: Patch,
) -> Result<CoordinationDocument, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let actor_id = actor.user_id();
        let before = access::visible(actor, live(tx, id, true).await?)?;
        access::can_edit_or_leave(actor, &before)?;
        if_match.check_required(before.version)?;
        // The patch applies to the row as locked: nothing written meanwhile is lost.
        let mut fields = patch.apply(&before.fields())?;
        fields.editors.sort();
        let old = before.editor_ids();
        let added: Vec<Uuid> = fields.editors.iter().copied().filter(|o| !old.contains(o)).collect();
        let removed: Vec<Uuid> = old.iter().copied().filter(|o| !fields.editors.contains(o)).collect();
        let content_changed = DocumentFields { editors: old.clone(), ..fields.clone() } != before.fields();
        access::can_change(actor, &before, content_changed, &added, &removed)?;
        let mut errors = Vec::new();
        if fields.owner_organization_id != Some(before.owner_organization_id) {
            errors.push(FieldError::new(
                "owner_organization_id",
                "immutable",
                "the owner of a document does not change",
            ));
        }
        if removed.contains(&before.owner_organization_id) {
            errors.push(FieldError::new("editors", "owner_required", "the owner organisation stays an editor"));
        }
        validation::check_with(&fields, errors)?;
        check_references(cx, &fields, Some(&before.fields())).await?;
        let (tx, actor) = cx.parts().await?;
        if fields == before.fields() {
            return named(tx, before).await;
        }
        repo::update(tx, id, &write_of(&fields, actor_id)?).await?;
        let accepted = accepted_as_listed(actor, &added);
        repo::add_editors(tx, id, &accepted).await?;
        repo::remove_editors(tx, id, &removed).await?;
        recorded(tx, actor, id, ("document_updated", "update"), Some(&before)).await
    })
    .await
}

/// An invited organisation's coordinator or org admin accepts: from now on its coordinators
/// and admins edit.
pub async fn accept(
    cx: &mut Cx<'_>,
    id: Uuid,
    organization_id: Uuid,
    if_match: IfMatch,
) -> Result<CoordinationDocument, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = access::visible(actor, live(tx, id, true).await?)?;
        access::can_accept(actor, &before, organization_id)?;
        if_match.check_required(before.version)?;
        if !before.editor_ids().contains(&organization_id) {
            return Err(AppError::Conflict {
                detail: "The document does not list this organisation as an editor.".into(),
            });
        }
        if before.accepted_editors().contains(&organization_id) {
            return named(tx, before).await;
        }
        repo::accept_editor(tx, id, organization_id).await?;
        // The acceptance is a change of the document: its version (and ETag) moves on.
        let fields = before.fields();
        repo::update(tx, id, &write_of(&fields, actor.user_id())?).await?;
        recorded(tx, actor, id, ("editor_accepted", "accept"), Some(&before)).await
    })
    .await
}

/// Soft delete by the owner's coordinators and org admins; restorable for
/// [`RESTORE_WINDOW_DAYS`], then purged by [`purge_expired`].
pub async fn delete(cx: &mut Cx<'_>, id: Uuid, if_match: IfMatch) -> Result<(), AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = access::visible(actor, live(tx, id, true).await?)?;
        access::can_delete(actor, &before)?;
        if_match.check_required(before.version)?;
        let after_row = repo::set_deleted(tx, id, actor.user_id(), true).await?;
        let after =
            CoordinationDocument { deleted_at: after_row.deleted_at, version: after_row.version, ..before.clone() };
        record(tx, actor, &after, RevisionChange::document("document_deleted", Some(&before), &after)).await?;
        audit::record(tx, actor, "delete", Change::Deleted(&before)).await?;
        Ok(())
    })
    .await
}

/// Brings a deleted document back (the owner's org admins, within the restore window).
/// `If-Match` is the ETag of the deleted document, as the `deleted=true` list shows it.
pub async fn undelete(cx: &mut Cx<'_>, id: Uuid, if_match: IfMatch) -> Result<CoordinationDocument, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = load(tx, id, true).await?.ok_or(AppError::NotFound)?;
        let restorable = before.deleted_at.is_some_and(|at| at > restore_cutoff());
        access::can_undelete(actor, &before, restorable)?;
        if_match.check_required(before.version)?;
        if before.deleted_at.is_none() {
            return Err(AppError::Conflict { detail: "The document is not deleted.".into() });
        }
        repo::set_deleted(tx, id, actor.user_id(), false).await?;
        recorded(tx, actor, id, ("document_undeleted", "undelete"), Some(&before)).await
    })
    .await
}

/// A deleted document as it is, for those who may undelete it.
pub async fn deleted(cx: &mut Cx<'_>, id: Uuid) -> Result<CoordinationDocument, AppError> {
    let (conn, actor) = cx.parts().await?;
    let doc = load(conn, id, false).await?.ok_or(AppError::NotFound)?;
    let restorable = doc.deleted_at.is_some_and(|at| at > restore_cutoff());
    access::can_undelete(actor, &doc, restorable)?;
    named(conn, doc).await
}

/// Removes documents deleted longer ago than the restore window, with their entries and
/// history, each recorded in the audit log. The server runs it hourly.
pub async fn purge_expired(conn: &mut Conn) -> Result<usize, AppError> {
    let actor = Actor::system();
    conn.transaction(async |tx| {
        let ids = repo::deleted_before(tx, restore_cutoff()).await?;
        for id in &ids {
            let Some(doc) = load(tx, *id, true).await? else { continue };
            audit::record(tx, &actor, "purge", Change::Deleted(&doc)).await?;
            repo::purge(tx, *id).await?;
        }
        Ok(ids.len())
    })
    .await
}
