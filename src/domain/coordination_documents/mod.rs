//! Shared coordination documents (yhteinen koordinaatiodokumentti): the "shared file that every
//! key person can edit" of the meeting-place model, with dates, contents and responsible
//! persons.
//!
//! A document lists editor organisations. Listing one is an invitation: its members read the
//! document at once, and its coordinators and org admins edit once one of them has accepted.
//! Every change takes the document's row lock, checks `If-Match` against the changed row, and
//! appends a revision in the same transaction, so no acknowledged edit is ever lost or
//! reordered and any earlier state can be rebuilt (`history`). Entries carry their own
//! versions: people editing different rows never conflict.

pub mod access;
pub mod entries;
pub mod exports;
pub mod history;
pub mod live;
pub mod positions;

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::{Validate, ValidationError};

use crate::db::Conn;
use crate::domain::access::{Actor, Role};
use crate::domain::audit::{self, Audited, Change};
use crate::domain::context::Cx;
use crate::domain::types::formats;
use crate::domain::types::merge_patch::Patch;
use crate::domain::types::pagination::{ListQuery, Page};
use crate::domain::types::precondition::IfMatch;
use crate::domain::types::validation::{self, rule};
use crate::error::{AppError, FieldError};
use crate::repo::coordination_documents::{self as repo, DocumentRow, DocumentWrite, EditorRow};

/// How long a deleted document can be restored before it is purged.
pub const RESTORE_WINDOW_DAYS: i64 = 30;
pub const DEFAULT_TIMEZONE: &str = "Europe/Helsinki";

/// Most whole-document jobs (exports, rebuilding revisions) running at once in a process; the
/// others wait their turn without holding a pooled connection.
const HEAVY_WORK_AT_ONCE: usize = 2;

async fn heavy_work() -> Result<tokio::sync::SemaphorePermit<'static>, AppError> {
    static PERMITS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(HEAVY_WORK_AT_ONCE);
    PERMITS.acquire().await.map_err(AppError::internal)
}

/// A free-text part of the document (markdown), in the order given.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"heading": "Tavoitteet", "body": "Kohtaamispaikka on avoinna **tiistaisin**."}))]
pub struct Section {
    /// One line.
    #[schema(max_length = 200, pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$")]
    #[validate(length(max = 200), custom(function = "formats::single_line"))]
    pub heading: String,
    /// Markdown.
    #[serde(default)]
    #[schema(max_length = 20000)]
    #[validate(length(max = 20000))]
    pub body: String,
}

/// What the document is about: a set of organisations (its editors), an agreement or an event
/// series.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum DocumentScope {
    #[default]
    Organizations,
    /// A partnership agreement the creator can read.
    Agreement { agreement_id: Uuid },
    /// An event series the creator can read (its season plan, say).
    EventSeries { event_series_id: Uuid },
}

impl DocumentScope {
    pub(crate) fn agreement_id(self) -> Option<Uuid> {
        match self {
            DocumentScope::Agreement { agreement_id } => Some(agreement_id),
            _ => None,
        }
    }

    pub(crate) fn event_series_id(self) -> Option<Uuid> {
        match self {
            DocumentScope::EventSeries { event_series_id } => Some(event_series_id),
            _ => None,
        }
    }
}

fn default_timezone() -> String {
    DEFAULT_TIMEZONE.to_owned()
}

fn timezone(value: &str) -> Result<(), ValidationError> {
    value
        .parse::<chrono_tz::Tz>()
        .map(|_| ())
        .map_err(|_| rule("unknown_timezone", "use an IANA time zone such as Europe/Helsinki"))
}

fn distinct(ids: &[Uuid]) -> Result<(), ValidationError> {
    let unique: BTreeSet<&Uuid> = ids.iter().collect();
    if unique.len() == ids.len() { Ok(()) } else { Err(rule("duplicate", "an id is listed twice")) }
}

/// The editable fields of a document: the body of a create, and what a patch edits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Kevään kohtaamispaikkasuunnitelma",
    "editors": ["01930000-0000-7000-8000-000000000002", "01930000-0000-7000-8000-000000000005"],
    "sections": [{"heading": "Tavoitteet", "body": "Matalan kynnyksen kohtaamispaikka ikäihmisille."}]}))]
