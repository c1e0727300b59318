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

use super::access;
use super::model::{Revision, live, with_authors};
use crate::domain::access::denied;
use crate::domain::context::Cx;
use crate::error::AppError;
use crate::repo::coordination_documents::revisions as repo;

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

/// One open stream in the registry: its number and how to end it.
type OpenStream = (u64, Arc<tokio::sync::Notify>);

#[derive(Default)]
struct Registry {
    by_user: HashMap<Uuid, std::collections::VecDeque<OpenStream>>,
    next_id: u64,
}

impl Registry {
    fn total(&self) -> usize {
        self.by_user.values().map(std::collections::VecDeque::len).sum()
    }
}

/// The process's fan-out point and its stream limits.
pub struct LiveHub {
    sender: broadcast::Sender<Notice>,
    open: Mutex<Registry>,
    per_user: usize,
    per_process: usize,
}

impl LiveHub {
    pub fn new(per_user: usize, per_process: usize) -> LiveHub {
        LiveHub { sender: broadcast::channel(1024).0, open: Mutex::new(Registry::default()), per_user, per_process }
    }

    pub fn publish(&self, notice: Notice) {
        // No receiver means no open stream: nothing to wake.
        let _ = self.sender.send(notice);
    }

    /// Open streams in this process.
    pub fn open_streams(&self) -> usize {
        self.open.lock().map(|open| open.total()).unwrap_or(0)
    }

    /// A stream slot for `who`. A person at their limit gets the slot of their oldest stream,
    /// which ends: a reload or a reconnect must not wait until the server notices that the
    /// old connection is gone. A full process answers 429.
    fn acquire(self: &Arc<Self>, who: Uuid) -> Result<StreamSlot, AppError> {
        let mut open = self.open.lock().map_err(|_| AppError::internal("stream registry poisoned"))?;
        let mine = open.by_user.get(&who).map_or(0, std::collections::VecDeque::len);
        if mine < self.per_user && open.total() >= self.per_process {
            return Err(AppError::TooManyRequests { retry_after_secs: KEEP_ALIVE.as_secs() as u32 });
        }
        let id = open.next_id;
        open.next_id += 1;
        let ended = Arc::new(tokio::sync::Notify::new());
        let streams = open.by_user.entry(who).or_default();
        let evicted = if streams.len() >= self.per_user { streams.pop_front() } else { None };
        streams.push_back((id, ended.clone()));
        if let Some((_, oldest)) = evicted {
            oldest.notify_one();
        }
        Ok(StreamSlot { hub: self.clone(), who, id, ended })
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
    id: u64,
    /// Notified when a newer stream of the same person took this slot.
    ended: Arc<tokio::sync::Notify>,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let Ok(mut open) = self.hub.open.lock() else { return };
        let Some(streams) = open.by_user.get_mut(&self.who) else { return };
        let Some(at) = streams.iter().position(|(id, _)| *id == self.id) else { return };
        streams.remove(at);
        if streams.is_empty() {
            open.by_user.remove(&self.who);
        }
    }
}

/// Listens for new revisions on its own connection for as long as the process runs,
/// reconnecting after a second when the connection fails.
pub async fn listen(database_url: String, hub: Arc<LiveHub>) {
    use diesel_async::RunQueryDsl;
    // Doubles after each failure up to half a minute, so a database that is away does not fill
    // the log; back to a second once listening.
    let mut pause = Duration::from_secs(1);
    loop {
        match crate::db::connect_once(&database_url).await {
            Ok(mut conn) => {
                match diesel::sql_query("LISTEN coordination_revisions") /* the revision log's trigger notifies it */
                    .execute(&mut conn)
                    .await
                {
                    Ok(_) => {
                        pause = Duration::from_secs(1);
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
                }
            }
            Err(e) => tracing::warn!(error = %e, "the revision listener cannot connect"),
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(30));
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
    receiver: broadcast::Receiver<Notice>,
    pending: bool,
    slot: StreamSlot,
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
    let doc = access::visible(actor, live(conn, document_id, false).await?)?;
    let who = actor.user_id().ok_or_else(|| denied(actor))?;
    let slot = hub.acquire(who)?;
    let last = last_event_id.map_or(doc.revision, |n| n.clamp(0, doc.revision));
    let renewed = cx.renewed().ok_or_else(|| AppError::internal("a stream needs a pooled context"))?;
    cx.release();
    Ok(Subscription { pending: last < doc.revision, cx: renewed, document_id, last, receiver, slot })
}

impl Subscription {
    /// Waits for the next revisions of the document (or the keep-alive interval).
    pub async fn next(&mut self) -> Update {
        if !self.pending {
            match tokio::time::timeout(KEEP_ALIVE, self.wait()).await {
                Ok(true) => {}
                // A newer stream of the same person took this one's place.
                Ok(false) => return Update::Ended,
                Err(_) if self.still_allowed().await => return Update::KeepAlive,
                Err(_) => return Update::Ended,
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

    /// Until a notice for this document (or a resync) arrives, or the stream is ended.
    async fn wait(&mut self) -> bool {
        let ended = self.slot.ended.clone();
        tokio::select! {
            _ = ended.notified() => false,
            _ = self.notice() => true,
        }
    }

    async fn notice(&mut self) {
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
        self.cx.token_expiry().is_some_and(|exp| exp <= chrono::Utc::now().timestamp())
    }

    /// Re-resolves the reader and re-checks access on a fresh context.
    async fn fresh(&mut self) -> Result<(), AppError> {
        if self.expired() {
            return Err(AppError::unauthorized("The access token has expired."));
        }
        self.cx = self.cx.renewed().ok_or_else(|| AppError::internal("a stream needs a pooled context"))?;
        let (conn, actor) = self.cx.parts().await?;
        access::visible(actor, live(conn, self.document_id, false).await?)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_at_the_limit_ends_their_oldest_stream_and_a_full_process_refuses() {
        let hub = Arc::new(LiveHub::new(2, 3));
        let (alice, bob) = (Uuid::now_v7(), Uuid::now_v7());
        let first = hub.acquire(alice).unwrap();
        let _second = hub.acquire(alice).unwrap();
        let _third = hub.acquire(alice).unwrap();
        assert_eq!(hub.open_streams(), 2);
        // The oldest was told to end; dropping it later frees nothing twice.
        let ended = first.ended.clone();
        assert!(futures_util::FutureExt::now_or_never(ended.notified()).is_some());
        drop(first);
        assert_eq!(hub.open_streams(), 2);
        let _bobs = hub.acquire(bob).unwrap();
        assert!(matches!(hub.acquire(Uuid::now_v7()), Err(AppError::TooManyRequests { .. })));
        // Someone already at their own limit still replaces their oldest.
        let _fourth = hub.acquire(alice).unwrap();
        assert_eq!(hub.open_streams(), 3);
    }
}
