//! `/api/v1/event-series`: single events, recurring activities and umbrella series, with their
//! occurrences, calendars, attendance and costs; `/api/v1/occurrences` is the flat "what is
//! on" view across all series. Anonymous callers see published series only.

pub mod costs;
pub mod occurrences;

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::access::AcceptanceInput;
use crate::domain::context::Cx;
use crate::domain::event_series::{self as series, EventSeries, Organizer, SeriesFields, SeriesQuery};
use crate::domain::types::pagination::ListQuery;
use crate::domain::types::precondition::IfMatch;
use crate::error::AppError;
use crate::http::common::IfMatchRequired;
use crate::http::common::{
    Body, ListResponse, Listed, Listing, ReadErrors, Tagged, Versioned, WriteErrors, created, or_stale,
};

/// An event series.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01938000-0000-7000-8000-000000000010", "title": {"fi": "Seniorikahvila", "sv": "Seniorcafé"},
    "summary": null, "description": null, "kind": "recurring", "activity_type": "ongoing_activity", "parent_id": null,
    "publisher_id": "01930000-0000-7000-8000-00000000000c",
    "organizers": [{"organization_id": "01930000-0000-7000-8000-00000000000c", "accepted": true},
                   {"organization_id": "01930000-0000-7000-8000-00000000000b", "accepted": false}],
    "organizer_ids": ["01930000-0000-7000-8000-00000000000c", "01930000-0000-7000-8000-00000000000b"],
    "agreement_id": null, "venue_id": "01938000-0000-7000-8000-000000000001", "attendance_mode": "in_person",
    "online_url": null, "target_groups": ["older_people"], "min_age": null, "max_age": null, "themes": [],
    "languages": ["fi", "sv"], "interpretation": [], "keywords": [], "images": [], "price": {"is_free": true},
    "registration": null, "responsible_contact_ids": [], "publication_status": "published", "event_status": "scheduled",
    "sequence": 0, "schedule": {"timezone": "Europe/Helsinki", "start_date": "2026-03-03", "start_time": "10:00",
    "end_time": "12:00", "duration_minutes": null, "all_day": false, "duration_days": null,
    "rrule": "FREQ=WEEKLY;BYDAY=TU;COUNT=10", "rdates": [], "exdates": ["2026-03-17"]},
    "occurrences_until": "2028-05-30", "created_at": "2026-02-01T08:00:00Z", "updated_at": "2026-02-01T08:00:00Z", "version": 1}))]
pub struct SeriesView {
    pub id: Uuid,
    #[serde(flatten)]
    pub fields: SeriesFields,
    /// Named organisers; `accepted: false` ones are invited and not yet organisers.
    pub organizers: Vec<Organizer>,
    /// RFC 5545 SEQUENCE: goes up with every change of time, place or status.
    pub sequence: i32,
    /// Occurrences are listed up to this local day (the rolling horizon).
    pub occurrences_until: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// Organisers or contacts were left out for this reader (its own ETag).
    #[serde(skip)]
    pub redacted: bool,
}

impl From<EventSeries> for SeriesView {
    fn from(s: EventSeries) -> Self {
        SeriesView {
            id: s.id,
            fields: s.fields,
            organizers: s.organizers,
            sequence: s.sequence,
            occurrences_until: s.materialized_until,
            created_at: s.created_at,
            updated_at: s.updated_at,
            version: s.version,
            redacted: s.redacted,
        }
    }
}

impl Versioned for SeriesView {
    fn version(&self) -> i64 {
        self.version
    }

    fn variant(&self) -> Option<&'static str> {
        self.redacted.then_some("redacted")
    }
}

async fn current(cx: &mut Cx<'static>, id: Uuid) -> Result<SeriesView, AppError> {
    series::get(cx, id).await.map(SeriesView::from)
}

/// List series: published ones, and drafts of organisations you belong to.
#[utoipa::path(
    operation_id = "list_event_series",
    tag = "event-series",
    params(SeriesQuery, ListQuery),
    responses((status = 200, description = "A page of series", body = ListResponse<SeriesView>), ReadErrors),
    security((), ("bearer" = []))
)]
#[get("/api/v1/event-series")]
pub async fn list(mut cx: Cx<'static>, query: Listing<SeriesQuery>) -> Result<Listed<SeriesView>, AppError> {
    let page = series::list(&mut cx, query.filters, &query.list).await?;
    Ok(Listed::from_page(page, SeriesView::from))
}

