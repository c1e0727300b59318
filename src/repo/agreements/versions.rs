//! Frozen agreement versions and their append-only signatures.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::Conn;
use crate::repo::JsonText;
use crate::repo::schema::{agreement_seals, agreement_signatures, agreement_versions};

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = agreement_versions, check_for_backend(diesel::pg::Pg))]
pub struct VersionRow {
    pub agreement_id: Uuid,
    pub number: i32,
    pub snapshot: serde_json::Value,
    pub content_hash: String,
    pub rationale: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The parties' contact persons at the time, kept beside the signed snapshot.
    pub party_contacts: JsonText,
    /// The organisations whose signatures put the version in force.
    pub required_signers: Vec<Option<Uuid>>,
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

/// A page of an agreement's versions in number order, after `after`.
pub async fn versions(
    conn: &mut Conn,
    id: Uuid,
    since: Option<DateTime<Utc>>,
    after: Option<i32>,
    limit: i64,
) -> QueryResult<Vec<VersionRow>> {
    let mut query = agreement_versions::table
        .filter(agreement_versions::agreement_id.eq(id))
        .select(VersionRow::as_select())
        .into_boxed();
    if let Some(since) = since {
        query = query.filter(agreement_versions::created_at.ge(since));
    }
    if let Some(after) = after {
        query = query.filter(agreement_versions::number.gt(after));
    }
    query.order(agreement_versions::number).limit(limit).load(conn).await
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

/// The signatures of these versions of an agreement.
pub async fn signatures_of(conn: &mut Conn, id: Uuid, versions: &[i32]) -> QueryResult<Vec<SignatureRow>> {
    agreement_signatures::table
        .filter(agreement_signatures::agreement_id.eq(id))
        .filter(agreement_signatures::version.eq_any(versions))
        .order((agreement_signatures::version, agreement_signatures::signed_at))
        .select(SignatureRow::as_select())
        .load(conn)
        .await
}

pub async fn insert_signature(conn: &mut Conn, row: &SignatureRow) -> QueryResult<usize> {
    diesel::insert_into(agreement_signatures::table).values(row).execute(conn).await
}

/// Keeps the platform's seal of a version that entered into force.
pub async fn insert_seal(conn: &mut Conn, id: Uuid, version: i32, seal: &str) -> QueryResult<usize> {
    diesel::insert_into(agreement_seals::table)
        .values((
            agreement_seals::agreement_id.eq(id),
            agreement_seals::version.eq(version),
            agreement_seals::seal.eq(seal),
        ))
        .execute(conn)
        .await
}

/// The seals of these versions, by version number.
pub async fn seals_of(conn: &mut Conn, id: Uuid, versions: &[i32]) -> QueryResult<Vec<(i32, String)>> {
    agreement_seals::table
        .filter(agreement_seals::agreement_id.eq(id))
        .filter(agreement_seals::version.eq_any(versions))
        .select((agreement_seals::version, agreement_seals::seal))
        .load(conn)
        .await
}

/// The organisations each of these agreements concerns (`agreement_concerned_organizations`):
/// parties now, parties of the version in force, required signers of a version being signed.
pub async fn concerned_organizations(conn: &mut Conn, ids: &[Uuid]) -> QueryResult<Vec<(Uuid, Uuid)>> {
    #[derive(QueryableByName)]
    struct Concerned {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        agreement_id: Uuid,
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        organization_id: Uuid,
    }
    let rows: Vec<Concerned> = diesel::sql_query(
        "SELECT agreement_id, organization_id FROM agreement_concerned_organizations WHERE agreement_id = ANY($1)",
    )
    .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(ids.to_vec())
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.agreement_id, r.organization_id)).collect())
}

/// Whether any party has signed any version of the agreement.
pub async fn any_signature(conn: &mut Conn, agreement_id: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        agreement_signatures::table.filter(agreement_signatures::agreement_id.eq(agreement_id)),
    ))
    .get_result(conn)
    .await
}
