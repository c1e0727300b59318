//! Cost items of event series.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::Conn;
use crate::repo::JsonText;
use crate::repo::schema::event_series_cost_items as items;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = items, check_for_backend(diesel::pg::Pg))]
pub struct CostItemRow {
    pub id: Uuid,
    pub series_id: Uuid,
    #[diesel(embed)]
    pub written: CostItemWrite,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

#[derive(Clone, Debug, Insertable, AsChangeset, Queryable, Selectable)]
#[diesel(table_name = items, treat_none_as_null = true, check_for_backend(diesel::pg::Pg))]
pub struct CostItemWrite {
    pub category: String,
    pub basis: String,
    pub amount_cents: i64,
    pub shares: JsonText,
    pub description: Option<String>,
    pub agreed_by: Vec<Option<Uuid>>,
}

pub async fn of_series(conn: &mut Conn, series_id: Uuid) -> QueryResult<Vec<CostItemRow>> {
    items::table
        .filter(items::series_id.eq(series_id))
        .select(CostItemRow::as_select())
        .order(items::id)
        .load(conn)
        .await
}

/// A page of a series' cost items in id order after `after`.
pub async fn page_of_series(
    conn: &mut Conn,
    series_id: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<CostItemRow>> {
    let mut query = items::table.filter(items::series_id.eq(series_id)).select(CostItemRow::as_select()).into_boxed();
    if let Some(after) = after {
        query = query.filter(items::id.gt(after));
    }
    query.order(items::id).limit(limit).load(conn).await
}

/// How many cost items the series has.
pub async fn count_of_series(conn: &mut Conn, series_id: Uuid) -> QueryResult<i64> {
    items::table.filter(items::series_id.eq(series_id)).count().get_result(conn).await
}

pub async fn get(conn: &mut Conn, series_id: Uuid, id: Uuid) -> QueryResult<Option<CostItemRow>> {
    items::table
        .filter(items::series_id.eq(series_id))
        .filter(items::id.eq(id))
        .select(CostItemRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn lock(conn: &mut Conn, series_id: Uuid, id: Uuid) -> QueryResult<Option<CostItemRow>> {
    items::table
        .filter(items::series_id.eq(series_id))
        .filter(items::id.eq(id))
        .select(CostItemRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn insert(conn: &mut Conn, id: Uuid, series_id: Uuid, row: &CostItemWrite) -> QueryResult<CostItemRow> {
    diesel::insert_into(items::table)
        .values((items::id.eq(id), items::series_id.eq(series_id), row))
        .returning(CostItemRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn update(conn: &mut Conn, id: Uuid, row: &CostItemWrite) -> QueryResult<CostItemRow> {
    diesel::update(items::table.find(id)).set(row).returning(CostItemRow::as_returning()).get_result(conn).await
}

pub async fn delete(conn: &mut Conn, id: Uuid) -> QueryResult<usize> {
    diesel::delete(items::table.find(id)).execute(conn).await
}