pub struct DocumentFields {
    /// One line.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0085][^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    #[validate(length(max = 200), custom(function = "formats::not_blank"), custom(function = "formats::single_line"))]
    pub title: String,
    /// The organisation the document belongs to: it stays an editor, and its org admins can
    /// restore the document after deletion. Set at creation (default: the one editor you
    /// coordinate); it cannot change.
    #[serde(default)]
    pub owner_organization_id: Option<Uuid>,
    #[serde(default)]
    pub scope: DocumentScope,
    /// Organisations whose coordinators and org admins edit and whose members read (at most
    /// 30; the owner is always one). Listing an organisation invites it: it edits only after
    /// its own coordinator or org admin accepts.
    #[serde(default)]
    #[schema(max_items = 30)]
    #[validate(length(max = 30), custom(function = "distinct"))]
    pub editors: Vec<Uuid>,
    #[serde(default)]
    #[schema(max_items = 50)]
    #[validate(length(max = 50), nested)]
    pub sections: Vec<Section>,
    /// IANA time zone of the entries' local dates and times (default `Europe/Helsinki`).
    #[serde(default = "default_timezone")]
    #[schema(max_length = 64, example = "Europe/Helsinki")]
    #[validate(length(max = 64), custom(function = "timezone"))]
    pub timezone: String,
}

/// An editor organisation and whether it has accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Editor {
    pub organization_id: Uuid,
    /// Whether the organisation's own coordinator or org admin has accepted; until then its
    /// people only read.
    pub accepted: bool,
}

/// A person who changed something, as the document's readers see them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Author {
    pub user_id: Uuid,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CoordinationDocument {
    pub id: Uuid,
    pub owner_organization_id: Uuid,
    pub title: String,
    pub timezone: String,
    pub scope: DocumentScope,
    pub sections: Vec<Section>,
    pub editors: Vec<Editor>,
    pub revision: i64,
    pub updated_by: Option<Uuid>,
    /// Who changed the document's own fields last, by name.
    #[serde(skip)]
    pub author: Option<Author>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl CoordinationDocument {
    fn from_row(r: DocumentRow, editors: Vec<EditorRow>) -> Result<Self, AppError> {
        Ok(CoordinationDocument {
            id: r.id,
            owner_organization_id: r.owner_organization_id,
            title: r.title,
            timezone: r.timezone,
            scope: match (r.agreement_id, r.event_series_id) {
                (Some(agreement_id), _) => DocumentScope::Agreement { agreement_id },
                (None, Some(event_series_id)) => DocumentScope::EventSeries { event_series_id },
                (None, None) => DocumentScope::Organizations,
            },
            sections: serde_json::from_value(r.sections).map_err(AppError::internal)?,
            editors: editors
                .into_iter()
                .map(|e| Editor { organization_id: e.organization_id, accepted: e.accepted_at.is_some() })
                .collect(),
            revision: r.revision,
            updated_by: r.updated_by,
            author: None,
            deleted_at: r.deleted_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        })
    }

    pub fn fields(&self) -> DocumentFields {
        DocumentFields {
            title: self.title.clone(),
            owner_organization_id: Some(self.owner_organization_id),
            scope: self.scope,
            editors: self.editor_ids(),
            sections: self.sections.clone(),
            timezone: self.timezone.clone(),
        }
    }

    pub fn editor_ids(&self) -> Vec<Uuid> {
        self.editors.iter().map(|e| e.organization_id).collect()
    }

    pub fn accepted_editors(&self) -> Vec<Uuid> {
        self.editors.iter().filter(|e| e.accepted).map(|e| e.organization_id).collect()
    }

    pub fn tz(&self) -> chrono_tz::Tz {
        self.timezone.parse().unwrap_or(chrono_tz::Europe::Helsinki)
    }
}

impl Audited for CoordinationDocument {
    const RESOURCE_TYPE: &'static str = "coordination_document";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_organizations(&self) -> Vec<Uuid> {
        self.editor_ids()
    }
}

/// Filters of the document list.
#[derive(Clone, Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DocumentQuery {
    /// Documents listing this organisation as an editor.
    pub organization: Option<Uuid>,
    /// Documents about this agreement.
    pub agreement_id: Option<Uuid>,
    /// Documents about this event series.
    pub event_series_id: Option<Uuid>,
    /// `true`: the deleted documents your organisations own that an org admin of yours can
    /// still restore, instead of the live ones.
    pub deleted: Option<bool>,
}

/// The document with its editors, or `None`.
pub(crate) async fn load(conn: &mut Conn, id: Uuid, locked: bool) -> Result<Option<CoordinationDocument>, AppError> {
    let row = if locked { repo::lock(conn, id).await? } else { repo::get(conn, id).await? };
    let Some(row) = row else { return Ok(None) };
    let editors = repo::editors(conn, id).await?;
    Ok(Some(CoordinationDocument::from_row(row, editors)?))
}

/// The document with the name of who changed it last, as it is answered (writes and access
/// checks do without).
async fn named(conn: &mut Conn, mut doc: CoordinationDocument) -> Result<CoordinationDocument, AppError> {
    doc.author = authors(conn, [doc.updated_by]).await?.pop();
    Ok(doc)
}

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
    after.revision = history::record(tx, actor, &after, history::Change::document(action, before, &after)).await?;
    let change = match before {
        Some(before) => Change::updated(before, &after),
        None => Change::Created(&after),
    };
    audit::record(tx, actor, audit_action, change).await?;
    named(tx, after).await
}

