//! How long changes are kept (`YHDYSPINTA_CHANGE_RETENTION_DAYS`): deleting older ones keeps
//! the record small, and moves the horizon that older cursors are answered 410 from.

use chrono::Utc;

use super::model::retention_days;
use crate::db::Conn;
use crate::error::AppError;
use crate::repo::directory as repo;

/// Deletes the changes older than the retention period (housekeeping); how many.
pub async fn prune(conn: &mut Conn) -> Result<usize, AppError> {
    let cutoff = Utc::now() - chrono::Duration::days(i64::from(retention_days()));
    Ok(repo::prune(conn, cutoff).await?)
}
