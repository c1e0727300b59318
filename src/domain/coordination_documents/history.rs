//! The revision log (muutoshistoria): every change to a document appends a revision holding
//! the RFC 6902 JSON Patch from the previous revision, computed by `json-patch`, in the same
//! transaction as the change. A full snapshot is kept at the first revision, every
//! [`SNAPSHOT_EVERY`]th and at every restore, so rebuilding any revision applies at most
//! `SNAPSHOT_EVERY - 1` patches. Restoring writes a new revision; history is never rewritten.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::access;
use super::model::*;
use crate::db::Conn;
use crate::domain::audit;
use crate::domain::context::Cx;
use crate::domain::types::pagination::{ListQuery, Page};
use crate::domain::types::precondition::{IfMatch, version_etag};
use crate::domain::types::stored::to_json;
use crate::domain::types::validation;
use crate::error::AppError;
use crate::repo::coordination_documents::entries as entry_repo;
use crate::repo::coordination_documents::revisions::{self as repo};
use crate::repo::coordination_documents::{self as document_repo, DocumentWrite};

/// Revisions oldest first; the cursor is a revision number.
pub async fn list(cx: &mut Cx<'_>, document_id: Uuid, list: &ListQuery) -> Result<Page<Revision, i64>, AppError> {
    let page = list.page::<i64>()?;
    let (conn, actor) = cx.parts().await?;
    access::visible(actor, live(conn, document_id, false).await?)?;
    let rows = match list.updated_since {
        Some(since) => repo::list_since(conn, document_id, since, page.after, page.fetch_limit()).await?,
        None => repo::list(conn, document_id, page.after, page.fetch_limit()).await?,
    };
    let rows = with_authors(conn, rows).await?;
    Ok(Page::from_rows(rows, &page, |r| r.revision))
}

/// The document as it was at revision `n`: the newest snapshot at or before it, then the
/// patches up to it.
async fn state_at(conn: &mut Conn, doc: &CoordinationDocument, n: i64) -> Result<Value, AppError> {
    if n < 1 || n > doc.revision {
        return Err(AppError::NotFound);
    }
    let (from, mut state) = repo::snapshot_at_or_before(conn, doc.id, n)
        .await?
        .ok_or_else(|| AppError::internal("a document's history has no snapshot"))?;
    for patch in repo::patches(conn, doc.id, from + 1, n).await? {
        let patch: json_patch::Patch = serde_json::from_value(patch).map_err(AppError::internal)?;
        json_patch::patch(&mut state, &patch).map_err(AppError::internal)?;
    }
    Ok(state)
}

/// One revision with the whole document as it was then.
#[derive(Clone, Debug)]
pub struct RevisionState {
    pub revision: Revision,
    pub document: Value,
}

async fn revision_row(conn: &mut Conn, document_id: Uuid, n: i64) -> Result<Revision, AppError> {
    let rows = repo::list(conn, document_id, Some(n - 1), 1).await?;
    let row = rows.into_iter().find(|r| r.revision == n).ok_or(AppError::NotFound)?;
    with_authors(conn, vec![row]).await?.pop().ok_or(AppError::NotFound)
}

pub async fn get(cx: &mut Cx<'_>, document_id: Uuid, n: i64) -> Result<RevisionState, AppError> {
    let (doc, _permit) = for_heavy_work(cx, document_id, access::can_read).await?;
    let conn = cx.conn().await?;
    let document = state_at(conn, &doc, n).await?;
    Ok(RevisionState { revision: revision_row(conn, document_id, n).await?, document })
}

/// A line-level diff of one markdown field.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct TextChange {
    /// JSON Pointer of the field in the document's history form.
    pub path: String,
    /// Unified diff (as `diff -u` writes it) of the field's lines.
    pub unified_diff: String,
}

/// What changed between two revisions.
#[derive(Clone, Debug)]
pub struct RevisionDiff {
    pub from: i64,
    pub to: i64,
    pub patch: Value,
    pub text_changes: Vec<TextChange>,
}

fn text_at<'v>(state: &'v Value, pointer: &str) -> &'v str {
    state.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

/// How long the line diffs of one request may take; past it a diff is coarser (whole runs of
/// lines replaced) but still correct.
const TEXT_DIFF_BUDGET: std::time::Duration = std::time::Duration::from_millis(300);

/// Line diffs of the markdown fields that differ: the title, section bodies and entry
/// contents.
fn text_changes(a: &Value, b: &Value) -> Vec<TextChange> {
    let deadline = std::time::Instant::now() + TEXT_DIFF_BUDGET;
    let mut pointers = vec!["/title".to_owned()];
    let sections = |s: &Value| s["sections"].as_array().map_or(0, Vec::len);
    pointers.extend((0..sections(a).max(sections(b))).map(|i| format!("/sections/{i}/body")));
    let ids: BTreeSet<&String> =
        [a, b].iter().flat_map(|s| s["entries"].as_object().into_iter().flat_map(|m| m.keys())).collect();
    pointers.extend(ids.into_iter().map(|id| format!("/entries/{id}/content")));
    pointers
        .into_iter()
        .filter_map(|p| {
            let (old, new) = (text_at(a, &p), text_at(b, &p));
            (old != new).then(|| TextChange {
                unified_diff: similar::TextDiff::configure()
                    .deadline(deadline)
                    .diff_lines(old, new)
                    .unified_diff()
                    .context_radius(3)
                    .header(&format!("a{p}"), &format!("b{p}"))
                    .to_string(),
                path: p,
            })
        })
        .collect()
}

