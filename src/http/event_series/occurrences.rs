//! Occurrences of a series, the flat "what is on" list, overrides and attendance.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, get, patch, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::context::Cx;
use crate::domain::event_series::occurrences::{
    self, Attendance, AttendanceFields, OccurrenceFields, OccurrenceQuery, SeriesOccurrenceQuery,
};
use crate::domain::event_series::{ActivityType, EventSeries, EventStatus, TargetGroup};
use crate::domain::event_series::{Occurrence, OccurrenceStatus};
use crate::domain::types::localized::LocalizedText;
use crate::domain::types::pagination::ListQuery;
use crate::domain::types::precondition::IfMatch;
use crate::error::AppError;
use crate::http::common::{
    Body, ListResponse, Listed, Listing, ReadErrors, Tagged, Versioned, WriteErrors, etag_header, or_stale,
};
use crate::http::common::{IfMatchOptional, IfMatchRequired};

/// What the flat list shows of an occurrence's series.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SeriesSummary {
    pub id: Uuid,
    pub title: LocalizedText,
    pub summary: Option<LocalizedText>,
    pub activity_type: ActivityType,
    pub publisher_id: Uuid,
    /// Organisers that have accepted.
    pub organizer_ids: Vec<Uuid>,
    pub target_groups: Vec<TargetGroup>,
    pub themes: Vec<String>,
    pub languages: Vec<String>,
    pub is_free: bool,
    pub event_status: EventStatus,
}

impl From<&EventSeries> for SeriesSummary {
    fn from(s: &EventSeries) -> Self {
        SeriesSummary {
            id: s.id,
            title: s.fields.title.clone(),
            summary: s.fields.summary.clone(),
            activity_type: s.fields.activity_type,
            publisher_id: s.fields.publisher_id,
            organizer_ids: s.accepted_organizers(),
            target_groups: s.fields.target_groups.clone(),
            themes: s.fields.themes.clone(),
            languages: s.fields.languages.clone(),
            is_free: s.fields.price.is_free,
            event_status: s.fields.event_status,
        }
    }
}

/// One occurrence. `start`/`end` are as it is held; `scheduled_*` as the schedule places it.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01938000-0000-7000-8000-000000000011", "series_id": "01938000-0000-7000-8000-000000000010",
    "instance_date": "2026-03-03", "start": "2026-03-03T08:00:00Z", "end": "2026-03-03T10:00:00Z",
    "scheduled_start": "2026-03-03T08:00:00Z", "scheduled_end": "2026-03-03T10:00:00Z", "status": "scheduled",
    "moved": false, "venue_id": "01938000-0000-7000-8000-000000000001", "municipality_code": "179",
    "wellbeing_county_code": "15", "updated_at": "2026-02-01T08:00:00Z", "version": 1}))]
pub struct OccurrenceView {
    pub id: Uuid,
    pub series_id: Uuid,
    /// The occurrence's local day in the schedule (its RECURRENCE-ID in calendars).
    pub instance_date: NaiveDate,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub scheduled_start: DateTime<Utc>,
    pub scheduled_end: DateTime<Utc>,
    pub status: OccurrenceStatus,
    /// Held at another time than the schedule says.
    pub moved: bool,
    pub venue_id: Option<Uuid>,
    pub municipality_code: Option<String>,
    pub wellbeing_county_code: Option<String>,
    /// In the flat list (`/api/v1/occurrences`): the series.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series: Option<SeriesSummary>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl From<Occurrence> for OccurrenceView {
    fn from(o: Occurrence) -> Self {
        OccurrenceView {
            id: o.id,
            series_id: o.series_id,
            instance_date: o.instance_date,
            start: o.start,
            end: o.end,
            scheduled_start: o.scheduled_start,
            scheduled_end: o.scheduled_end,
            status: o.status,
            moved: o.moved,
            venue_id: o.venue_id,
            municipality_code: o.municipality_code,
            wellbeing_county_code: o.wellbeing_county_code,
            series: None,
            updated_at: o.updated_at,
            version: o.version,
        }
    }
}

impl Versioned for OccurrenceView {
    fn version(&self) -> i64 {
        self.version
    }
}

async fn current(cx: &mut Cx<'static>, series: Uuid, id: Uuid) -> Result<OccurrenceView, AppError> {
    occurrences::get(cx, series, id).await.map(OccurrenceView::from)
}

/// What is on: occurrences of all series you may see, in time order. `from`/`to` select the
/// occurrences that overlap the window (`from` defaults to now). `collapse=series` gives one
/// row per series: its first occurrence in the window that is not cancelled.
#[utoipa::path(
    operation_id = "list_occurrences",
    tag = "event-series",
    params(OccurrenceQuery, ListQuery),
    responses((status = 200, description = "A page of occurrences with their series", body = ListResponse<OccurrenceView>), ReadErrors),
    security((), ("bearer" = []))
)]
#[get("/api/v1/occurrences")]
pub async fn list_all(
    mut cx: Cx<'static>,
    query: Listing<OccurrenceQuery>,
) -> Result<Listed<OccurrenceView>, AppError> {
    let page = occurrences::list(&mut cx, query.filters, &query.list).await?;
    Ok(Listed::from_page(page, |(o, s)| OccurrenceView {
        series: Some(SeriesSummary::from(&s)),
        ..OccurrenceView::from(o)
    }))
}

/// A series' occurrences overlapping the window, in time order.
#[utoipa::path(
    operation_id = "list_event_series_occurrences",
    tag = "event-series",
    params(("id" = Uuid, Path, description = "Series id"), SeriesOccurrenceQuery, ListQuery),
    responses((status = 200, description = "A page of occurrences", body = ListResponse<OccurrenceView>), ReadErrors),
    security((), ("bearer" = []))
)]
#[get("/api/v1/event-series/{id}/occurrences")]
pub async fn list(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    query: Listing<SeriesOccurrenceQuery>,
) -> Result<Listed<OccurrenceView>, AppError> {
    let page = occurrences::of_series(&mut cx, id.into_inner(), query.filters, &query.list).await?;
    Ok(Listed::from_page(page, OccurrenceView::from))
}

