//! The audit log: every write records who did what to which resource, with the fields that
//! changed, in the same transaction as the write. A resource implements [`Audited`]; a write
//! is then one call to [`record`].

pub mod access;

use serde::Serialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::db::Conn;
use crate::domain::access::{Actor, Principal};
use crate::domain::context::Cx;
use crate::domain::types::pagination::{ListQuery, Page};
use crate::error::AppError;
use crate::repo::audit::{self as repo, AuditWrite};

/// A resource whose changes are audited. Its `Serialize` form is the snapshot.
pub trait Audited: Serialize {
    const RESOURCE_TYPE: &'static str;
    fn audit_id(&self) -> String;
    /// The organisations whose admins may read entries about this resource.
    fn audit_organizations(&self) -> Vec<Uuid>;
}

pub enum Change<'a, T> {
    Created(&'a T),
    Updated { before: &'a T, after: &'a T },
    Deleted(&'a T),
}

impl<'a, T> Change<'a, T> {
    pub fn updated(before: &'a T, after: &'a T) -> Self {
        Change::Updated { before, after }
    }
}

/// A resource recorded for organisations besides its own (an occurrence for its series'
/// organisers, a booking for the venue's owner too): the same snapshot, more readers.
#[derive(Serialize)]
#[serde(transparent)]
pub struct Concerning<'a, T> {
    resource: &'a T,
    #[serde(skip)]
    organizations: Vec<Uuid>,
}

pub fn concerning<'a, T>(resource: &'a T, organizations: &[Uuid]) -> Concerning<'a, T> {
    Concerning { resource, organizations: organizations.to_vec() }
}

impl<T: Audited> Audited for Concerning<'_, T> {
    const RESOURCE_TYPE: &'static str = T::RESOURCE_TYPE;
    fn audit_id(&self) -> String {
        self.resource.audit_id()
    }
    fn audit_organizations(&self) -> Vec<Uuid> {
        let mut all = self.resource.audit_organizations();
        all.extend(self.organizations.iter().filter(|o| !all.contains(o)).copied().collect::<Vec<_>>());
        all
    }
}

/// Bookkeeping fields that change with every write and say nothing on their own.
const IGNORED: [&str; 2] = ["version", "updated_at"];

fn snapshot<T: Serialize>(value: &T) -> Result<Map<String, Value>, AppError> {
    match serde_json::to_value(value).map_err(AppError::internal)? {
        Value::Object(map) => Ok(map),
        other => Ok(Map::from_iter([("value".to_owned(), other)])),
    }
}

/// `{"before": {...}, "after": {...}}` holding only the fields that differ.
fn diff<T: Serialize>(change: &Change<'_, T>) -> Result<Value, AppError> {
    Ok(match change {
        Change::Created(after) => serde_json::json!({ "after": snapshot(after)? }),
        Change::Deleted(before) => serde_json::json!({ "before": snapshot(before)? }),
        Change::Updated { before, after } => {
            let (old, new) = (snapshot(before)?, snapshot(after)?);
            let mut b = Map::new();
            let mut a = Map::new();
            for key in old.keys().chain(new.keys().filter(|k| !old.contains_key(*k))) {
                if IGNORED.contains(&key.as_str()) || old.get(key) == new.get(key) {
                    continue;
                }
                b.insert(key.clone(), old.get(key).cloned().unwrap_or(Value::Null));
                a.insert(key.clone(), new.get(key).cloned().unwrap_or(Value::Null));
            }
            serde_json::json!({ "before": b, "after": a })
        }
    })
}

/// Records one write. Call it inside the write's transaction.
pub async fn record<T: Audited>(
    conn: &mut Conn,
    actor: &Actor,
    action: &str,
    change: Change<'_, T>,
) -> Result<(), AppError> {
    let resource = match &change {
        Change::Created(r) | Change::Deleted(r) => *r,
        Change::Updated { after, .. } => *after,
    };
    let (actor_kind, actor_id) = match &actor.principal {
        Principal::Anonymous => ("system", None),
        Principal::User { id, .. } => ("user", Some(*id)),
        Principal::Client { id, .. } => ("client", Some(*id)),
    };
    repo::insert(
        conn,
        &AuditWrite {
            actor_kind,
            actor_id,
            action,
            resource_type: T::RESOURCE_TYPE,
            resource_id: resource.audit_id(),
            organization_ids: resource.audit_organizations().into_iter().map(Some).collect(),
            diff: diff(&change)?,
            request_id: actor.request_id.as_deref(),
        },
    )
    .await?;
    Ok(())
}

/// Removes the stored snapshots of a resource whose personal data was erased: its audit
/// entries, and answers kept for idempotent retries that carry it.
pub async fn scrub<T: Audited>(conn: &mut Conn, resource: &T) -> Result<(), AppError> {
    let id = resource.audit_id();
    repo::scrub(conn, T::RESOURCE_TYPE, &id, serde_json::json!({ "erased": true })).await?;
    crate::repo::idempotency::forget_mentioning(conn, &id).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Thing {
        name: &'static str,
        phone: Option<&'static str>,
        version: i64,
    }

    #[test]
    fn updates_record_only_changed_fields() {
        let before = Thing { name: "a", phone: None, version: 1 };
        let after = Thing { name: "a", phone: Some("+358 40 1"), version: 2 };
        let d = diff(&Change::updated(&before, &after)).unwrap();
        assert_eq!(d, serde_json::json!({"before": {"phone": null}, "after": {"phone": "+358 40 1"}}));
    }
}

/// One audit entry as read back.
#[derive(Clone, Debug)]
pub struct Entry {
    pub seq: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub resource_type: String,
    pub resource_id: String,
    pub organization_ids: Vec<Uuid>,
    pub diff: Value,
    pub request_id: Option<String>,
}

/// Filters of the audit log.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::IntoParams, validator::Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// e.g. `organization`, `membership`, `contact`, `service_client`, `agreement`.
    #[param(max_length = 64)]
    #[validate(length(max = 64))]
    pub resource_type: Option<String>,
    #[param(max_length = 128)]
    #[validate(length(max = 128))]
    pub resource_id: Option<String>,
    /// Entries by this user or client.
    pub actor: Option<Uuid>,
}

/// Entries in sequence order: platform admins read every entry; org admins read entries about
/// their organisations' resources; nobody else reads the log. `updated_since` is the time of
/// the entry.
pub async fn list(cx: &mut Cx<'_>, query: AuditQuery, list: &ListQuery) -> Result<Page<Entry, i64>, AppError> {
    let page = list.page::<i64>()?;
    let (conn, actor) = cx.parts().await?;
    let organizations = access::readable_organizations(actor)?;
    crate::domain::types::validation::check(&query)?;
    let rows = repo::list(
        conn,
        &repo::AuditFilter {
            resource_type: query.resource_type,
            resource_id: query.resource_id,
            actor_id: query.actor,
            organizations,
            since: list.updated_since,
            after_seq: page.after,
            limit: page.fetch_limit(),
        },
    )
    .await?;
    Ok(Page::from_rows(rows, &page, |r| r.seq).map(|r| Entry {
        diff: access::redact(actor, &r.resource_type, r.diff),
        seq: r.seq,
        at: r.at,
        actor_kind: r.actor_kind,
        actor_id: r.actor_id,
        action: r.action,
        resource_type: r.resource_type,
        resource_id: r.resource_id,
        organization_ids: r.organization_ids.into_iter().flatten().collect(),
        request_id: r.request_id,
    }))
}
