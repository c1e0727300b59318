//! Removals (poistot): what left the view of an integration that pulls lists with
//! `updated_since` (a venue, series or occurrence deleted, a series withdrawn from
//! publication), so that a directory never keeps showing what is gone. They are the deletions
//! of the change feed (`directory`): the database's triggers write both with the write itself,
//! in one record.

pub mod access;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::context::Cx;
use crate::domain::directory::DirectoryResource;
use crate::domain::types::names::{from_stored, name_of};
use crate::domain::types::pagination::{ListQuery, Page};
use crate::error::AppError;
use crate::repo::removals::{self as repo, RemovalFilter, RemovalRow};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RemovalReason {
    Deleted,
    /// A series set back to draft: gone from public view, still there for its organisers.
    Unpublished,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Removal {
    pub seq: i64,
    pub resource_type: DirectoryResource,
    pub resource_id: Uuid,
    pub series_id: Option<Uuid>,
    pub reason: RemovalReason,
    pub removed_at: DateTime<Utc>,
}

impl TryFrom<RemovalRow> for Removal {
    type Error = AppError;
    fn try_from(r: RemovalRow) -> Result<Self, AppError> {
        Ok(Removal {
            seq: r.seq,
            resource_type: from_stored("removed resource", &r.resource_type)?,
            resource_id: r.resource_id,
            series_id: r.series_id,
            reason: from_stored("removal reason", &r.reason)?,
            removed_at: r.removed_at,
        })
    }
}

/// Filters of the removals list (`updated_since` is when they were removed).
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RemovalQuery {
    pub resource_type: Option<DirectoryResource>,
}

pub async fn list(cx: &mut Cx<'_>, query: RemovalQuery, list: &ListQuery) -> Result<Page<Removal, i64>, AppError> {
    let page = list.page::<i64>()?;
    let (conn, actor) = cx.parts().await?;
    // Removals are kept as long as the change feed's changes: a cursor or a window reaching
    // back past what was deleted would silently miss some, so it is 410 as in the feed.
    crate::domain::directory::ensure_kept(conn, page.after, list.updated_since).await?;
    let beyond = access::beyond_public(actor);
    let filter = RemovalFilter {
        resource_type: query.resource_type.map(|t| name_of(&t)),
        organizations: beyond.organizations,
        private_types: beyond.types.map(|types| types.iter().map(name_of).collect()),
        since: list.updated_since,
        after: page.after,
        limit: page.fetch_limit(),
    };
    let rows = repo::list(conn, &filter).await?;
    Page::from_rows(rows, &page, |r| r.seq).try_map(Removal::try_from)
}
