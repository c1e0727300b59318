//! Users and their memberships.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::Conn;
use crate::repo::JsonText;
use crate::repo::schema::{memberships, organizations, users};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub active: bool,
    pub platform_admin: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = users)]
pub struct UserWrite {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub platform_admin: bool,
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = memberships, check_for_backend(diesel::pg::Pg))]
pub struct MembershipRow {
    pub organization_id: Uuid,
    pub user_id: Uuid,
    pub role: String,
}

pub async fn get(conn: &mut Conn, id: Uuid) -> QueryResult<Option<UserRow>> {
    users::table.find(id).select(UserRow::as_select()).first(conn).await.optional()
}

/// The user with this e-mail address; `email` is normalised (addresses are stored so).
pub async fn by_email(conn: &mut Conn, email: &str) -> QueryResult<Option<UserRow>> {
    users::table.filter(users::email.eq(email)).select(UserRow::as_select()).first(conn).await.optional()
}

pub async fn insert(conn: &mut Conn, row: &UserWrite) -> QueryResult<UserRow> {
    diesel::insert_into(users::table).values(row).returning(UserRow::as_returning()).get_result(conn).await
}

/// Inserts users whose id or e-mail is not taken yet.
pub async fn insert_missing(conn: &mut Conn, rows: &[UserWrite]) -> QueryResult<usize> {
    diesel::insert_into(users::table).values(rows).on_conflict_do_nothing().execute(conn).await
}

/// A user's account flags with one row per membership (organisation and role `None` when
/// the user has none).
#[derive(Clone, Debug, Queryable)]
pub struct UserWithMembership {
    pub active: bool,
    pub platform_admin: bool,
    /// The sign-in the token was issued in has been revoked.
    pub sign_in_revoked: bool,
    pub organization_id: Option<Uuid>,
    pub role: Option<String>,
}

/// The user, whether the sign-in `sign_in` (a refresh-token family) was revoked, and their
/// memberships, in one query; empty when there is no such user.
pub async fn with_memberships(
    conn: &mut Conn,
    user_id: Uuid,
    sign_in: Option<Uuid>,
) -> QueryResult<Vec<UserWithMembership>> {
    use crate::repo::schema::refresh_tokens;
    let revoked = diesel::dsl::exists(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.nullable().eq(sign_in))
            .filter(refresh_tokens::revoked_at.is_not_null()),
    );
    users::table
        .left_join(memberships::table)
        .filter(users::id.eq(user_id))
        .select((
            users::active,
            users::platform_admin,
            revoked,
            memberships::organization_id.nullable(),
            memberships::role.nullable(),
        ))
        .load(conn)
        .await
}

pub async fn insert_memberships_missing(conn: &mut Conn, rows: &[MembershipRow]) -> QueryResult<usize> {
    diesel::insert_into(memberships::table).values(rows).on_conflict_do_nothing().execute(conn).await
}

/// A user's memberships with the organisations' names, in one query.
pub async fn memberships_with_names(conn: &mut Conn, user_id: Uuid) -> QueryResult<Vec<(Uuid, String, JsonText)>> {
    memberships::table
        .inner_join(organizations::table)
        .filter(memberships::user_id.eq(user_id))
        .order(memberships::organization_id)
        .select((memberships::organization_id, memberships::role, organizations::name))
        .load(conn)
        .await
}

/// The display names of these accounts (who changed what, in shared resources).
pub async fn names(conn: &mut Conn, ids: &[Uuid]) -> QueryResult<Vec<(Uuid, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    users::table.filter(users::id.eq_any(ids)).select((users::id, users::display_name)).load(conn).await
}
