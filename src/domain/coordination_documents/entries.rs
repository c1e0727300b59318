//! Schedule entries (aikataulurivit) of a coordination document: each with its own version,
//! so two people editing different rows never conflict. Every change still takes the
//! document's lock to number its revision.

use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::access;
use super::model::*;
use super::positions;
use crate::db::Conn;
use crate::domain::access::Actor;
use crate::domain::audit::{self, Change};
use crate::domain::context::Cx;
use crate::domain::types::merge_patch::Patch;
use crate::domain::types::names::name_of;
use crate::domain::types::pagination::{ListQuery, Page};
use crate::domain::types::precondition::IfMatch;
use crate::domain::types::validation;
use crate::error::AppError;
use crate::repo::coordination_documents::entries::{self as repo, EntryFilter, EntryRow};

/// The end of an entry write, in its transaction: the entry as written, the document's
/// revision, the audit entry.
async fn recorded(
    tx: &mut Conn,
    actor: &Actor,
    doc: &CoordinationDocument,
    (action, audit_action): (&'static str, &str),
    before: Option<&Entry>,
    row: EntryRow,
) -> Result<Entry, AppError> {
    let after = Entry::from_row(row, doc.editor_ids())?;
    record(tx, actor, doc, RevisionChange::entry(action, before, Some(&after))).await?;
    let change = match before {
        Some(before) => Change::updated(before, &after),
        None => Change::Created(&after),
    };
    audit::record(tx, actor, audit_action, change).await?;
    named_one(tx, after).await
}

/// Filters of the entry list.
#[derive(Clone, Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EntryQuery {
    /// Entries on or after this date.
    pub from: Option<NaiveDate>,
    /// Entries before this date.
    pub to: Option<NaiveDate>,
    pub status: Option<EntryStatus>,
    /// Entries naming this organisation as responsible.
    pub organization: Option<Uuid>,
    /// Entries about this event series.
    pub event_series: Option<Uuid>,
    /// Entries held at this venue.
    pub venue: Option<Uuid>,
}

/// Where a new entry goes.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EntryPlacement {
    /// The entry to follow; without it the new entry goes last.
    pub after_entry_id: Option<Uuid>,
}

/// Where a moved entry goes.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveInput {
    /// The entry to follow; `null` (or absent) puts it first.
    #[serde(default)]
    pub after_entry_id: Option<Uuid>,
}

pub async fn list(
    cx: &mut Cx<'_>,
    document_id: Uuid,
    query: EntryQuery,
    list: &ListQuery,
) -> Result<Page<Entry, String>, AppError> {
    let page = list.page::<String>()?;
    let (conn, actor) = cx.parts().await?;
    let doc = access::visible(actor, live(conn, document_id, false).await?)?;
    // Dates the database cannot hold mean "from the start" and "to the end".
    let (first, last) = (date(1900, 1, 1), date(2200, 1, 1));
    let filter = EntryFilter {
        from: query.from.map(|d| d.clamp(first, last)),
        to: query.to.map(|d| d.clamp(first, last)),
        status: query.status.map(|s| name_of(&s)),
        organization: query.organization,
        event_series_id: query.event_series,
        venue_id: query.venue,
        updated_since: list.updated_since,
        after: page.after.clone(),
        limit: Some(page.fetch_limit()),
    };
    let rows = repo::list(conn, document_id, &filter).await?;
    let editors = doc.editor_ids();
    let page = Page::from_rows(rows, &page, |r| r.written.position.clone())
        .try_map(|r| Entry::from_row(r, editors.clone()))?;
    let items = named_entries(conn, page.items).await?;
    Ok(Page { items, ..page })
}

pub async fn get(cx: &mut Cx<'_>, document_id: Uuid, id: Uuid) -> Result<Entry, AppError> {
    let (conn, actor) = cx.parts().await?;
    let doc = access::visible(actor, live(conn, document_id, false).await?)?;
    let entry = Entry::from_row(repo::get(conn, document_id, id).await?.ok_or(AppError::NotFound)?, doc.editor_ids())?;
    named_one(conn, entry).await
}