/// Read one occurrence.
#[utoipa::path(
    operation_id = "get_event_series_occurrence",
    tag = "event-series",
    params(("id" = Uuid, Path, description = "Series id"), ("occurrence_id" = Uuid, Path, description = "Occurrence id")),
    responses((status = 200, description = "The occurrence", body = OccurrenceView, headers(("ETag" = String))), ReadErrors),
    security((), ("bearer" = []))
)]
#[get("/api/v1/event-series/{id}/occurrences/{occurrence_id}")]
pub async fn get(mut cx: Cx<'static>, path: web::Path<(Uuid, Uuid)>) -> Result<Tagged, AppError> {
    let (series, id) = path.into_inner();
    Tagged::of(&current(&mut cx, series, id).await?)
}

/// Cancel, move or relocate one occurrence (`{"status": "cancelled"}`, new `start`/`end`,
/// another `venue_id`). The override survives schedule changes; giving the scheduled values
/// again undoes it. A booked occurrence does not move (409 naming the booking: change the
/// booking first), and another organisation's venue takes a booking there for the time (422).
#[utoipa::path(
    operation_id = "update_event_series_occurrence",
    tag = "event-series",
    params(("id" = Uuid, Path, description = "Series id"), ("occurrence_id" = Uuid, Path, description = "Occurrence id"),
           IfMatchRequired),
    request_body(content = OccurrenceFields, content_type = "application/merge-patch+json",
                 description = "JSON Merge Patch (RFC 7396) of status, start, end and venue_id"),
    responses((status = 200, description = "Updated", body = OccurrenceView, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/api/v1/event-series/{id}/occurrences/{occurrence_id}")]
pub async fn update(
    mut cx: Cx<'static>,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    body: web::Json<serde_json::Value>,
) -> Result<Tagged, AppError> {
    let (series, id) = path.into_inner();
    let result = occurrences::update(&mut cx, series, id, if_match, body.into_inner()).await;
    Tagged::of(&OccurrenceView::from(or_stale(result, async || current(&mut cx, series, id).await).await?))
}

/// How many came to an occurrence (no personal data).
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({"occurrence_id": "01938000-0000-7000-8000-000000000011", "participants": 23, "volunteers": 3,
    "by_age_group": {"65+": 20, "unknown": 3}, "by_organizer": {}, "notes": null,
    "updated_at": "2026-03-03T12:00:00Z", "version": 1}))]
pub struct AttendanceView {
    pub occurrence_id: Uuid,
    pub participants: i32,
    pub volunteers: i32,
    pub by_age_group: BTreeMap<String, i32>,
    pub by_organizer: BTreeMap<Uuid, i32>,
    pub notes: Option<String>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl From<Attendance> for AttendanceView {
    fn from(a: Attendance) -> Self {
        AttendanceView {
            occurrence_id: a.occurrence_id,
            participants: a.fields.participants,
            volunteers: a.fields.volunteers,
            by_age_group: a.fields.by_age_group,
            by_organizer: a.fields.by_organizer,
            notes: a.fields.notes,
            updated_at: a.updated_at,
            version: a.version,
        }
    }
}

impl Versioned for AttendanceView {
    fn version(&self) -> i64 {
        self.version
    }
}

/// The attendance of an occurrence (members of the organisers).
#[utoipa::path(
    operation_id = "get_occurrence_attendance",
    tag = "event-series",
    params(("id" = Uuid, Path, description = "Series id"), ("occurrence_id" = Uuid, Path, description = "Occurrence id")),
    responses((status = 200, description = "The attendance", body = AttendanceView, headers(("ETag" = String))), ReadErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/event-series/{id}/occurrences/{occurrence_id}/attendance")]
pub async fn attendance(mut cx: Cx<'static>, path: web::Path<(Uuid, Uuid)>) -> Result<Tagged, AppError> {
    let (series, id) = path.into_inner();
    Tagged::of(&AttendanceView::from(occurrences::attendance(&mut cx, series, id).await?))
}

/// Record how many came (members of organisers that accepted), once the occurrence has
/// started. Breakdowns, when given, add up to `participants`. `If-Match` is optional: give it
/// to correct a count without overwriting someone else's.
#[utoipa::path(
    operation_id = "put_occurrence_attendance",
    tag = "event-series",
    params(("id" = Uuid, Path, description = "Series id"), ("occurrence_id" = Uuid, Path, description = "Occurrence id"),
           IfMatchOptional),
    request_body = AttendanceFields,
    responses((status = 200, description = "Updated", body = AttendanceView, headers(("ETag" = String))),
              (status = 201, description = "Recorded", body = AttendanceView, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[put("/api/v1/event-series/{id}/occurrences/{occurrence_id}/attendance")]
pub async fn put_attendance(
    mut cx: Cx<'static>,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    body: Body<AttendanceFields>,
) -> Result<HttpResponse, AppError> {
    let (series, id) = path.into_inner();
    let result = occurrences::put_attendance(&mut cx, series, id, if_match, body.into_inner()).await;
    let (recorded, created) =
        or_stale(result, async || occurrences::attendance(&mut cx, series, id).await.map(AttendanceView::from)).await?;
    let view = AttendanceView::from(recorded);
    let mut res = if created { HttpResponse::Created() } else { HttpResponse::Ok() };
    Ok(res.insert_header(etag_header(&view)).json(&view))
}