/// The largest difference answered (its patch and text changes, serialised): more is asked
/// for by comparing revisions closer together, or by reading revisions whole.
pub const MAX_DIFF_BYTES: usize = 2 * 1024 * 1024;

pub async fn diff(cx: &mut Cx<'_>, document_id: Uuid, from: i64, to: i64) -> Result<RevisionDiff, AppError> {
    let (doc, _permit) = for_heavy_work(cx, document_id, access::can_read).await?;
    let conn = cx.conn().await?;
    let (a, b) = (state_at(conn, &doc, from).await?, state_at(conn, &doc, to).await?);
    cx.release();
    // Off the request threads: whole documents are compared.
    let (patch, text_changes, size) = tokio::task::spawn_blocking(move || {
        let patch = json_patch::diff(&a, &b);
        let text_changes = text_changes(&a, &b);
        // Measured as sent: JSON escaping can make text several times its length.
        let size = serde_json::to_vec(&patch).map_or(usize::MAX, |p| p.len())
            + serde_json::to_vec(&text_changes).map_or(usize::MAX, |t| t.len());
        (patch, text_changes, size)
    })
    .await
    .map_err(AppError::internal)?;
    if size > MAX_DIFF_BYTES {
        return Err(AppError::invalid(
            "to",
            "too_large",
            format!(
                "the difference is over {} MiB: compare revisions closer together, or read revision {to} whole",
                MAX_DIFF_BYTES / (1024 * 1024)
            ),
        ));
    }
    Ok(RevisionDiff { from, to, patch: to_json(&patch)?, text_changes })
}

/// The entries of a history-form document.
fn entries_of(state: &Value) -> Result<BTreeMap<Uuid, (String, EntryFields)>, AppError> {
    let mut out = BTreeMap::new();
    for (id, entry) in state["entries"].as_object().into_iter().flatten() {
        let id: Uuid = id.parse().map_err(AppError::internal)?;
        let mut entry = entry.clone();
        let position = entry
            .as_object_mut()
            .and_then(|o| o.remove("position"))
            .and_then(|p| p.as_str().map(str::to_owned))
            .ok_or_else(|| AppError::internal("an entry in history has no position"))?;
        out.insert(id, (position, validation::from_json::<EntryFields>(entry)?));
    }
    Ok(out)
}

/// The body of a restore: the newest revision the user saw, so that changes made since (to
/// entries too, which do not change the document's ETag) are never undone unseen.
#[derive(Clone, Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RestoreInput {
    /// The document's `revision` when the user chose to restore; 412 when it has moved on.
    #[serde(deserialize_with = "crate::domain::types::integers::int64")]
    #[schema(minimum = 1, maximum = 999999999999999_i64)]
    pub based_on_revision: i64,
}

/// Makes revision `n`'s title, time zone, sections and entries current again, as a new
/// revision. Who edits (editors, scope) is not history: it stays as it is now.
pub async fn restore(
    cx: &mut Cx<'_>,
    document_id: Uuid,
    n: i64,
    if_match: IfMatch,
    input: RestoreInput,
) -> Result<CoordinationDocument, AppError> {
    let (_, _permit) = for_heavy_work(cx, document_id, access::can_edit).await?;
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = access::visible(actor, live(tx, document_id, true).await?)?;
        super::access::can_edit(actor, &before)?;
        if_match.check_required(before.version)?;
        if input.based_on_revision != before.revision {
            return Err(AppError::PreconditionFailed {
                current_etag: Some(version_etag(before.version)),
                current: None,
            });
        }
        let target = state_at(tx, &before, n).await?;
        let current = current_state(tx, document_id).await?;
        let sections: Vec<Section> = validation::from_json(target["sections"].clone())?;
        let write = DocumentWrite {
            title: target["title"].as_str().unwrap_or(&before.title).to_owned(),
            timezone: target["timezone"].as_str().unwrap_or(&before.timezone).to_owned(),
            agreement_id: before.scope.agreement_id(),
            event_series_id: before.scope.event_series_id(),
            sections: to_json(&sections)?,
            updated_by: actor.user_id(),
        };
        document_repo::update(tx, document_id, &write).await?;
        let (wanted, now) = (entries_of(&target)?, entries_of(&current)?);
        entry_repo::defer_position_check(tx).await?;
        // The new ETag of every entry the restore touches (`null`: deleted).
        let mut etags = serde_json::Map::new();
        for id in now.keys().filter(|id| !wanted.contains_key(id)) {
            entry_repo::delete(tx, *id).await?;
            etags.insert(id.to_string(), Value::Null);
        }
        for (id, (position, fields)) in &wanted {
            let row = fields.clone().into_row(position.clone(), actor.user_id());
            let version = match now.get(id) {
                Some(existing) if existing == &(position.clone(), fields.clone()) => continue,
                Some(_) => entry_repo::update(tx, *id, &row).await?.version,
                // Back from deletion with a version above any this entry ever had (each of its
                // versions was a revision of the document), so no ETag issued before matches.
                None => entry_repo::insert_with_version(tx, *id, document_id, &row, before.revision + 1).await?.version,
            };
            etags.insert(id.to_string(), Value::String(version_etag(version)));
        }
        let mut after = load(tx, document_id, false).await?.ok_or(AppError::NotFound)?;
        let after_state = current_state(tx, document_id).await?;
        after.revision = record(
            tx,
            actor,
            &after,
            RevisionChange::Restore { before: current, after: after_state, version: after.version, entries: etags },
        )
        .await?;
        audit::record(tx, actor, "restore", audit::Change::updated(&before, &after)).await?;
        named(tx, after).await
    })
    .await
}
