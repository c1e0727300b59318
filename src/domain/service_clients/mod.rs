//! Service clients: reporting tools and directory integrations that sign in with
//! `client_credentials`. Platform administration only. The secret is shown once, on creation
//! or rotation, and stored as a hash.

use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use serde::Serialize;
use uuid::Uuid;

use crate::db::Conn;
use crate::domain::access::{self, Action, Actor, Resource, Scope};
use crate::domain::audit::{self, Audited, Change};
use crate::domain::identity::tokens::{random_token, token_hash};
use crate::domain::types::pagination::{Page, PageRequest};
use crate::error::AppError;
use crate::repo::service_clients::{self as repo, NewServiceClientRow, ServiceClientRow};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ServiceClient {
    pub id: Uuid,
    pub name: String,
    pub organization_id: Uuid,
    pub scopes: Vec<Scope>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl From<ServiceClientRow> for ServiceClient {
    fn from(r: ServiceClientRow) -> Self {
        ServiceClient {
            id: r.id,
            name: r.name,
            organization_id: r.organization_id,
            scopes: r.scopes.iter().flatten().filter_map(|s| Scope::parse(s)).collect(),
            revoked_at: r.revoked_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        }
    }
}

impl Audited for ServiceClient {
    const RESOURCE_TYPE: &'static str = "service_client";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_organizations(&self) -> Vec<Uuid> {
        vec![self.organization_id]
    }
}

/// A client with its freshly generated secret (the only time the secret is known).
pub struct WithSecret {
    pub client: ServiceClient,
    pub secret: String,
}

pub async fn list(
    conn: &mut Conn,
    actor: &Actor,
    organization_id: Option<Uuid>,
    page: PageRequest<Uuid>,
) -> Result<Page<ServiceClient, Uuid>, AppError> {
    access::can(actor, Action::Read, Resource::ServiceClients)?;
    let rows = repo::list(conn, organization_id, page.after, page.fetch_limit()).await?;
    Ok(Page::from_rows(rows, &page, |r| r.id).map(ServiceClient::from))
}

pub async fn get(conn: &mut Conn, actor: &Actor, id: Uuid) -> Result<ServiceClient, AppError> {
    access::can(actor, Action::Read, Resource::ServiceClients)?;
    repo::get(conn, id).await?.map(ServiceClient::from).ok_or(AppError::NotFound)
}

pub async fn create(
    conn: &mut Conn,
    actor: &Actor,
    name: &str,
    organization_id: Uuid,
    mut scopes: Vec<Scope>,
) -> Result<WithSecret, AppError> {
    access::can(actor, Action::Create, Resource::ServiceClients)?;
    if name.trim().is_empty() {
        return Err(AppError::invalid("name", "missing_text", "give the client a name"));
    }
    scopes.sort();
    scopes.dedup();
    let secret = random_token()?;
    let row = NewServiceClientRow {
        id: Uuid::now_v7(),
        name: name.trim().to_owned(),
        organization_id,
        scopes: scopes.iter().map(|s| Some(s.as_str().to_owned())).collect(),
        secret_hash: token_hash(&secret),
    };
    conn.transaction(async |tx| {
        let client = ServiceClient::from(repo::insert(tx, &row).await?);
        audit::record(tx, actor, "create", Change::Created(&client)).await?;
        Ok(WithSecret { client, secret })
    })
    .await
}

/// Replaces the secret; the old one stops working at once.
pub async fn rotate_secret(conn: &mut Conn, actor: &Actor, id: Uuid) -> Result<WithSecret, AppError> {
    access::can(actor, Action::Update, Resource::ServiceClients)?;
    let secret = random_token()?;
    conn.transaction(async |tx| {
        let before = ServiceClient::from(repo::get_for_update(tx, id).await?.ok_or(AppError::NotFound)?);
        if before.revoked_at.is_some() {
            return Err(AppError::Conflict { detail: "the client was revoked".into() });
        }
        let after = ServiceClient::from(repo::set_secret(tx, id, &token_hash(&secret)).await?);
        audit::record(tx, actor, "rotate_secret", Change::updated(&before, &after)).await?;
        Ok(WithSecret { client: after, secret })
    })
    .await
}

/// Revokes the client: its secret and its outstanding access tokens stop working.
pub async fn revoke(conn: &mut Conn, actor: &Actor, id: Uuid) -> Result<(), AppError> {
    access::can(actor, Action::Delete, Resource::ServiceClients)?;
    conn.transaction(async |tx| {
        let before = ServiceClient::from(repo::get_for_update(tx, id).await?.ok_or(AppError::NotFound)?);
        if before.revoked_at.is_some() {
            return Ok(());
        }
        let after = ServiceClient::from(repo::revoke(tx, id).await?);
        audit::record(tx, actor, "revoke", Change::updated(&before, &after)).await?;
        Ok(())
    })
    .await
}
