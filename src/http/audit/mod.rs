//! `/api/v1/audit-log`: who changed what.

use actix_web::get;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::audit::{self, AuditQuery, Entry};
use crate::domain::context::Cx;
use crate::domain::types::pagination::ListQuery;
use crate::error::AppError;
use crate::http::common::{ListResponse, Listed, Listing, ReadErrors};

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"seq": 42, "at": "2026-03-01T09:30:00Z", "actor_kind": "user",
    "actor_id": "01936f0e-5c4a-7b8e-9a51-3f0c2d1e4b6a", "action": "update", "resource_type": "organization",
    "resource_id": "01930000-0000-7000-8000-000000000005", "organization_ids": ["01930000-0000-7000-8000-000000000005"],
    "diff": {"before": {"phone": null}, "after": {"phone": "+358 14 266 0000"}},
    "request_id": "01a20414-6e24-76a2-8e3f-b7cc8b2b7ef3"}))]
pub struct AuditEntryView {
    /// Strictly increasing position in the log.
    pub seq: i64,
    pub at: DateTime<Utc>,
    /// `user`, `client` or `system`.
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    /// `create`, `update`, `delete`, `erase`, `invite`, ...
    pub action: String,
    pub resource_type: String,
    pub resource_id: String,
    /// The organisations the resource belongs to.
    pub organization_ids: Vec<Uuid>,
    /// The fields that changed.
    #[schema(value_type = AuditDiff)]
    pub diff: serde_json::Value,
    pub request_id: Option<String>,
}

impl From<Entry> for AuditEntryView {
    fn from(e: Entry) -> Self {
        AuditEntryView {
            seq: e.seq,
            at: e.at,
            actor_kind: e.actor_kind,
            actor_id: e.actor_id,
            action: e.action,
            resource_type: e.resource_type,
            resource_id: e.resource_id,
            organization_ids: e.organization_ids,
            diff: e.diff,
            request_id: e.request_id,
        }
    }
}

/// Read the audit log in sequence order: platform admins see every entry, org admins the
/// entries about their organisations' resources.
#[utoipa::path(
    operation_id = "list_audit_log",
    tag = "audit",
    params(AuditQuery, ListQuery),
    responses((status = 200, description = "A page of entries", body = ListResponse<AuditEntryView>), ReadErrors),
    security(("bearer" = []))
)]
#[get("/api/v1/audit-log")]
pub async fn list(mut cx: Cx<'static>, query: Listing<AuditQuery>) -> Result<Listed<AuditEntryView>, AppError> {
    let page = audit::list(&mut cx, query.filters, &query.list).await?;
    Ok(Listed::from_page(page, AuditEntryView::from))
}

/// The fields a write changed, with their values before and after: a creation has only
/// `after`, a deletion only `before`; an entry about an erased person says only `erased`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct AuditDiff {
    before: Option<std::collections::BTreeMap<String, serde_json::Value>>,
    after: Option<std::collections::BTreeMap<String, serde_json::Value>>,
    erased: Option<bool>,
}
