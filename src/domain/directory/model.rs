//! A change in the feed and a page of them.

use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::domain::event_series::TargetGroup;
use crate::domain::types::formats;

use crate::domain::types::names::from_stored;
use crate::error::AppError;
use crate::repo::directory::ChangeRow;

/// How long changes are kept, in days (`YHDYSPINTA_CHANGE_RETENTION_DAYS`, set at start).
static RETENTION_DAYS: AtomicU32 = AtomicU32::new(90);

pub fn set_retention_days(days: u32) {
    RETENTION_DAYS.store(days.max(1), Ordering::Relaxed);
}

pub fn retention_days() -> u32 {
    RETENTION_DAYS.load(Ordering::Relaxed)
}

/// 410 when some changes after position `after`, or since `since`, may already be deleted: a
/// reader would silently miss them. Otherwise the horizon, the highest position deleted.
pub async fn ensure_kept(
    conn: &mut crate::db::Conn,
    after: Option<i64>,
    since: Option<DateTime<Utc>>,
) -> Result<i64, AppError> {
    let horizon = crate::repo::directory::pruned_through(conn).await?;
    let kept_since = Utc::now() - chrono::Duration::days(i64::from(retention_days()));
    let gone = after.is_some_and(|a| a < horizon) || (horizon > 0 && since.is_some_and(|t| t < kept_since));
    if gone {
        return Err(AppError::CursorExpired { retention_days: retention_days() });
    }
    Ok(horizon)
}

/// Most changes on a page: a mirror catching up reads large pages.
pub const MAX_FEED_LIMIT: i64 = 1000;
pub const DEFAULT_FEED_LIMIT: i64 = 100;

/// What a change is about: the directory's public resources.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DirectoryResource {
    Organization,
    Venue,
    EventSeries,
    EventOccurrence,
    /// A public indicator's definition.
    Indicator,
    /// A public value: approved, not confidential, of a public indicator.
    Observation,
    /// A public network with its member organisations.
    Network,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOp {
    /// Created, changed or (a series) published: read it again.
    Upsert,
    /// Deleted or withdrawn from public view: drop it (a series with its occurrences).
    Delete,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub seq: i64,
    pub resource_type: DirectoryResource,
    pub resource_id: Uuid,
    pub series_id: Option<Uuid>,
    pub op: ChangeOp,
    pub changed_at: DateTime<Utc>,
}

impl TryFrom<ChangeRow> for Change {
    type Error = AppError;
    fn try_from(r: ChangeRow) -> Result<Self, AppError> {
        Ok(Change {
            seq: r.seq,
            resource_type: from_stored("change resource type", &r.resource_type)?,
            resource_id: r.resource_id,
            series_id: r.series_id,
            op: from_stored("change op", &r.op)?,
            changed_at: r.changed_at,
        })
    }
}

/// The feed's parameters.
#[derive(Clone, Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// `meta.next_cursor` (or `meta.latest_cursor`) of an earlier page; without it the feed
    /// starts from the oldest change it keeps.
    #[param(min_length = 1, max_length = 1024, pattern = "^[A-Za-z0-9_-]+$")]
    #[validate(length(min = 1, max = 1024))]
    pub after: Option<String>,
    /// Comma-separated resource types (`organization`, `venue`, `event_series`,
    /// `event_occurrence`, `indicator`, `observation`, `network`); default all.
    #[param(
        example = "venue,event_series",
        max_length = 200,
        pattern = "^(organization|venue|event_series|event_occurrence|indicator|observation|network)(,(organization|venue|event_series|event_occurrence|indicator|observation|network))*$"
    )]
    #[validate(length(max = 200))]
    pub types: Option<String>,
    /// Changes per page, 1–1000 (default 100; larger values are clamped).
    pub limit: Option<i64>,
}

/// Most series in one calendar: a county's calendar fits; the whole country is narrowed.
pub const MAX_CALENDAR_SERIES: i64 = 500;

/// Filters of the directory calendar.
#[derive(Clone, Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CalendarQuery {
    /// Series at a venue in this municipality (three-digit code).
    #[param(example = "179", pattern = "^[0-9]{3}$")]
    #[validate(custom(function = "formats::municipality_code"))]
    pub municipality: Option<String>,
    pub venue: Option<Uuid>,
    /// Published or organised (accepted) by this organisation.
    pub organization: Option<Uuid>,
    pub target_group: Option<TargetGroup>,
}

/// A page of the feed and where to go on from.
#[derive(Clone, Debug)]
pub struct ChangePage {
    pub changes: Vec<Change>,
    /// The position to continue after: the last change on the page, or the one asked for.
    pub next: i64,
    /// The newest public change now, for a client that reads the lists afresh.
    pub latest: i64,
    /// More changes follow now.
    pub more: bool,
    pub limit: i64,
}

/// Most items on an HSDS page.
pub const MAX_HSDS_PER_PAGE: i64 = 500;
pub const DEFAULT_HSDS_PER_PAGE: i64 = 50;

/// HSDS paging and filters (Open Referral's own parameter names).
#[derive(Clone, Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HsdsQuery {
    /// Page number, from 1 (default 1).
    #[param(minimum = 1, maximum = 1000000)]
    #[validate(range(min = 1, max = 1_000_000))]
    pub page: Option<i64>,
    /// Items per page, 1–500 (default 50; larger values are clamped).
    pub per_page: Option<i64>,
    /// Only items modified on or after this instant (RFC 3339 with an offset).
    #[param(example = "2026-03-01T00:00:00Z")]
    pub modified_after: Option<DateTime<Utc>>,
    /// Only what this organisation provides (services), owns or operates (locations), or is.
    pub organization_id: Option<Uuid>,
    /// Accepted for HSDS clients: items are always fully nested.
    pub full: Option<bool>,
}

impl HsdsQuery {
    /// The page number and size asked for, clamped.
    pub fn window(&self) -> (i64, i64) {
        let size = self.per_page.unwrap_or(DEFAULT_HSDS_PER_PAGE).clamp(1, MAX_HSDS_PER_PAGE);
        (self.page.unwrap_or(1), size)
    }
}

/// One HSDS page: Open Referral's paging envelope around the items.
#[derive(Clone, Debug, PartialEq)]
pub struct HsdsPage {
    pub total_items: i64,
    pub page_number: i64,
    pub per_page: i64,
    pub contents: Vec<serde_json::Value>,
}
