//! Materialised occurrences of event series, and their attendance.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Date, Int4, Nullable, Text, Timestamptz};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::{SeriesRow, accepted_organizer, visible_clause};
use crate::db::Conn;
use crate::repo::JsonText;
use crate::repo::schema::{event_occurrences, event_series, occurrence_attendance};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = event_occurrences, check_for_backend(diesel::pg::Pg))]
pub struct OccurrenceRow {
    pub id: Uuid,
    pub series_id: Uuid,
    pub instance_date: NaiveDate,
    pub scheduled_start: DateTime<Utc>,
    pub scheduled_end: DateTime<Utc>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub moved: bool,
    pub cancelled: bool,
    pub venue_id: Option<Uuid>,
    pub venue_overridden: bool,
    pub municipality_code: Option<String>,
    pub wellbeing_county_code: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// An occurrence as the schedule places it.
pub struct DerivedOccurrenceWrite {
    pub id: Uuid,
    pub instance_date: NaiveDate,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// Makes the series' occurrences exactly `derived`: new days are added, days no longer in
/// the schedule are deleted, and days that remain keep their id, overrides and attendance.
/// Their scheduled time follows the schedule; the time and venue they are held at follow it
/// too unless overridden or already begun (what happened stays as it was, then counting as
/// moved if the schedule now says otherwise). Only days from `from` on are touched: older
/// occurrences are history.
pub async fn materialise(
    conn: &mut Conn,
    series_id: Uuid,
    venue_id: Option<Uuid>,
    from: NaiveDate,
    derived: &[DerivedOccurrenceWrite],
) -> QueryResult<usize> {
    // An occurrence that has begun is history and keeps its time and venue; one overridden
    // keeps its override: `o.moved OR o.starts_at <= now()` and `o.venue_overridden OR …`.
    diesel::sql_query(
        "WITH new AS (SELECT * FROM unnest($1::uuid[], $2::date[], $3::timestamptz[], $4::timestamptz[]) \
                       AS t(id, instance_date, s, e)), \
              gone AS (DELETE FROM event_occurrences o WHERE o.series_id = $5 AND o.instance_date >= $7 \
                       AND NOT EXISTS (SELECT 1 FROM new WHERE new.instance_date = o.instance_date)) \
         INSERT INTO event_occurrences AS o (id, series_id, instance_date, scheduled_start, scheduled_end, starts_at, \
                                        ends_at, venue_id, municipality_code, wellbeing_county_code) \
         SELECT new.id, $5, new.instance_date, new.s, new.e, new.s, new.e, $6, v.municipality_code, v.wellbeing_county_code \
           FROM new LEFT JOIN venues v ON v.id = $6 \
         ON CONFLICT (series_id, instance_date) DO UPDATE SET \
           scheduled_start = excluded.scheduled_start, scheduled_end = excluded.scheduled_end, \
           starts_at = CASE WHEN (o.moved OR o.starts_at <= now()) THEN o.starts_at ELSE excluded.starts_at END, \
           ends_at = CASE WHEN (o.moved OR o.starts_at <= now()) THEN o.ends_at ELSE excluded.ends_at END, \
           moved = (o.moved OR o.starts_at <= now()) \
                   AND (o.starts_at, o.ends_at) IS DISTINCT FROM (excluded.scheduled_start, excluded.scheduled_end), \
           venue_id = CASE WHEN (o.venue_overridden OR o.starts_at <= now()) THEN o.venue_id ELSE excluded.venue_id END, \
           venue_overridden = (o.venue_overridden OR o.starts_at <= now()) AND o.venue_id IS DISTINCT FROM excluded.venue_id, \
           municipality_code = CASE WHEN (o.venue_overridden OR o.starts_at <= now()) THEN o.municipality_code \
                                    ELSE excluded.municipality_code END, \
           wellbeing_county_code = CASE WHEN (o.venue_overridden OR o.starts_at <= now()) THEN o.wellbeing_county_code \
                                        ELSE excluded.wellbeing_county_code END \
         WHERE o.scheduled_start IS DISTINCT FROM excluded.scheduled_start \
            OR o.scheduled_end IS DISTINCT FROM excluded.scheduled_end \
            OR o.venue_id IS DISTINCT FROM excluded.venue_id \
            OR o.municipality_code IS DISTINCT FROM excluded.municipality_code",
    )
    .bind::<Array<diesel::sql_types::Uuid>, _>(derived.iter().map(|d| d.id).collect::<Vec<_>>())
    .bind::<Array<Date>, _>(derived.iter().map(|d| d.instance_date).collect::<Vec<_>>())
    .bind::<Array<Timestamptz>, _>(derived.iter().map(|d| d.start).collect::<Vec<_>>())
    .bind::<Array<Timestamptz>, _>(derived.iter().map(|d| d.end).collect::<Vec<_>>())
    .bind::<diesel::sql_types::Uuid, _>(series_id)
    .bind::<Nullable<diesel::sql_types::Uuid>, _>(venue_id)
    .bind::<Date, _>(from)
    .execute(conn)
    .await
}

/// Local days from `from` on whose occurrence has attendance on record.
pub async fn attended_days(conn: &mut Conn, series_id: Uuid, from: NaiveDate) -> QueryResult<Vec<NaiveDate>> {
    event_occurrences::table
        .inner_join(occurrence_attendance::table)
        .filter(event_occurrences::series_id.eq(series_id))
        .filter(event_occurrences::instance_date.ge(from))
        .select(event_occurrences::instance_date)
        .load(conn)
        .await
}

/// Occurrences at the venue take its (new) area.
pub async fn refresh_areas_of_venue(conn: &mut Conn, venue_id: Uuid) -> QueryResult<usize> {
    diesel::sql_query(
        "UPDATE event_occurrences o SET municipality_code = v.municipality_code, \
                wellbeing_county_code = v.wellbeing_county_code \
           FROM venues v WHERE v.id = $1 AND o.venue_id = v.id",
    )
    .bind::<diesel::sql_types::Uuid, _>(venue_id)
    .execute(conn)
    .await
}

/// One series' occurrences overlapping the window, in time order.
pub async fn of_series(
    conn: &mut Conn,
    series_id: Uuid,
    (from, to): (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    updated_since: Option<DateTime<Utc>>,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<OccurrenceRow>> {
    let mut query = event_occurrences::table
        .filter(event_occurrences::series_id.eq(series_id))
        .select(OccurrenceRow::as_select())
        .into_boxed();
    if let Some(from) = from {
        query = query.filter(event_occurrences::ends_at.gt(from));
    }
    if let Some(to) = to {
        query = query.filter(event_occurrences::starts_at.lt(to));
    }
    if let Some(since) = updated_since {
        query = query.filter(event_occurrences::updated_at.ge(since));
    }
    if let Some((start, id)) = after {
        query = query.filter(
            event_occurrences::starts_at
                .gt(start)
                .or(event_occurrences::starts_at.eq(start).and(event_occurrences::id.gt(id))),
        );
    }
    query.order((event_occurrences::starts_at, event_occurrences::id)).limit(limit).load(conn).await
}

/// The series' moved, relocated and cancelled occurrences (the calendar's RECURRENCE-ID
/// events).
/// The cancelled, moved or relocated occurrences of these series.
pub async fn overridden(conn: &mut Conn, series: &[Uuid]) -> QueryResult<Vec<OccurrenceRow>> {
    event_occurrences::table
        .filter(event_occurrences::series_id.eq_any(series.to_vec()))
        .filter(event_occurrences::moved.or(event_occurrences::cancelled).or(event_occurrences::venue_overridden))
        .select(OccurrenceRow::as_select())
        .order(event_occurrences::starts_at)
        .load(conn)
        .await
}

pub async fn get(conn: &mut Conn, series_id: Uuid, id: Uuid) -> QueryResult<Option<OccurrenceRow>> {
    event_occurrences::table
        .filter(event_occurrences::series_id.eq(series_id))
        .filter(event_occurrences::id.eq(id))
        .select(OccurrenceRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn lock(conn: &mut Conn, series_id: Uuid, id: Uuid) -> QueryResult<Option<OccurrenceRow>> {
    event_occurrences::table
        .filter(event_occurrences::series_id.eq(series_id))
        .filter(event_occurrences::id.eq(id))
        .select(OccurrenceRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// An occurrence's series (for references from bookings).
pub async fn series_of(conn: &mut Conn, id: Uuid) -> QueryResult<Option<Uuid>> {
    event_occurrences::table.find(id).select(event_occurrences::series_id).first(conn).await.optional()
}

/// The override of one occurrence.
#[derive(Clone, Debug)]
pub struct OccurrenceOverrideWrite {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub moved: bool,
    pub cancelled: bool,
    pub venue_id: Option<Uuid>,
    pub venue_overridden: bool,
}

pub async fn set_override(conn: &mut Conn, id: Uuid, o: &OccurrenceOverrideWrite) -> QueryResult<OccurrenceRow> {
    diesel::sql_query(
        "UPDATE event_occurrences SET starts_at = $2, ends_at = $3, moved = $4, cancelled = $5, venue_id = $6, \
                venue_overridden = $7, \
                municipality_code = (SELECT municipality_code FROM venues WHERE id = $6), \
                wellbeing_county_code = (SELECT wellbeing_county_code FROM venues WHERE id = $6) \
          WHERE id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .bind::<Timestamptz, _>(o.starts_at)
    .bind::<Timestamptz, _>(o.ends_at)
    .bind::<Bool, _>(o.moved)
    .bind::<Bool, _>(o.cancelled)
    .bind::<Nullable<diesel::sql_types::Uuid>, _>(o.venue_id)
    .bind::<Bool, _>(o.venue_overridden)
    .execute(conn)
    .await?;
    event_occurrences::table.find(id).select(OccurrenceRow::as_select()).first(conn).await
}

/// Filters of the flat "what is on" list; rows in (start, id) order.
#[derive(Clone, Debug, Default)]
pub struct OccurrenceFilter {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Series published or named by these (empty: published only, unless `all_visible`).
    pub visible_to: Vec<Uuid>,
    pub all_visible: bool,
    pub municipality_code: Option<String>,
    pub wellbeing_county_code: Option<String>,
    pub venue_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    pub target_group: Option<String>,
    pub theme: Option<String>,
    pub language: Option<String>,
    pub activity_type: Option<String>,
    pub is_free: Option<bool>,
    /// ISO weekdays (1 = Monday) in the series' own zone.
    pub weekdays: Vec<i32>,
    pub cancelled: Option<bool>,
    pub search: Option<String>,
    /// One row per series: its first (not cancelled) occurrence in the window.
    pub collapse_series: bool,
    pub updated_since: Option<DateTime<Utc>>,
    pub after: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
}

/// Occurrences and their series. The window is an overlap (`ends_at > from`, `starts_at < to`);
/// because no occurrence lasts over 31 days, `starts_at >= from - 31 days` bounds the index range.
pub async fn list(conn: &mut Conn, f: &OccurrenceFilter) -> QueryResult<Vec<(OccurrenceRow, SeriesRow)>> {
    let mut query = event_occurrences::table
        .inner_join(event_series::table)
        .select((OccurrenceRow::as_select(), SeriesRow::as_select()))
        .into_boxed();
    if let Some(from) = f.from {
        query = query
            .filter(event_occurrences::ends_at.gt(from))
            .filter(event_occurrences::starts_at.ge(from - chrono::Duration::days(31)));
    }
    if let Some(to) = f.to {
        query = query.filter(event_occurrences::starts_at.lt(to));
    }
    if !f.all_visible {
        if f.visible_to.is_empty() {
            // The occurrence's own copy of its series' status, which partial indexes hold
            // (`event_occurrences_published_*`): drafts' occurrences are never read.
            query = query.filter(event_occurrences::published);
        } else {
            query = query.filter(super::published().or(visible_clause(&f.visible_to)));
        }
    }
    if let Some(code) = &f.municipality_code {
        query = query.filter(event_occurrences::municipality_code.eq(code.clone()));
    }
    if let Some(code) = &f.wellbeing_county_code {
        query = query.filter(event_occurrences::wellbeing_county_code.eq(code.clone()));
    }
    if let Some(venue) = f.venue_id {
        query = query.filter(event_occurrences::venue_id.eq(venue));
    }
    if let Some(org) = f.organization_id {
        query = query.filter(accepted_organizer(org));
    }
    if let Some(g) = &f.target_group {
        query = query.filter(event_series::target_groups.contains(vec![Some(g.clone())]));
    }
    if let Some(t) = &f.theme {
        query = query.filter(event_series::themes.contains(vec![Some(t.clone())]));
    }
    if let Some(l) = &f.language {
        query = query.filter(event_series::languages.contains(vec![Some(l.clone())]));
    }
    if let Some(a) = &f.activity_type {
        query = query.filter(event_series::activity_type.eq(a.clone()));
    }
    if let Some(free) = f.is_free {
        query = query.filter(event_series::is_free.eq(free));
    }
    if !f.weekdays.is_empty() {
        query = query.filter(
            diesel::dsl::sql::<Bool>(
                "EXTRACT(ISODOW FROM event_occurrences.starts_at AT TIME ZONE event_series.timezone)::int = ANY(",
            )
            .bind::<Array<Int4>, _>(f.weekdays.clone())
            .sql(")"),
        );
    }
    if let Some(c) = f.cancelled {
        query = query.filter(event_occurrences::cancelled.eq(c));
    }
    if let Some(since) = f.updated_since {
        query = query.filter(event_occurrences::updated_at.ge(since));
    }
    if let Some(search) = &f.search {
        query = query.filter(
            diesel::dsl::sql::<Bool>("localized_search_vector(event_series.title) @@ localized_search_query(")
                .bind::<Text, _>(search.clone())
                .sql(")"),
        );
    }
    if f.collapse_series {
        // No earlier uncancelled occurrence of the same series passes the same window, area,
        // venue and weekday conditions (an absent condition is NULL and passes everything).
        query = query.filter(event_occurrences::cancelled.eq(false)).filter(
            diesel::dsl::sql::<Bool>(
                "NOT EXISTS (SELECT 1 FROM event_occurrences e WHERE e.series_id = event_occurrences.series_id \
                   AND NOT e.cancelled AND (e.starts_at, e.id) < (event_occurrences.starts_at, event_occurrences.id) \
                   AND ((e.ends_at > ",
            )
            .bind::<Nullable<Timestamptz>, _>(f.from)
            .sql(") IS NOT FALSE) AND ((e.starts_at < ")
            .bind::<Nullable<Timestamptz>, _>(f.to)
            .sql(") IS NOT FALSE) AND ((e.municipality_code = ")
            .bind::<Nullable<Text>, _>(f.municipality_code.clone())
            .sql(") IS NOT FALSE) AND ((e.wellbeing_county_code = ")
            .bind::<Nullable<Text>, _>(f.wellbeing_county_code.clone())
            .sql(") IS NOT FALSE) AND ((e.venue_id = ")
            .bind::<Nullable<diesel::sql_types::Uuid>, _>(f.venue_id)
            .sql(") IS NOT FALSE) AND (cardinality(")
            .bind::<Array<Int4>, _>(f.weekdays.clone())
            .sql(") = 0 OR EXTRACT(ISODOW FROM e.starts_at AT TIME ZONE event_series.timezone)::int = ANY(")
            .bind::<Array<Int4>, _>(f.weekdays.clone())
            .sql(")))"),
        );
    }
    if let Some((start, id)) = f.after {
        query = query.filter(
            event_occurrences::starts_at
                .gt(start)
                .or(event_occurrences::starts_at.eq(start).and(event_occurrences::id.gt(id))),
        );
    }
    query.order((event_occurrences::starts_at, event_occurrences::id)).limit(f.limit).load(conn).await
}

/// Which of these series' occurrences have attendance recorded.
pub async fn any_attendance(conn: &mut Conn, series_id: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        occurrence_attendance::table
            .inner_join(event_occurrences::table)
            .filter(event_occurrences::series_id.eq(series_id)),
    ))
    .get_result(conn)
    .await
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = occurrence_attendance, check_for_backend(diesel::pg::Pg))]
pub struct AttendanceRow {
    pub occurrence_id: Uuid,
    pub participants: i32,
    pub volunteers: i32,
    pub by_age_group: JsonText,
    pub by_organizer: JsonText,
    pub notes: Option<String>,
    pub recorded_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

#[derive(Clone, Debug, Insertable, AsChangeset)]
#[diesel(table_name = occurrence_attendance, treat_none_as_null = true)]
pub struct AttendanceWrite {
    pub occurrence_id: Uuid,
    pub participants: i32,
    pub volunteers: i32,
    pub by_age_group: JsonText,
    pub by_organizer: JsonText,
    pub notes: Option<String>,
    pub recorded_by: Option<Uuid>,
}

pub async fn attendance(conn: &mut Conn, occurrence_id: Uuid) -> QueryResult<Option<AttendanceRow>> {
    occurrence_attendance::table.find(occurrence_id).select(AttendanceRow::as_select()).first(conn).await.optional()
}

pub async fn lock_attendance(conn: &mut Conn, occurrence_id: Uuid) -> QueryResult<Option<AttendanceRow>> {
    occurrence_attendance::table
        .find(occurrence_id)
        .select(AttendanceRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn put_attendance(conn: &mut Conn, row: &AttendanceWrite) -> QueryResult<AttendanceRow> {
    diesel::insert_into(occurrence_attendance::table)
        .values(row)
        .on_conflict(occurrence_attendance::occurrence_id)
        .do_update()
        .set(row)
        .returning(AttendanceRow::as_returning())
        .get_result(conn)
        .await
}

/// Held (not cancelled) occurrences of the series starting in [from, to), with the number of
/// participants where recorded: what cost allocation counts.
pub async fn held(
    conn: &mut Conn,
    series_id: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> QueryResult<Vec<(OccurrenceRow, Option<i32>)>> {
    event_occurrences::table
        .left_join(occurrence_attendance::table)
        .filter(event_occurrences::series_id.eq(series_id))
        .filter(event_occurrences::cancelled.eq(false))
        .filter(event_occurrences::starts_at.ge(from))
        .filter(event_occurrences::starts_at.lt(to))
        .select((OccurrenceRow::as_select(), occurrence_attendance::participants.nullable()))
        .order((event_occurrences::starts_at, event_occurrences::id))
        .load(conn)
        .await
}

/// The confirmed bookings naming occurrences of the series from `from` on: each booking with
/// its occurrence.
pub async fn booked(conn: &mut Conn, series_id: Uuid, from: NaiveDate) -> QueryResult<Vec<(Uuid, Option<Uuid>)>> {
    use crate::repo::schema::venue_bookings as b;
    let occurrences = event_occurrences::table
        .filter(event_occurrences::series_id.eq(series_id))
        .filter(event_occurrences::instance_date.ge(from))
        .select(event_occurrences::id);
    b::table
        .filter(b::status.eq("confirmed"))
        .filter(b::occurrence_id.eq_any(occurrences.nullable()))
        .select((b::id, b::occurrence_id))
        .load(conn)
        .await
}

/// Where and when these occurrences are: id, venue, start, end.
pub async fn placed(
    conn: &mut Conn,
    ids: &[Uuid],
) -> QueryResult<Vec<(Uuid, Option<Uuid>, DateTime<Utc>, DateTime<Utc>)>> {
    event_occurrences::table
        .filter(event_occurrences::id.eq_any(ids))
        .select((
            event_occurrences::id,
            event_occurrences::venue_id,
            event_occurrences::starts_at,
            event_occurrences::ends_at,
        ))
        .load(conn)
        .await
}
