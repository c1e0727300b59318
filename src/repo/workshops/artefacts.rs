//! A workshop's artefacts: client paths and collaboration flowcharts as ordered steps.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::Conn;
use crate::repo::JsonText;
use crate::repo::schema::workshop_artefacts;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = workshop_artefacts, check_for_backend(diesel::pg::Pg))]
pub struct ArtefactRow {
    pub id: Uuid,
    pub workshop_id: Uuid,
    #[diesel(embed)]
    pub written: ArtefactWrite,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

#[derive(Clone, Debug, Insertable, AsChangeset, Queryable, Selectable)]
#[diesel(table_name = workshop_artefacts, check_for_backend(diesel::pg::Pg))]
pub struct ArtefactWrite {
    pub kind: String,
    pub title: JsonText,
    pub steps: JsonText,
}

pub async fn list(conn: &mut Conn, workshop: Uuid) -> QueryResult<Vec<ArtefactRow>> {
    workshop_artefacts::table
        .filter(workshop_artefacts::workshop_id.eq(workshop))
        .select(ArtefactRow::as_select())
        .order(workshop_artefacts::id)
        .load(conn)
        .await
}

pub async fn count(conn: &mut Conn, workshop: Uuid) -> QueryResult<i64> {
    workshop_artefacts::table.filter(workshop_artefacts::workshop_id.eq(workshop)).count().get_result(conn).await
}

pub async fn get(conn: &mut Conn, workshop: Uuid, id: Uuid) -> QueryResult<Option<ArtefactRow>> {
    workshop_artefacts::table
        .filter(workshop_artefacts::workshop_id.eq(workshop))
        .filter(workshop_artefacts::id.eq(id))
        .select(ArtefactRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn lock(conn: &mut Conn, workshop: Uuid, id: Uuid) -> QueryResult<Option<ArtefactRow>> {
    workshop_artefacts::table
        .filter(workshop_artefacts::workshop_id.eq(workshop))
        .filter(workshop_artefacts::id.eq(id))
        .select(ArtefactRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn insert(conn: &mut Conn, workshop: Uuid, id: Uuid, row: &ArtefactWrite) -> QueryResult<ArtefactRow> {
    diesel::insert_into(workshop_artefacts::table)
        .values((workshop_artefacts::id.eq(id), workshop_artefacts::workshop_id.eq(workshop), row))
        .returning(ArtefactRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn update(conn: &mut Conn, id: Uuid, row: &ArtefactWrite) -> QueryResult<ArtefactRow> {
    diesel::update(workshop_artefacts::table.find(id))
        .set((row, workshop_artefacts::updated_at.eq(diesel::dsl::now)))
        .returning(ArtefactRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn delete(conn: &mut Conn, id: Uuid) -> QueryResult<usize> {
    diesel::delete(workshop_artefacts::table.find(id)).execute(conn).await
}
