//! The mail outbox: messages waiting for delivery.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::Conn;
use crate::repo::schema::mail_outbox;

#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = mail_outbox)]
pub struct MessageWrite {
    pub id: Uuid,
    pub recipient: String,
    pub subject: String,
    pub body: Option<String>,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = mail_outbox, check_for_backend(diesel::pg::Pg))]
pub struct MessageRow {
    pub id: Uuid,
    pub recipient: String,
    pub subject: String,
    pub body: Option<String>,
    pub attempts: i32,
}

pub async fn insert(conn: &mut Conn, row: &MessageWrite) -> QueryResult<()> {
    diesel::insert_into(mail_outbox::table).values(row).execute(conn).await.map(drop)
}

/// Messages due for delivery, locked so that concurrent senders take different ones.
pub async fn lock_due(conn: &mut Conn, limit: i64) -> QueryResult<Vec<MessageRow>> {
    mail_outbox::table
        .filter(mail_outbox::failed_at.is_null())
        .filter(mail_outbox::next_attempt_at.le(diesel::dsl::now))
        .order(mail_outbox::next_attempt_at)
        .limit(limit)
        .for_update()
        .skip_locked()
        .select(MessageRow::as_select())
        .load(conn)
        .await
}

pub async fn delete(conn: &mut Conn, id: Uuid) -> QueryResult<()> {
    diesel::delete(mail_outbox::table.find(id)).execute(conn).await.map(drop)
}

/// Records a failed attempt: try again at `retry_at`, or with `None`, give up and drop the body.
pub async fn failed(conn: &mut Conn, id: Uuid, error: &str, retry_at: Option<DateTime<Utc>>) -> QueryResult<()> {
    let target = mail_outbox::table.find(id);
    let counted = (mail_outbox::attempts.eq(mail_outbox::attempts + 1), mail_outbox::last_error.eq(error));
    match retry_at {
        Some(at) => diesel::update(target).set((counted, mail_outbox::next_attempt_at.eq(at))).execute(conn).await,
        None => {
            let gave_up = (mail_outbox::failed_at.eq(diesel::dsl::now), mail_outbox::body.eq(None::<String>));
            diesel::update(target).set((counted, gave_up)).execute(conn).await
        }
    }
    .map(drop)
}
