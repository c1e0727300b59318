//! `/api/v1/directory`: what a directory mirror reads. The change feed tells it what to read
//! again and what to drop, in commit order, with no change ever skipped; the calendar is
//! what a resident's calendar app subscribes to; the exports restate the directory in the
//! formats other directories read.

pub mod hsds;
pub mod lahella;

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::config::PublicUrl;
use crate::domain::context::Cx;
use crate::domain::directory::{self as directory, CalendarQuery, Change, ChangeOp, DirectoryResource, FeedQuery};
use crate::domain::event_series::occurrences::OccurrenceQuery;
use crate::domain::types::pagination::{ListQuery, encode_cursor};
use crate::error::AppError;
use crate::http::common::{Listing, ReadErrors, next_page_url};

/// One change in public view.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"seq": 1042, "type": "event_occurrence", "id": "01938000-0000-7000-8000-000000000011",
    "series_id": "01938000-0000-7000-8000-000000000010", "op": "upsert", "changed_at": "2026-03-01T09:30:00.123456Z"}))]
pub struct ChangeView {
    /// The change's position: strictly increasing in the order the changes were committed.
    pub seq: i64,
    #[serde(rename = "type")]
    pub resource_type: DirectoryResource,
    pub id: Uuid,
    /// The series of an occurrence (or the series itself): where to read the occurrence.
    pub series_id: Option<Uuid>,
    pub op: ChangeOp,
    pub changed_at: DateTime<Utc>,
}

impl From<Change> for ChangeView {
    fn from(c: Change) -> Self {
        ChangeView {
            seq: c.seq,
            resource_type: c.resource_type,
            id: c.resource_id,
            series_id: c.series_id,
            op: c.op,
            changed_at: c.changed_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeFeedMeta {
    /// Pass as `after` to read on: after the last change on this page, or where this page
    /// started when it is empty. Never null: a follower keeps polling from it.
    pub next_cursor: String,
    /// After the newest change now. To resync, take it first, then read the lists, then follow
    /// the feed from it.
    pub latest_cursor: String,
    /// More changes are ready now: read on without waiting.
    pub has_more: bool,
    /// The page size used (requested `limit`, clamped to 1–1000).
    pub limit: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"data": [{"seq": 1042, "type": "event_series", "id": "01938000-0000-7000-8000-000000000010",
    "series_id": "01938000-0000-7000-8000-000000000010", "op": "upsert", "changed_at": "2026-03-01T09:30:00.123456Z"}],
    "meta": {"next_cursor": "MTA0Mg", "latest_cursor": "MTA0Mg", "has_more": false, "limit": 100}}))]
pub struct ChangeFeed {
    pub data: Vec<ChangeView>,
    pub meta: ChangeFeedMeta,
}

/// The change feed: every change in public view, oldest first, by its position `seq`.
///
/// `upsert`: an organisation, venue, published series or occurrence of one was created or
/// changed (or the series was published): read it again from its public endpoint. `delete`: it
/// was deleted or left public view; a series takes its occurrences with it, and when it is
/// published again each occurrence comes again as an `upsert`. Positions are given at commit,
/// so a change committed later always has a greater `seq`, whichever transaction began first:
/// a mirror that applies the pages in order, and keeps polling from `meta.next_cursor`, ends
/// identical to the public API. Changes are kept for 90 days (`YHDYSPINTA_CHANGE_RETENTION_DAYS`);
/// a cursor older than that is answered 410: read the lists again.
#[utoipa::path(
    operation_id = "list_directory_changes",
    tag = "directory",
    params(FeedQuery),
    responses((status = 200, description = "A page of the change feed", body = ChangeFeed),
              (status = 410, description = "Some changes after this cursor are no longer kept: take `meta.latest_cursor` (from a request without `after`), then read the lists again, then follow the feed from that cursor", body = crate::error::Problem, content_type = "application/problem+json"),
              ReadErrors),
    security((), ("bearer" = []))
)]
#[get("/api/v1/directory/changes")]
pub async fn changes(mut cx: Cx<'static>, query: web::Query<FeedQuery>) -> Result<web::Json<ChangeFeed>, AppError> {
    let page = directory::changes(&mut cx, &query).await?;
    Ok(web::Json(ChangeFeed {
        meta: ChangeFeedMeta {
            next_cursor: encode_cursor(&page.next),
            latest_cursor: encode_cursor(&page.latest),
            has_more: page.more,
            limit: page.limit,
        },
        data: page.changes.into_iter().map(ChangeView::from).collect(),
    }))
}

