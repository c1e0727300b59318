//! The document and its entries: their fields and rules, the rows they are read from, loading
//! (with the names of who changed them), and the revision log every write appends to.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::{Validate, ValidationError};

use crate::db::Conn;
use crate::domain::access::Actor;
use crate::domain::audit::Audited;
use crate::domain::context::Cx;
use crate::domain::types::formats;
use crate::domain::types::names::{from_stored, name_of};
use crate::domain::types::precondition::version_etag;
use crate::domain::types::stored::{from_json, to_json};
use crate::domain::types::validation::rule;
use crate::error::{AppError, FieldError};
use crate::repo::coordination_documents::entries::{self as entry_repo, EntryFilter, EntryRow, EntryWrite};
use crate::repo::coordination_documents::revisions::{self as revision_repo, RevisionRow, RevisionWrite};
use crate::repo::coordination_documents::{self as repo, DocumentRow, EditorRow};

/// How long a deleted document can be restored before it is purged.
pub const RESTORE_WINDOW_DAYS: i64 = 30;
pub const DEFAULT_TIMEZONE: &str = "Europe/Helsinki";

/// Most whole-document jobs (exports, rebuilding revisions) running at once in a process; the
/// others wait their turn without holding a pooled connection.
const HEAVY_WORK_AT_ONCE: usize = 2;

pub(crate) async fn heavy_work() -> Result<tokio::sync::SemaphorePermit<'static>, AppError> {
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
    pub(crate) fn from_row(r: DocumentRow, editors: Vec<EditorRow>) -> Result<Self, AppError> {
        Ok(CoordinationDocument {
            id: r.id,
            owner_organization_id: r.owner_organization_id,
            title: r.written.title,
            timezone: r.written.timezone,
            scope: match (r.written.agreement_id, r.written.event_series_id) {
                (Some(agreement_id), _) => DocumentScope::Agreement { agreement_id },
                (None, Some(event_series_id)) => DocumentScope::EventSeries { event_series_id },
                (None, None) => DocumentScope::Organizations,
            },
            sections: from_json(r.written.sections)?,
            editors: editors
                .into_iter()
                .map(|e| Editor { organization_id: e.organization_id, accepted: e.accepted_at.is_some() })
                .collect(),
            revision: r.revision,
            updated_by: r.written.updated_by,
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
pub(crate) async fn named(conn: &mut Conn, mut doc: CoordinationDocument) -> Result<CoordinationDocument, AppError> {
    doc.author = authors(conn, [doc.updated_by]).await?.pop();
    Ok(doc)
}

/// The live document `policy` lets the actor see, once a [`heavy_work`] permit is held: the
/// cheap checks first, and no pooled connection held while waiting for the permit.
pub(crate) async fn for_heavy_work(
    cx: &mut Cx<'_>,
    id: Uuid,
    policy: fn(&Actor, &CoordinationDocument) -> Result<(), AppError>,
) -> Result<(CoordinationDocument, tokio::sync::SemaphorePermit<'static>), AppError> {
    let (conn, actor) = cx.parts().await?;
    policy(actor, &live(conn, id, false).await?)?;
    cx.release();
    let permit = heavy_work().await?;
    // Checked again: access may have changed while waiting.
    let (conn, actor) = cx.parts().await?;
    let doc = live(conn, id, false).await?;
    policy(actor, &doc)?;
    Ok((doc, permit))
}

/// The document unless it is deleted (404), locked for the transaction when `locked`.
pub(crate) async fn live(conn: &mut Conn, id: Uuid, locked: bool) -> Result<CoordinationDocument, AppError> {
    load(conn, id, locked).await?.filter(|d| d.deleted_at.is_none()).ok_or(AppError::NotFound)
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

/// Documents deleted before this can no longer be restored.
pub(crate) fn restore_cutoff() -> DateTime<Utc> {
    Utc::now() - chrono::Duration::days(RESTORE_WINDOW_DAYS)
}

/// Most entries one document holds.
pub const MAX_ENTRIES: i64 = 1000;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntryStatus {
    #[default]
    Planned,
    Confirmed,
    Done,
    Cancelled,
}

/// Who answers for an entry. Naming an organisation or a contact binds it to nothing: it is
/// a note for the readers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Responsible {
    #[serde(default)]
    #[schema(max_items = 20)]
    #[validate(length(max = 20), custom(function = "distinct"))]
    pub organization_ids: Vec<Uuid>,
    /// Contact persons you can see (at most 20).
    #[serde(default)]
    #[schema(max_items = 20)]
    #[validate(length(max = 20), custom(function = "distinct"))]
    pub contact_ids: Vec<Uuid>,
}

/// The editable fields of an entry: the body of a create, and what a patch edits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"date": "2026-04-01", "start_time": "10:00", "end_time": "12:00",
    "title": "Tapaaminen", "content": "Kevään ohjelman **suunnittelu**.", "status": "planned",
    "responsible": {"organization_ids": ["01930000-0000-7000-8000-00000000000c"], "contact_ids": []}}))]
