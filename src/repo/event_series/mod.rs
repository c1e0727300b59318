//! Event series and their organisers.

pub mod costs;
pub mod occurrences;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Text};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::Conn;
use crate::repo::JsonText;
use crate::repo::schema::{event_series, event_series_organizers};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = event_series, check_for_backend(diesel::pg::Pg))]
pub struct SeriesRow {
    pub id: Uuid,
    #[diesel(embed)]
    pub written: SeriesWrite,
    pub materialized_until: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// The writable fields; `None` writes NULL.
#[derive(Clone, Debug, Insertable, AsChangeset, Queryable, Selectable)]
#[diesel(table_name = event_series, treat_none_as_null = true, check_for_backend(diesel::pg::Pg))]
pub struct SeriesWrite {
    pub parent_id: Option<Uuid>,
    pub title: JsonText,
    pub summary: Option<JsonText>,
    pub description: Option<JsonText>,
    pub kind: String,
    pub activity_type: String,
    pub publisher_id: Uuid,
    pub agreement_id: Option<Uuid>,
    pub venue_id: Option<Uuid>,
    pub attendance_mode: String,
    pub online_url: Option<String>,
    pub target_groups: Vec<Option<String>>,
    pub min_age: Option<i32>,
    pub max_age: Option<i32>,
    pub themes: Vec<Option<String>>,
    pub languages: Vec<Option<String>>,
    pub is_free: bool,
    pub details: JsonText,
    pub publication_status: String,
    pub event_status: String,
    pub sequence: i32,
    pub schedule: Option<JsonText>,
    pub timezone: String,
}

/// An organisation named as organiser, and whether it has accepted.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = event_series_organizers, check_for_backend(diesel::pg::Pg))]
pub struct OrganizerRow {
    pub series_id: Uuid,
    pub organization_id: Uuid,
    pub accepted_at: Option<DateTime<Utc>>,
}

/// List filters; rows in `id` order.
#[derive(Clone, Debug, Default)]
pub struct SeriesFilter {
    /// Published, or organised (named) by one of these.
    pub visible_to: Vec<Uuid>,
    /// Everything (platform admins).
    pub all_visible: bool,
    /// Organised (accepted) or published by.
    pub organization_id: Option<Uuid>,
    pub venue_id: Option<Uuid>,
    /// At a venue in this municipality.
    pub municipality_code: Option<String>,
    pub target_group: Option<String>,
    pub agreement_id: Option<Uuid>,
    pub parent_id: Option<Uuid>,
    pub kind: Option<String>,
    pub publication_status: Option<String>,
    pub search: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
    pub after: Option<Uuid>,
    pub limit: i64,
}

pub async fn list(conn: &mut Conn, f: &SeriesFilter) -> QueryResult<Vec<SeriesRow>> {
    let mut query = event_series::table.select(SeriesRow::as_select()).into_boxed();
    if !f.all_visible {
        if f.visible_to.is_empty() {
            query = query.filter(published());
        } else {
            query = query.filter(published().or(visible_clause(&f.visible_to)));
        }
    }
    if let Some(org) = f.organization_id {
        query = query.filter(accepted_organizer(org));
    }
    if let Some(v) = f.venue_id {
        query = query.filter(event_series::venue_id.eq(v));
    }
    if let Some(code) = &f.municipality_code {
        query = query.filter(
            diesel::dsl::sql::<Bool>(
                "EXISTS (SELECT 1 FROM venues v WHERE v.id = event_series.venue_id AND v.municipality_code = ",
            )
            .bind::<Text, _>(code.clone())
            .sql(")"),
        );
    }
    if let Some(g) = &f.target_group {
        query = query.filter(event_series::target_groups.contains(vec![Some(g.clone())]));
    }
    if let Some(a) = f.agreement_id {
        query = query.filter(event_series::agreement_id.eq(a));
    }
    if let Some(p) = f.parent_id {
        query = query.filter(event_series::parent_id.eq(p));
    }
    if let Some(k) = &f.kind {
        query = query.filter(event_series::kind.eq(k.clone()));
    }
    if let Some(s) = &f.publication_status {
        query = query.filter(event_series::publication_status.eq(s.clone()));
    }
    if let Some(search) = &f.search {
        query = query.filter(
            diesel::dsl::sql::<Bool>("localized_search_vector(event_series.title) @@ localized_search_query(")
                .bind::<Text, _>(search.clone())
                .sql(")"),
        );
    }
    if let Some(since) = f.updated_since {
        query = query.filter(event_series::updated_at.ge(since));
    }
    if let Some(after) = f.after {
        query = query.filter(event_series::id.gt(after));
    }
    query.order(event_series::id).limit(f.limit).load(conn).await
}

/// A condition on `event_series` in a query over `QS` (the series alone, or joined).
pub(crate) type SeriesCondition<QS> = Box<dyn BoxableExpression<QS, diesel::pg::Pg, SqlType = Bool>>;

/// The series is published. Written out rather than bound, so that a prepared statement's
/// generic plan can still use the partial index `event_series_published_idx`.
pub(crate) fn published<QS: 'static>() -> SeriesCondition<QS> {
    Box::new(diesel::dsl::sql::<Bool>("event_series.publication_status = 'published'"))
}

/// The series is published or organised (named) by one of `orgs`.
pub(crate) fn visible_clause<QS: 'static>(orgs: &[Uuid]) -> SeriesCondition<QS> {
    Box::new(
        diesel::dsl::sql::<Bool>("(event_series.publisher_id = ANY(")
            .bind::<Array<diesel::sql_types::Uuid>, _>(orgs.to_vec())
            .sql(
                ") OR EXISTS (SELECT 1 FROM event_series_organizers o \
                  WHERE o.series_id = event_series.id AND o.organization_id = ANY(",
            )
            .bind::<Array<diesel::sql_types::Uuid>, _>(orgs.to_vec())
            .sql(")))"),
    )
}

