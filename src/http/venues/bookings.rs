//! `/api/v1/venues/{id}/bookings`: when a venue is taken. Everyone sees the times; who booked,
//! the rent and the note are for the booking organisation and the venue's owner.

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::context::Cx;
use crate::domain::types::decimal::Decimal2;
use crate::domain::types::pagination::ListQuery;
use crate::domain::types::precondition::IfMatch;
use crate::domain::venues::bookings::{self, BookingFields, BookingQuery, SeenBooking};
use crate::domain::venues::{Booking, BookingStatus};
use crate::error::AppError;
use crate::http::common::IfMatchRequired;
use crate::http::common::{
    Body, ListResponse, Listed, Listing, ReadErrors, Tagged, Versioned, WriteErrors, created, or_stale,
};

/// A booking. `organization_id`, `occurrence_id`, `rent` and `note` are null unless you are of
/// the booking organisation or the venue's owner.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01938000-0000-7000-8000-000000000100", "venue_id": "01938000-0000-7000-8000-000000000001",
    "organization_id": "01930000-0000-7000-8000-00000000000b", "occurrence_id": null,
    "start": "2026-09-01T10:00:00Z", "end": "2026-09-01T12:00:00Z", "status": "confirmed", "rent": "0.00",
    "note": "Seniorikahvila", "created_at": "2026-08-01T08:00:00Z", "updated_at": "2026-08-01T08:00:00Z", "version": 1}))]
pub struct BookingView {
    pub id: Uuid,
    pub venue_id: Uuid,
    pub organization_id: Option<Uuid>,
    pub occurrence_id: Option<Uuid>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub status: BookingStatus,
    /// Euros, by the venue's terms when booked.
    pub rent: Option<Decimal2>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// What was left out for this reader (its own ETag).
    #[serde(skip)]
    pub redaction: Option<&'static str>,
}

impl From<SeenBooking> for BookingView {
    fn from(s: SeenBooking) -> Self {
        let b = s.booking;
        let shown = s.details_visible;
        BookingView {
            id: b.id,
            venue_id: b.venue_id,
            organization_id: shown.then_some(b.organization_id),
            occurrence_id: if shown { b.occurrence_id } else { None },
            start: b.start,
            end: b.end,
            status: b.status,
            rent: shown.then_some(b.rent),
            note: if shown { b.note } else { None },
            created_at: b.created_at,
            updated_at: b.updated_at,
            version: b.version,
            redaction: s.redaction,
        }
    }
}

impl From<Booking> for BookingView {
    fn from(booking: Booking) -> Self {
        BookingView::from(SeenBooking { booking, details_visible: true, redaction: None })
    }
}

impl Versioned for BookingView {
    fn version(&self) -> i64 {
        self.version
    }

    fn variant(&self) -> Option<&'static str> {
        self.redaction
    }
}

async fn current(cx: &mut Cx<'static>, venue: Uuid, id: Uuid) -> Result<BookingView, AppError> {
    bookings::get(cx, venue, id).await.map(BookingView::from)
}

/// A venue's bookings in time order (confirmed ones unless `include_cancelled=true`).
#[utoipa::path(
    operation_id = "list_venue_bookings",
    tag = "venues",
    params(("id" = Uuid, Path, description = "Venue id"), BookingQuery, ListQuery),
    responses((status = 200, description = "A page of bookings", body = ListResponse<BookingView>), ReadErrors),
    security((), ("bearer" = []))
)]
#[get("/api/v1/venues/{id}/bookings")]
pub async fn list(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    query: Listing<BookingQuery>,
) -> Result<Listed<BookingView>, AppError> {
    let page = bookings::list(&mut cx, id.into_inner(), query.filters, &query.list).await?;
    Ok(Listed::from_page(page, BookingView::from))
}

/// Read one booking.
#[utoipa::path(
    operation_id = "get_venue_booking",
    tag = "venues",
    params(("id" = Uuid, Path, description = "Venue id"), ("booking_id" = Uuid, Path, description = "Booking id")),
    responses((status = 200, description = "The booking", body = BookingView, headers(("ETag" = String))), ReadErrors),
    security((), ("bearer" = []))
)]
#[get("/api/v1/venues/{id}/bookings/{booking_id}")]
pub async fn get(mut cx: Cx<'static>, path: web::Path<(Uuid, Uuid)>) -> Result<Tagged, AppError> {
    let (venue, id) = path.into_inner();
    Tagged::of(&current(&mut cx, venue, id).await?)
}

/// Book a venue for your organisation (its coordinators and org admins). A time that overlaps
/// a confirmed booking is 409, and the problem's `conflicting` names that booking.
#[utoipa::path(
    operation_id = "create_venue_booking",
    tag = "venues",
    params(("id" = Uuid, Path, description = "Venue id")),
    request_body = BookingFields,
    responses((status = 201, description = "Booked", body = BookingView, headers(("Location" = String), ("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[post("/api/v1/venues/{id}/bookings")]
pub async fn create(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    body: Body<BookingFields>,
) -> Result<HttpResponse, AppError> {
    let venue = id.into_inner();
    let view = BookingView::from(bookings::create(&mut cx, venue, body.into_inner()).await?);
    Ok(created(format!("/api/v1/venues/{venue}/bookings/{}", view.id), &view))
}

/// Cancel a booking (the booking organisation's or the venue owner's coordinators); it frees
/// the time and stays on record.
#[utoipa::path(
    operation_id = "cancel_venue_booking",
    tag = "venues",
    params(("id" = Uuid, Path, description = "Venue id"), ("booking_id" = Uuid, Path, description = "Booking id"),
           IfMatchRequired),
    responses((status = 200, description = "Cancelled", body = BookingView, headers(("ETag" = String))), WriteErrors),
    security(("bearer" = []))
)]
#[delete("/api/v1/venues/{id}/bookings/{booking_id}")]
pub async fn cancel(mut cx: Cx<'static>, path: web::Path<(Uuid, Uuid)>, if_match: IfMatch) -> Result<Tagged, AppError> {
    let (venue, id) = path.into_inner();
    let result = bookings::cancel(&mut cx, venue, id, if_match).await;
    Tagged::of(&BookingView::from(or_stale(result, async || current(&mut cx, venue, id).await).await?))
}
