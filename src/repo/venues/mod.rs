//! Venues (kohtaamispaikat, yhteistyöaulat) and their bookings.

pub mod bookings;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Double, Text};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::Conn;
use crate::repo::schema::venues;
use crate::repo::{JsonText, select_list};

/// A venue as read: the columns it is written with, and what the database keeps itself.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = venues, check_for_backend(diesel::pg::Pg))]
pub struct VenueRow {
    pub id: Uuid,
    #[diesel(embed)]
    pub written: VenueWrite,
    /// Derived from the municipality by the database.
    pub wellbeing_county_code: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// The writable fields; `None` writes NULL.
#[derive(Clone, Debug, Insertable, AsChangeset, Queryable, Selectable)]
#[diesel(table_name = venues, treat_none_as_null = true, check_for_backend(diesel::pg::Pg))]
pub struct VenueWrite {
    pub name: JsonText,
    pub description: Option<JsonText>,
    pub kind: String,
    pub owner_organization_id: Uuid,
    pub operator_organization_id: Option<Uuid>,
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub locality: Option<String>,
    pub municipality_code: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub accessibility: Vec<Option<String>>,
    pub accessibility_info: Option<JsonText>,
    pub interpretation_services: Vec<Option<String>>,
    pub opening_hours: JsonText,
    pub capacity: Option<i32>,
    pub premises_terms: String,
    pub rent_cents: Option<i64>,
    pub contact: Option<JsonText>,
    pub images: JsonText,
    pub external_ids: JsonText,
}

/// A circle on the earth: its centre and radius in metres.
#[derive(Clone, Copy, Debug)]
pub struct Near {
    pub lon: f64,
    pub lat: f64,
    pub radius_m: f64,
}

/// List filters; every field narrows the result. Rows come in `id` order, or nearest first
/// (distance in whole millimetres, then id) with `near`.
#[derive(Clone, Debug, Default)]
pub struct VenueFilter {
    pub municipality_code: Option<String>,
    pub wellbeing_county_code: Option<String>,
    pub kind: Option<String>,
    /// Owned or operated by.
    pub organization_id: Option<Uuid>,
    /// Has all of these.
    pub accessibility: Vec<String>,
    /// west, south, east, north.
    pub bbox: Option<[f64; 4]>,
    pub near: Option<Near>,
    pub search: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
    pub after: Option<(Option<i64>, Uuid)>,
    pub limit: i64,
}

/// Metres × 1000 from `near`, rounded: an index-free expression over the venue's position.
fn distance_mm(near: Near) -> Box<dyn BoxableExpression<venues::table, diesel::pg::Pg, SqlType = BigInt>> {
    Box::new(
        diesel::dsl::sql::<BigInt>("round(earth_distance(ll_to_earth(venues.lat, venues.lon), ll_to_earth(")
            .bind::<Double, _>(near.lat)
            .sql(", ")
            .bind::<Double, _>(near.lon)
            .sql(")) * 1000)::bigint"),
    )
}

/// Venues with their distance from `near` in millimetres, when asked.
pub async fn list(conn: &mut Conn, f: &VenueFilter) -> QueryResult<Vec<(VenueRow, Option<i64>)>> {
    let mut query = venues::table.into_boxed();
    if let Some(code) = &f.municipality_code {
        query = query.filter(venues::municipality_code.eq(code.clone()));
    }
    if let Some(code) = &f.wellbeing_county_code {
        query = query.filter(venues::wellbeing_county_code.eq(code.clone()));
    }
    if let Some(kind) = &f.kind {
        query = query.filter(venues::kind.eq(kind.clone()));
    }
    if let Some(org) = f.organization_id {
        query = query.filter(venues::owner_organization_id.eq(org));
    }
    if !f.accessibility.is_empty() {
        query =
            query.filter(venues::accessibility.contains(f.accessibility.iter().cloned().map(Some).collect::<Vec<_>>()));
    }
    if let Some([w, s, e, n]) = f.bbox {
        query = query.filter(
            diesel::dsl::sql::<Bool>("venues.lat IS NOT NULL AND point(venues.lon, venues.lat) <@ box(point(")
                .bind::<Double, _>(w)
                .sql(", ")
                .bind::<Double, _>(s)
                .sql("), point(")
                .bind::<Double, _>(e)
                .sql(", ")
                .bind::<Double, _>(n)
                .sql("))"),
        );
    }
    if let Some(search) = &f.search {
        query = query.filter(
            diesel::dsl::sql::<Bool>("localized_search_vector(venues.name) @@ localized_search_query(")
                .bind::<Text, _>(search.clone())
                .sql(")"),
        );
    }
    if let Some(since) = f.updated_since {
        query = query.filter(venues::updated_at.ge(since));
    }
    match f.near {
        Some(near) => {
            // earth_box is the index-backed prefilter; the distance check makes it a circle.
            query = query.filter(
                diesel::dsl::sql::<Bool>("venues.lat IS NOT NULL AND earth_box(ll_to_earth(")
                    .bind::<Double, _>(near.lat)
                    .sql(", ")
                    .bind::<Double, _>(near.lon)
                    .sql("), ")
                    .bind::<Double, _>(near.radius_m)
                    .sql(") @> ll_to_earth(venues.lat, venues.lon) AND earth_distance(ll_to_earth(venues.lat, venues.lon), ll_to_earth(")
                    .bind::<Double, _>(near.lat)
                    .sql(", ")
                    .bind::<Double, _>(near.lon)
                    .sql(")) <= ")
                    .bind::<Double, _>(near.radius_m),
            );
            if let Some((Some(d), id)) = f.after {
                query = query.filter(distance_mm(near).gt(d).or(distance_mm(near).eq(d).and(venues::id.gt(id))));
            }
            query
                .select((select_list::<VenueRow>()?, distance_mm(near).nullable()))
                .order((distance_mm(near), venues::id))
                .limit(f.limit)
                .load(conn)
                .await
        }
        None => {
            if let Some((_, after)) = f.after {
                query = query.filter(venues::id.gt(after));
            }
            query
                .select((
                    select_list::<VenueRow>()?,
                    diesel::dsl::sql::<diesel::sql_types::Nullable<BigInt>>("NULL::bigint"),
                ))
                .order(venues::id)
                .limit(f.limit)
                .load(conn)
                .await
        }
    }
}

pub async fn get(conn: &mut Conn, id: Uuid) -> QueryResult<Option<VenueRow>> {
    venues::table.find(id).select(select_list::<VenueRow>()?).first(conn).await.optional()
}

/// The venues with these ids, in one query (those that exist).
pub async fn get_many(conn: &mut Conn, ids: &[Uuid]) -> QueryResult<Vec<VenueRow>> {
    venues::table.filter(venues::id.eq_any(ids.to_vec())).select(select_list::<VenueRow>()?).load(conn).await
}

/// The venue, locked for the rest of the transaction.
pub async fn lock(conn: &mut Conn, id: Uuid) -> QueryResult<Option<VenueRow>> {
    venues::table.find(id).select(VenueRow::as_select()).for_update().first(conn).await.optional()
}

pub async fn insert(conn: &mut Conn, id: Uuid, fields: &VenueWrite) -> QueryResult<VenueRow> {
    diesel::insert_into(venues::table)
        .values((venues::id.eq(id), fields))
        .returning(VenueRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn update(conn: &mut Conn, id: Uuid, fields: &VenueWrite) -> QueryResult<VenueRow> {
    diesel::update(venues::table.find(id)).set(fields).returning(VenueRow::as_returning()).get_result(conn).await
}

pub async fn delete(conn: &mut Conn, id: Uuid) -> QueryResult<usize> {
    diesel::delete(venues::table.find(id)).execute(conn).await
}

/// What keeps a venue from being deleted: the publisher of every series held there (one per
/// series, those with an occurrence relocated there included) with its name, and how many
/// confirmed bookings it has.
pub async fn in_use(conn: &mut Conn, id: Uuid) -> QueryResult<(Vec<(Uuid, JsonText)>, i64)> {
    use crate::repo::schema::{event_occurrences, event_series, organizations, venue_bookings};
    let relocated =
        event_occurrences::table.filter(event_occurrences::venue_id.eq(id)).select(event_occurrences::series_id);
    let publishers: Vec<Uuid> = event_series::table
        .filter(event_series::venue_id.eq(id).or(event_series::id.eq_any(relocated)))
        .select(event_series::publisher_id)
        .load(conn)
        .await?;
    let names: Vec<(Uuid, JsonText)> = organizations::table
        .filter(organizations::id.eq_any(&publishers))
        .select((organizations::id, organizations::name))
        .load(conn)
        .await?;
    let series = publishers.iter().filter_map(|p| names.iter().find(|(id, _)| id == p).cloned()).collect();
    let bookings = venue_bookings::table
        .filter(venue_bookings::venue_id.eq(id))
        .filter(venue_bookings::status.eq("confirmed"))
        .count()
        .get_result(conn)
        .await?;
    Ok((series, bookings))
}