/// Contacts newly named as responsible must be ones the actor can see; organisations must
/// exist.
async fn check_references(
    conn: &mut Conn,
    actor: &Actor,
    fields: &EntryFields,
    before: Option<&EntryFields>,
) -> Result<(), AppError> {
    // Only what this write names anew: an organisation named earlier may have gone since.
    let named_anew: Vec<(usize, Uuid)> = fields
        .responsible
        .organization_ids
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, org)| !before.is_some_and(|b| b.responsible.organization_ids.contains(org)))
        .collect();
    let ids: Vec<Uuid> = named_anew.iter().map(|(_, org)| *org).collect();
    if let Some(missing) = crate::domain::organizations::first_missing(conn, &ids).await? {
        let i = named_anew.get(missing).map_or(missing, |(i, _)| *i);
        return Err(AppError::invalid(
            format!("responsible.organization_ids[{i}]"),
            "not_found",
            "no such organisation",
        ));
    }
    if let Some(series) = fields.event_series_id
        && before.is_none_or(|b| b.event_series_id != Some(series))
        && crate::domain::event_series::load(conn, series, false)
            .await
            .and_then(|s| crate::domain::event_series::access::visible(actor, s))
            .is_err()
    {
        return Err(AppError::invalid("event_series_id", "not_found", "no such event series visible to you"));
    }
    if let Some(venue) = fields.venue_id
        && before.is_none_or(|b| b.venue_id != Some(venue))
        && crate::repo::venues::get(conn, venue).await?.is_none()
    {
        return Err(AppError::invalid("venue_id", "not_found", "no such venue"));
    }
    for (i, contact) in fields.responsible.contact_ids.iter().enumerate() {
        if before.is_some_and(|b| b.responsible.contact_ids.contains(contact)) {
            continue;
        }
        if !crate::domain::contacts::is_visible(conn, actor, *contact).await? {
            return Err(AppError::invalid(
                format!("responsible.contact_ids[{i}]"),
                "not_found",
                "no such contact visible to you",
            ));
        }
    }
    Ok(())
}

/// The position for an entry placed after `after` (`None`: first), skipping the entry
/// itself when it moves.
async fn position_after(
    conn: &mut Conn,
    document_id: Uuid,
    after: Option<Uuid>,
    moving: Option<Uuid>,
) -> Result<String, AppError> {
    let previous = match after {
        Some(id) if Some(id) == moving => {
            return Err(AppError::invalid("after_entry_id", "self", "an entry cannot follow itself"));
        }
        Some(id) => Some(
            repo::get(conn, document_id, id)
                .await?
                .ok_or_else(|| AppError::invalid("after_entry_id", "not_found", "no such entry in this document"))?
                .written
                .position,
        ),
        None => None,
    };
    let next = repo::next_position(conn, document_id, previous.as_deref(), moving).await?;
    let (lo, hi) = (previous.unwrap_or_default(), next);
    if !(lo.is_empty() || positions::is_key(&lo)) || !hi.as_deref().is_none_or(positions::is_key) {
        return Err(AppError::internal("a stored entry position is not an order key"));
    }
    let key = positions::between(&lo, hi.as_deref());
    if key.len() > positions::MAX_KEY_LENGTH {
        return Err(AppError::Conflict {
            detail: "Rows have been moved into this one place too many times: place the entry next to another row."
                .into(),
        });
    }
    Ok(key)
}

