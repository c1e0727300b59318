//! Follow-up actions: a meeting's decisions and a workshop's actions, with who hosts each.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Nullable, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::Conn;
use crate::repo::JsonText;
use crate::repo::schema::actions;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = actions, check_for_backend(diesel::pg::Pg))]
pub struct ActionRow {
    pub id: Uuid,
    pub workshop_id: Option<Uuid>,
    pub meeting_id: Option<Uuid>,
    #[diesel(embed)]
    pub written: ActionWrite,
    pub accepted: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// What the hosts write; `None` writes NULL.
#[derive(Clone, Debug, Insertable, AsChangeset, Queryable, Selectable)]
#[diesel(table_name = actions, treat_none_as_null = true, check_for_backend(diesel::pg::Pg))]
pub struct ActionWrite {
    pub challenge_id: Option<Uuid>,
    pub description: JsonText,
    pub responsible_organization_id: Uuid,
    pub contact_id: Option<Uuid>,
    pub due_date: Option<NaiveDate>,
    pub status: String,
    pub agreement_id: Option<Uuid>,
    pub event_series_id: Option<Uuid>,
    pub indicator_id: Option<Uuid>,
}

/// An action with the organisations of its host (who read it) and those who run the host.
pub type HostedActionRow = (ActionRow, Vec<Option<Uuid>>, Vec<Option<Uuid>>);

type Hosted = (
    diesel::dsl::AsSelect<ActionRow, diesel::pg::Pg>,
    diesel::expression::SqlLiteral<Array<Nullable<SqlUuid>>>,
    diesel::expression::SqlLiteral<Array<Nullable<SqlUuid>>>,
);

fn hosted() -> Hosted {
    (
        ActionRow::as_select(),
        sql::<Array<Nullable<SqlUuid>>>("action_host_ids(actions.workshop_id, actions.meeting_id, false)"),
        sql::<Array<Nullable<SqlUuid>>>("action_host_ids(actions.workshop_id, actions.meeting_id, true)"),
    )
}

#[derive(Clone, Debug, Default)]
pub struct ActionFilter {
    /// The reader's organisations: actions they host or are responsible for.
    pub readers: Vec<Uuid>,
    pub all: bool,
    pub responsible: Option<Uuid>,
    pub status: Option<String>,
    /// Open or in progress and due before this day (`Some(true)`), or not (`Some(false)`).
    pub overdue_on: Option<(NaiveDate, bool)>,
    pub workshop: Option<Uuid>,
    pub meeting: Option<Uuid>,
    pub updated_since: Option<DateTime<Utc>>,
    pub after: Option<Uuid>,
    pub limit: i64,
}

pub async fn get(conn: &mut Conn, id: Uuid) -> QueryResult<Option<HostedActionRow>> {
    actions::table.find(id).select(hosted()).first(conn).await.optional()
}

pub async fn lock(conn: &mut Conn, id: Uuid) -> QueryResult<Option<HostedActionRow>> {
    actions::table.find(id).select(hosted()).for_update().first(conn).await.optional()
}

pub async fn list(conn: &mut Conn, f: &ActionFilter) -> QueryResult<Vec<HostedActionRow>> {
    let mut query = actions::table.select(hosted()).into_boxed();
    if !f.all {
        query = query.filter(
            sql::<Bool>("(actions.responsible_organization_id = ANY(")
                .bind::<Array<SqlUuid>, _>(f.readers.clone())
                .sql(") OR action_host_ids(actions.workshop_id, actions.meeting_id, false) && ")
                .bind::<Array<SqlUuid>, _>(f.readers.clone())
                .sql(")"),
        );
    }
    if let Some(v) = f.responsible {
        query = query.filter(actions::responsible_organization_id.eq(v));
    }
    if let Some(v) = &f.status {
        query = query.filter(actions::status.eq(v.clone()));
    }
    match f.overdue_on {
        Some((today, true)) => {
            query = query.filter(actions::due_date.lt(today)).filter(actions::status.eq_any(["open", "in_progress"]))
        }
        Some((today, false)) => {
            query = query.filter(
                actions::due_date
                    .is_null()
                    .or(actions::due_date.ge(today))
                    .or(actions::status.eq_any(["done", "cancelled"])),
            )
        }
        None => {}
    }
    if let Some(v) = f.workshop {
        query = query.filter(actions::workshop_id.eq(v));
    }
    if let Some(v) = f.meeting {
        query = query.filter(actions::meeting_id.eq(v));
    }
    if let Some(v) = f.updated_since {
        query = query.filter(actions::updated_at.ge(v));
    }
    if let Some(after) = f.after {
        query = query.filter(actions::id.gt(after));
    }
    query.order(actions::id).limit(f.limit).load(conn).await
}

/// The actions of these meetings, in the order they were made.
pub async fn of_meetings(conn: &mut Conn, ids: &[Uuid]) -> QueryResult<Vec<HostedActionRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    actions::table.filter(actions::meeting_id.eq_any(ids)).select(hosted()).order(actions::id).load(conn).await
}

/// How many actions a meeting or a workshop has.
pub async fn count_of_origin(conn: &mut Conn, meeting: Option<Uuid>, workshop: Option<Uuid>) -> QueryResult<i64> {
    actions::table
        .filter(actions::meeting_id.is_not_distinct_from(meeting))
        .filter(actions::workshop_id.is_not_distinct_from(workshop))
        .count()
        .get_result(conn)
        .await
}

pub async fn insert(
    conn: &mut Conn,
    id: Uuid,
    origin: (Option<Uuid>, Option<Uuid>),
    accepted: bool,
    row: &ActionWrite,
) -> QueryResult<usize> {
    diesel::insert_into(actions::table)
        .values((
            actions::id.eq(id),
            actions::meeting_id.eq(origin.0),
            actions::workshop_id.eq(origin.1),
            actions::accepted.eq(accepted),
            row,
        ))
        .execute(conn)
        .await
}

pub async fn update(conn: &mut Conn, id: Uuid, accepted: bool, row: &ActionWrite) -> QueryResult<usize> {
    diesel::update(actions::table.find(id))
        .set((row, actions::accepted.eq(accepted), actions::updated_at.eq(diesel::dsl::now)))
        .execute(conn)
        .await
}

pub async fn delete(conn: &mut Conn, id: Uuid) -> QueryResult<usize> {
    diesel::delete(actions::table.find(id)).execute(conn).await
}
