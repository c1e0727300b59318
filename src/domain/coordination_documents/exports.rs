//! Exports of a document's entries: CSV (the `csv` crate; a Finnish-Excel dialect with `;`
//! and a UTF-8 byte order mark) and iCalendar (the `icalendar` crate). Local dates and times
//! are the document's; calendar times are written in UTC, so no VTIMEZONE is needed.

use std::collections::{BTreeSet, HashMap};

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::access;
use super::model::{CoordinationDocument, Entry, EntryStatus, all_entries, for_heavy_work};
use crate::domain::context::Cx;
use crate::domain::types::formats::{ics_escaped, ics_text, spreadsheet_text};
use crate::domain::types::localized::{Lang, LocalizedText};
use crate::domain::types::names::name_of;
use crate::domain::types::stored::from_json;
use crate::error::AppError;

pub use crate::domain::types::formats::CsvDialect;

#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CsvQuery {
    #[param(inline)]
    pub dialect: Option<CsvDialect>,
}

/// The document and all its entries, read under a whole-document permit.
async fn document_and_entries(
    cx: &mut Cx<'_>,
    id: Uuid,
) -> Result<(CoordinationDocument, Vec<Entry>, tokio::sync::SemaphorePermit<'static>), AppError> {
    let (doc, permit) = for_heavy_work(cx, id, access::can_read).await?;
    let entries = all_entries(cx.conn().await?, &doc).await?;
    Ok((doc, entries, permit))
}

fn time(t: Option<NaiveTime>) -> String {
    t.map(|t| t.format("%H:%M").to_string()).unwrap_or_default()
}

/// The entries as CSV, one row each in document order.
pub async fn csv(cx: &mut Cx<'_>, id: Uuid, query: CsvQuery) -> Result<Vec<u8>, AppError> {
    let (_, entries, _permit) = document_and_entries(cx, id).await?;
    let ids: BTreeSet<Uuid> = entries.iter().flat_map(|e| e.fields.responsible.organization_ids.clone()).collect();
    let ids: Vec<Uuid> = ids.into_iter().collect();
    let conn = cx.conn().await?;
    let names: HashMap<Uuid, String> = crate::repo::organizations::names(conn, &ids)
        .await?
        .into_iter()
        .map(|(id, name)| {
            let name: LocalizedText = from_json(name).unwrap_or_default();
            (id, name.display(Lang::Fi).to_owned())
        })
        .collect();
    cx.release();
    let dialect = query.dialect.unwrap_or_default();
    let mut out = Vec::new();
    if dialect == CsvDialect::Fi {
        out.extend_from_slice("\u{feff}".as_bytes());
    }
    let separator = if dialect == CsvDialect::Fi { b';' } else { b',' };
    // RFC 4180 ends every record with CRLF.
    let mut writer = csv::WriterBuilder::new().delimiter(separator).terminator(csv::Terminator::CRLF).from_writer(out);
    let header = [
        "date",
        "start_time",
        "end_time",
        "title",
        "status",
        "responsible_organizations",
        "responsible_contact_ids",
        "content",
        "id",
    ];
    writer.write_record(header).map_err(AppError::internal)?;
    for e in &entries {
        let f = &e.fields;
        let organizations: Vec<&str> =
            f.responsible.organization_ids.iter().map(|o| names.get(o).map_or("", String::as_str)).collect();
        let contacts: Vec<String> = f.responsible.contact_ids.iter().map(Uuid::to_string).collect();
        writer
            .write_record([
                f.date.to_string(),
                time(f.start_time),
                time(f.end_time),
                spreadsheet_text(&f.title),
                name_of(&f.status),
                spreadsheet_text(&organizations.join(", ")),
                contacts.join(", "),
                spreadsheet_text(&f.content),
                e.id.to_string(),
            ])
            .map_err(AppError::internal)?;
    }
    writer.into_inner().map_err(AppError::internal)
}

fn utc(doc: &CoordinationDocument, date: NaiveDate, time: NaiveTime) -> chrono::DateTime<Utc> {
    let local = date.and_time(time);
    // A time skipped by a daylight-saving change is taken as the next valid one.
    match doc.tz().from_local_datetime(&local).earliest() {
        Some(t) => t.with_timezone(&Utc),
        None => doc
            .tz()
            .from_local_datetime(&(local + chrono::Duration::hours(1)))
            .earliest()
            .map_or_else(|| Utc.from_utc_datetime(&local), |t| t.with_timezone(&Utc)),
    }
}

/// The entries as an RFC 5545 calendar: one VEVENT each, all-day when the entry has no time.
pub async fn calendar(cx: &mut Cx<'_>, id: Uuid) -> Result<String, AppError> {
    let (doc, entries, _permit) = document_and_entries(cx, id).await?;
    cx.release();
    let mut calendar = Calendar::empty();
    calendar
        .append_property(icalendar::Property::new("VERSION", "2.0"))
        .append_property(icalendar::Property::new("PRODID", crate::domain::types::formats::CALENDAR_PRODID))
        .append_property(icalendar::Property::new("CALSCALE", "GREGORIAN"));
    // NAME is written as given by the crate: escaped here.
    calendar.name(&ics_escaped(&doc.title));
    for e in &entries {
        let f = &e.fields;
        let mut event = Event::new();
        event
            .uid(&format!("{}@yhdyspinta", e.id))
            .summary(&ics_text(&f.title))
            .sequence(u32::try_from(e.version - 1).unwrap_or(0))
            .timestamp(e.updated_at)
            .last_modified(e.updated_at)
            .status(match f.status {
                EntryStatus::Planned => EventStatus::Tentative,
                EntryStatus::Confirmed | EntryStatus::Done => EventStatus::Confirmed,
                EntryStatus::Cancelled => EventStatus::Cancelled,
            });
        if !f.content.is_empty() {
            event.description(&ics_text(&f.content));
        }
        match (f.start_time, f.end_time) {
            (Some(start), end) => {
                let start = utc(&doc, f.date, start);
                event.starts(start);
                // An end that a later change of the document's time zone put before the start
                // is left out rather than written backwards.
                if let Some(end) = end.map(|end| utc(&doc, f.date, end)).filter(|end| *end > start) {
                    event.ends(end);
                }
            }
            (None, _) => {
                // All day: DTEND is exclusive, the next day.
                event.starts(f.date).ends(f.date.succ_opt().unwrap_or(f.date));
            }
        }
        calendar.push(event.done());
    }
    Ok(calendar.done().to_string())
}
