//! The values of platform indicators, computed in SQL from the collaboration's own records.
//!
//! The SQL function `platform_indicator_units(derivation, from, until)` (a migration) yields
//! *units* for each derivation: `(month, county, municipality, item, amount, flag)`, one row
//! per thing counted in a month and area. [`refresh`] groups them by
//! month for the whole platform, each wellbeing services county and each municipality, and
//! writes the results as approved `actual` values. Values of closed periods (ending on or
//! before `closed_through`) are written once and never changed, so recomputing a past period
//! gives the number already published.

use chrono::NaiveDate;
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Date, Text, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::Conn;

/// How the units of a month and area become a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aggregate {
    /// The number of distinct items.
    Items,
    /// Flagged items × 100 ÷ items, with the numerator and denominator kept.
    FlaggedShare,
    /// The sum of the amounts.
    Sum,
}

impl Aggregate {
    fn name(self) -> &'static str {
        match self {
            Aggregate::Items => "items",
            Aggregate::FlaggedShare => "share",
            Aggregate::Sum => "sum",
        }
    }
}

/// The first month with any record a platform indicator counts (none: nothing to count).
pub async fn first_month(conn: &mut Conn) -> diesel::QueryResult<Option<NaiveDate>> {
    #[derive(QueryableByName)]
    struct First {
        #[diesel(sql_type = diesel::sql_types::Nullable<Date>)]
        first: Option<NaiveDate>,
    }
    let row: First = diesel::sql_query(
        "SELECT date_trunc('month', least(
             (SELECT min(start_date) FROM agreements WHERE current_version IS NOT NULL),
             (SELECT min(starts_at AT TIME ZONE 'Europe/Helsinki')::date FROM event_occurrences),
             (SELECT min(starts_at AT TIME ZONE 'Europe/Helsinki')::date FROM venue_bookings)))::date AS first",
    )
    .get_result(conn)
    .await?;
    Ok(row.first)
}

/// How many values a refresh wrote and removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, QueryableByName)]
pub struct Refreshed {
    #[diesel(sql_type = BigInt)]
    pub written: i64,
    #[diesel(sql_type = BigInt)]
    pub removed: i64,
}

/// Writes the indicator's values for the months in `[from, until)`: new ones inserted, those
/// of open periods (ending after `closed_through`) updated when they differ and removed when
/// nothing is left to count; those of closed periods never touched.
pub async fn refresh(
    conn: &mut Conn,
    indicator: Uuid,
    derivation: &str,
    aggregate: Aggregate,
    from: NaiveDate,
    until: NaiveDate,
    closed_through: NaiveDate,
) -> diesel::QueryResult<Refreshed> {
    diesel::sql_query(
        "WITH grouped AS (
             SELECT month, county, municipality,
                    GROUPING(county) = 1 AND GROUPING(municipality) = 1 AS whole,
                    GROUPING(municipality) = 1 AS county_level,
                    count(DISTINCT item) AS items, count(DISTINCT item) FILTER (WHERE flag) AS flagged,
                    coalesce(sum(amount), 0) AS amount
             FROM (SELECT * FROM platform_indicator_units($3, $1, $2)
                   -- Every month for the whole platform, so that a month without anything is 0.
                   UNION ALL SELECT m::date, NULL, NULL, NULL, NULL, NULL
                   FROM generate_series($1::timestamp, ($2 - 1)::timestamp, interval '1 month') AS m) units
             WHERE month >= $1 AND month < $2
             -- A municipality by itself: an area register change must not split it in two.
             GROUP BY GROUPING SETS ((month), (month, county), (month, municipality))),
         computed AS (
             SELECT to_char(month, 'YYYY-MM') AS period_code, month AS period_start,
                    (month + interval '1 month' - interval '1 day')::date AS period_end,
                    CASE WHEN whole THEN NULL WHEN county_level THEN 'wellbeing_services_county'
                         ELSE 'municipality' END AS area_kind,
                    CASE WHEN whole THEN NULL WHEN county_level THEN county ELSE municipality END AS area_code,
                    CASE $5 WHEN 'share' THEN CASE WHEN items > 0 THEN trim_scale((flagged * 100)::numeric / items) END
                            WHEN 'sum' THEN amount::numeric ELSE items::numeric END AS value,
                    CASE WHEN $5 = 'share' AND items > 0 THEN flagged::numeric END AS numerator,
                    CASE WHEN $5 = 'share' AND items > 0 THEN items::numeric END AS denominator
             FROM grouped
             WHERE (whole OR (county_level AND county IS NOT NULL) OR (NOT county_level AND municipality IS NOT NULL))
               -- An area's sum of fewer than three occurrences would tell one occurrence's
               -- attendance, which only its organisers read.
               AND (whole OR $5 <> 'sum' OR items >= 3)),
         written AS (
             INSERT INTO observations AS o (id, indicator_id, value_type, period_code, period_start, period_end,
                                            area_kind, area_code, value, numerator, denominator, status)
             SELECT gen_random_uuid(), $4, 'actual', c.period_code, c.period_start, c.period_end,
                    c.area_kind, c.area_code, c.value, c.numerator, c.denominator, 'approved'
             FROM computed c WHERE c.value IS NOT NULL
             ON CONFLICT ON CONSTRAINT observations_natural_key DO UPDATE
                SET value = EXCLUDED.value, numerator = EXCLUDED.numerator, denominator = EXCLUDED.denominator,
                    updated_at = now()
              WHERE o.period_end > $6
                AND (o.value, o.numerator, o.denominator)
                    IS DISTINCT FROM (EXCLUDED.value, EXCLUDED.numerator, EXCLUDED.denominator)
             RETURNING 1),
         removed AS (
             DELETE FROM observations o
              WHERE o.indicator_id = $4 AND o.period_end > $6
                AND NOT EXISTS (SELECT 1 FROM computed c
                                WHERE c.value IS NOT NULL AND c.period_code = o.period_code
                                  AND c.area_kind IS NOT DISTINCT FROM o.area_kind
                                  AND c.area_code IS NOT DISTINCT FROM o.area_code)
             RETURNING 1)
         SELECT (SELECT count(*) FROM written) AS written, (SELECT count(*) FROM removed) AS removed",
    )
    .bind::<Date, _>(from)
    .bind::<Date, _>(until)
    .bind::<Text, _>(derivation)
    .bind::<SqlUuid, _>(indicator)
    .bind::<Text, _>(aggregate.name())
    .bind::<Date, _>(closed_through)
    .get_result(conn)
    .await
}

/// Serialises refreshes across instances for the rest of the transaction.
pub async fn lock_refresh(conn: &mut Conn) -> diesel::QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('platform indicators'))").execute(conn).await.map(drop)
}

/// The platform indicator with this derivation, locked.
pub async fn by_derivation(conn: &mut Conn, derivation: &str) -> diesel::QueryResult<Option<super::IndicatorRow>> {
    use crate::repo::schema::indicators;
    use diesel::{ExpressionMethods, OptionalExtension, QueryDsl, SelectableHelper};
    indicators::table
        .filter(indicators::derivation.eq(derivation))
        .select(super::IndicatorRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}
