//! Reading the feed: one page after a cursor.

use super::model::*;
use crate::domain::context::Cx;
use crate::domain::types::names::comma_separated;
use crate::domain::types::pagination::{decode_cursor, encode_cursor};
use crate::error::AppError;
use crate::repo::directory::{self as repo, ChangeFilter};

/// The cursor a client continues from.
pub fn cursor(seq: i64) -> String {
    encode_cursor(&seq)
}

/// The changes after `query.after`, oldest first. A cursor behind the retention horizon is 410:
/// changes after it are gone, so the client must read the lists again.
pub async fn changes(cx: &mut Cx<'_>, query: &FeedQuery) -> Result<ChangePage, AppError> {
    let (conn, actor) = cx.parts().await?;
    super::access::can_read(actor)?;
    let after = match query.after.as_deref() {
        Some(cursor) => Some(decode_cursor::<i64>(cursor)?),
        None => None,
    };
    let types = query.types.as_deref().map(|t| comma_separated::<DirectoryResource>("types", t)).transpose()?;
    let limit = query.limit.unwrap_or(DEFAULT_FEED_LIMIT).clamp(1, MAX_FEED_LIMIT);
    let horizon = repo::pruned_through(conn).await?;
    if after.is_some_and(|after| after < horizon) {
        return Err(AppError::CursorExpired { retention_days: retention_days() });
    }
    let after = after.unwrap_or(horizon);
    let mut rows = repo::list(conn, &ChangeFilter { types, after, limit: limit + 1 }).await?;
    let more = rows.len() > usize::try_from(limit).unwrap_or(usize::MAX);
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    // Pruning may have committed between the check and the read: then the page may lack
    // changes after the cursor, and the answer is 410 after all.
    if repo::pruned_through(conn).await? > after {
        return Err(AppError::CursorExpired { retention_days: retention_days() });
    }
    let latest = repo::latest(conn).await?;
    let changes = rows.into_iter().map(Change::try_from).collect::<Result<Vec<_>, _>>()?;
    let next = changes.last().map_or(after, |c| c.seq);
    Ok(ChangePage { changes, next, latest: latest.max(next), more, limit })
}
