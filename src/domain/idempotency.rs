//! `Idempotency-Key` on creating requests: the first answer to a caller's key is kept for a
//! day, and a retry of the same request (same method, path and body) gets it again instead
//! of creating a second resource. The same key with another request is refused with 409, as
//! any well-formed request that conflicts with the current state is.

use chrono::{Duration, Utc};

use crate::db::Conn;
use crate::error::AppError;
use crate::repo::idempotency as repo;

/// How long an answer is kept.
pub const KEPT_FOR_HOURS: i64 = 24;
/// A claim left unanswered this long was abandoned (its process died): it may be taken over.
const ABANDONED_AFTER_SECS: i64 = 60;

/// A kept answer, as first given.
#[derive(Clone, Debug)]
pub struct Answer {
    pub status: u16,
    pub location: Option<String>,
    pub etag: Option<String>,
    pub body: Vec<u8>,
}

/// What to do with a request that carries a key.
pub enum Claim {
    /// The first request with this key: answer it, then [`keep`] or [`release`].
    Fresh,
    /// A retry: give this answer again.
    Replay(Answer),
}

/// Claims `key` for `caller`'s request with `request_hash`.
pub async fn claim(conn: &mut Conn, caller: &str, key: &str, request_hash: &[u8]) -> Result<Claim, AppError> {
    // Twice at most: an expired or abandoned claim is released and claimed again.
    for _ in 0..2 {
        if repo::claim(conn, caller, key, request_hash).await? {
            return Ok(Claim::Fresh);
        }
        let Some(kept) = repo::get(conn, caller, key).await? else { continue };
        let age = Utc::now() - kept.created_at;
        let abandoned = kept.status.is_none() && age > Duration::seconds(ABANDONED_AFTER_SECS);
        if age > Duration::hours(KEPT_FOR_HOURS) || abandoned {
            repo::release(conn, caller, key).await?;
            continue;
        }
        // The request is well formed; it conflicts with what the key already stands for.
        if kept.request_hash != request_hash {
            return Err(AppError::Conflict {
                detail: "Idempotency-Key: this key was used with another request; use a new key for a new request"
                    .into(),
            });
        }
        let (Some(status), Some(body)) = (kept.status, kept.body) else {
            return Err(AppError::Conflict { detail: "a request with this Idempotency-Key is being answered".into() });
        };
        return Ok(Claim::Replay(Answer {
            status: u16::try_from(status).map_err(AppError::internal)?,
            location: kept.location,
            etag: kept.etag,
            body,
        }));
    }
    Err(AppError::Conflict { detail: "a request with this Idempotency-Key is being answered".into() })
}

/// Keeps the answer to a fresh claim; answers older than a day are forgotten meanwhile.
pub async fn keep(conn: &mut Conn, caller: &str, key: &str, answer: &Answer) -> Result<(), AppError> {
    let status = i16::try_from(answer.status).map_err(AppError::internal)?;
    repo::keep(conn, caller, key, status, answer.location.as_deref(), answer.etag.as_deref(), &answer.body).await?;
    repo::forget_before(conn, Utc::now() - Duration::hours(KEPT_FOR_HOURS)).await?;
    Ok(())
}

/// Releases a fresh claim whose request was not answered with success, so it can be retried.
pub async fn release(conn: &mut Conn, caller: &str, key: &str) -> Result<(), AppError> {
    repo::release(conn, caller, key).await?;
    Ok(())
}
