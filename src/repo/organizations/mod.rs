//! Queries on organisations.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::Conn;
use crate::repo::schema::organizations;
use crate::repo::{JsonText, select_list};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = organizations, check_for_backend(diesel::pg::Pg))]
pub struct OrganizationRow {
    #[diesel(embed)]
    pub written: OrganizationWrite,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// The writable fields (with the id); on update, `None` writes NULL.
#[derive(Clone, Debug, Insertable, AsChangeset, Queryable, Selectable)]
#[diesel(table_name = organizations, treat_none_as_null = true, check_for_backend(diesel::pg::Pg))]
pub struct OrganizationWrite {
    pub id: Uuid,
    pub name: JsonText,
    pub kind: String,
    pub business_id: Option<String>,
    pub parent_id: Option<Uuid>,
    pub municipality_codes: Vec<Option<String>>,
    pub wellbeing_county_code: Option<String>,
    pub description: Option<JsonText>,
    pub website: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub external_ids: JsonText,
}

/// List filters; every field narrows the result. Rows come in `id` order (UUIDv7, so
/// creation order), continuing after `after`.
#[derive(Clone, Debug, Default)]
pub struct OrganizationFilter {
    pub kind: Option<String>,
    pub municipality_code: Option<String>,
    pub wellbeing_county_code: Option<String>,
    pub parent_id: Option<Uuid>,
    pub business_id: Option<String>,
    /// A sanitised prefix tsquery (see `domain::search`).
    pub search: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
    pub after: Option<Uuid>,
    pub limit: i64,
}

pub async fn get(conn: &mut Conn, id: Uuid) -> QueryResult<Option<OrganizationRow>> {
    organizations::table.find(id).select(select_list::<OrganizationRow>()?).first(conn).await.optional()
}

/// The organisations with these ids, in one query (those that exist).
pub async fn get_many(conn: &mut Conn, ids: &[Uuid]) -> QueryResult<Vec<OrganizationRow>> {
    organizations::table
        .filter(organizations::id.eq_any(ids.to_vec()))
        .select(select_list::<OrganizationRow>()?)
        .load(conn)
        .await
}

pub async fn list(conn: &mut Conn, filter: &OrganizationFilter) -> QueryResult<Vec<OrganizationRow>> {
    let mut query = organizations::table.select(select_list::<OrganizationRow>()?).into_boxed();
    if let Some(kind) = &filter.kind {
        query = query.filter(organizations::kind.eq(kind.clone()));
    }
    if let Some(code) = &filter.municipality_code {
        query = query.filter(organizations::municipality_codes.contains(vec![Some(code.clone())]));
    }
    if let Some(code) = &filter.wellbeing_county_code {
        query = query.filter(organizations::wellbeing_county_code.eq(code.clone()));
    }
    if let Some(parent) = filter.parent_id {
        query = query.filter(organizations::parent_id.eq(parent));
    }
    if let Some(business_id) = &filter.business_id {
        query = query.filter(organizations::business_id.eq(business_id.clone()));
    }
    if let Some(search) = &filter.search {
        query = query.filter(
            diesel::dsl::sql::<Bool>("localized_search_vector(organizations.name) @@ localized_search_query(")
                .bind::<Text, _>(search.clone())
                .sql(")"),
        );
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(organizations::updated_at.ge(since));
    }
    if let Some(after) = filter.after {
        query = query.filter(organizations::id.gt(after));
    }
    query.order(organizations::id).limit(filter.limit).load(conn).await
}

/// Inserts organisations whose id is not taken yet; returns how many were inserted.
pub async fn insert_missing(conn: &mut Conn, rows: &[OrganizationWrite]) -> QueryResult<usize> {
    diesel::insert_into(organizations::table)
        .values(rows)
        .on_conflict(organizations::id)
        .do_nothing()
        .execute(conn)
        .await
}

pub async fn insert(conn: &mut Conn, row: &OrganizationWrite) -> QueryResult<OrganizationRow> {
    diesel::insert_into(organizations::table)
        .values(row)
        .returning(OrganizationRow::as_returning())
        .get_result(conn)
        .await
}

/// The row, locked for the rest of the transaction.
pub async fn lock(conn: &mut Conn, id: Uuid) -> QueryResult<Option<OrganizationRow>> {
    organizations::table.find(id).select(OrganizationRow::as_select()).for_update().first(conn).await.optional()
}

/// Writes the fields of a locked row; the version trigger increments `version`.
pub async fn update(conn: &mut Conn, row: &OrganizationWrite) -> QueryResult<OrganizationRow> {
    diesel::update(organizations::table.find(row.id))
        .set(row)
        .returning(OrganizationRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn exists(conn: &mut Conn, id: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(organizations::table.find(id))).get_result(conn).await
}

pub async fn delete(conn: &mut Conn, id: Uuid) -> QueryResult<usize> {
    diesel::delete(organizations::table.find(id)).execute(conn).await
}

pub async fn has_children(conn: &mut Conn, id: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(organizations::table.filter(organizations::parent_id.eq(id))))
        .get_result(conn)
        .await
}

/// Ids of `id` and its ancestors, nearest first (bounded, so a damaged chain cannot loop).
pub async fn ancestry(conn: &mut Conn, id: Uuid) -> QueryResult<Vec<Uuid>> {
    #[derive(QueryableByName)]
    struct Ancestor {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        id: Uuid,
    }
    let rows: Vec<Ancestor> = diesel::sql_query(
        "WITH RECURSIVE chain(id, parent_id, depth) AS ( \
             SELECT id, parent_id, 0 FROM organizations WHERE id = $1 \
             UNION ALL \
             SELECT o.id, o.parent_id, c.depth + 1 FROM organizations o JOIN chain c ON o.id = c.parent_id \
             WHERE c.depth < 64) \
         SELECT id FROM chain ORDER BY depth",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|a| a.id).collect())
}

/// The names of these organisations.
pub async fn names(conn: &mut Conn, ids: &[Uuid]) -> QueryResult<Vec<(Uuid, JsonText)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    organizations::table
        .filter(organizations::id.eq_any(ids))
        .select((organizations::id, organizations::name))
        .load(conn)
        .await
}