/// The series is published by `org` or organised by it (accepted).
pub(crate) fn accepted_organizer<QS: 'static>(org: Uuid) -> SeriesCondition<QS> {
    Box::new(
        diesel::dsl::sql::<Bool>("(event_series.publisher_id = ")
            .bind::<diesel::sql_types::Uuid, _>(org)
            .sql(
                " OR EXISTS (SELECT 1 FROM event_series_organizers o \
                  WHERE o.series_id = event_series.id AND o.organization_id = ",
            )
            .bind::<diesel::sql_types::Uuid, _>(org)
            .sql(" AND o.accepted_at IS NOT NULL))"),
    )
}

/// The time zones PostgreSQL knows (the weekday filter reads local days with them).
pub async fn zone_names(conn: &mut Conn) -> QueryResult<Vec<String>> {
    diesel::sql_query("SELECT name FROM pg_timezone_names")
        .load::<ZoneName>(conn)
        .await
        .map(|rows| rows.into_iter().map(|z| z.name).collect())
}

#[derive(QueryableByName)]
pub struct ZoneName {
    #[diesel(sql_type = Text)]
    name: String,
}

pub async fn get(conn: &mut Conn, id: Uuid) -> QueryResult<Option<SeriesRow>> {
    event_series::table.find(id).select(SeriesRow::as_select()).first(conn).await.optional()
}

pub async fn lock(conn: &mut Conn, id: Uuid) -> QueryResult<Option<SeriesRow>> {
    event_series::table.find(id).select(SeriesRow::as_select()).for_update().first(conn).await.optional()
}

pub async fn insert(conn: &mut Conn, id: Uuid, fields: &SeriesWrite) -> QueryResult<SeriesRow> {
    diesel::insert_into(event_series::table)
        .values((event_series::id.eq(id), fields))
        .returning(SeriesRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn update(conn: &mut Conn, id: Uuid, fields: &SeriesWrite) -> QueryResult<SeriesRow> {
    diesel::update(event_series::table.find(id)).set(fields).returning(SeriesRow::as_returning()).get_result(conn).await
}

/// Raises the calendar SEQUENCE (an occurrence was moved or cancelled); the version moves too.
pub async fn bump_sequence(conn: &mut Conn, id: Uuid) -> QueryResult<SeriesRow> {
    diesel::update(event_series::table.find(id))
        .set(event_series::sequence.eq(event_series::sequence + 1))
        .returning(SeriesRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn set_materialized_until(conn: &mut Conn, id: Uuid, until: NaiveDate) -> QueryResult<usize> {
    // Bookkeeping, not a change of the series: the version trigger skips this column alone.
    diesel::update(event_series::table.find(id))
        .filter(event_series::materialized_until.is_distinct_from(until))
        .set(event_series::materialized_until.eq(until))
        .execute(conn)
        .await
}

pub async fn delete(conn: &mut Conn, id: Uuid) -> QueryResult<usize> {
    diesel::delete(event_series::table.find(id)).execute(conn).await
}

/// Series whose occurrences end before `before` (the horizon task).
pub async fn due_for_horizon(conn: &mut Conn, before: NaiveDate, after: Uuid, limit: i64) -> QueryResult<Vec<Uuid>> {
    event_series::table
        .filter(event_series::schedule.is_not_null())
        .filter(event_series::id.gt(after))
        .filter(event_series::materialized_until.lt(before).or(event_series::materialized_until.is_null()))
        .select(event_series::id)
        .order(event_series::id)
        .limit(limit)
        .load(conn)
        .await
}

pub async fn organizers(conn: &mut Conn, series_ids: &[Uuid]) -> QueryResult<Vec<OrganizerRow>> {
    event_series_organizers::table
        .filter(event_series_organizers::series_id.eq_any(series_ids))
        .select(OrganizerRow::as_select())
        .order((event_series_organizers::series_id, event_series_organizers::organization_id))
        .load(conn)
        .await
}

/// Names `added` (accepted at once where `accepted` says so).
pub async fn add_organizers(conn: &mut Conn, series_id: Uuid, added: &[(Uuid, bool)]) -> QueryResult<usize> {
    let rows: Vec<_> = added
        .iter()
        .map(|(org, accepted)| {
            (
                event_series_organizers::series_id.eq(series_id),
                event_series_organizers::organization_id.eq(*org),
                event_series_organizers::accepted_at.eq(accepted.then(Utc::now)),
            )
        })
        .collect();
    diesel::insert_into(event_series_organizers::table).values(rows).on_conflict_do_nothing().execute(conn).await
}

pub async fn remove_organizers(conn: &mut Conn, series_id: Uuid, removed: &[Uuid]) -> QueryResult<usize> {
    diesel::delete(
        event_series_organizers::table
            .filter(event_series_organizers::series_id.eq(series_id))
            .filter(event_series_organizers::organization_id.eq_any(removed)),
    )
    .execute(conn)
    .await
}

pub async fn accept_organizer(conn: &mut Conn, series_id: Uuid, org: Uuid) -> QueryResult<usize> {
    diesel::update(
        event_series_organizers::table
            .filter(event_series_organizers::series_id.eq(series_id))
            .filter(event_series_organizers::organization_id.eq(org))
            .filter(event_series_organizers::accepted_at.is_null()),
    )
    .set(event_series_organizers::accepted_at.eq(diesel::dsl::now))
    .execute(conn)
    .await
}
