//! Annual reviews of agreements and acknowledgements of their ground rules.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::Conn;
use crate::repo::JsonText;
use crate::repo::schema::agreements;

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::repo::schema::agreement_reviews, check_for_backend(diesel::pg::Pg))]
pub struct ReviewRow {
    pub id: Uuid,
    pub agreement_id: Uuid,
    pub scheduled_date: NaiveDate,
    pub held_on: Option<NaiveDate>,
    pub participant_organization_ids: Vec<Option<Uuid>>,
    pub participant_contact_ids: Vec<Option<Uuid>>,
    pub agenda: Option<JsonText>,
    pub findings: Option<JsonText>,
    pub decisions: JsonText,
    pub outcome: String,
    pub next_review_due: Option<NaiveDate>,
    pub recorded_by: Option<Uuid>,
}

/// Inserts a review; returns when it was recorded.
pub async fn insert_review(conn: &mut Conn, row: &ReviewRow) -> QueryResult<DateTime<Utc>> {
    use crate::repo::schema::agreement_reviews::dsl as r;
    diesel::insert_into(r::agreement_reviews).values(row).returning(r::created_at).get_result(conn).await
}

/// A page of an agreement's reviews in (scheduled date, id) order, after `after`.
pub async fn reviews(
    conn: &mut Conn,
    agreement_id: Uuid,
    since: Option<DateTime<Utc>>,
    after: Option<(NaiveDate, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<(ReviewRow, DateTime<Utc>, i64)>> {
    use crate::repo::schema::agreement_reviews::dsl as r;
    let mut query = r::agreement_reviews
        .filter(r::agreement_id.eq(agreement_id))
        .select((ReviewRow::as_select(), r::created_at, r::version))
        .into_boxed();
    if let Some(since) = since {
        query = query.filter(r::updated_at.ge(since));
    }
    if let Some((date, id)) = after {
        query = query.filter(r::scheduled_date.gt(date).or(r::scheduled_date.eq(date).and(r::id.gt(id))));
    }
    query.order((r::scheduled_date, r::id)).limit(limit).load(conn).await
}

/// One review of an agreement, with its creation time and version.
pub async fn review(
    conn: &mut Conn,
    agreement_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<(ReviewRow, DateTime<Utc>, i64)>> {
    use crate::repo::schema::agreement_reviews::dsl as r;
    r::agreement_reviews
        .filter(r::agreement_id.eq(agreement_id))
        .filter(r::id.eq(id))
        .select((ReviewRow::as_select(), r::created_at, r::version))
        .first(conn)
        .await
        .optional()
}

pub async fn set_review_next_due(conn: &mut Conn, id: Uuid, next_due: Option<NaiveDate>) -> QueryResult<usize> {
    diesel::update(agreements::table.find(id)).set(agreements::review_next_due.eq(next_due)).execute(conn).await
}

#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::repo::schema::agreement_acknowledgements, check_for_backend(diesel::pg::Pg))]
pub struct AcknowledgementRow {
    pub id: Uuid,
    pub agreement_id: Uuid,
    pub version: i32,
    pub user_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub person_name: Option<String>,
    pub organization_id: Option<Uuid>,
    pub acknowledged_on: NaiveDate,
    pub recorded_by: Option<Uuid>,
}

pub async fn insert_acknowledgement(conn: &mut Conn, row: &AcknowledgementRow) -> QueryResult<usize> {
    diesel::insert_into(crate::repo::schema::agreement_acknowledgements::table).values(row).execute(conn).await
}

pub async fn acknowledgement(conn: &mut Conn, agreement_id: Uuid, id: Uuid) -> QueryResult<Option<AcknowledgementRow>> {
    use crate::repo::schema::agreement_acknowledgements::dsl as a;
    a::agreement_acknowledgements
        .filter(a::agreement_id.eq(agreement_id))
        .filter(a::id.eq(id))
        .select(AcknowledgementRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn delete_acknowledgement(conn: &mut Conn, id: Uuid) -> QueryResult<usize> {
    use crate::repo::schema::agreement_acknowledgements::dsl as a;
    diesel::delete(a::agreement_acknowledgements.filter(a::id.eq(id))).execute(conn).await
}

/// Which acknowledgements to list.
#[derive(Clone, Debug)]
pub struct AcknowledgementFilter {
    pub agreement_id: Uuid,
    /// `Some((true, v))`: only of version `v`; `Some((false, v))`: only of other versions.
    pub of_version: Option<(bool, i32)>,
    pub since: Option<DateTime<Utc>>,
    pub after: Option<(i32, Uuid)>,
    pub limit: i64,
}

/// A page of acknowledgements in (version, id) order.
pub async fn acknowledgements(conn: &mut Conn, f: &AcknowledgementFilter) -> QueryResult<Vec<AcknowledgementRow>> {
    use crate::repo::schema::agreement_acknowledgements::dsl as a;
    let mut query = a::agreement_acknowledgements
        .filter(a::agreement_id.eq(f.agreement_id))
        .select(AcknowledgementRow::as_select())
        .into_boxed();
    match f.of_version {
        Some((true, v)) => query = query.filter(a::version.eq(v)),
        Some((false, v)) => query = query.filter(a::version.ne(v)),
        None => {}
    }
    if let Some(since) = f.since {
        query = query.filter(a::created_at.ge(since));
    }
    if let Some((version, id)) = f.after {
        query = query.filter(a::version.gt(version).or(a::version.eq(version).and(a::id.gt(id))));
    }
    query.order((a::version, a::id)).limit(f.limit).load(conn).await
}
