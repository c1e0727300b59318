//! Workshops (ilmiöpajat, Hukkapaja, Ratkaisupaja): their organisations, linked phenomena,
//! challenges with votes, and artefacts.

pub mod artefacts;
pub mod challenges;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::Conn;
use crate::repo::JsonText;
use crate::repo::schema::{workshop_organizations, workshop_phenomena, workshops};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = workshops, check_for_backend(diesel::pg::Pg))]
pub struct WorkshopRow {
    pub id: Uuid,
    #[diesel(embed)]
    pub written: WorkshopWrite,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// What the organisers write; `None` writes NULL.
#[derive(Clone, Debug, Insertable, AsChangeset, Queryable, Selectable)]
#[diesel(table_name = workshops, treat_none_as_null = true, check_for_backend(diesel::pg::Pg))]
pub struct WorkshopWrite {
    pub kind: String,
    pub title: JsonText,
    pub description: Option<JsonText>,
    pub date: NaiveDate,
    pub venue_id: Option<Uuid>,
    pub network_id: Option<Uuid>,
    pub follows_workshop_id: Option<Uuid>,
    pub client_cases: JsonText,
    pub votes_per_person: i32,
}

/// An organising or participating organisation and whether it has taken its place.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = workshop_organizations, check_for_backend(diesel::pg::Pg))]
pub struct WorkshopOrganizationRow {
    pub workshop_id: Uuid,
    pub organization_id: Uuid,
    pub role: String,
    pub accepted: bool,
    pub position: i32,
}

#[derive(Clone, Debug, Default)]
pub struct WorkshopFilter {
    /// The reader's organisations: workshops listing them or held in their networks.
    pub readers: Vec<Uuid>,
    pub all: bool,
    pub kind: Option<String>,
    pub organization: Option<Uuid>,
    pub network: Option<Uuid>,
    pub phenomenon: Option<Uuid>,
    pub follows: Option<Uuid>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub updated_since: Option<DateTime<Utc>>,
    pub after: Option<Uuid>,
    pub limit: i64,
}

pub async fn get(conn: &mut Conn, id: Uuid) -> QueryResult<Option<WorkshopRow>> {
    workshops::table.find(id).select(WorkshopRow::as_select()).first(conn).await.optional()
}

pub async fn lock(conn: &mut Conn, id: Uuid) -> QueryResult<Option<WorkshopRow>> {
    workshops::table.find(id).select(WorkshopRow::as_select()).for_update().first(conn).await.optional()
}

pub async fn list(conn: &mut Conn, f: &WorkshopFilter) -> QueryResult<Vec<WorkshopRow>> {
    let mut query = workshops::table.select(WorkshopRow::as_select()).into_boxed();
    if !f.all {
        query = query.filter(
            sql::<Bool>("workshop_organization_ids(workshops.id, false) && ")
                .bind::<Array<SqlUuid>, _>(f.readers.clone()),
        );
    }
    if let Some(v) = &f.kind {
        query = query.filter(workshops::kind.eq(v.clone()));
    }
    if let Some(v) = f.organization {
        query = query.filter(
            workshops::id.eq_any(
                workshop_organizations::table
                    .filter(workshop_organizations::organization_id.eq(v))
                    .select(workshop_organizations::workshop_id),
            ),
        );
    }
    if let Some(v) = f.network {
        query = query.filter(workshops::network_id.eq(v));
    }
    if let Some(v) = f.phenomenon {
        query = query.filter(
            workshops::id.eq_any(
                workshop_phenomena::table
                    .filter(workshop_phenomena::phenomenon_id.eq(v))
                    .select(workshop_phenomena::workshop_id),
            ),
        );
    }
    if let Some(v) = f.follows {
        query = query.filter(workshops::follows_workshop_id.eq(v));
    }
    if let Some(v) = f.from {
        query = query.filter(workshops::date.ge(v));
    }
    if let Some(v) = f.to {
        query = query.filter(workshops::date.lt(v));
    }
    if let Some(v) = f.updated_since {
        query = query.filter(workshops::updated_at.ge(v));
    }
    if let Some(after) = f.after {
        query = query.filter(workshops::id.gt(after));
    }
    query.order(workshops::id).limit(f.limit).load(conn).await
}

pub async fn insert(conn: &mut Conn, id: Uuid, row: &WorkshopWrite) -> QueryResult<usize> {
    diesel::insert_into(workshops::table).values((workshops::id.eq(id), row)).execute(conn).await
}

pub async fn update(conn: &mut Conn, id: Uuid, row: &WorkshopWrite) -> QueryResult<usize> {
    diesel::update(workshops::table.find(id)).set((row, workshops::updated_at.eq(diesel::dsl::now))).execute(conn).await
}

/// Marks the workshop changed (an organisation accepted): a new version and ETag.
pub async fn touch(conn: &mut Conn, id: Uuid) -> QueryResult<usize> {
    diesel::update(workshops::table.find(id)).set(workshops::updated_at.eq(diesel::dsl::now)).execute(conn).await
}

pub async fn delete(conn: &mut Conn, id: Uuid) -> QueryResult<usize> {
    diesel::delete(workshops::table.find(id)).execute(conn).await
}

/// The organisations of these workshops, in their listed order.
pub async fn organizations(conn: &mut Conn, ids: &[Uuid]) -> QueryResult<Vec<WorkshopOrganizationRow>> {
    workshop_organizations::table
        .filter(workshop_organizations::workshop_id.eq_any(ids))
        .select(WorkshopOrganizationRow::as_select())
        .order((workshop_organizations::workshop_id, workshop_organizations::position))
        .load(conn)
        .await
}

/// Replaces a workshop's organisations with `rows`.
pub async fn set_organizations(conn: &mut Conn, id: Uuid, rows: &[WorkshopOrganizationRow]) -> QueryResult<usize> {
    diesel::delete(workshop_organizations::table.filter(workshop_organizations::workshop_id.eq(id)))
        .execute(conn)
        .await?;
    diesel::insert_into(workshop_organizations::table).values(rows).execute(conn).await
}

/// The phenomena linked to these workshops: `(workshop, phenomenon)`.
pub async fn phenomena(conn: &mut Conn, ids: &[Uuid]) -> QueryResult<Vec<(Uuid, Uuid)>> {
    workshop_phenomena::table
        .filter(workshop_phenomena::workshop_id.eq_any(ids))
        .select((workshop_phenomena::workshop_id, workshop_phenomena::phenomenon_id))
        .order((workshop_phenomena::workshop_id, workshop_phenomena::phenomenon_id))
        .load(conn)
        .await
}

pub async fn set_phenomena(conn: &mut Conn, id: Uuid, phenomena: &[Uuid]) -> QueryResult<usize> {
    diesel::delete(workshop_phenomena::table.filter(workshop_phenomena::workshop_id.eq(id))).execute(conn).await?;
    let rows: Vec<_> = phenomena
        .iter()
        .map(|p| (workshop_phenomena::workshop_id.eq(id), workshop_phenomena::phenomenon_id.eq(*p)))
        .collect();
    diesel::insert_into(workshop_phenomena::table).values(rows).execute(conn).await
}

/// Marks the workshops that take up a phenomenon report changed (it is being deleted, and
/// leaves their `phenomenon_ids`).
pub async fn touch_taking_up(conn: &mut Conn, phenomenon: Uuid) -> QueryResult<usize> {
    diesel::update(
        workshops::table.filter(
            workshops::id.eq_any(
                workshop_phenomena::table
                    .filter(workshop_phenomena::phenomenon_id.eq(phenomenon))
                    .select(workshop_phenomena::workshop_id),
            ),
        ),
    )
    .set(workshops::updated_at.eq(diesel::dsl::now))
    .execute(conn)
    .await
}

/// Who reads a workshop: its organisations and its network's members.
pub async fn reader_ids(conn: &mut Conn, id: Uuid) -> QueryResult<Vec<Uuid>> {
    let ids: Vec<Option<Uuid>> = diesel::select(
        sql::<Array<diesel::sql_types::Nullable<SqlUuid>>>("workshop_organization_ids(")
            .bind::<SqlUuid, _>(id)
            .sql(", false)"),
    )
    .get_result(conn)
    .await?;
    Ok(ids.into_iter().flatten().collect())
}
