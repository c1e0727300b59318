//! Service clients: reporting tools and directory integrations that sign in with
//! `client_credentials`. Platform administration only. The secret is shown once, on creation
//! or rotation, and stored as a hash.

pub mod access;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::domain::access::Scope;
use crate::domain::audit::{self, Audited, Change};
use crate::domain::context::Cx;
use crate::domain::identity::tokens::{random_token, token_hash};
use crate::domain::types::formats;
use crate::domain::types::names::{all_from_stored, name_of};
use crate::domain::types::pagination::{ListQuery, Page};
use crate::domain::types::precondition::IfMatch;
use crate::domain::types::validation;
use crate::error::AppError;
use crate::repo::service_clients::{self as repo, ServiceClientRow, ServiceClientWrite};

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

impl TryFrom<ServiceClientRow> for ServiceClient {
    type Error = AppError;
    fn try_from(r: ServiceClientRow) -> Result<Self, AppError> {
        Ok(ServiceClient {
            scopes: all_from_stored("scope", &r.scopes)?,
            id: r.id,
            name: r.name,
            organization_id: r.organization_id,
            revoked_at: r.revoked_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        })
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

/// Filters of the service-client list.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ServiceClientQuery {
    /// Only clients owned by this organisation.
    pub organization: Option<Uuid>,
}

pub async fn list(
    cx: &mut Cx<'_>,
    query: ServiceClientQuery,
    list: &ListQuery,
) -> Result<Page<ServiceClient, Uuid>, AppError> {
    let page = list.page::<Uuid>()?;
    let (conn, actor) = cx.parts().await?;
    access::can_manage(actor)?;
    let rows = repo::list(conn, query.organization, list.updated_since, page.after, page.fetch_limit()).await?;
    Page::from_rows(rows, &page, |r| r.id).try_map(ServiceClient::try_from)
}

pub async fn get(cx: &mut Cx<'_>, id: Uuid) -> Result<ServiceClient, AppError> {
    let (conn, actor) = cx.parts().await?;
    access::can_manage(actor)?;
    repo::get(conn, id).await?.ok_or(AppError::NotFound).and_then(ServiceClient::try_from)
}

/// A new service client.
#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Raportointityökalu", "organization_id": "01930000-0000-7000-8000-000000000004",
    "scopes": ["indicators:read", "directory:read"]}))]
pub struct ServiceClientFields {
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(max = 200), custom(function = "formats::not_blank"))]
    pub name: String,
    /// The organisation that owns and answers for the client.
    pub organization_id: Uuid,
    #[serde(default)]
    #[schema(max_items = 5)]
    #[validate(length(max = 5))]
    pub scopes: Vec<Scope>,
}

pub async fn create(cx: &mut Cx<'_>, fields: ServiceClientFields) -> Result<WithSecret, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        access::can_manage(actor)?;
        validation::check(&fields)?;
        let mut scopes = fields.scopes.clone();
        scopes.sort();
        scopes.dedup();
        let secret = random_token()?;
        let row = ServiceClientWrite {
            id: Uuid::now_v7(),
            name: fields.name.trim().to_owned(),
            organization_id: fields.organization_id,
            scopes: scopes.iter().map(|s| Some(name_of(s))).collect(),
            secret_hash: token_hash(&secret),
        };
        let client = ServiceClient::try_from(repo::insert(tx, &row).await?)?;
        audit::record(tx, actor, "create", Change::Created(&client)).await?;
        Ok(WithSecret { client, secret })
    })
    .await
}

/// Replaces the secret; the old one stops working at once.
pub async fn rotate_secret(cx: &mut Cx<'_>, id: Uuid) -> Result<WithSecret, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        access::can_manage(actor)?;
        let secret = random_token()?;
        let before = ServiceClient::try_from(repo::lock(tx, id).await?.ok_or(AppError::NotFound)?)?;
        if before.revoked_at.is_some() {
            return Err(AppError::Conflict { detail: "the client was revoked".into() });
        }
        let after = ServiceClient::try_from(repo::set_secret(tx, id, &token_hash(&secret)).await?)?;
        audit::record(tx, actor, "rotate_secret", Change::updated(&before, &after)).await?;
        Ok(WithSecret { client: after, secret })
    })
    .await
}

/// Revokes the client: its secret and its outstanding access tokens stop working.
pub async fn revoke(cx: &mut Cx<'_>, id: Uuid, if_match: IfMatch) -> Result<(), AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        access::can_manage(actor)?;
        let before = ServiceClient::try_from(repo::lock(tx, id).await?.ok_or(AppError::NotFound)?)?;
        if_match.check_required(before.version)?;
        if before.revoked_at.is_some() {
            return Ok(());
        }
        let after = ServiceClient::try_from(repo::revoke(tx, id).await?)?;
        audit::record(tx, actor, "revoke", Change::updated(&before, &after)).await?;
        Ok(())
    })
    .await
}
