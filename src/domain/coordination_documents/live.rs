//! Live updates of open documents. Each server process holds one PostgreSQL connection that
//! `LISTEN`s for new revisions (the revision table's trigger sends `NOTIFY` on commit) and
//! fans them out to its open streams. A notice only wakes a stream: the stream then reads the
//! revisions after the last one it sent from the log, so nothing is missed when notices are
//! lost (a reconnect, a slow reader) and every process delivers every revision. Each wake
//! re-resolves the reader (account, memberships) and re-checks access: a reader who loses
//! access gets no further revision and the stream ends.

use std::collections::HashMap;
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::broadcast;
use uuid::Uuid;

use super::history::{Revision, with_authors};
use super::readable;
use crate::domain::access::denied;
use crate::domain::context::Cx;
use crate::error::AppError;
use crate::repo::coordination_documents::revisions as repo;

/// The channel the revision trigger notifies.
pub const CHANNEL: &str = "coordination_revisions";
/// How often an idle stream is re-checked and sent a keep-alive comment.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// Most revisions one wake sends; a reader far behind catches up over several.
const BATCH: i64 = 100;
/// Most streams reading at once in a process: a revision wakes every stream of its document,
/// and they take their turns instead of draining the pool.
const READS_AT_ONCE: usize = 4;

async fn read_permit() -> Result<tokio::sync::SemaphorePermit<'static>, AppError> {
    static PERMITS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(READS_AT_ONCE);
    PERMITS.acquire().await.map_err(AppError::internal)
}

/// What woke the streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    Revision {
        document_id: Uuid,
    },
    /// The listener reconnected and may have missed notices: every stream looks.
    Resync,
}

/// The process's fan-out point and its stream limits.
pub struct LiveHub {
    sender: broadcast::Sender<Notice>,
    open: Mutex<HashMap<Uuid, usize>>,
    per_user: usize,
    per_process: usize,
}

impl LiveHub {
    pub fn new(per_user: usize, per_process: usize) -> LiveHub {
        LiveHub { sender: broadcast::channel(1024).0, open: Mutex::new(HashMap::new()), per_user, per_process }
    }

    pub fn publish(&self, notice: Notice) {
        // No receiver means no open stream: nothing to wake.
        let _ = self.sender.send(notice);
    }

    /// Open streams in this process.
    pub fn open_streams(&self) -> usize {
        self.open.lock().map(|open| open.values().sum()).unwrap_or(0)
    }

    /// A stream slot for `who`, or 429 when they or the process have too many open.
    fn acquire(self: &Arc<Self>, who: Uuid) -> Result<StreamSlot, AppError> {
        let mut open = self.open.lock().map_err(|_| AppError::internal("stream registry poisoned"))?;
        let total: usize = open.values().sum();
        let mine = open.get(&who).copied().unwrap_or(0);
        if mine >= self.per_user || total >= self.per_process {
            return Err(AppError::TooManyRequests { retry_after_secs: KEEP_ALIVE.as_secs() as u32 });
        }
        open.insert(who, mine + 1);
        Ok(StreamSlot { hub: self.clone(), who })
    }
}

impl Default for LiveHub {
    fn default() -> Self {
        LiveHub::new(5, 1000)
    }
}

/// One open stream's place in the limits, given back when the stream is dropped.
struct StreamSlot {
    hub: Arc<LiveHub>,
    who: Uuid,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        if let Ok(mut open) = self.hub.open.lock()
            && let Some(n) = open.get_mut(&self.who)
        {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.who);
            }
        }
    }
}

