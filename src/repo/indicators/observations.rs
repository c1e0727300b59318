//! Observations: one value of an indicator per natural key, its workflow state and its
//! history.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::{IndicatorTest, partner_of};
use crate::db::Conn;
use crate::repo::schema::{indicators, observation_history, observations};
use crate::repo::{JsonText, select_list};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = observations, check_for_backend(diesel::pg::Pg))]
pub struct ObservationRow {
    pub id: Uuid,
    #[diesel(embed)]
    pub written: ObservationWrite,
    pub status: String,
    pub status_comment: Option<String>,
    pub submitted_by: Option<Uuid>,
    pub reviewed_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// The reported columns, natural key first; `None` writes NULL.
#[derive(Clone, Debug, Insertable, AsChangeset, Queryable, Selectable)]
#[diesel(table_name = observations, treat_none_as_null = true, check_for_backend(diesel::pg::Pg))]
pub struct ObservationWrite {
    pub indicator_id: Uuid,
    pub value_type: String,
    pub period_code: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub area_kind: Option<String>,
    pub area_code: Option<String>,
    pub organization_id: Option<Uuid>,
    pub sex: Option<String>,
    pub age_group: Option<String>,
    pub value: Option<Decimal>,
    pub numerator: Option<Decimal>,
    pub denominator: Option<Decimal>,
    pub narrative: Option<JsonText>,
    pub provisional: bool,
    pub confidential: bool,
    pub reporting_organization_id: Option<Uuid>,
}

/// Which observations a reader sees.
#[derive(Clone, Debug)]
pub enum Seen {
    /// Approved, not confidential, of public indicators.
    Public,
    /// Those, and of the indicators these organisations are partners of: every approved
    /// value, and every value they report or own the indicator of.
    PartnerOf(Vec<Uuid>),
}

#[derive(Clone, Debug)]
pub struct ObservationFilter {
    pub seen: Seen,
    pub indicator: Option<Uuid>,
    pub reporting_organization: Option<Uuid>,
    pub organization: Option<Uuid>,
    pub area_kind: Option<String>,
    pub area_code: Option<String>,
    pub value_type: Option<String>,
    pub status: Option<String>,
    /// Periods that end on or after this day.
    pub period_from: Option<NaiveDate>,
    /// Periods that start on or before this day.
    pub period_to: Option<NaiveDate>,
    pub updated_since: Option<DateTime<Utc>>,
    pub after: Option<Uuid>,
    pub limit: i64,
}

type Joined = diesel::dsl::InnerJoinQuerySource<observations::table, indicators::table>;

fn public_value() -> IndicatorTest<Joined> {
    Box::new(diesel::dsl::sql::<Bool>(
        "(observations.status = 'approved' AND NOT observations.confidential AND indicators.visibility = 'public')",
    ))
}

fn seen_by_partners(orgs: &[Uuid]) -> IndicatorTest<Joined> {
    let own = diesel::dsl::sql::<Bool>("(observations.status = 'approved' OR indicators.owner_organization_id = ANY(")
        .bind::<Array<SqlUuid>, _>(orgs.to_vec())
        .sql(") OR observations.reporting_organization_id = ANY(")
        .bind::<Array<SqlUuid>, _>(orgs.to_vec())
        .sql("))");
    Box::new(partner_of::<Joined>(orgs).and(own))
}

/// Everything `f` asks of an observation and its indicator, as one condition.
fn matching(f: &ObservationFilter) -> IndicatorTest<Joined> {
    let mut test: IndicatorTest<Joined> = match &f.seen {
        Seen::Public => public_value(),
        Seen::PartnerOf(orgs) => Box::new(public_value().or(seen_by_partners(orgs))),
    };
    if let Some(v) = f.indicator {
        test = Box::new(test.and(observations::indicator_id.eq(v)));
    }
    if let Some(v) = f.reporting_organization {
        test = Box::new(test.and(observations::reporting_organization_id.assume_not_null().eq(v)));
    }
    if let Some(v) = f.organization {
        test = Box::new(test.and(observations::organization_id.assume_not_null().eq(v)));
    }
    if let Some(v) = &f.area_kind {
        test = Box::new(test.and(observations::area_kind.assume_not_null().eq(v.clone())));
    }
    if let Some(v) = &f.area_code {
        test = Box::new(test.and(observations::area_code.assume_not_null().eq(v.clone())));
    }
    if let Some(v) = &f.value_type {
        test = Box::new(test.and(observations::value_type.eq(v.clone())));
    }
    if let Some(v) = &f.status {
        test = Box::new(test.and(observations::status.eq(v.clone())));
    }
    if let Some(v) = f.period_from {
        test = Box::new(test.and(observations::period_end.ge(v)));
    }
    if let Some(v) = f.period_to {
        test = Box::new(test.and(observations::period_start.le(v)));
    }
    if let Some(since) = f.updated_since {
        test = Box::new(test.and(observations::updated_at.ge(since)));
    }
    if let Some(after) = f.after {
        test = Box::new(test.and(observations::id.gt(after)));
    }
    test
}

/// A value with what lists and exports show of its indicator.
#[derive(Clone, Debug, Queryable)]
pub struct ListedObservationRow {
    pub observation: ObservationRow,
    pub code: String,
    pub unit: Option<String>,
    pub decimals: i16,
}

/// The values `f` selects after `f.after`, in id order, at most `f.limit`, with their
/// indicators' codes, units and decimals: a list page or an export batch.
pub async fn list(conn: &mut Conn, f: &ObservationFilter) -> QueryResult<Vec<ListedObservationRow>> {
    observations::table
        .inner_join(indicators::table)
        .select((select_list::<ObservationRow>()?, indicators::code, indicators::unit, indicators::decimals))
        .filter(matching(f))
        .order(observations::id)
        .limit(f.limit)
        .into_boxed()
        .load(conn)
        .await
}

#[derive(Clone, Debug, QueryableByName)]
pub struct ExportState {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub rows: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    pub last_update: Option<DateTime<Utc>>,
}

/// How many values `f` selects and when the newest of them changed: with the removals' newest
/// position, what an export's ETag is made of.
pub async fn export_state(conn: &mut Conn, f: &ObservationFilter) -> QueryResult<(i64, Option<DateTime<Utc>>)> {
    let (rows, last): (i64, Option<DateTime<Utc>>) = observations::table
        .inner_join(indicators::table)
        .select((diesel::dsl::count_star(), diesel::dsl::max(observations::updated_at)))
        .filter(matching(f))
        .into_boxed()
        .get_result(conn)
        .await?;
    Ok((rows, last))
}

/// The newest removal of a value or an indicator (0 when there is none).
pub async fn latest_removal(conn: &mut Conn) -> QueryResult<i64> {
    use crate::repo::schema::changes;
    let latest: Option<i64> = changes::table
        .filter(changes::op.eq("delete"))
        .filter(changes::resource_type.eq_any(["observation", "indicator"]))
        .select(diesel::dsl::max(changes::seq))
        .get_result(conn)
        .await?;
    Ok(latest.unwrap_or(0))
}

/// The approved values of one indicator for a time series, oldest period first (at most
/// `limit`).
pub async fn series(
    conn: &mut Conn,
    indicator: Uuid,
    f: &ObservationFilter,
    limit: i64,
) -> QueryResult<Vec<ObservationRow>> {
    let mut query = observations::table
        .filter(observations::indicator_id.eq(indicator))
        .filter(observations::status.eq("approved"))
        .select(select_list::<ObservationRow>()?)
        .into_boxed();
    if matches!(f.seen, Seen::Public) {
        query = query.filter(observations::confidential.eq(false));
    }
    query = match &f.area_kind {
        Some(kind) => query.filter(observations::area_kind.eq(kind.clone())),
        None => query.filter(observations::area_kind.is_null()),
    };
    query = match &f.area_code {
        Some(code) => query.filter(observations::area_code.eq(code.clone())),
        None => query.filter(observations::area_code.is_null()),
    };
    query = match f.organization {
        Some(org) => query.filter(observations::organization_id.eq(org)),
        None => query.filter(observations::organization_id.is_null()),
    };
    query = query.filter(observations::sex.is_null()).filter(observations::age_group.is_null());
    if let Some(v) = f.period_from {
        query = query.filter(observations::period_end.ge(v));
    }
    if let Some(v) = f.period_to {
        query = query.filter(observations::period_start.le(v));
    }
    query
        .order((observations::period_start, observations::period_end, observations::value_type))
        .limit(limit)
        .load(conn)
        .await
}

pub async fn get(conn: &mut Conn, id: Uuid) -> QueryResult<Option<ObservationRow>> {
    observations::table.find(id).select(select_list::<ObservationRow>()?).first(conn).await.optional()
}

pub async fn lock(conn: &mut Conn, id: Uuid) -> QueryResult<Option<ObservationRow>> {
    observations::table.find(id).select(ObservationRow::as_select()).for_update().first(conn).await.optional()
}

/// The observation with this natural key, locked.
pub async fn lock_by_key(conn: &mut Conn, key: &ObservationWrite) -> QueryResult<Option<ObservationRow>> {
    observations::table
        .filter(observations::indicator_id.eq(key.indicator_id))
        .filter(observations::value_type.eq(&key.value_type))
        .filter(observations::period_code.eq(&key.period_code))
        .filter(observations::area_kind.is_not_distinct_from(key.area_kind.clone()))
        .filter(observations::area_code.is_not_distinct_from(key.area_code.clone()))
        .filter(observations::organization_id.is_not_distinct_from(key.organization_id))
        .filter(observations::sex.is_not_distinct_from(key.sex.clone()))
        .filter(observations::age_group.is_not_distinct_from(key.age_group.clone()))
        .select(ObservationRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn insert(conn: &mut Conn, id: Uuid, row: &ObservationWrite) -> QueryResult<ObservationRow> {
    diesel::insert_into(observations::table)
        .values((observations::id.eq(id), row))
        .returning(ObservationRow::as_returning())
        .get_result(conn)
        .await
}

/// Writes new values; a changed value is a draft again, to be submitted and approved anew.
pub async fn correct(conn: &mut Conn, id: Uuid, row: &ObservationWrite) -> QueryResult<ObservationRow> {
    diesel::update(observations::table.find(id))
        .set((
            row,
            observations::status.eq("draft"),
            observations::status_comment.eq(None::<String>),
            observations::submitted_by.eq(None::<Uuid>),
            observations::reviewed_by.eq(None::<Uuid>),
            observations::updated_at.eq(diesel::dsl::now),
        ))
        .returning(ObservationRow::as_returning())
        .get_result(conn)
        .await
}

/// Moves the observation to `status`, recording who submitted or reviewed it.
pub async fn transition(
    conn: &mut Conn,
    id: Uuid,
    status: &str,
    comment: Option<&str>,
    submitted_by: Option<Uuid>,
    reviewed_by: Option<Uuid>,
) -> QueryResult<ObservationRow> {
    diesel::update(observations::table.find(id))
        .set((
            observations::status.eq(status),
            observations::status_comment.eq(comment),
            observations::submitted_by.eq(submitted_by),
            observations::reviewed_by.eq(reviewed_by),
            observations::updated_at.eq(diesel::dsl::now),
        ))
        .returning(ObservationRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn delete(conn: &mut Conn, id: Uuid) -> QueryResult<usize> {
    diesel::delete(observations::table.find(id)).execute(conn).await
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = observation_history, check_for_backend(diesel::pg::Pg))]
pub struct HistoryRow {
    pub observation_id: Uuid,
    pub version: i64,
    pub snapshot: serde_json::Value,
    pub changed_at: DateTime<Utc>,
}

pub async fn record_history(conn: &mut Conn, row: &HistoryRow) -> QueryResult<()> {
    diesel::insert_into(observation_history::table).values(row).execute(conn).await.map(drop)
}

/// The versions made at or after `since`, oldest first, after `after`.
pub async fn history(
    conn: &mut Conn,
    id: Uuid,
    since: Option<DateTime<Utc>>,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<HistoryRow>> {
    let mut query = observation_history::table
        .filter(observation_history::observation_id.eq(id))
        .select(HistoryRow::as_select())
        .into_boxed();
    if let Some(since) = since {
        query = query.filter(observation_history::changed_at.ge(since));
    }
    if let Some(after) = after {
        query = query.filter(observation_history::version.gt(after));
    }
    query.order(observation_history::version).limit(limit).load(conn).await
}

pub async fn count_of_indicator(conn: &mut Conn, indicator: Uuid) -> QueryResult<i64> {
    observations::table.filter(observations::indicator_id.eq(indicator)).count().get_result(conn).await
}

/// One value of an imported indicator: an approved `actual` without a reporter.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportedValue {
    pub period_code: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub area_kind: Option<String>,
    pub area_code: Option<String>,
    pub sex: Option<String>,
    pub value: Decimal,
}

/// Upserts imported values by natural key (each key once); returns how many were inserted or
/// changed (an unchanged value is not touched).
pub async fn upsert_imported(conn: &mut Conn, indicator: Uuid, rows: &[ImportedValue]) -> QueryResult<i64> {
    use diesel::sql_types::{Date, Nullable, Numeric, Text};
    #[derive(QueryableByName)]
    struct Written {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        written: i64,
    }
    let column = |f: fn(&ImportedValue) -> Option<String>| rows.iter().map(f).collect::<Vec<_>>();
    let written: Written = diesel::sql_query(
        "WITH written AS (
             INSERT INTO observations AS o (id, indicator_id, value_type, period_code, period_start, period_end,
                                            area_kind, area_code, sex, value, status)
             SELECT gen_random_uuid(), $1, 'actual', r.period_code, r.period_start, r.period_end,
                    r.area_kind, r.area_code, r.sex, r.value, 'approved'
             FROM unnest($2::text[], $3::date[], $4::date[], $5::text[], $6::text[], $7::text[], $8::numeric[])
                  AS r(period_code, period_start, period_end, area_kind, area_code, sex, value)
             ON CONFLICT ON CONSTRAINT observations_natural_key DO UPDATE
                SET value = EXCLUDED.value, updated_at = now()
              WHERE o.value IS DISTINCT FROM EXCLUDED.value
             RETURNING 1)
         SELECT count(*) AS written FROM written",
    )
    .bind::<SqlUuid, _>(indicator)
    .bind::<Array<Text>, _>(rows.iter().map(|r| r.period_code.clone()).collect::<Vec<_>>())
    .bind::<Array<Date>, _>(rows.iter().map(|r| r.period_start).collect::<Vec<_>>())
    .bind::<Array<Date>, _>(rows.iter().map(|r| r.period_end).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(column(|r| r.area_kind.clone()))
    .bind::<Array<Nullable<Text>>, _>(column(|r| r.area_code.clone()))
    .bind::<Array<Nullable<Text>>, _>(column(|r| r.sex.clone()))
    .bind::<Array<Numeric>, _>(rows.iter().map(|r| r.value).collect::<Vec<_>>())
    .get_result(conn)
    .await?;
    Ok(written.written)
}
