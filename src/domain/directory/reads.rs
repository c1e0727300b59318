//! Reading the feed: one page after a cursor.

use super::model::*;
use crate::domain::context::Cx;
use crate::domain::types::names::comma_separated;
use crate::domain::types::pagination::decode_cursor;
use crate::domain::types::validation;
use crate::error::AppError;
use crate::repo::directory::{self as repo, ChangeFilter};

/// The changes after `query.after`, oldest first. A cursor behind the retention horizon is 410:
/// changes after it are gone, so the client must read the lists again.
pub async fn changes(cx: &mut Cx<'_>, query: &FeedQuery) -> Result<ChangePage, AppError> {
    let (conn, actor) = cx.parts().await?;
    super::access::can_read(actor)?;
    validation::check(query)?;
    let after = match query.after.as_deref() {
        Some(cursor) => Some(decode_cursor::<i64>(cursor)?),
        None => None,
    };
    let types = query.types.as_deref().map(|t| comma_separated::<DirectoryResource>("types", t)).transpose()?;
    let limit = query.limit.unwrap_or(DEFAULT_FEED_LIMIT).clamp(1, MAX_FEED_LIMIT);
    let after = after.unwrap_or(ensure_kept(conn, after, None).await?);
    let mut rows = repo::list(conn, &ChangeFilter { types, after, limit: limit + 1 }).await?;
    let more = rows.len() > usize::try_from(limit).unwrap_or(usize::MAX);
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    // Pruning may have committed between the check and the read: then the page may lack
    // changes after the cursor, and the answer is 410 after all.
    ensure_kept(conn, Some(after), None).await?;
    let latest = repo::latest(conn).await?;
    let changes = rows.into_iter().map(Change::try_from).collect::<Result<Vec<_>, _>>()?;
    let next = changes.last().map_or(after, |c| c.seq);
    Ok(ChangePage { changes, next, latest: latest.max(next), more, limit })
}