/// Read one series.
#[utoipa::path(
    operation_id = "get_event_series",
    tag = "event-series",
    params(("id" = Uuid, Path, description = "Series id")),
    responses((status = 200, description = "The series", body = SeriesView, headers(("ETag" = String))),
              (status = 304, description = "Your copy is current"), ReadErrors),
    security((), ("bearer" = []))
)]
#[get("/api/v1/event-series/{id}")]
pub async fn get(mut cx: Cx<'static>, id: web::Path<Uuid>) -> Result<Tagged, AppError> {
    Tagged::of(&current(&mut cx, id.into_inner()).await?)
}

/// Create a series (a coordinator or org admin of the publisher). Organisers you coordinate
/// accept at once; the others are invited. Occurrences are derived at once.
#[utoipa::path(
    operation_id = "create_event_series",
    tag = "event-series",
    request_body = SeriesFields,
    responses((status = 201, description = "Created", body = SeriesView, headers(("Location" = String), ("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/event-series")]
pub async fn create(mut cx: Cx<'static>, body: Body<SeriesFields>) -> Result<HttpResponse, AppError> {
    let view = SeriesView::from(series::create(&mut cx, body.into_inner()).await?);
    Ok(created(format!("/api/v1/event-series/{}", view.id), &view))
}

/// Change a series (coordinators of organisers that accepted). A changed schedule or venue
/// re-derives the occurrences; those that remain keep their overrides and attendance.
/// A named organisation's coordinator may take it off `organizer_ids`.
#[utoipa::path(
    operation_id = "update_event_series",
    tag = "event-series",
    params(("id" = Uuid, Path, description = "Series id"), IfMatchRequired),
    request_body(content = SeriesFields, content_type = "application/merge-patch+json",
                 description = "JSON Merge Patch (RFC 7396): any of the fields; `null` clears an optional one"),
    responses((status = 200, description = "Updated", body = SeriesView, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/api/v1/event-series/{id}")]
pub async fn update(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<serde_json::Value>,
) -> Result<Tagged, AppError> {
    let id = id.into_inner();
    let result = series::update(&mut cx, id, if_match, body.into_inner()).await;
    Tagged::of(&SeriesView::from(or_stale(result, async || current(&mut cx, id).await).await?))
}

/// Delete a series and its occurrences (the publisher's coordinators). With attendance on
/// record it is 409: cancel it instead (`event_status: cancelled`).
#[utoipa::path(
    operation_id = "delete_event_series",
    tag = "event-series",
    params(("id" = Uuid, Path, description = "Series id"), IfMatchRequired),
    responses((status = 204, description = "Deleted"), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/api/v1/event-series/{id}")]
pub async fn delete(mut cx: Cx<'static>, id: web::Path<Uuid>, if_match: IfMatch) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let result = series::delete(&mut cx, id, if_match).await;
    or_stale(result, async || current(&mut cx, id).await).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Accept your organisation's place among the organisers: from now on it is shown as one,
/// its coordinators edit, and it can carry cost shares.
#[utoipa::path(
    operation_id = "accept_event_series",
    tag = "event-series",
    params(("id" = Uuid, Path, description = "Series id"), IfMatchRequired),
    request_body = AcceptanceInput,
    responses((status = 200, description = "Accepted", body = SeriesView, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/event-series/{id}/acceptances")]
pub async fn accept(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Body<AcceptanceInput>,
) -> Result<Tagged, AppError> {
    let id = id.into_inner();
    let result = series::accept(&mut cx, id, body.into_inner().organization_id, if_match).await;
    Tagged::of(&SeriesView::from(or_stale(result, async || current(&mut cx, id).await).await?))
}

/// The series as an RFC 5545 calendar: one event with its RRULE, RDATE and EXDATE in the
/// series' zone (with VTIMEZONE), and an event with RECURRENCE-ID for each cancelled, moved
/// or relocated occurrence. The UID is stable; SEQUENCE follows the series.
#[utoipa::path(
    operation_id = "get_event_series_calendar",
    tag = "event-series",
    params(("id" = Uuid, Path, description = "Series id")),
    responses(
        (status = 200, description = "A VCALENDAR", body = String, content_type = "text/calendar"),
        (status = 429, description = "This client address has made its exports of the minute (`YHDYSPINTA_EXPORTS_PER_MINUTE`); see `Retry-After`", body = crate::error::Problem, content_type = "application/problem+json"), ReadErrors),

    security((), ("bearer" = []))
)]
#[get("/api/v1/event-series/{id}/calendar.ics")]
pub async fn calendar(mut cx: Cx<'static>, id: web::Path<Uuid>) -> Result<HttpResponse, AppError> {
    let body = series::calendar::calendar(&mut cx, id.into_inner()).await?;
    Ok(HttpResponse::Ok().content_type("text/calendar; charset=utf-8").body(body))
}