pub struct EntryFields {
    /// The local date, in the document's time zone (years 1900-2199).
    #[validate(custom(function = "formats::plausible_date"))]
    pub date: NaiveDate,
    /// Local start time (`HH:MM` or `HH:MM:SS`); without it the entry lasts the day.
    #[serde(default, with = "formats::local_time")]
    #[schema(value_type = Option<String>, max_length = 8, pattern = "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$", example = "10:00")]
    pub start_time: Option<NaiveTime>,
    /// Local end time, after the start time.
    #[serde(default, with = "formats::local_time")]
    #[schema(value_type = Option<String>, max_length = 8, pattern = "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$", example = "12:00")]
    pub end_time: Option<NaiveTime>,
    /// One line.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0085][^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    #[validate(length(max = 200), custom(function = "formats::not_blank"), custom(function = "formats::single_line"))]
    pub title: String,
    /// Markdown.
    #[serde(default)]
    #[schema(max_length = 10000)]
    #[validate(length(max = 10000))]
    pub content: String,
    #[serde(default)]
    #[validate(nested)]
    pub responsible: Responsible,
    #[serde(default)]
    pub status: EntryStatus,
    /// The event series this row is about (one you can read).
    #[serde(default)]
    pub event_series_id: Option<Uuid>,
    /// Where it happens.
    #[serde(default)]
    pub venue_id: Option<Uuid>,
}

impl EntryFields {
    /// Rules between fields, each a field error: the end follows the start, and local times
    /// that the clocks skip that day (the spring daylight-saving change) name no moment at all.
    pub(crate) fn rules(&self, doc: &CoordinationDocument) -> Vec<FieldError> {
        use chrono::TimeZone;
        let mut errors = Vec::new();
        match (self.start_time, self.end_time) {
            (None, Some(_)) => errors.push(FieldError::new("end_time", "without_start", "give the start time too")),
            (Some(start), Some(end)) if end <= start => {
                errors.push(FieldError::new("end_time", "before_start", "the end time is not after the start time"))
            }
            _ => {}
        }
        if formats::plausible_date(&self.date).is_err() {
            return errors;
        }
        for (field, time) in [("start_time", self.start_time), ("end_time", self.end_time)] {
            let Some(time) = time else { continue };
            if doc.tz().from_local_datetime(&self.date.and_time(time)).earliest().is_none() {
                errors.push(FieldError::new(
                    field,
                    "nonexistent_local_time",
                    format!(
                        "{} {} does not exist in {}: the clocks skip it (daylight saving time)",
                        self.date,
                        time.format("%H:%M"),
                        doc.timezone
                    ),
                ));
            }
        }
        errors
    }

