//! `/api/v1/meetings`: meetings across networks and agreements; they are held at
//! `/api/v1/networks/{id}/meetings` and `/api/v1/agreements/{id}/meetings`.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::actions::ActionFields;
use crate::domain::context::Cx;
use crate::domain::meetings::{
    self, MeetingAttendance, MeetingFields, MeetingHost, MeetingKind, MeetingQuery, SeenMeeting,
};
use crate::domain::types::localized::LocalizedText;
use crate::domain::types::pagination::ListQuery;
use crate::domain::types::precondition::IfMatch;
use crate::error::AppError;
use crate::http::actions::ActionView;
use crate::http::common::{
    Body, IfMatchRequired, ListResponse, Listed, Listing, ReadErrors, Tagged, Versioned, WriteErrors, created, or_stale,
};

/// A meeting as its reader sees it: the minutes, attendance, shared notes, online link and
/// decisions are `null` (or empty) unless you belong to a host organisation.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01938000-0000-7000-8000-0000000000f1", "network_id": "01938000-0000-7000-8000-0000000000b1",
    "agreement_id": null, "kind": "network_meeting", "title": {"fi": "Hyte-verkoston kokous"},
    "starts_at": "2026-12-03T12:00:00Z", "ends_at": "2026-12-03T14:00:00Z", "venue_id": null, "book_venue": false,
    "booking_id": null, "online_url": null, "agenda": [{"fi": "Ajankohtaiset"}],
    "attendance": [], "minutes": null, "workshop_id": null,
    "organizer_organization_id": "01930000-0000-7000-8000-000000000002", "decisions": [],
    "created_at": "2026-11-02T09:30:00Z", "updated_at": "2026-11-02T09:30:00Z", "version": 1}))]
pub struct MeetingView {
    pub id: Uuid,
    pub network_id: Option<Uuid>,
    pub agreement_id: Option<Uuid>,
    pub kind: MeetingKind,
    pub title: Option<LocalizedText>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub venue_id: Option<Uuid>,
    /// The venue is booked for the meeting (`booking_id`).
    pub book_venue: bool,
    pub booking_id: Option<Uuid>,
    pub online_url: Option<String>,
    pub agenda: Vec<LocalizedText>,
    /// The coordination document of its shared notes; absent when none (or not yours to see).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coordination_document_id: Option<Uuid>,
    pub attendance: Vec<MeetingAttendance>,
    pub minutes: Option<LocalizedText>,
    pub workshop_id: Option<Uuid>,
    pub organizer_organization_id: Option<Uuid>,
    /// The follow-up actions it decided (`/api/v1/actions`).
    pub decisions: Vec<ActionView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    #[serde(skip)]
    insider: bool,
}

impl From<SeenMeeting> for MeetingView {
    fn from(s: SeenMeeting) -> Self {
        let m = s.meeting;
        let f = m.fields.clone();
        let ends_at = f.ends();
        let inside = s.insider;
        MeetingView {
            id: m.id,
            network_id: m.network_id(),
            agreement_id: m.agreement_id(),
            kind: f.kind,
            title: f.title,
            starts_at: f.starts_at,
            ends_at,
            venue_id: f.venue_id,
            book_venue: f.book_venue,
            booking_id: m.booking_id.filter(|_| inside),
            online_url: f.online_url.filter(|_| inside),
            agenda: f.agenda,
            coordination_document_id: f.coordination_document_id.filter(|_| inside),
            attendance: if inside { f.attendance } else { Vec::new() },
            minutes: f.minutes.filter(|_| inside),
            workshop_id: f.workshop_id,
            organizer_organization_id: f.organizer_organization_id,
            decisions: s.decisions.into_iter().map(ActionView::from).collect(),
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
            insider: inside,
        }
    }
}

impl Versioned for MeetingView {
    fn version(&self) -> i64 {
        self.version
    }
    fn variant(&self) -> Option<&'static str> {
        (!self.insider).then_some("public")
    }
}

/// Meetings across networks and agreements in time order: those of public networks and
/// agreements, and those your organisations host.
#[utoipa::path(
    operation_id = "list_meetings",
    tag = "meetings",
    params(MeetingQuery, ListQuery),
    responses((status = 200, description = "A page of meetings", body = ListResponse<MeetingView>), ReadErrors),
    security((), ("bearer" = []))
)]
#[get("/api/v1/meetings")]
pub async fn list(mut cx: Cx<'static>, query: Listing<MeetingQuery>) -> Result<Listed<MeetingView>, AppError> {
    let page = meetings::list(&mut cx, query.filters, &query.list).await?;
    Ok(Listed::from_page(page, MeetingView::from))
}

/// A network's meetings.
#[utoipa::path(
    operation_id = "list_network_meetings",
    tag = "meetings",
    params(("id" = Uuid, Path, description = "Network id"), ListQuery),
    responses((status = 200, description = "A page of meetings", body = ListResponse<MeetingView>), ReadErrors),
    security((), ("bearer" = []))
)]
#[get("/api/v1/networks/{id}/meetings")]
pub async fn list_of_network(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    query: Listing<crate::http::common::NoFilters>,
) -> Result<Listed<MeetingView>, AppError> {
    let id = id.into_inner();
    crate::domain::networks::get(&mut cx, id).await?;
    let filters = MeetingQuery { network: Some(id), ..MeetingQuery::default() };
    let page = meetings::list(&mut cx, filters, &query.list).await?;
    Ok(Listed::from_page(page, MeetingView::from))
}