/// One subscribable calendar (RFC 5545, with RFC 7986 `NAME`, `REFRESH-INTERVAL` and `SOURCE`)
/// of the published series that match the filters: each series as one event with its RRULE,
/// RDATE and EXDATE in its zone, and each cancelled, moved or relocated occurrence as an event
/// with its RECURRENCE-ID, as in a series' own calendar. At most 500 series: narrow a larger
/// one with a filter (422 otherwise). The same for everyone; counted as an export.
#[utoipa::path(
    operation_id = "get_directory_calendar",
    tag = "directory",
    params(CalendarQuery),
    responses(
        (status = 200, description = "A VCALENDAR", body = String, content_type = "text/calendar"),
        (status = 429, description = "This client address has made its exports of the minute (`YHDYSPINTA_EXPORTS_PER_MINUTE`); see `Retry-After`", body = crate::error::Problem, content_type = "application/problem+json"),
        ReadErrors),
    security((), ("bearer" = []))
)]
#[get("/api/v1/directory/calendar.ics")]
pub async fn calendar(
    mut cx: Cx<'static>,
    query: web::Query<CalendarQuery>,
    req: HttpRequest,
    public_url: web::Data<PublicUrl>,
) -> Result<HttpResponse, AppError> {
    // The public address configured, never the request's Host, which the client chooses.
    let source = format!("{}{}", public_url.0, req.uri().path_and_query().map_or("", |pq| pq.as_str()));
    let body = directory::calendar(&mut cx, &query, Some(&source)).await?;
    Ok(HttpResponse::Ok().content_type("text/calendar; charset=utf-8").body(body))
}

/// What is on, as schema.org JSON-LD (`application/ld+json`): one page of the published
/// occurrences that match (the filters and paging of `/api/v1/occurrences`), as a `@graph` of
/// each series once, an `EventSeries` with its `eventSchedule` where schema.org can say it,
/// and each occurrence an `Event` with `superEvent` pointing to its series, `eventStatus`,
/// `eventAttendanceMode`, `location` (a `Place` with address and coordinates, or a
/// `VirtualLocation`), `organizer`, `inLanguage` and `isAccessibleForFree`. The next page is in
/// the `Link: rel="next"` header. The same for everyone; counted as an export.
#[utoipa::path(
    operation_id = "list_directory_events_jsonld",
    tag = "directory",
    params(OccurrenceQuery, ListQuery),
    responses(
        (status = 200, description = "A JSON-LD document", body = Object, content_type = "application/ld+json",
         example = json!({"@context": "https://schema.org", "@graph": [
            {"@type": "EventSeries", "@id": "https://yhdyspinta.example/api/v1/event-series/01938000-0000-7000-8000-000000000010",
             "name": "Seniorikahvila", "eventSchedule": {"@type": "Schedule", "startDate": "2026-03-03", "repeatFrequency": "P1W",
             "byDay": ["https://schema.org/Tuesday"], "startTime": "10:00:00", "endTime": "12:00:00",
             "scheduleTimezone": "Europe/Helsinki", "duration": "PT2H0M"},
             "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode", "isAccessibleForFree": true,
             "eventStatus": "https://schema.org/EventScheduled"},
            {"@type": "Event", "@id": "https://yhdyspinta.example/api/v1/event-series/01938000-0000-7000-8000-000000000010/occurrences/01938000-0000-7000-8000-000000000011",
             "name": "Seniorikahvila", "startDate": "2026-03-03T08:00:00Z", "endDate": "2026-03-03T10:00:00Z",
             "eventStatus": "https://schema.org/EventScheduled",
             "superEvent": {"@id": "https://yhdyspinta.example/api/v1/event-series/01938000-0000-7000-8000-000000000010"},
             "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode", "isAccessibleForFree": true}]})),
        (status = 429, description = "This client address has made its exports of the minute (`YHDYSPINTA_EXPORTS_PER_MINUTE`); see `Retry-After`", body = crate::error::Problem, content_type = "application/problem+json"),
        ReadErrors),
    security((), ("bearer" = []))
)]
#[get("/api/v1/directory/events.jsonld")]
pub async fn events(
    mut cx: Cx<'static>,
    query: Listing<OccurrenceQuery>,
    req: HttpRequest,
    public_url: web::Data<PublicUrl>,
) -> Result<HttpResponse, AppError> {
    let page = directory::events(&mut cx, query.filters, &query.list, &public_url.0).await?;
    let mut res = HttpResponse::Ok();
    if let Some(next) = &page.next {
        res.insert_header(("link", format!("<{}>; rel=\"next\"", next_page_url(&req, &encode_cursor(next)))));
    }
    Ok(res.content_type("application/ld+json").body(page.document.to_string()))
}