    pub(crate) fn into_row(self, position: String, actor: Option<Uuid>) -> EntryWrite {
        EntryWrite {
            position,
            date: self.date,
            start_time: self.start_time,
            end_time: self.end_time,
            title: self.title.trim().to_owned(),
            content: self.content,
            responsible_organization_ids: self.responsible.organization_ids.into_iter().map(Some).collect(),
            responsible_contact_ids: self.responsible.contact_ids.into_iter().map(Some).collect(),
            status: name_of(&self.status),
            updated_by: actor,
            event_series_id: self.event_series_id,
            venue_id: self.venue_id,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Entry {
    pub id: Uuid,
    pub document_id: Uuid,
    /// Order key: entries sort by it.
    pub position: String,
    #[serde(flatten)]
    pub fields: EntryFields,
    pub updated_by: Option<Uuid>,
    /// Who changed the entry last, by name.
    #[serde(skip)]
    pub author: Option<Author>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// The document's editors, whose admins read the audit entries.
    #[serde(skip)]
    pub organizations: Vec<Uuid>,
}

impl Entry {
    pub(crate) fn from_row(r: EntryRow, organizations: Vec<Uuid>) -> Result<Entry, AppError> {
        Ok(Entry {
            id: r.id,
            document_id: r.document_id,
            position: r.written.position,
            fields: EntryFields {
                date: r.written.date,
                start_time: r.written.start_time,
                end_time: r.written.end_time,
                title: r.written.title,
                content: r.written.content,
                responsible: Responsible {
                    organization_ids: r.written.responsible_organization_ids.into_iter().flatten().collect(),
                    contact_ids: r.written.responsible_contact_ids.into_iter().flatten().collect(),
                },
                status: from_stored("entry status", &r.written.status)?,
                event_series_id: r.written.event_series_id,
                venue_id: r.written.venue_id,
            },
            updated_by: r.written.updated_by,
            author: None,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
            organizations,
        })
    }
}

impl Audited for Entry {
    const RESOURCE_TYPE: &'static str = "coordination_entry";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_organizations(&self) -> Vec<Uuid> {
        self.organizations.clone()
    }
}

/// The entries with the names of who changed them last.
pub(crate) async fn named_entries(conn: &mut Conn, mut entries: Vec<Entry>) -> Result<Vec<Entry>, AppError> {
    let names = authors(conn, entries.iter().map(|e| e.updated_by)).await?;
    for e in &mut entries {
        e.author = names.iter().find(|a| Some(a.user_id) == e.updated_by).cloned();
    }
    Ok(entries)
}

pub(crate) async fn named_one(conn: &mut Conn, entry: Entry) -> Result<Entry, AppError> {
    named_entries(conn, vec![entry]).await?.pop().ok_or(AppError::NotFound)
}

/// Every entry of the document in order (exports, history).
pub(crate) async fn all_entries(conn: &mut Conn, doc: &CoordinationDocument) -> Result<Vec<Entry>, AppError> {
    let rows = entry_repo::list(conn, doc.id, &EntryFilter::default()).await?;
    rows.into_iter().map(|r| Entry::from_row(r, doc.editor_ids())).collect()
}

pub const SNAPSHOT_EVERY: i64 = 50;

/// An entry as history keeps it.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct EntryState {
    pub position: String,
    #[serde(flatten)]
    pub fields: EntryFields,
}

/// The whole document at one revision, as history keeps it. Entries are keyed by id (JSON
/// Patch paths name them: `/entries/{id}/status`); their `position` orders them.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct DocumentState {
    pub title: String,
    pub timezone: String,
    pub scope: DocumentScope,
    pub editors: Vec<Editor>,
    pub sections: Vec<Section>,
    pub deleted: bool,
    pub entries: BTreeMap<Uuid, EntryState>,
}

/// The document's own fields in history form (no entries).
pub(crate) fn fields_state(doc: &CoordinationDocument) -> Result<Value, AppError> {
    let mut state: serde_json::Value = to_json(&DocumentState {
        title: doc.title.clone(),
        timezone: doc.timezone.clone(),
        scope: doc.scope,
        editors: doc.editors.clone(),
        sections: doc.sections.clone(),
        deleted: doc.deleted_at.is_some(),
        entries: BTreeMap::new(),
    })?;
    if let Some(object) = state.as_object_mut() {
        object.remove("entries");
    }
    Ok(state)
}

pub(crate) fn entry_state(entry: &Entry) -> EntryState {
    EntryState { position: entry.position.clone(), fields: entry.fields.clone() }
}

/// The whole document as it is now (inside the caller's transaction).
pub(crate) async fn current_state(conn: &mut Conn, id: Uuid) -> Result<Value, AppError> {
    let doc = load(conn, id, false).await?.ok_or(AppError::NotFound)?;
    let entries = all_entries(conn, &doc).await?;
    let mut state = fields_state(&doc)?;
    let entries: BTreeMap<Uuid, EntryState> = entries.iter().map(|e| (e.id, entry_state(e))).collect();
    state["entries"] = to_json(&entries)?;
    Ok(state)
}