/// Creates an entry, after `placement.after_entry_id` or at the end. `If-Match` is the
/// document's ETag (or `*`): creating a row does not change the document's own version.
pub async fn create(
    cx: &mut Cx<'_>,
    document_id: Uuid,
    if_match: IfMatch,
    placement: EntryPlacement,
    fields: EntryFields,
) -> Result<Entry, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let doc = access::visible(actor, live(tx, document_id, true).await?)?;
        super::access::can_edit(actor, &doc)?;
        if_match.check_required(doc.version)?;
        validation::check_with(&fields, fields.rules(&doc))?;
        check_references(tx, actor, &fields, None).await?;
        if repo::count(tx, document_id).await? >= MAX_ENTRIES {
            return Err(AppError::Conflict { detail: format!("a document holds at most {MAX_ENTRIES} entries") });
        }
        let position = match placement.after_entry_id {
            Some(_) => position_after(tx, document_id, placement.after_entry_id, None).await?,
            None => positions::between(&repo::last_position(tx, document_id).await?.unwrap_or_default(), None),
        };
        let row = repo::insert(tx, Uuid::now_v7(), document_id, &fields.into_row(position, actor.user_id())).await?;
        recorded(tx, actor, &doc, ("entry_created", "create"), None, row).await
    })
    .await
}

/// The entry locked for a write, in a document the actor edits, after `If-Match`.
async fn lock_for_write(
    conn: &mut Conn,
    actor: &Actor,
    document_id: Uuid,
    id: Uuid,
    if_match: IfMatch,
) -> Result<(CoordinationDocument, Entry), AppError> {
    let doc = access::visible(actor, live(conn, document_id, true).await?)?;
    let row = repo::lock(conn, document_id, id).await?.ok_or(AppError::NotFound)?;
    super::access::can_edit(actor, &doc)?;
    let entry = Entry::from_row(row, doc.editor_ids())?;
    if_match.check_required(entry.version)?;
    Ok((doc, entry))
}

/// The write template for an entry: `If-Match` is required, and the check and the write are
/// one transaction under the row lock, so of two writers holding the same ETag exactly one
/// wins.
pub async fn update(
    cx: &mut Cx<'_>,
    document_id: Uuid,
    id: Uuid,
    if_match: IfMatch,
    patch: Patch,
) -> Result<Entry, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let (doc, before) = lock_for_write(tx, actor, document_id, id, if_match).await?;
        let fields = patch.apply(&before.fields)?;
        validation::check_with(&fields, fields.rules(&doc))?;
        check_references(tx, actor, &fields, Some(&before.fields)).await?;
        if fields == before.fields {
            return named_one(tx, before).await;
        }
        let row = repo::update(tx, id, &fields.into_row(before.position.clone(), actor.user_id())).await?;
        recorded(tx, actor, &doc, ("entry_updated", "update"), Some(&before), row).await
    })
    .await
}

/// Moves the entry after another one (or first): only its own position changes.
pub async fn move_entry(
    cx: &mut Cx<'_>,
    document_id: Uuid,
    id: Uuid,
    if_match: IfMatch,
    input: MoveInput,
) -> Result<Entry, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let (doc, before) = lock_for_write(tx, actor, document_id, id, if_match).await?;
        let position = position_after(tx, document_id, input.after_entry_id, Some(id)).await?;
        let row = repo::update(tx, id, &before.fields.clone().into_row(position, actor.user_id())).await?;
        recorded(tx, actor, &doc, ("entry_moved", "move"), Some(&before), row).await
    })
    .await
}

/// Deletes the entry; its history keeps it (a removal in the revision log), so restoring an
/// earlier revision brings it back.
pub async fn delete(cx: &mut Cx<'_>, document_id: Uuid, id: Uuid, if_match: IfMatch) -> Result<(), AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let (doc, before) = lock_for_write(tx, actor, document_id, id, if_match).await?;
        repo::delete(tx, id).await?;
        record(tx, actor, &doc, RevisionChange::entry("entry_deleted", Some(&before), None)).await?;
        audit::record(tx, actor, "delete", Change::Deleted(&before)).await?;
        Ok(())
    })
    .await
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}
