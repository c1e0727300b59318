//! Frozen agreement versions and their append-only signatures.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::Conn;
use crate::repo::schema::{agreement_signatures, agreement_versions};

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = agreement_versions, check_for_backend(diesel::pg::Pg))]
pub struct VersionRow {
    pub agreement_id: Uuid,
    pub number: i32,
    pub snapshot: serde_json::Value,
    pub content_hash: String,
    pub rationale: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = agreement_signatures, check_for_backend(diesel::pg::Pg))]
pub struct SignatureRow {
    pub id: Uuid,
    pub agreement_id: Uuid,
    pub version: i32,
    pub organization_id: Uuid,
    pub content_hash: String,
    pub signatory_name: String,
    pub signatory_title: String,
    pub method: String,
    pub decision_ref: Option<String>,
    pub signed_by: Option<Uuid>,
    pub signed_at: DateTime<Utc>,
}

pub async fn versions(conn: &mut Conn, id: Uuid) -> QueryResult<Vec<VersionRow>> {
    agreement_versions::table
        .filter(agreement_versions::agreement_id.eq(id))
        .order(agreement_versions::number)
        .select(VersionRow::as_select())
        .load(conn)
        .await
}

pub async fn version(conn: &mut Conn, id: Uuid, number: i32) -> QueryResult<Option<VersionRow>> {
    agreement_versions::table.find((id, number)).select(VersionRow::as_select()).first(conn).await.optional()
}

pub async fn latest_number(conn: &mut Conn, id: Uuid) -> QueryResult<Option<i32>> {
    agreement_versions::table
        .filter(agreement_versions::agreement_id.eq(id))
        .select(diesel::dsl::max(agreement_versions::number))
        .first(conn)
        .await
}

pub async fn insert(conn: &mut Conn, row: &VersionRow) -> QueryResult<usize> {
    diesel::insert_into(agreement_versions::table).values(row).execute(conn).await
}

pub async fn signatures(conn: &mut Conn, id: Uuid, number: i32) -> QueryResult<Vec<SignatureRow>> {
    agreement_signatures::table
        .filter(agreement_signatures::agreement_id.eq(id))
        .filter(agreement_signatures::version.eq(number))
        .order(agreement_signatures::signed_at)
        .select(SignatureRow::as_select())
        .load(conn)
        .await
}

/// The signatures of every version of an agreement.
pub async fn all_signatures(conn: &mut Conn, id: Uuid) -> QueryResult<Vec<SignatureRow>> {
    agreement_signatures::table
        .filter(agreement_signatures::agreement_id.eq(id))
        .order((agreement_signatures::version, agreement_signatures::signed_at))
        .select(SignatureRow::as_select())
        .load(conn)
        .await
}

pub async fn insert_signature(conn: &mut Conn, row: &SignatureRow) -> QueryResult<usize> {
    diesel::insert_into(agreement_signatures::table).values(row).execute(conn).await
}