/// Listens for new revisions on its own connection for as long as the process runs,
/// reconnecting after a second when the connection fails.
pub async fn listen(database_url: String, hub: Arc<LiveHub>) {
    use diesel_async::RunQueryDsl;
    loop {
        match crate::db::connect_once(&database_url).await {
            Ok(mut conn) => match diesel::sql_query(format!("LISTEN {CHANNEL}")).execute(&mut conn).await {
                Ok(_) => {
                    hub.publish(Notice::Resync);
                    let mut notices = pin!(conn.notifications_stream());
                    while let Some(notice) = notices.next().await {
                        match notice {
                            Ok(n) => {
                                let id = n.payload.split(' ').next().and_then(|id| id.parse().ok());
                                if let Some(document_id) = id {
                                    hub.publish(Notice::Revision { document_id });
                                }
                            }
                            Err(e) => {
                                tracing::warn!(error = %e, "the revision listener lost its connection");
                                break;
                            }
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot LISTEN for revisions"),
            },
            Err(e) => tracing::warn!(error = %e, "the revision listener cannot connect"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// What a stream sends next.
pub enum Update {
    Revisions(Vec<Revision>),
    KeepAlive,
    /// Access is gone (or the token expired, or the document was deleted): end the stream.
    Ended,
}

/// An open stream of one document's revisions for one reader.
pub struct Subscription {
    cx: Cx<'static>,
    document_id: Uuid,
    last: i64,
    expires_at: Option<i64>,
    receiver: broadcast::Receiver<Notice>,
    pending: bool,
    _slot: StreamSlot,
}

/// Opens a stream after checking access. It starts after `last_event_id` (a revision number,
/// from `Last-Event-ID`) when given, else after the current revision. The pooled connection
/// goes back before the stream starts: each wake borrows one briefly.
pub async fn open(
    cx: &mut Cx<'static>,
    hub: &Arc<LiveHub>,
    document_id: Uuid,
    last_event_id: Option<i64>,
) -> Result<Subscription, AppError> {
    // Subscribed before the current revision is read: a revision committed in between is
    // both read and notified, never neither.
    let receiver = hub.sender.subscribe();
    let (conn, actor) = cx.parts().await?;
    let doc = readable(conn, actor, document_id, false).await?;
    let who = actor.user_id().ok_or_else(|| denied(actor))?;
    let slot = hub.acquire(who)?;
    let last = last_event_id.map_or(doc.revision, |n| n.clamp(0, doc.revision));
    let renewed = cx.renewed().ok_or_else(|| AppError::internal("a stream needs a pooled context"))?;
    cx.release();
    Ok(Subscription {
        pending: last < doc.revision,
        cx: renewed,
        document_id,
        last,
        expires_at: cx.token_expiry(),
        receiver,
        _slot: slot,
    })
}

impl Subscription {
    /// Waits for the next revisions of the document (or the keep-alive interval).
    pub async fn next(&mut self) -> Update {
        if !self.pending {
            let woke = tokio::time::timeout(KEEP_ALIVE, self.wait()).await;
            if woke.is_err() && !self.still_allowed().await {
                return Update::Ended;
            }
            if woke.is_err() {
                return Update::KeepAlive;
            }
        }
        match self.read().await {
            Ok(revisions) if revisions.is_empty() => {
                self.pending = false;
                Update::KeepAlive
            }
            Ok(revisions) => {
                self.last = revisions.last().map_or(self.last, |r| r.revision);
                self.pending = revisions.len() as i64 == BATCH;
                Update::Revisions(revisions)
            }
            // The database is busy or away: try again at the next keep-alive, stream open.
            Err(AppError::Unavailable { .. }) => {
                self.pending = true;
                tokio::time::sleep(KEEP_ALIVE).await;
                Update::KeepAlive
            }
            Err(_) => Update::Ended,
        }
    }

    /// Until a notice for this document (or a resync) arrives.
    async fn wait(&mut self) {
        loop {
            match self.receiver.recv().await {
                Ok(Notice::Revision { document_id }) if document_id == self.document_id => return,
                Ok(Notice::Resync) | Err(broadcast::error::RecvError::Lagged(_)) => return,
                Ok(_) => {}
                Err(broadcast::error::RecvError::Closed) => std::future::pending::<()>().await,
            }
        }
    }

    fn expired(&self) -> bool {
        self.expires_at.is_some_and(|exp| exp <= chrono::Utc::now().timestamp())
    }

    /// Re-resolves the reader and re-checks access on a fresh context.
    async fn fresh(&mut self) -> Result<(), AppError> {
        if self.expired() {
            return Err(AppError::unauthorized("The access token has expired."));
        }
        self.cx = self.cx.renewed().ok_or_else(|| AppError::internal("a stream needs a pooled context"))?;
        let (conn, actor) = self.cx.parts().await?;
        readable(conn, actor, self.document_id, false).await?;
        Ok(())
    }

    async fn still_allowed(&mut self) -> bool {
        let Ok(_permit) = read_permit().await else { return true };
        let allowed = !matches!(
            self.fresh().await,
            Err(AppError::NotFound | AppError::Forbidden | AppError::Unauthorized { .. })
        );
        self.cx.release();
        allowed
    }

    async fn read(&mut self) -> Result<Vec<Revision>, AppError> {
        let _permit = read_permit().await?;
        self.fresh().await?;
        let conn = self.cx.conn().await?;
        let rows = repo::list(conn, self.document_id, Some(self.last), BATCH).await?;
        let revisions = with_authors(conn, rows).await;
        self.cx.release();
        revisions
    }
}
