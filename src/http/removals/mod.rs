//! `/api/v1/removals`: what left the view of an integration that pulls with `updated_since`.

use actix_web::get;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::context::Cx;
use crate::domain::directory::DirectoryResource;
use crate::domain::removals::{self as removals, Removal, RemovalQuery, RemovalReason};
use crate::domain::types::pagination::ListQuery;
use crate::error::AppError;
use crate::http::common::{ListResponse, Listed, Listing, ReadErrors};

/// A venue, series or occurrence that an integration should drop.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"resource_type": "event_occurrence", "resource_id": "01938000-0000-7000-8000-000000000011",
    "series_id": "01938000-0000-7000-8000-000000000010", "reason": "deleted", "removed_at": "2026-03-01T09:30:00Z"}))]
pub struct RemovalView {
    pub resource_type: DirectoryResource,
    pub resource_id: Uuid,
    /// The series of a removed occurrence (or the series itself). When a series is removed,
    /// its occurrences go with it.
    pub series_id: Option<Uuid>,
    pub reason: RemovalReason,
    pub removed_at: DateTime<Utc>,
}

impl From<Removal> for RemovalView {
    fn from(r: Removal) -> Self {
        RemovalView {
            resource_type: r.resource_type,
            resource_id: r.resource_id,
            series_id: r.series_id,
            reason: r.reason,
            removed_at: r.removed_at,
        }
    }
}

/// What left view, oldest first: deleted venues, series and occurrences, and series set back
/// to draft. Pull it with the same `updated_since` as the lists. Public ones are for
/// everyone; a draft's are for the organisations it named.
#[utoipa::path(
    operation_id = "list_removals",
    tag = "event-series",
    params(RemovalQuery, ListQuery),
    responses((status = 200, description = "A page of removals", body = ListResponse<RemovalView>),
              (status = 410, description = "Removals this old are no longer kept (`YHDYSPINTA_CHANGE_RETENTION_DAYS`): read the lists again", body = crate::error::Problem, content_type = "application/problem+json"),
              ReadErrors),
    security((), ("bearer" = []))
)]
#[get("/api/v1/removals")]
pub async fn list(mut cx: Cx<'static>, query: Listing<RemovalQuery>) -> Result<Listed<RemovalView>, AppError> {
    let page = removals::list(&mut cx, query.filters, &query.list).await?;
    Ok(Listed::from_page(page, RemovalView::from))
}
