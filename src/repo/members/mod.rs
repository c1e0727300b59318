//! Memberships (with their users) and invitations.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::Conn;
use crate::repo::schema::{invitations, memberships, users};

#[derive(Clone, Debug, Queryable)]
pub struct MemberRow {
    pub organization_id: Uuid,
    pub user_id: Uuid,
    pub role: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    pub email: String,
    pub display_name: String,
}

type MemberColumns = (
    memberships::organization_id,
    memberships::user_id,
    memberships::role,
    memberships::created_at,
    memberships::updated_at,
    memberships::version,
    users::email,
    users::display_name,
);

const MEMBER_COLUMNS: MemberColumns = (
    memberships::organization_id,
    memberships::user_id,
    memberships::role,
    memberships::created_at,
    memberships::updated_at,
    memberships::version,
    users::email,
    users::display_name,
);

pub async fn list(
    conn: &mut Conn,
    organization_id: Uuid,
    updated_since: Option<DateTime<Utc>>,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<MemberRow>> {
    let mut query = memberships::table
        .inner_join(users::table)
        .filter(memberships::organization_id.eq(organization_id))
        .select(MEMBER_COLUMNS)
        .into_boxed();
    if let Some(since) = updated_since {
        query = query.filter(memberships::updated_at.ge(since));
    }
    if let Some(after) = after {
        query = query.filter(memberships::user_id.gt(after));
    }
    query.order(memberships::user_id).limit(limit).load(conn).await
}

pub async fn get(conn: &mut Conn, organization_id: Uuid, user_id: Uuid) -> QueryResult<Option<MemberRow>> {
    memberships::table
        .inner_join(users::table)
        .filter(memberships::organization_id.eq(organization_id))
        .filter(memberships::user_id.eq(user_id))
        .select(MEMBER_COLUMNS)
        .first(conn)
        .await
        .optional()
}

pub async fn insert(conn: &mut Conn, organization_id: Uuid, user_id: Uuid, role: &str) -> QueryResult<usize> {
    diesel::insert_into(memberships::table)
        .values((
            memberships::organization_id.eq(organization_id),
            memberships::user_id.eq(user_id),
            memberships::role.eq(role),
        ))
        .execute(conn)
        .await
}

/// Locks the organisation's org-admin memberships and returns their user ids, so that
/// concurrent demotions cannot together remove the last admin.
pub async fn lock_admins(conn: &mut Conn, organization_id: Uuid) -> QueryResult<Vec<Uuid>> {
    memberships::table
        .filter(memberships::organization_id.eq(organization_id))
        .filter(memberships::role.eq("org_admin"))
        .select(memberships::user_id)
        .for_update()
        .load(conn)
        .await
}

/// The membership with its user, both rows locked for the rest of the transaction.
pub async fn lock(conn: &mut Conn, organization_id: Uuid, user_id: Uuid) -> QueryResult<Option<MemberRow>> {
    memberships::table
        .inner_join(users::table)
        .filter(memberships::organization_id.eq(organization_id))
        .filter(memberships::user_id.eq(user_id))
        .select(MEMBER_COLUMNS)
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Sets the role of the locked membership `current`; the user's columns are as locked.
pub async fn set_role(conn: &mut Conn, current: &MemberRow, role: &str) -> QueryResult<MemberRow> {
    let (organization_id, user_id, role, created_at, updated_at, version) =
        diesel::update(memberships::table.find((current.organization_id, current.user_id)))
            .set(memberships::role.eq(role))
            .returning((
                memberships::organization_id,
                memberships::user_id,
                memberships::role,
                memberships::created_at,
                memberships::updated_at,
                memberships::version,
            ))
            .get_result::<(Uuid, Uuid, String, DateTime<Utc>, DateTime<Utc>, i64)>(conn)
            .await?;
    Ok(MemberRow {
        organization_id,
        user_id,
        role,
        created_at,
        updated_at,
        version,
        email: current.email.clone(),
        display_name: current.display_name.clone(),
    })
}

pub async fn delete(conn: &mut Conn, organization_id: Uuid, user_id: Uuid) -> QueryResult<usize> {
    diesel::delete(memberships::table.find((organization_id, user_id))).execute(conn).await
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = invitations, check_for_backend(diesel::pg::Pg))]
pub struct InvitationRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub token_hash: Vec<u8>,
    pub invited_by: Option<Uuid>,
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
}

pub async fn insert_invitation(conn: &mut Conn, row: &InvitationRow) -> QueryResult<usize> {
    diesel::insert_into(invitations::table).values(row).execute(conn).await
}

/// The invitation with this token hash; `for_update` locks it for the transaction.
pub async fn invitation(conn: &mut Conn, token_hash: &[u8], for_update: bool) -> QueryResult<Option<InvitationRow>> {
    let query = invitations::table.filter(invitations::token_hash.eq(token_hash)).select(InvitationRow::as_select());
    if for_update { query.for_update().first(conn).await } else { query.first(conn).await }.optional()
}

pub async fn mark_invitation_accepted(conn: &mut Conn, id: Uuid) -> QueryResult<usize> {
    diesel::update(invitations::table.find(id)).set(invitations::accepted_at.eq(diesel::dsl::now)).execute(conn).await
}

/// An organisation's invitations that can still be redeemed, in id order after `after`.
pub async fn pending_invitations(
    conn: &mut Conn,
    organization_id: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<InvitationRow>> {
    let mut query = invitations::table
        .filter(invitations::organization_id.eq(organization_id))
        .filter(invitations::accepted_at.is_null())
        .filter(invitations::expires_at.gt(diesel::dsl::now))
        .select(InvitationRow::as_select())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(invitations::id.gt(after));
    }
    query.order(invitations::id).limit(limit).load(conn).await
}

/// One invitation of the organisation that was not accepted yet.
pub async fn pending_invitation(
    conn: &mut Conn,
    organization_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<InvitationRow>> {
    invitations::table
        .filter(invitations::id.eq(id))
        .filter(invitations::organization_id.eq(organization_id))
        .filter(invitations::accepted_at.is_null())
        .select(InvitationRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Deletes a pending invitation of the organisation; returns it if there was one.
pub async fn revoke_invitation(conn: &mut Conn, organization_id: Uuid, id: Uuid) -> QueryResult<Option<InvitationRow>> {
    diesel::delete(
        invitations::table
            .filter(invitations::id.eq(id))
            .filter(invitations::organization_id.eq(organization_id))
            .filter(invitations::accepted_at.is_null()),
    )
    .returning(InvitationRow::as_returning())
    .get_result(conn)
    .await
    .optional()
}

/// Deletes the organisation's invitations that were accepted or expired before `before`:
/// their addresses are kept no longer than needed.
pub async fn forget_spent_invitations(
    conn: &mut Conn,
    organization_id: Uuid,
    before: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::delete(
        invitations::table
            .filter(invitations::organization_id.eq(organization_id))
            .filter(invitations::accepted_at.lt(before).or(invitations::expires_at.lt(before))),
    )
    .execute(conn)
    .await
}
