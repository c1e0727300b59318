//! Bookings of venues.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::Conn;
use crate::repo::schema::venue_bookings;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = venue_bookings, check_for_backend(diesel::pg::Pg))]
pub struct BookingRow {
    #[diesel(embed)]
    pub written: BookingWrite,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

#[derive(Clone, Debug, Insertable, Queryable, Selectable)]
#[diesel(table_name = venue_bookings, check_for_backend(diesel::pg::Pg))]
pub struct BookingWrite {
    pub id: Uuid,
    pub venue_id: Uuid,
    pub organization_id: Uuid,
    pub occurrence_id: Option<Uuid>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub rent_cents: i64,
    pub note: Option<String>,
    pub created_by: Option<Uuid>,
}

/// Bookings of a venue that end after `from` and start before `to`, in start order.
pub struct BookingFilter {
    pub venue_id: Uuid,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub include_cancelled: bool,
    pub updated_since: Option<DateTime<Utc>>,
    pub after: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
}

pub async fn list(conn: &mut Conn, f: &BookingFilter) -> QueryResult<Vec<BookingRow>> {
    let mut query = venue_bookings::table
        .filter(venue_bookings::venue_id.eq(f.venue_id))
        .select(BookingRow::as_select())
        .into_boxed();
    if !f.include_cancelled {
        query = query.filter(venue_bookings::status.eq("confirmed"));
    }
    if let Some(from) = f.from {
        query = query.filter(venue_bookings::ends_at.gt(from));
    }
    if let Some(to) = f.to {
        query = query.filter(venue_bookings::starts_at.lt(to));
    }
    if let Some(since) = f.updated_since {
        query = query.filter(venue_bookings::updated_at.ge(since));
    }
    if let Some((start, id)) = f.after {
        query = query.filter(
            venue_bookings::starts_at.gt(start).or(venue_bookings::starts_at.eq(start).and(venue_bookings::id.gt(id))),
        );
    }
    query.order((venue_bookings::starts_at, venue_bookings::id)).limit(f.limit).load(conn).await
}

pub async fn get(conn: &mut Conn, venue_id: Uuid, id: Uuid) -> QueryResult<Option<BookingRow>> {
    venue_bookings::table
        .filter(venue_bookings::venue_id.eq(venue_id))
        .filter(venue_bookings::id.eq(id))
        .select(BookingRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn lock(conn: &mut Conn, venue_id: Uuid, id: Uuid) -> QueryResult<Option<BookingRow>> {
    venue_bookings::table
        .filter(venue_bookings::venue_id.eq(venue_id))
        .filter(venue_bookings::id.eq(id))
        .select(BookingRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Inserts the booking, or `None` when a confirmed booking holds the time. The insert runs in
/// a savepoint, so the caller's transaction goes on after a refusal (to name the holder).
pub async fn insert(conn: &mut Conn, row: &BookingWrite) -> QueryResult<Option<BookingRow>> {
    use diesel::result::{DatabaseErrorKind, Error};
    use diesel_async::AsyncConnection;
    let inserted = conn
        .transaction(async |tx| {
            diesel::insert_into(venue_bookings::table)
                .values(row)
                .returning(BookingRow::as_returning())
                .get_result(tx)
                .await
        })
        .await;
    match inserted {
        Ok(row) => Ok(Some(row)),
        Err(Error::DatabaseError(DatabaseErrorKind::ExclusionViolation, info))
            if info.constraint_name() == Some("venue_bookings_no_overlap") =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// A confirmed booking of the venue that overlaps the range (the one a new booking lost to).
pub async fn overlapping(
    conn: &mut Conn,
    venue_id: Uuid,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
) -> QueryResult<Option<BookingRow>> {
    venue_bookings::table
        .filter(venue_bookings::venue_id.eq(venue_id))
        .filter(venue_bookings::status.eq("confirmed"))
        .filter(venue_bookings::starts_at.lt(ends_at))
        .filter(venue_bookings::ends_at.gt(starts_at))
        .select(BookingRow::as_select())
        .order(venue_bookings::starts_at)
        .first(conn)
        .await
        .optional()
}

pub async fn cancel(conn: &mut Conn, id: Uuid) -> QueryResult<BookingRow> {
    diesel::update(venue_bookings::table.find(id))
        .set(venue_bookings::status.eq("cancelled"))
        .returning(BookingRow::as_returning())
        .get_result(conn)
        .await
}

/// Deletes a venue's cancelled bookings (with the venue: they hold no time); returns them.
pub async fn delete_cancelled(conn: &mut Conn, venue_id: Uuid) -> QueryResult<Vec<BookingRow>> {
    diesel::delete(
        venue_bookings::table
            .filter(venue_bookings::venue_id.eq(venue_id))
            .filter(venue_bookings::status.ne("confirmed")),
    )
    .returning(BookingRow::as_returning())
    .get_results(conn)
    .await
}

/// The confirmed booking that names an occurrence, if one does.
pub async fn confirmed_for_occurrence(conn: &mut Conn, occurrence_id: Uuid) -> QueryResult<Option<Uuid>> {
    venue_bookings::table
        .filter(venue_bookings::occurrence_id.eq(occurrence_id))
        .filter(venue_bookings::status.eq("confirmed"))
        .select(venue_bookings::id)
        .first(conn)
        .await
        .optional()
}

/// Whether one of `organizations` holds a confirmed booking of the venue over the whole of
/// `starts_at`..`ends_at`.
pub async fn held_by_any(
    conn: &mut Conn,
    venue_id: Uuid,
    organizations: &[Uuid],
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        venue_bookings::table
            .filter(venue_bookings::venue_id.eq(venue_id))
            .filter(venue_bookings::status.eq("confirmed"))
            .filter(venue_bookings::organization_id.eq_any(organizations))
            .filter(venue_bookings::starts_at.le(starts_at))
            .filter(venue_bookings::ends_at.ge(ends_at)),
    ))
    .get_result(conn)
    .await
}
