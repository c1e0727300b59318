//! Webhook subscriptions and their delivery outbox.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::db::Conn;
use crate::repo::directory::ChangeRow;
use crate::repo::schema::{changes, webhook_deliveries, webhooks};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = webhooks, check_for_backend(diesel::pg::Pg))]
pub struct WebhookRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    #[diesel(embed)]
    pub written: WebhookWrite,
    pub active: bool,
    pub disabled_reason: Option<String>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub after_seq: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// The writable fields.
#[derive(Clone, Debug, Insertable, AsChangeset, Queryable, Selectable)]
#[diesel(table_name = webhooks, check_for_backend(diesel::pg::Pg))]
pub struct WebhookWrite {
    pub url: String,
    pub event_types: Vec<Option<String>>,
    pub secret: String,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries, check_for_backend(diesel::pg::Pg))]
pub struct DeliveryRow {
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub first_seq: i64,
    pub last_seq: i64,
    pub payload: serde_json::Value,
    pub status: String,
    pub attempts: i32,
    pub attempt_log: serde_json::Value,
    pub next_attempt_at: DateTime<Utc>,
    pub failing_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

pub async fn get(conn: &mut Conn, id: Uuid) -> QueryResult<Option<WebhookRow>> {
    webhooks::table.find(id).select(WebhookRow::as_select()).first(conn).await.optional()
}

/// The subscription, locked for the rest of the transaction.
pub async fn lock(conn: &mut Conn, id: Uuid) -> QueryResult<Option<WebhookRow>> {
    webhooks::table.find(id).select(WebhookRow::as_select()).for_update().first(conn).await.optional()
}

/// The subscriptions of these organisations (all with `None`), in id order.
pub async fn list(
    conn: &mut Conn,
    organizations: Option<&[Uuid]>,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<WebhookRow>> {
    let mut query = webhooks::table.select(WebhookRow::as_select()).into_boxed();
    if let Some(orgs) = organizations {
        query = query.filter(webhooks::organization_id.eq_any(orgs.to_vec()));
    }
    if let Some(after) = after {
        query = query.filter(webhooks::id.gt(after));
    }
    query.order(webhooks::id).limit(limit).load(conn).await
}

pub async fn insert(
    conn: &mut Conn,
    id: Uuid,
    organization_id: Uuid,
    row: &WebhookWrite,
    after_seq: i64,
) -> QueryResult<WebhookRow> {
    diesel::insert_into(webhooks::table)
        .values((
            webhooks::id.eq(id),
            webhooks::organization_id.eq(organization_id),
            row,
            webhooks::after_seq.eq(after_seq),
        ))
        .returning(WebhookRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn update(conn: &mut Conn, id: Uuid, row: &WebhookWrite) -> QueryResult<WebhookRow> {
    diesel::update(webhooks::table.find(id))
        .set((row, webhooks::updated_at.eq(diesel::dsl::now)))
        .returning(WebhookRow::as_returning())
        .get_result(conn)
        .await
}

/// Turns the subscription on (clearing the reason it was off, and queueing its failed batch
/// again from now), or off with a reason.
pub async fn set_active(conn: &mut Conn, id: Uuid, disabled_reason: Option<&str>) -> QueryResult<WebhookRow> {
    let disabled_at = disabled_reason.map(|_| Utc::now());
    if disabled_reason.is_none() {
        let in_flight: i64 = webhook_deliveries::table
            .filter(webhook_deliveries::webhook_id.eq(id))
            .filter(webhook_deliveries::status.eq("pending"))
            .count()
            .get_result(conn)
            .await?;
        let failed: Option<Uuid> = webhook_deliveries::table
            .filter(webhook_deliveries::webhook_id.eq(id))
            .filter(webhook_deliveries::status.eq("failed"))
            .order(webhook_deliveries::first_seq.desc())
            .select(webhook_deliveries::id)
            .first(conn)
            .await
            .optional()?;
        if let Some(failed) = failed.filter(|_| in_flight == 0) {
            diesel::update(webhook_deliveries::table.find(failed))
                .set(webhook_deliveries::status.eq("pending"))
                .execute(conn)
                .await?;
        }
        // The waiting batch goes at once, and its run of failures starts again.
        diesel::update(
            webhook_deliveries::table
                .filter(webhook_deliveries::webhook_id.eq(id))
                .filter(webhook_deliveries::status.eq("pending")),
        )
        .set((
            webhook_deliveries::next_attempt_at.eq(diesel::dsl::now),
            webhook_deliveries::failing_since.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)
        .await?;
    }
    diesel::update(webhooks::table.find(id))
        .set((
            webhooks::active.eq(disabled_reason.is_none()),
            webhooks::disabled_reason.eq(disabled_reason),
            webhooks::disabled_at.eq(disabled_at),
            webhooks::updated_at.eq(diesel::dsl::now),
        ))
        .returning(WebhookRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn delete(conn: &mut Conn, id: Uuid) -> QueryResult<usize> {
    diesel::delete(webhooks::table.find(id)).execute(conn).await
}

/// Active subscriptions with changes to cut and no batch in flight, locked (others skipped).
pub async fn lock_ready(conn: &mut Conn, limit: i64) -> QueryResult<Vec<WebhookRow>> {
    webhooks::table
        .select(WebhookRow::as_select())
        .filter(webhooks::active)
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
            "NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.webhook_id = webhooks.id AND d.status = 'pending') \
             AND EXISTS (SELECT 1 FROM changes c WHERE c.public AND c.seq > webhooks.after_seq \
                         AND c.resource_type = ANY(webhooks.event_types))",
        ))
        .order(webhooks::id)
        .limit(limit)
        .for_update()
        .skip_locked()
        .load(conn)
        .await
}

/// The public changes of these types after `after`, in feed order.
pub async fn changes_after(conn: &mut Conn, after: i64, types: &[String], limit: i64) -> QueryResult<Vec<ChangeRow>> {
    changes::table
        .select(ChangeRow::as_select())
        .filter(changes::public)
        .filter(changes::seq.gt(after))
        .filter(changes::resource_type.eq_any(types.to_vec()))
        .order(changes::seq)
        .limit(limit)
        .load(conn)
        .await
}

/// Queues one batch and moves the subscription's position past it.
pub async fn enqueue(
    conn: &mut Conn,
    id: Uuid,
    webhook_id: Uuid,
    first_seq: i64,
    last_seq: i64,
    payload: &serde_json::Value,
) -> QueryResult<()> {
    diesel::insert_into(webhook_deliveries::table)
        .values((
            webhook_deliveries::id.eq(id),
            webhook_deliveries::webhook_id.eq(webhook_id),
            webhook_deliveries::first_seq.eq(first_seq),
            webhook_deliveries::last_seq.eq(last_seq),
            webhook_deliveries::payload.eq(payload),
        ))
        .execute(conn)
        .await?;
    diesel::update(webhooks::table.find(webhook_id)).set(webhooks::after_seq.eq(last_seq)).execute(conn).await?;
    Ok(())
}

/// Due batches of active subscriptions, with where to send them, claimed until `lease_until`
/// (others skipped while locked, and not due again before then).
pub async fn claim_due(
    conn: &mut Conn,
    limit: i64,
    lease_until: DateTime<Utc>,
) -> QueryResult<Vec<(DeliveryRow, String, String)>> {
    let due: Vec<DeliveryRow> = webhook_deliveries::table
        .select(DeliveryRow::as_select())
        .filter(webhook_deliveries::status.eq("pending"))
        .filter(webhook_deliveries::next_attempt_at.le(diesel::dsl::now))
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
            "EXISTS (SELECT 1 FROM webhooks w WHERE w.id = webhook_deliveries.webhook_id AND w.active)",
        ))
        .order(webhook_deliveries::next_attempt_at)
        .limit(limit)
        .for_update()
        .skip_locked()
        .load(conn)
        .await?;
    let ids: Vec<Uuid> = due.iter().map(|d| d.id).collect();
    diesel::update(webhook_deliveries::table.filter(webhook_deliveries::id.eq_any(&ids)))
        .set(webhook_deliveries::next_attempt_at.eq(lease_until))
        .execute(conn)
        .await?;
    let hooks: Vec<Uuid> = due.iter().map(|d| d.webhook_id).collect();
    let targets: Vec<(Uuid, String, String)> = webhooks::table
        .filter(webhooks::id.eq_any(hooks))
        .select((webhooks::id, webhooks::url, webhooks::secret))
        .load(conn)
        .await?;
    Ok(due
        .into_iter()
        .filter_map(|d| {
            let (_, url, secret) = targets.iter().find(|(id, _, _)| *id == d.webhook_id)?.clone();
            Some((d, url, secret))
        })
        .collect())
}

/// Whether the subscription has a batch in flight (read afresh, after its row was locked).
pub async fn has_pending(conn: &mut Conn, webhook_id: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        webhook_deliveries::table
            .filter(webhook_deliveries::webhook_id.eq(webhook_id))
            .filter(webhook_deliveries::status.eq("pending")),
    ))
    .get_result(conn)
    .await
}

/// How many subscriptions the organisation has.
pub async fn count_of_organization(conn: &mut Conn, organization_id: Uuid) -> QueryResult<i64> {
    webhooks::table.filter(webhooks::organization_id.eq(organization_id)).count().get_result(conn).await
}

/// Deletes the batches delivered before `before`; how many.
pub async fn prune_delivered(conn: &mut Conn, before: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(
        webhook_deliveries::table
            .filter(webhook_deliveries::status.eq("delivered"))
            .filter(webhook_deliveries::delivered_at.lt(before)),
    )
    .execute(conn)
    .await
}

/// What an attempt leads to.
#[derive(Clone, Copy, Debug)]
pub enum Outcome {
    Delivered,
    /// Try again then; failing since the first instant.
    Retry {
        at: DateTime<Utc>,
        failing_since: DateTime<Utc>,
    },
    GivenUp,
}

/// Records an attempt on a batch still pending (one deleted meanwhile is left alone).
pub async fn attempted(conn: &mut Conn, id: Uuid, attempt: &serde_json::Value, outcome: Outcome) -> QueryResult<()> {
    let log = diesel::dsl::sql::<diesel::sql_types::Jsonb>("attempt_log || ")
        .bind::<diesel::sql_types::Jsonb, _>(serde_json::Value::Array(vec![attempt.clone()]));
    let target = webhook_deliveries::table
        .filter(webhook_deliveries::id.eq(id))
        .filter(webhook_deliveries::status.eq("pending"));
    let (status, next, failing_since, delivered_at) = match outcome {
        Outcome::Delivered => ("delivered", Utc::now(), None, Some(Utc::now())),
        Outcome::Retry { at, failing_since } => ("pending", at, Some(failing_since), None),
        Outcome::GivenUp => ("failed", Utc::now(), None, None),
    };
    diesel::update(target)
        .set((
            webhook_deliveries::status.eq(status),
            webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
            webhook_deliveries::attempt_log.eq(log),
            webhook_deliveries::next_attempt_at.eq(next),
            webhook_deliveries::failing_since.eq(failing_since),
            webhook_deliveries::delivered_at.eq(delivered_at),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// A subscription's batches, newest first.
pub async fn deliveries(
    conn: &mut Conn,
    webhook_id: Uuid,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<DeliveryRow>> {
    let mut query = webhook_deliveries::table
        .select(DeliveryRow::as_select())
        .filter(webhook_deliveries::webhook_id.eq(webhook_id))
        .into_boxed();
    if let Some((at, id)) = before {
        query = query.filter(
            webhook_deliveries::created_at
                .lt(at)
                .or(webhook_deliveries::created_at.eq(at).and(webhook_deliveries::id.lt(id))),
        );
    }
    query.order((webhook_deliveries::created_at.desc(), webhook_deliveries::id.desc())).limit(limit).load(conn).await
}

/// The newest public change's position, where a new subscription starts.
pub async fn latest_seq(conn: &mut Conn) -> QueryResult<i64> {
    crate::repo::directory::latest(conn).await
}
