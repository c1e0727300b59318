//! Meetings of networks and of agreements' parties, with who hosts each.

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Nullable, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::Conn;
use crate::repo::JsonText;
use crate::repo::schema::meetings;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = meetings, check_for_backend(diesel::pg::Pg))]
pub struct MeetingRow {
    pub id: Uuid,
    pub network_id: Option<Uuid>,
    pub agreement_id: Option<Uuid>,
    #[diesel(embed)]
    pub written: MeetingWrite,
    pub booking_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// What the hosts write; `None` writes NULL.
#[derive(Clone, Debug, Insertable, AsChangeset, Queryable, Selectable)]
#[diesel(table_name = meetings, treat_none_as_null = true, check_for_backend(diesel::pg::Pg))]
pub struct MeetingWrite {
    pub organizer_organization_id: Uuid,
    pub kind: String,
    pub workshop_id: Option<Uuid>,
    pub title: Option<JsonText>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub venue_id: Option<Uuid>,
    pub online_url: Option<String>,
    pub agenda: JsonText,
    pub coordination_document_id: Option<Uuid>,
    pub attendance: JsonText,
    pub minutes: Option<JsonText>,
}

/// A meeting with its hosts (the network's members or the agreement's parties), the hosts
/// who run it (the network's coordinators, the parties), whether anyone may see it, and
/// whether its booking still holds (the venue's owner may have cancelled it).
pub type HostedMeetingRow = (MeetingRow, Vec<Option<Uuid>>, Vec<Option<Uuid>>, bool, bool);

type Hosted = (
    diesel::dsl::AsSelect<MeetingRow, diesel::pg::Pg>,
    diesel::expression::SqlLiteral<Array<Nullable<SqlUuid>>>,
    diesel::expression::SqlLiteral<Array<Nullable<SqlUuid>>>,
    diesel::expression::SqlLiteral<Bool>,
    diesel::expression::SqlLiteral<Bool>,
);

fn hosted() -> Hosted {
    (
        MeetingRow::as_select(),
        sql::<Array<Nullable<SqlUuid>>>("meeting_host_ids(meetings.network_id, meetings.agreement_id, false)"),
        sql::<Array<Nullable<SqlUuid>>>("meeting_host_ids(meetings.network_id, meetings.agreement_id, true)"),
        sql::<Bool>("meeting_is_public(meetings.network_id, meetings.agreement_id)"),
        sql::<Bool>(
            "EXISTS (SELECT 1 FROM venue_bookings b WHERE b.id = meetings.booking_id AND b.status = 'confirmed')",
        ),
    )
}

#[derive(Clone, Debug, Default)]
pub struct MeetingFilter {
    /// The reader's organisations: besides public hosts' meetings, those they host.
    pub readers: Vec<Uuid>,
    /// Platform admins see every meeting.
    pub all: bool,
    pub network: Option<Uuid>,
    pub agreement: Option<Uuid>,
    /// Meetings this organisation hosts (a member or a party) or organises.
    pub organization: Option<Uuid>,
    pub kind: Option<String>,
    /// Ending after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Starting before this instant.
    pub to: Option<DateTime<Utc>>,
    pub updated_since: Option<DateTime<Utc>>,
    pub after: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
}

pub async fn get(conn: &mut Conn, id: Uuid) -> QueryResult<Option<HostedMeetingRow>> {
    meetings::table.find(id).select(hosted()).first(conn).await.optional()
}

pub async fn lock(conn: &mut Conn, id: Uuid) -> QueryResult<Option<HostedMeetingRow>> {
    meetings::table.find(id).select(hosted()).for_update().first(conn).await.optional()
}

/// Meetings in time order.
pub async fn list(conn: &mut Conn, f: &MeetingFilter) -> QueryResult<Vec<HostedMeetingRow>> {
    let mut query = meetings::table.select(hosted()).into_boxed();
    if !f.all {
        query = query.filter(
            sql::<Bool>("(meeting_is_public(meetings.network_id, meetings.agreement_id) OR meeting_host_ids(meetings.network_id, meetings.agreement_id, false) && ")
                .bind::<Array<SqlUuid>, _>(f.readers.clone())
                .sql(")"),
        );
    }
    if let Some(v) = f.network {
        query = query.filter(meetings::network_id.eq(v));
    }
    if let Some(v) = f.agreement {
        query = query.filter(meetings::agreement_id.eq(v));
    }
    if let Some(v) = f.organization {
        query = query.filter(
            sql::<Bool>("(meetings.organizer_organization_id = ")
                .bind::<SqlUuid, _>(v)
                .sql(" OR ")
                .bind::<SqlUuid, _>(v)
                .sql(" = ANY(meeting_host_ids(meetings.network_id, meetings.agreement_id, false)))"),
        );
    }
    if let Some(v) = &f.kind {
        query = query.filter(meetings::kind.eq(v.clone()));
    }
    if let Some(v) = f.from {
        // A meeting lasts at most 7 days (a database check): the index range stays bounded.
        query = query.filter(meetings::starts_at.gt(v - chrono::Duration::days(7))).filter(meetings::ends_at.gt(v));
    }
    if let Some(v) = f.to {
        query = query.filter(meetings::starts_at.lt(v));
    }
    if let Some(v) = f.updated_since {
        query = query.filter(meetings::updated_at.ge(v));
    }
    if let Some((at, id)) = f.after {
        query = query.filter(meetings::starts_at.gt(at).or(meetings::starts_at.eq(at).and(meetings::id.gt(id))));
    }
    query.order((meetings::starts_at, meetings::id)).limit(f.limit).load(conn).await
}

pub async fn insert(
    conn: &mut Conn,
    id: Uuid,
    host: (Option<Uuid>, Option<Uuid>),
    booking: Option<Uuid>,
    row: &MeetingWrite,
) -> QueryResult<usize> {
    diesel::insert_into(meetings::table)
        .values((
            meetings::id.eq(id),
            meetings::network_id.eq(host.0),
            meetings::agreement_id.eq(host.1),
            meetings::booking_id.eq(booking),
            row,
        ))
        .execute(conn)
        .await
}

pub async fn update(conn: &mut Conn, id: Uuid, booking: Option<Uuid>, row: &MeetingWrite) -> QueryResult<usize> {
    diesel::update(meetings::table.find(id))
        .set((row, meetings::booking_id.eq(booking), meetings::updated_at.eq(diesel::dsl::now)))
        .execute(conn)
        .await
}

/// Marks the meeting changed (its decisions changed): a new version and ETag.
pub async fn touch(conn: &mut Conn, id: Uuid) -> QueryResult<usize> {
    diesel::update(meetings::table.find(id)).set(meetings::updated_at.eq(diesel::dsl::now)).execute(conn).await
}

/// Whether the network or agreement has meetings.
pub async fn any_of(conn: &mut Conn, network: Option<Uuid>, agreement: Option<Uuid>) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        meetings::table
            .filter(meetings::network_id.is_not_distinct_from(network))
            .filter(meetings::agreement_id.is_not_distinct_from(agreement)),
    ))
    .get_result(conn)
    .await
}

pub async fn delete(conn: &mut Conn, id: Uuid) -> QueryResult<usize> {
    diesel::delete(meetings::table.find(id)).execute(conn).await
}
