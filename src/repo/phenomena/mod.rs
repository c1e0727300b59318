//! Phenomenon reports (ilmiöraportit), their themes, and the counts for maps.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Date, Nullable, Text, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::Conn;
use crate::repo::JsonText;
use crate::repo::schema::{phenomena, phenomenon_themes};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = phenomena, check_for_backend(diesel::pg::Pg))]
pub struct PhenomenonRow {
    pub id: Uuid,
    #[diesel(embed)]
    pub written: PhenomenonWrite,
    pub reporter_organization_id: Uuid,
    pub reported_by: Option<Uuid>,
    pub status: String,
    pub response: Option<JsonText>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// What the reporter writes; `None` writes NULL.
#[derive(Clone, Debug, Insertable, AsChangeset, Queryable, Selectable)]
#[diesel(table_name = phenomena, treat_none_as_null = true, check_for_backend(diesel::pg::Pg))]
pub struct PhenomenonWrite {
    pub theme: String,
    pub description: JsonText,
    pub municipality_code: String,
    pub postal_code: Option<String>,
    pub venue_id: Option<Uuid>,
    pub observed_from: NaiveDate,
    pub observed_to: NaiveDate,
    pub people_concerned: Option<i32>,
    pub responsible_organization_id: Option<Uuid>,
}

#[derive(Clone, Debug, Default)]
pub struct PhenomenonFilter {
    pub theme: Option<String>,
    pub municipality: Option<String>,
    pub status: Option<String>,
    pub reporter: Option<Uuid>,
    pub responsible: Option<Uuid>,
    /// Observed on or after this day (the period's end).
    pub from: Option<NaiveDate>,
    /// Observed before this day (the period's start).
    pub to: Option<NaiveDate>,
    pub updated_since: Option<DateTime<Utc>>,
    pub after: Option<Uuid>,
    pub limit: i64,
}

pub async fn get(conn: &mut Conn, id: Uuid) -> QueryResult<Option<PhenomenonRow>> {
    phenomena::table.find(id).select(PhenomenonRow::as_select()).first(conn).await.optional()
}

/// Which of these reports exist.
pub async fn existing(conn: &mut Conn, ids: &[Uuid]) -> QueryResult<Vec<Uuid>> {
    phenomena::table.filter(phenomena::id.eq_any(ids)).select(phenomena::id).load(conn).await
}

pub async fn lock(conn: &mut Conn, id: Uuid) -> QueryResult<Option<PhenomenonRow>> {
    phenomena::table.find(id).select(PhenomenonRow::as_select()).for_update().first(conn).await.optional()
}

pub async fn list(conn: &mut Conn, f: &PhenomenonFilter) -> QueryResult<Vec<PhenomenonRow>> {
    let mut query = phenomena::table.select(PhenomenonRow::as_select()).into_boxed();
    if let Some(v) = &f.theme {
        query = query.filter(phenomena::theme.eq(v.clone()));
    }
    if let Some(v) = &f.municipality {
        query = query.filter(phenomena::municipality_code.eq(v.clone()));
    }
    if let Some(v) = &f.status {
        query = query.filter(phenomena::status.eq(v.clone()));
    }
    if let Some(v) = f.reporter {
        query = query.filter(phenomena::reporter_organization_id.eq(v));
    }
    if let Some(v) = f.responsible {
        query = query.filter(phenomena::responsible_organization_id.eq(v));
    }
    if let Some(v) = f.from {
        query = query.filter(phenomena::observed_to.ge(v));
    }
    if let Some(v) = f.to {
        query = query.filter(phenomena::observed_from.lt(v));
    }
    if let Some(v) = f.updated_since {
        query = query.filter(phenomena::updated_at.ge(v));
    }
    if let Some(after) = f.after {
        query = query.filter(phenomena::id.gt(after));
    }
    query.order(phenomena::id).limit(f.limit).load(conn).await
}

pub async fn insert(
    conn: &mut Conn,
    id: Uuid,
    reporter: Uuid,
    reported_by: Option<Uuid>,
    row: &PhenomenonWrite,
) -> QueryResult<PhenomenonRow> {
    diesel::insert_into(phenomena::table)
        .values((
            phenomena::id.eq(id),
            phenomena::reporter_organization_id.eq(reporter),
            phenomena::reported_by.eq(reported_by),
            row,
        ))
        .returning(PhenomenonRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn update(conn: &mut Conn, id: Uuid, row: &PhenomenonWrite) -> QueryResult<PhenomenonRow> {
    diesel::update(phenomena::table.find(id))
        .set((row, phenomena::updated_at.eq(diesel::dsl::now)))
        .returning(PhenomenonRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn set_status(
    conn: &mut Conn,
    id: Uuid,
    status: &str,
    response: Option<JsonText>,
) -> QueryResult<PhenomenonRow> {
    diesel::update(phenomena::table.find(id))
        .set((
            phenomena::status.eq(status),
            phenomena::response.eq(response),
            phenomena::updated_at.eq(diesel::dsl::now),
        ))
        .returning(PhenomenonRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn delete(conn: &mut Conn, id: Uuid) -> QueryResult<usize> {
    diesel::delete(phenomena::table.find(id)).execute(conn).await
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = phenomenon_themes, check_for_backend(diesel::pg::Pg))]
pub struct ThemeRow {
    pub code: String,
    pub name: JsonText,
}

pub async fn themes(conn: &mut Conn) -> QueryResult<Vec<ThemeRow>> {
    phenomenon_themes::table.select(ThemeRow::as_select()).order(phenomenon_themes::code).load(conn).await
}

pub async fn theme_exists(conn: &mut Conn, code: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(phenomenon_themes::table.filter(phenomenon_themes::code.eq(code))))
        .get_result(conn)
        .await
}

pub async fn insert_theme(conn: &mut Conn, row: &ThemeRow) -> QueryResult<ThemeRow> {
    diesel::insert_into(phenomenon_themes::table).values(row).returning(ThemeRow::as_returning()).get_result(conn).await
}

/// One group of the summary; `own` says every report in it is by the reader's organisations.
#[derive(Clone, Debug, QueryableByName)]
pub struct SummaryRow {
    #[diesel(sql_type = Nullable<Text>)]
    pub theme: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub municipality: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub month: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub count: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub people_concerned: Option<i64>,
    #[diesel(sql_type = Bool)]
    pub own: bool,
}

/// What the summary groups by and counts.
#[derive(Clone, Debug)]
pub struct SummaryQuery {
    pub by_theme: bool,
    pub by_municipality: bool,
    pub by_month: bool,
    pub readers: Vec<Uuid>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub theme: Option<String>,
    pub municipality: Option<String>,
    pub limit: i64,
}

/// Reports observed from `from` (inclusive) to `to` (exclusive), counted per group, by the
/// month they were first observed in.
pub async fn summary(conn: &mut Conn, q: &SummaryQuery) -> QueryResult<Vec<SummaryRow>> {
    diesel::sql_query(
        "SELECT CASE WHEN $1 THEN theme END AS theme,
                CASE WHEN $2 THEN municipality_code END AS municipality,
                CASE WHEN $3 THEN to_char(observed_from, 'YYYY-MM') END AS month,
                count(*) AS count, sum(people_concerned) AS people_concerned,
                bool_and(reporter_organization_id = ANY($4)) AS own
         FROM phenomena
         WHERE observed_from >= $5 AND observed_from < $6
           AND ($7::text IS NULL OR theme = $7) AND ($8::text IS NULL OR municipality_code = $8)
         GROUP BY 1, 2, 3
         ORDER BY 1, 2, 3
         LIMIT $9",
    )
    .bind::<Bool, _>(q.by_theme)
    .bind::<Bool, _>(q.by_municipality)
    .bind::<Bool, _>(q.by_month)
    .bind::<Array<SqlUuid>, _>(q.readers.clone())
    .bind::<Date, _>(q.from)
    .bind::<Date, _>(q.to)
    .bind::<Nullable<Text>, _>(q.theme.clone())
    .bind::<Nullable<Text>, _>(q.municipality.clone())
    .bind::<BigInt, _>(q.limit)
    .load(conn)
    .await
}