/// One change, as the revision log records it.
pub enum RevisionChange<'a> {
    Document { action: &'static str, before: Option<&'a CoordinationDocument>, after: &'a CoordinationDocument },
    Entry { action: &'static str, before: Option<&'a Entry>, after: Option<&'a Entry> },
    Restore { before: Value, after: Value, version: i64, entries: serde_json::Map<String, Value> },
}

impl<'a> RevisionChange<'a> {
    pub fn document(
        action: &'static str,
        before: Option<&'a CoordinationDocument>,
        after: &'a CoordinationDocument,
    ) -> Self {
        RevisionChange::Document { action, before, after }
    }

    pub fn entry(action: &'static str, before: Option<&'a Entry>, after: Option<&'a Entry>) -> Self {
        RevisionChange::Entry { action, before, after }
    }
}

pub(crate) fn entries_part(id: Uuid, entry: Option<&Entry>) -> Result<Value, AppError> {
    let mut map = serde_json::Map::new();
    if let Some(entry) = entry {
        map.insert(id.to_string(), to_json(&entry_state(entry))?);
    }
    Ok(json!({ "entries": map }))
}

/// Appends the revision for `change` to `doc`'s log; the caller holds the document's lock.
pub(crate) async fn record(
    conn: &mut Conn,
    actor: &Actor,
    doc: &CoordinationDocument,
    change: RevisionChange<'_>,
) -> Result<i64, AppError> {
    let (action, entry_id, patch, etags, force_snapshot) = match &change {
        RevisionChange::Document { action, before, after } => {
            let old = match before {
                Some(b) => fields_state(b)?,
                None => json!({"entries": {}}),
            };
            let mut new = fields_state(after)?;
            if before.is_none() {
                new["entries"] = json!({});
            }
            let patch = json_patch::diff(&old, &new);
            (*action, None, patch, json!({ "document": version_etag(after.version) }), before.is_none())
        }
        RevisionChange::Entry { action, before, after } => {
            let id =
                before.or(*after).map(|e| e.id).ok_or_else(|| AppError::internal("an entry change without entry"))?;
            let patch = json_patch::diff(&entries_part(id, *before)?, &entries_part(id, *after)?);
            let etag = after.map(|e| version_etag(e.version));
            (*action, Some(id), patch, json!({ "entry": etag }), false)
        }
        RevisionChange::Restore { before, after, version, entries } => (
            "revision_restored",
            None,
            json_patch::diff(before, after),
            json!({ "document": version_etag(*version), "entries": entries }),
            true,
        ),
    };
    let revision = repo::next_revision(conn, doc.id).await?;
    let snapshot = if force_snapshot || revision == 1 || revision % SNAPSHOT_EVERY == 0 {
        Some(match change {
            RevisionChange::Restore { after, .. } => after,
            _ => current_state(conn, doc.id).await?,
        })
    } else {
        None
    };
    revision_repo::insert(
        conn,
        &RevisionWrite {
            document_id: doc.id,
            revision,
            actor_id: actor.user_id(),
            action,
            entry_id,
            patch: to_json(&patch)?,
            snapshot,
            etags,
        },
    )
    .await?;
    Ok(revision)
}

/// One revision as the log lists it.
#[derive(Clone, Debug)]
pub struct Revision {
    pub revision: i64,
    pub at: DateTime<Utc>,
    pub actor: Option<Author>,
    pub action: String,
    pub entry_id: Option<Uuid>,
    pub patch: Value,
    pub etags: Value,
}

pub(crate) async fn with_authors(conn: &mut Conn, rows: Vec<RevisionRow>) -> Result<Vec<Revision>, AppError> {
    let names = authors(conn, rows.iter().map(|r| r.actor_id)).await?;
    Ok(rows
        .into_iter()
        .map(|r| Revision {
            revision: r.revision,
            at: r.at,
            actor: r.actor_id.and_then(|id| names.iter().find(|a| a.user_id == id).cloned()),
            action: r.action,
            entry_id: r.entry_id,
            patch: r.patch,
            etags: r.etags,
        })
        .collect())
}
