//! The request context: the one pooled connection of a request and the actor it acts for.
//!
//! The HTTP layer builds a [`Cx`] from the verified credentials before the body is read; the
//! connection is checked out, and the actor resolved on it, only when a domain function first
//! asks for them, so a slow or oversized body never holds a pooled connection. Start-up tasks
//! and demo data build one around a connection they already hold.

use diesel_async::AsyncConnection;
use diesel_async::TransactionManager;

use crate::db::{Conn, Db, PooledConn};
use crate::domain::access::Actor;
use crate::domain::identity::auth;
use crate::domain::identity::tokens::Credentials;
use crate::error::AppError;

enum Connection<'c> {
    /// From the pool, checked out on first use.
    Pooled {
        db: Db,
        /// The primary, when `db` is the read replica: used if the replica cannot be reached.
        fallback: Option<Db>,
        conn: Option<Box<PooledConn>>,
        /// [`crate::db::lost_connections`] at checkout.
        lost_at: u64,
    },
    Borrowed(&'c mut Conn),
}

pub struct Cx<'c> {
    connection: Connection<'c>,
    credentials: Credentials,
    request_id: Option<String>,
    actor: Option<Actor>,
}

impl Cx<'static> {
    /// A request's context: the connection comes from `db` on first use.
    pub fn new(db: Db, credentials: Credentials, request_id: Option<String>) -> Self {
        Cx {
            connection: Connection::Pooled { db, fallback: None, conn: None, lost_at: 0 },
            credentials,
            request_id,
            actor: None,
        }
    }

    /// A context reading `replica`, or `primary` when the replica cannot be reached.
    pub fn on_replica(replica: Db, primary: Db, credentials: Credentials, request_id: Option<String>) -> Self {
        Cx {
            connection: Connection::Pooled { db: replica, fallback: Some(primary), conn: None, lost_at: 0 },
            credentials,
            request_id,
            actor: None,
        }
    }
}

impl<'c> Cx<'c> {
    /// A context on a connection the caller holds, acting as `actor` (start-up tasks, demo data).
    pub fn acting(conn: &'c mut Conn, actor: Actor) -> Self {
        Cx {
            connection: Connection::Borrowed(conn),
            credentials: Credentials::None,
            request_id: None,
            actor: Some(actor),
        }
    }

    /// A new context for the same caller on the same pool, for work that outlives the request
    /// (a live stream re-checks access with it); `None` on a borrowed connection.
    pub fn renewed(&self) -> Option<Cx<'static>> {
        match &self.connection {
            Connection::Pooled { db, .. } => {
                Some(Cx::new(db.clone(), self.credentials.clone(), self.request_id.clone()))
            }
            Connection::Borrowed(_) => None,
        }
    }

    /// When the caller's access token expires (Unix seconds); `None` without a token.
    pub fn token_expiry(&self) -> Option<i64> {
        match &self.credentials {
            Credentials::Token(claims) => Some(claims.exp),
            Credentials::None => None,
        }
    }

    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The request's connection, checked out of the pool on first use (503 when none is free).
    /// A caller's credentials are checked on it first, also for public data: a token of a
    /// deactivated account or a revoked client is refused everywhere.
    pub async fn conn(&mut self) -> Result<&mut Conn, AppError> {
        Ok(self.parts().await?.0)
    }

    /// Returns the connection to the pool before slow work that needs none (password
    /// hashing); the next [`Cx::conn`] checks one out again. The actor stays resolved.
    pub fn release(&mut self) {
        if let Connection::Pooled { conn: slot, lost_at, .. } = &mut self.connection
            && let Some(conn) = slot.take()
            && crate::db::lost_connections() != *lost_at
        {
            // A connection that reported its server gone may still look open for a few
            // milliseconds: it leaves the pool rather than serve the next request an error.
            drop(diesel_async::pooled_connection::deadpool::Object::take(*conn));
        }
    }

    async fn checkout(&mut self) -> Result<&mut Conn, AppError> {
        match &mut self.connection {
            Connection::Borrowed(conn) => Ok(conn),
            Connection::Pooled { db, fallback, conn, lost_at } => {
                if conn.is_none() {
                    *lost_at = crate::db::lost_connections();
                    let checked_out = match db.conn().await {
                        Ok(c) => c,
                        Err(e) => {
                            let Some(primary) = fallback.take() else { return Err(e) };
                            crate::db::replica_failed();
                            *db = primary;
                            db.conn().await?
                        }
                    };
                    *conn = Some(Box::new(checked_out));
                }
                conn.as_deref_mut().map(|c| &mut **c).ok_or_else(|| AppError::internal("no connection"))
            }
        }
    }

    /// Runs `work` as one transaction, from its first read to its audit record: `work` gets a
    /// context on the transaction's connection acting for the same actor, so everything it
    /// calls (policy, reference checks, other resources' reads) sees and locks the same state.
    /// An error rolls everything back; a request dropped midway leaves the connection in a
    /// transaction, which the pool then discards. Inside a transaction it is a savepoint.
    pub async fn write<T>(
        &mut self,
        work: impl AsyncFnOnce(&mut Cx<'_>) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        type Manager = <Conn as AsyncConnection>::TransactionManager;
        let (conn, actor) = self.parts().await?;
        let actor = actor.clone();
        Manager::begin_transaction(conn).await?;
        let result = work(&mut Cx::acting(conn, actor)).await;
        match result {
            Ok(value) => {
                Manager::commit_transaction(conn).await?;
                Ok(value)
            }
            Err(e) => match Manager::rollback_transaction(conn).await {
                Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(e),
                Err(rollback) => Err(rollback.into()),
            },
        }
    }

    /// The connection and the actor, resolved on it once per request: a token is only as good
    /// as the account behind it now.
    pub async fn parts(&mut self) -> Result<(&mut Conn, &Actor), AppError> {
        if self.actor.is_none() {
            let credentials = std::mem::replace(&mut self.credentials, Credentials::None);
            let request_id = self.request_id.clone();
            let resolved = auth::resolve(self.checkout().await?, &credentials, request_id).await;
            self.credentials = credentials;
            self.actor = Some(resolved?);
        }
        self.checkout().await?;
        let actor = self.actor.as_ref().ok_or_else(|| AppError::internal("actor not resolved"))?;
        let conn = match &mut self.connection {
            Connection::Borrowed(conn) => &mut **conn,
            Connection::Pooled { conn, .. } => {
                conn.as_deref_mut().ok_or_else(|| AppError::internal("no connection"))?
            }
        };
        Ok((conn, actor))
    }
}

impl Drop for Cx<'_> {
    fn drop(&mut self) {
        self.release();
    }
}
