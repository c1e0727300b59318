//! Bookings (varaukset): an organisation takes a venue for a time range. Two confirmed
//! bookings of one venue never overlap; the database's exclusion constraint decides between
//! concurrent requests, and the loser hears which booking holds the time. The rent follows the
//! venue's terms at the time of booking.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::access;
use super::model::{Booking, BookingStatus, PremisesTerms, Venue, load};
use crate::domain::access::Actor;
use crate::domain::audit::{self, Change};
use crate::domain::context::Cx;
use crate::domain::organizations::OrganizationKind;
use crate::domain::types::decimal::Decimal2;
use crate::domain::types::formats;
use crate::domain::types::names::from_stored;
use crate::domain::types::pagination::{ListQuery, Page};
use crate::domain::types::precondition::IfMatch;
use crate::domain::types::validation;
use crate::error::AppError;
use crate::repo::venues::bookings::{self as repo, BookingFilter, BookingWrite};

/// A booking as its reader may see it: outsiders see when the venue is taken, not by whom.
#[derive(Clone, Debug)]
pub struct SeenBooking {
    pub booking: Booking,
    pub details_visible: bool,
    /// Names what was left out for this reader (`busy`: only the times; `owner`: the booked
    /// occurrence), so a redacted copy has an ETag of its own.
    pub redaction: Option<&'static str>,
}

/// The body of a booking.
#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"organization_id": "01930000-0000-7000-8000-00000000000b",
    "start": "2026-09-01T10:00:00Z", "end": "2026-09-01T12:00:00Z", "note": "Seniorikahvila"}))]
pub struct BookingFields {
    /// The organisation that books: the caller's own.
    pub organization_id: Uuid,
    /// The occurrence this booking is for, if any (of a series the organisation organises,
    /// overlapping the booked time).
    #[serde(default)]
    pub occurrence_id: Option<Uuid>,
    #[validate(custom(function = "formats::plausible_instant"))]
    pub start: DateTime<Utc>,
    /// After `start`, at most 31 days later.
    #[validate(custom(function = "formats::plausible_instant"))]
    pub end: DateTime<Utc>,
    #[serde(default)]
    #[schema(max_length = 500)]
    #[validate(length(max = 500), custom(function = "formats::single_line"))]
    pub note: Option<String>,
}

impl BookingFields {
    /// Rules between fields, each a field error.
    fn rules(&self) -> Vec<crate::error::FieldError> {
        use crate::error::FieldError;
        let mut errors = Vec::new();
        // A booking takes time still to come (a day's grace for one made late): one dated in
        // the past would only lock the venue's record.
        if self.start < Utc::now() - chrono::Duration::days(PAST_GRACE_DAYS) {
            errors.push(FieldError::new("start", "in_past", "a booking starts today or later"));
        }
        if self.end <= self.start {
            errors.push(FieldError::new("end", "before_start", "the end is not after the start"));
        } else if self.end - self.start > chrono::Duration::days(31) {
            errors.push(FieldError::new("end", "too_long", "a booking lasts at most 31 days"));
        }
        errors
    }
}

/// How far back a booking may start: a day, for one entered after the fact.
const PAST_GRACE_DAYS: i64 = 1;

/// Filters of a venue's bookings.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BookingQuery {
    /// Only bookings that end after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Only bookings that start before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Include cancelled bookings (default false).
    pub include_cancelled: Option<bool>,
}

pub async fn list(
    cx: &mut Cx<'_>,
    venue_id: Uuid,
    query: BookingQuery,
    list: &ListQuery,
) -> Result<Page<SeenBooking, (DateTime<Utc>, Uuid)>, AppError> {
    let page = list.page::<(DateTime<Utc>, Uuid)>()?;
    let (conn, actor) = cx.parts().await?;
    let venue = load(conn, venue_id, false).await?;
    formats::time_window(query.from, query.to)?;
    let filter = BookingFilter {
        venue_id,
        from: query.from,
        to: query.to,
        updated_since: list.updated_since,
        include_cancelled: query.include_cancelled.unwrap_or(false),
        after: page.after,
        limit: page.fetch_limit(),
    };
    let rows = repo::list(conn, &filter).await?;
    let owner = venue.fields.owner_organization_id;
    Page::from_rows(rows, &page, |r| (r.written.starts_at, r.written.id))
        .try_map(|r| Ok(seen(actor, owner, Booking::try_from(r)?)))
}

