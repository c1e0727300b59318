//! Queries on the area register.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::db::Conn;
use crate::repo::JsonText;
use crate::repo::schema::areas;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = areas, check_for_backend(diesel::pg::Pg))]
pub struct AreaRow {
    pub kind: String,
    pub code: String,
    pub name: JsonText,
    pub wellbeing_county_code: Option<String>,
    pub short_id: Option<String>,
    pub sotkanet_region_id: Option<i32>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Clone, Debug)]
pub struct AreaFilter {
    pub kind: Option<String>,
    /// Lower-case name prefix (LIKE wildcards already escaped) or exact code.
    pub name_prefix: Option<String>,
    pub wellbeing_county_code: Option<String>,
    /// Only areas valid on this day; (kind, code) is unique among them.
    pub valid_on: NaiveDate,
    pub updated_since: Option<chrono::DateTime<chrono::Utc>>,
    /// Continue after this (kind, code) in (kind, code) order.
    pub after: Option<(String, String)>,
    pub limit: i64,
}

fn valid_on(
    day: NaiveDate,
) -> Box<dyn BoxableExpression<areas::table, diesel::pg::Pg, SqlType = diesel::sql_types::Bool>> {
    Box::new(areas::valid_from.le(day).and(areas::valid_to.is_null().or(areas::valid_to.gt(day)).assume_not_null()))
}

pub async fn list(conn: &mut Conn, filter: &AreaFilter) -> QueryResult<Vec<AreaRow>> {
    let mut query = areas::table.select(AreaRow::as_select()).filter(valid_on(filter.valid_on)).into_boxed();
    if let Some(kind) = &filter.kind {
        query = query.filter(areas::kind.eq(kind.clone()));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(areas::updated_at.ge(since));
    }
    if let Some(county) = &filter.wellbeing_county_code {
        query = query.filter(areas::wellbeing_county_code.eq(county.clone()));
    }
    if let Some(prefix) = &filter.name_prefix {
        let pattern = format!("{prefix}%");
        query = query.filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("(lower(areas.name ->> 'fi') LIKE ")
                .bind::<diesel::sql_types::Text, _>(pattern.clone())
                .sql(" OR lower(areas.name ->> 'sv') LIKE ")
                .bind::<diesel::sql_types::Text, _>(pattern)
                .sql(" OR areas.code = ")
                .bind::<diesel::sql_types::Text, _>(prefix.clone())
                .sql(")"),
        );
    }
    if let Some((kind, code)) = &filter.after {
        query = query
            .filter(areas::kind.gt(kind.clone()).or(areas::kind.eq(kind.clone()).and(areas::code.gt(code.clone()))));
    }
    query.order((areas::kind, areas::code)).limit(filter.limit).load(conn).await
}

/// The area with this code that is valid on `day`.
pub async fn get_valid_on(conn: &mut Conn, kind: &str, code: &str, day: NaiveDate) -> QueryResult<Option<AreaRow>> {
    areas::table
        .select(AreaRow::as_select())
        .filter(areas::kind.eq(kind))
        .filter(areas::code.eq(code))
        .filter(valid_on(day))
        .first(conn)
        .await
        .optional()
}

/// Whether the register has the area, at any time (values of past periods name areas that
/// may have merged since).
pub async fn exists(conn: &mut Conn, kind: &str, code: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(areas::table.filter(areas::kind.eq(kind)).filter(areas::code.eq(code))))
        .get_result(conn)
        .await
}

/// `(sotkanet_region_id, kind, code)` of the areas that have a Sotkanet region id.
pub async fn sotkanet_regions(conn: &mut Conn) -> QueryResult<Vec<(i32, String, String)>> {
    areas::table
        .filter(areas::sotkanet_region_id.is_not_null())
        .select((areas::sotkanet_region_id.assume_not_null(), areas::kind, areas::code))
        .distinct()
        .load(conn)
        .await
}

/// Which of `codes` the register has for `kind`, at any time.
pub async fn existing(conn: &mut Conn, kind: &str, codes: &[String]) -> QueryResult<Vec<String>> {
    areas::table
        .filter(areas::kind.eq(kind))
        .filter(areas::code.eq_any(codes))
        .select(areas::code)
        .distinct()
        .load(conn)
        .await
}
