//! Contact persons.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::Conn;
use crate::repo::schema::contacts;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = contacts, check_for_backend(diesel::pg::Pg))]
pub struct ContactRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    #[diesel(embed)]
    pub written: ContactWrite,
    pub erased_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// The writable fields; `None` writes NULL.
#[derive(Clone, Debug, Insertable, AsChangeset, Queryable, Selectable)]
#[diesel(table_name = contacts, treat_none_as_null = true, check_for_backend(diesel::pg::Pg))]
pub struct ContactWrite {
    pub name: Option<String>,
    pub title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub topics: Vec<Option<String>>,
    pub languages: Vec<Option<String>>,
    pub user_id: Option<Uuid>,
    pub visibility: String,
}

/// List filters; rows in `id` order after `after`.
#[derive(Clone, Debug)]
pub struct ContactFilter {
    pub organization_id: Uuid,
    /// Only public contacts that are not erased.
    pub public_only: bool,
    pub updated_since: Option<DateTime<Utc>>,
    pub after: Option<Uuid>,
    pub limit: i64,
}

pub async fn list(conn: &mut Conn, f: &ContactFilter) -> QueryResult<Vec<ContactRow>> {
    let mut query = contacts::table
        .filter(contacts::organization_id.eq(f.organization_id))
        .select(ContactRow::as_select())
        .into_boxed();
    if f.public_only {
        query = query.filter(contacts::visibility.eq("public")).filter(contacts::erased_at.is_null());
    }
    if let Some(since) = f.updated_since {
        query = query.filter(contacts::updated_at.ge(since));
    }
    if let Some(after) = f.after {
        query = query.filter(contacts::id.gt(after));
    }
    query.order(contacts::id).limit(f.limit).load(conn).await
}

pub async fn get(conn: &mut Conn, organization_id: Uuid, id: Uuid) -> QueryResult<Option<ContactRow>> {
    contacts::table
        .filter(contacts::organization_id.eq(organization_id))
        .filter(contacts::id.eq(id))
        .select(ContactRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The contact, locked for the rest of the transaction.
pub async fn lock(conn: &mut Conn, organization_id: Uuid, id: Uuid) -> QueryResult<Option<ContactRow>> {
    contacts::table
        .filter(contacts::organization_id.eq(organization_id))
        .filter(contacts::id.eq(id))
        .select(ContactRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn insert(
    conn: &mut Conn,
    id: Uuid,
    organization_id: Uuid,
    fields: &ContactWrite,
) -> QueryResult<ContactRow> {
    diesel::insert_into(contacts::table)
        .values((contacts::id.eq(id), contacts::organization_id.eq(organization_id), fields))
        .returning(ContactRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn update(conn: &mut Conn, id: Uuid, fields: &ContactWrite) -> QueryResult<ContactRow> {
    diesel::update(contacts::table.find(id)).set(fields).returning(ContactRow::as_returning()).get_result(conn).await
}

/// Anonymises the contact in place: no personal data remains in the row.
pub async fn erase(conn: &mut Conn, id: Uuid) -> QueryResult<ContactRow> {
    diesel::update(contacts::table.find(id))
        .set((
            contacts::name.eq(None::<String>),
            contacts::title.eq(None::<String>),
            contacts::email.eq(None::<String>),
            contacts::phone.eq(None::<String>),
            contacts::user_id.eq(None::<Uuid>),
            contacts::erased_at.eq(diesel::dsl::now),
        ))
        .returning(ContactRow::as_returning())
        .get_result(conn)
        .await
}

/// These contacts, those that are not erased.
pub async fn get_many(conn: &mut Conn, ids: &[Uuid]) -> QueryResult<Vec<ContactRow>> {
    contacts::table
        .filter(contacts::id.eq_any(ids))
        .filter(contacts::erased_at.is_null())
        .select(ContactRow::as_select())
        .load(conn)
        .await
}

/// The organisation of each of these contacts that is not erased.
pub async fn owners(conn: &mut Conn, ids: &[Uuid]) -> QueryResult<Vec<(Uuid, Uuid)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    contacts::table
        .filter(contacts::id.eq_any(ids))
        .filter(contacts::erased_at.is_null())
        .select((contacts::id, contacts::organization_id))
        .load(conn)
        .await
}