/// The document the actor may read and `policy` allows, once a [`heavy_work`] permit is held:
/// the cheap checks first, and no pooled connection held while waiting for the permit.
pub(crate) async fn readable_for_heavy_work(
    cx: &mut Cx<'_>,
    id: Uuid,
    policy: fn(&Actor, &CoordinationDocument) -> Result<(), AppError>,
) -> Result<(CoordinationDocument, tokio::sync::SemaphorePermit<'static>), AppError> {
    let (conn, actor) = cx.parts().await?;
    policy(actor, &readable(conn, actor, id, false).await?)?;
    cx.release();
    let permit = heavy_work().await?;
    // Checked again: access may have changed while waiting.
    let (conn, actor) = cx.parts().await?;
    let doc = readable(conn, actor, id, false).await?;
    policy(actor, &doc)?;
    Ok((doc, permit))
}

/// The live document the actor may read, locked when `locked` (404 otherwise).
pub(crate) async fn readable(
    conn: &mut Conn,
    actor: &Actor,
    id: Uuid,
    locked: bool,
) -> Result<CoordinationDocument, AppError> {
    let doc = load(conn, id, locked).await?.filter(|d| d.deleted_at.is_none()).ok_or(AppError::NotFound)?;
    access::can_read(actor, &doc)?;
    Ok(doc)
}

pub async fn list(
    cx: &mut Cx<'_>,
    query: DocumentQuery,
    list: &ListQuery,
) -> Result<Page<CoordinationDocument, Uuid>, AppError> {
    let page = list.page::<Uuid>()?;
    let (conn, actor) = cx.parts().await?;
    access::can_list(actor)?;
    let deleted_of_owners = query.deleted.unwrap_or(false).then(|| (actor.admin_organizations(), restore_cutoff()));
    let filter = repo::DocumentFilter {
        editor_in: (!actor.is_platform_admin()).then(|| actor.organizations()),
        organization: query.organization,
        agreement_id: query.agreement_id,
        event_series_id: query.event_series_id,
        deleted_of_owners,
        updated_since: list.updated_since,
        after: page.after,
        limit: page.fetch_limit(),
    };
    let rows = repo::list(conn, &filter).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut editors = repo::editors_of(conn, &ids).await?;
    let names = authors(conn, rows.iter().map(|r| r.updated_by)).await?;
    Page::from_rows(rows, &page, |r| r.id).try_map(|row| {
        let mine: Vec<EditorRow> = editors.iter().filter(|(d, _)| *d == row.id).map(|(_, e)| e.clone()).collect();
        editors.retain(|(d, _)| *d != row.id);
        let mut doc = CoordinationDocument::from_row(row, mine)?;
        doc.author = names.iter().find(|a| Some(a.user_id) == doc.updated_by).cloned();
        Ok(doc)
    })
}

pub async fn get(cx: &mut Cx<'_>, id: Uuid) -> Result<CoordinationDocument, AppError> {
    let (conn, actor) = cx.parts().await?;
    let doc = readable(conn, actor, id, false).await?;
    named(conn, doc).await
}

/// Display names of the people who changed these things.
pub async fn authors(conn: &mut Conn, ids: impl IntoIterator<Item = Option<Uuid>>) -> Result<Vec<Author>, AppError> {
    let ids: BTreeSet<Uuid> = ids.into_iter().flatten().collect();
    let ids: Vec<Uuid> = ids.into_iter().collect();
    Ok(crate::repo::identity::users::names(conn, &ids)
        .await?
        .into_iter()
        .map(|(user_id, name)| Author { user_id, name })
        .collect())
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
        let editors: Vec<(Uuid, bool)> =
            fields.editors.iter().map(|o| (*o, actor.has_role(*o, Role::Coordinator))).collect();
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
        sections: serde_json::to_value(&fields.sections).map_err(AppError::internal)?,
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
        let before = readable(tx, actor, id, true).await?;
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
        let accepted: Vec<(Uuid, bool)> = added.iter().map(|o| (*o, actor.has_role(*o, Role::Coordinator))).collect();
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
        let before = readable(tx, actor, id, true).await?;
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
        let before = readable(tx, actor, id, true).await?;
        access::can_delete(actor, &before)?;
        if_match.check_required(before.version)?;
        let after_row = repo::set_deleted(tx, id, actor.user_id(), true).await?;
        let after =
            CoordinationDocument { deleted_at: after_row.deleted_at, version: after_row.version, ..before.clone() };
        history::record(tx, actor, &after, history::Change::document("document_deleted", Some(&before), &after))
            .await?;
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

/// Documents deleted before this can no longer be restored.
fn restore_cutoff() -> DateTime<Utc> {
    Utc::now() - chrono::Duration::days(RESTORE_WINDOW_DAYS)
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
