//! Indicator definitions (mittarit), their versions, and the values reported for them
//! (`observations`).

pub mod derived;
pub mod observations;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::Conn;
use crate::repo::schema::{indicator_versions, indicators};
use crate::repo::{JsonText, select_list};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = indicators, check_for_backend(diesel::pg::Pg))]
pub struct IndicatorRow {
    pub id: Uuid,
    #[diesel(embed)]
    pub written: IndicatorWrite,
    pub source: String,
    pub derivation: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// The writable fields; `None` writes NULL.
#[derive(Clone, Debug, Insertable, AsChangeset, Queryable, Selectable)]
#[diesel(table_name = indicators, treat_none_as_null = true, check_for_backend(diesel::pg::Pg))]
pub struct IndicatorWrite {
    pub code: String,
    pub title: JsonText,
    pub description: Option<JsonText>,
    pub interpretation: Option<JsonText>,
    pub limitations: Option<JsonText>,
    pub kind: String,
    pub measure: String,
    pub unit: Option<String>,
    pub decimals: i16,
    pub rate_per: Option<i32>,
    pub direction: String,
    pub aggregation: String,
    pub periodicity: String,
    pub dimensions: Vec<Option<String>>,
    pub owner_organization_id: Option<Uuid>,
    pub agreement_ids: Vec<Option<Uuid>>,
    pub external_references: JsonText,
    pub attribution: Option<String>,
    pub licence: Option<String>,
    pub visibility: String,
    pub locked_through: Option<NaiveDate>,
}

/// Whose indicators a list may show.
#[derive(Clone, Debug)]
pub enum Readable {
    /// Public ones only.
    Public,
    /// Public ones, and the partner indicators of these organisations: those they own, and
    /// those linked to an agreement they are party to.
    PartnerOf(Vec<Uuid>),
}

#[derive(Clone, Debug)]
pub struct IndicatorFilter {
    pub readable: Readable,
    pub owner: Option<Uuid>,
    pub agreement: Option<Uuid>,
    pub visibility: Option<String>,
    pub measure: Option<String>,
    pub source: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
    pub after: Option<Uuid>,
    pub limit: i64,
}

/// A condition on `indicators` in a query over `QS`.
pub type IndicatorTest<QS> = Box<dyn BoxableExpression<QS, diesel::pg::Pg, SqlType = Bool>>;

/// `indicators` rows the organisations are partners of.
pub fn partner_of<QS>(orgs: &[Uuid]) -> IndicatorTest<QS> {
    Box::new(
        diesel::dsl::sql::<Bool>("(indicators.owner_organization_id = ANY(")
            .bind::<Array<SqlUuid>, _>(orgs.to_vec())
            .sql(
                ") OR indicators.agreement_ids && ARRAY(SELECT agreement_id FROM agreement_parties \
                 WHERE organization_id = ANY(",
            )
            .bind::<Array<SqlUuid>, _>(orgs.to_vec())
            .sql(")))"),
    )
}

pub async fn get(conn: &mut Conn, id: Uuid) -> QueryResult<Option<IndicatorRow>> {
    indicators::table.find(id).select(select_list::<IndicatorRow>()?).first(conn).await.optional()
}

/// The indicator with this code, locked.
pub async fn by_code(conn: &mut Conn, code: &str) -> QueryResult<Option<IndicatorRow>> {
    indicators::table
        .filter(indicators::code.eq(code))
        .select(IndicatorRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn lock(conn: &mut Conn, id: Uuid) -> QueryResult<Option<IndicatorRow>> {
    indicators::table.find(id).select(IndicatorRow::as_select()).for_update().first(conn).await.optional()
}

pub async fn list(conn: &mut Conn, f: &IndicatorFilter) -> QueryResult<Vec<IndicatorRow>> {
    let mut query = indicators::table.select(select_list::<IndicatorRow>()?).into_boxed();
    query = match &f.readable {
        // A literal, so that a generic plan can use the partial index.
        Readable::Public => query.filter(diesel::dsl::sql::<Bool>("indicators.visibility = 'public'")),
        Readable::PartnerOf(orgs) => {
            query.filter(diesel::dsl::sql::<Bool>("indicators.visibility = 'public'").or(partner_of(orgs)))
        }
    };
    if let Some(owner) = f.owner {
        query = query.filter(indicators::owner_organization_id.eq(owner));
    }
    if let Some(agreement) = f.agreement {
        query = query.filter(indicators::agreement_ids.contains(vec![Some(agreement)]));
    }
    if let Some(v) = &f.visibility {
        query = query.filter(indicators::visibility.eq(v.clone()));
    }
    if let Some(m) = &f.measure {
        query = query.filter(indicators::measure.eq(m.clone()));
    }
    if let Some(s) = &f.source {
        query = query.filter(indicators::source.eq(s.clone()));
    }
    if let Some(since) = f.updated_since {
        query = query.filter(indicators::updated_at.ge(since));
    }
    if let Some(after) = f.after {
        query = query.filter(indicators::id.gt(after));
    }
    query.order(indicators::id).limit(f.limit).load(conn).await
}

/// Whether the organisations are partners of the indicator.
pub async fn is_partner(conn: &mut Conn, id: Uuid, orgs: &[Uuid]) -> QueryResult<bool> {
    if orgs.is_empty() {
        return Ok(false);
    }
    let found: Option<Uuid> = indicators::table
        .select(indicators::id)
        .into_boxed()
        .filter(indicators::id.eq(id))
        .filter(partner_of(orgs))
        .first(conn)
        .await
        .optional()?;
    Ok(found.is_some())
}

/// Which of these agreements have `organization` as a party.
pub async fn agreements_with_party(conn: &mut Conn, agreements: &[Uuid], organization: Uuid) -> QueryResult<Vec<Uuid>> {
    use crate::repo::schema::agreement_parties as p;
    p::table
        .filter(p::agreement_id.eq_any(agreements.to_vec()))
        .filter(p::organization_id.eq(organization))
        .select(p::agreement_id)
        .load(conn)
        .await
}

pub async fn insert(conn: &mut Conn, id: Uuid, row: &IndicatorWrite) -> QueryResult<IndicatorRow> {
    diesel::insert_into(indicators::table)
        .values((indicators::id.eq(id), row))
        .returning(IndicatorRow::as_returning())
        .get_result(conn)
        .await
}

/// An indicator the platform keeps (`source` platform or sotkanet).
pub async fn insert_kept(
    conn: &mut Conn,
    id: Uuid,
    source: &str,
    derivation: Option<&str>,
    row: &IndicatorWrite,
) -> QueryResult<IndicatorRow> {
    diesel::insert_into(indicators::table)
        .values((indicators::id.eq(id), indicators::source.eq(source), indicators::derivation.eq(derivation), row))
        .returning(IndicatorRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn update(conn: &mut Conn, id: Uuid, row: &IndicatorWrite) -> QueryResult<IndicatorRow> {
    diesel::update(indicators::table.find(id))
        .set((row, indicators::updated_at.eq(diesel::dsl::now)))
        .returning(IndicatorRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn delete(conn: &mut Conn, id: Uuid) -> QueryResult<usize> {
    diesel::delete(indicators::table.find(id)).execute(conn).await
}

/// One version of a definition, as the API showed it.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = indicator_versions, check_for_backend(diesel::pg::Pg))]
pub struct IndicatorVersionRow {
    pub indicator_id: Uuid,
    pub version: i64,
    pub definition: serde_json::Value,
    pub changed_at: DateTime<Utc>,
}

pub async fn record_version(conn: &mut Conn, row: &IndicatorVersionRow) -> QueryResult<()> {
    diesel::insert_into(indicator_versions::table).values(row).execute(conn).await.map(drop)
}

/// The versions made at or after `since`, oldest first, after `after`.
pub async fn versions(
    conn: &mut Conn,
    id: Uuid,
    since: Option<DateTime<Utc>>,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<IndicatorVersionRow>> {
    let mut query = indicator_versions::table
        .filter(indicator_versions::indicator_id.eq(id))
        .select(IndicatorVersionRow::as_select())
        .into_boxed();
    if let Some(since) = since {
        query = query.filter(indicator_versions::changed_at.ge(since));
    }
    if let Some(after) = after {
        query = query.filter(indicator_versions::version.gt(after));
    }
    query.order(indicator_versions::version).limit(limit).load(conn).await
}