/// An agreement's meetings (seed 001's yearly collaboration meetings), next to its reviews.
#[utoipa::path(
    operation_id = "list_agreement_meetings",
    tag = "meetings",
    params(("id" = Uuid, Path, description = "Agreement id"), ListQuery),
    responses((status = 200, description = "A page of meetings", body = ListResponse<MeetingView>), ReadErrors),
    security((), ("bearer" = []))
)]
#[get("/api/v1/agreements/{id}/meetings")]
pub async fn list_of_agreement(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    query: Listing<crate::http::common::NoFilters>,
) -> Result<Listed<MeetingView>, AppError> {
    let id = id.into_inner();
    crate::domain::agreements::get(&mut cx, id).await?;
    let filters = MeetingQuery { agreement: Some(id), ..MeetingQuery::default() };
    let page = meetings::list(&mut cx, filters, &query.list).await?;
    Ok(Listed::from_page(page, MeetingView::from))
}

async fn hold(cx: &mut Cx<'static>, host: MeetingHost, fields: MeetingFields) -> Result<HttpResponse, AppError> {
    let made = MeetingView::from(meetings::create(cx, host, fields).await?);
    Ok(created(format!("/api/v1/meetings/{}", made.id), &made))
}

/// Hold a meeting of the network (its coordinators). `book_venue` books the venue through its
/// bookings (a clash is 409); each decision becomes a follow-up action.
#[utoipa::path(
    operation_id = "create_network_meeting",
    tag = "meetings",
    params(("id" = Uuid, Path, description = "Network id")),
    request_body = MeetingFields,
    responses((status = 201, description = "Created", body = MeetingView, headers(("Location" = String), ("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/networks/{id}/meetings")]
pub async fn create_for_network(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    body: Body<MeetingFields>,
) -> Result<HttpResponse, AppError> {
    hold(&mut cx, MeetingHost::Network(id.into_inner()), body.into_inner()).await
}

/// Hold a meeting of the agreement's parties, such as the yearly collaboration meeting (the
/// parties' coordinators).
#[utoipa::path(
    operation_id = "create_agreement_meeting",
    tag = "meetings",
    params(("id" = Uuid, Path, description = "Agreement id")),
    request_body = MeetingFields,
    responses((status = 201, description = "Created", body = MeetingView, headers(("Location" = String), ("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/agreements/{id}/meetings")]
pub async fn create_for_agreement(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    body: Body<MeetingFields>,
) -> Result<HttpResponse, AppError> {
    hold(&mut cx, MeetingHost::Agreement(id.into_inner()), body.into_inner()).await
}

/// Read one meeting.
#[utoipa::path(
    operation_id = "get_meeting",
    tag = "meetings",
    params(("id" = Uuid, Path, description = "Meeting id")),
    responses((status = 200, description = "The meeting", body = MeetingView, headers(("ETag" = String))),
              (status = 304, description = "Your copy is current"), ReadErrors),
    security((), ("bearer" = []))
)]
#[get("/api/v1/meetings/{id}")]
pub async fn get(mut cx: Cx<'static>, id: web::Path<Uuid>) -> Result<Tagged, AppError> {
    Tagged::of(&current(&mut cx, id.into_inner()).await?)
}

async fn current(cx: &mut Cx<'static>, id: Uuid) -> Result<MeetingView, AppError> {
    meetings::get(cx, id).await.map(MeetingView::from)
}

/// Change a meeting: agenda, minutes, attendance, time or venue (a booking moves with it).
#[utoipa::path(
    operation_id = "update_meeting",
    tag = "meetings",
    params(("id" = Uuid, Path, description = "Meeting id"), IfMatchRequired),
    request_body(content = MeetingFields, content_type = "application/merge-patch+json",
                 description = "JSON Merge Patch (RFC 7396): any of the fields"),
    responses((status = 200, description = "Updated", body = MeetingView, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[patch("/api/v1/meetings/{id}")]
pub async fn update(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<serde_json::Value>,
) -> Result<Tagged, AppError> {
    let id = id.into_inner();
    let result = meetings::update(&mut cx, id, if_match, body.into_inner()).await;
    Tagged::of(&MeetingView::from(or_stale(result, async || current(&mut cx, id).await).await?))
}

/// Delete a meeting with its decisions; its booking is cancelled.
#[utoipa::path(
    operation_id = "delete_meeting",
    tag = "meetings",
    params(("id" = Uuid, Path, description = "Meeting id"), IfMatchRequired),
    responses((status = 204, description = "Deleted"), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/api/v1/meetings/{id}")]
pub async fn delete(mut cx: Cx<'static>, id: web::Path<Uuid>, if_match: IfMatch) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let result = meetings::delete(&mut cx, id, if_match).await;
    or_stale(result, async || current(&mut cx, id).await).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Record a decision of the meeting as a follow-up action (the meeting's runners).
#[utoipa::path(
    operation_id = "create_meeting_action",
    tag = "meetings",
    params(("id" = Uuid, Path, description = "Meeting id")),
    request_body = ActionFields,
    responses((status = 201, description = "Recorded", body = ActionView, headers(("Location" = String), ("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/meetings/{id}/actions")]
pub async fn add_action(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    body: Body<ActionFields>,
) -> Result<HttpResponse, AppError> {
    let made = ActionView::from(meetings::add_action(&mut cx, id.into_inner(), body.into_inner()).await?);
    Ok(created(format!("/api/v1/actions/{}", made.id), &made))
}