/// The booking as `actor` may see it.
fn seen(actor: &Actor, owner: Uuid, mut booking: Booking) -> SeenBooking {
    let details_visible = access::sees_booking_details(actor, booking.organization_id, owner);
    let mut redaction = (!details_visible).then_some("busy");
    if !access::sees_booked_occurrence(actor, booking.organization_id) && booking.occurrence_id.is_some() {
        booking.occurrence_id = None;
        redaction = redaction.or(Some("owner"));
    }
    SeenBooking { booking, details_visible, redaction }
}

pub async fn get(cx: &mut Cx<'_>, venue_id: Uuid, id: Uuid) -> Result<SeenBooking, AppError> {
    let (conn, actor) = cx.parts().await?;
    let venue = load(conn, venue_id, false).await?;
    let booking = Booking::try_from(repo::get(conn, venue_id, id).await?.ok_or(AppError::NotFound)?)?;
    Ok(seen(actor, venue.fields.owner_organization_id, booking))
}

/// The rent of one booking by `kind` of organisation under the venue's terms.
fn rent(venue: &Venue, kind: OrganizationKind) -> Decimal2 {
    let amount = venue.fields.rent_amount.unwrap_or_default();
    match venue.fields.premises_terms {
        PremisesTerms::Free => Decimal2::default(),
        PremisesTerms::FreeForNgos if kind == OrganizationKind::Ngo => Decimal2::default(),
        PremisesTerms::FreeForNgos | PremisesTerms::Rent => amount,
    }
}

pub async fn create(cx: &mut Cx<'_>, venue_id: Uuid, fields: BookingFields) -> Result<Booking, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let venue = load(tx, venue_id, false).await?;
        access::can_book(actor, fields.organization_id)?;
        validation::check_with(&fields, fields.rules())?;
        let kind: OrganizationKind = match crate::repo::organizations::get(tx, fields.organization_id).await? {
            Some(org) => from_stored("organisation kind", &org.written.kind)?,
            None => return Err(AppError::invalid("organization_id", "not_found", "no such organisation")),
        };
        if let Some(occurrence) = fields.occurrence_id {
            crate::domain::event_series::occurrences::check_bookable(
                tx,
                actor,
                fields.organization_id,
                occurrence,
                venue_id,
                (fields.start, fields.end),
            )
            .await?;
        }
        let row = BookingWrite {
            id: Uuid::now_v7(),
            venue_id,
            organization_id: fields.organization_id,
            occurrence_id: fields.occurrence_id,
            starts_at: fields.start,
            ends_at: fields.end,
            rent_cents: rent(&venue, kind).hundredths(),
            note: fields.note.as_ref().map(|n| n.trim().to_owned()),
            created_by: actor.user_id(),
        };
        let Some(created) = repo::insert(tx, &row).await? else {
            // The exclusion constraint refused it: name the booking that holds the time.
            return Err(match repo::overlapping(tx, venue_id, fields.start, fields.end).await? {
                Some(other) => AppError::ConflictWith {
                    detail: format!(
                        "the venue is booked from {} to {} (booking {}); choose another time",
                        other.written.starts_at.to_rfc3339(),
                        other.written.ends_at.to_rfc3339(),
                        other.written.id
                    ),
                    resource: format!("/api/v1/venues/{venue_id}/bookings/{}", other.written.id),
                },
                None => AppError::Conflict { detail: "the venue was booked for this time meanwhile; retry".into() },
            });
        };
        let created = Booking::try_from(created)?;
        let owner = venue.fields.owner_organization_id;
        audit::record(tx, actor, "create", Change::Created(&audit::concerning(&created, &[owner]))).await?;
        Ok(created)
    })
    .await
}

/// Cancels a booking; it stays listed (`include_cancelled=true`) and frees the time.
pub async fn cancel(cx: &mut Cx<'_>, venue_id: Uuid, id: Uuid, if_match: IfMatch) -> Result<SeenBooking, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let venue = load(tx, venue_id, false).await?;
        let before = Booking::try_from(repo::lock(tx, venue_id, id).await?.ok_or(AppError::NotFound)?)?;
        access::can_cancel(actor, before.organization_id, venue.fields.owner_organization_id)?;
        if_match.check_required(before.version)?;
        let owner = venue.fields.owner_organization_id;
        if before.status == BookingStatus::Cancelled {
            return Ok(seen(actor, owner, before));
        }
        let after = Booking::try_from(repo::cancel(tx, id).await?)?;
        let (b, a) = (audit::concerning(&before, &[owner]), audit::concerning(&after, &[owner]));
        audit::record(tx, actor, "cancel", Change::updated(&b, &a)).await?;
        Ok(seen(actor, owner, after))
    })
    .await
}
