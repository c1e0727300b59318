//! People: the signed-in user's own view, and creating accounts.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::db::Conn;
use crate::domain::access::{Actor, Role};
use crate::domain::audit::{self, Audited, Change};
use crate::domain::context::Cx;
use crate::domain::identity::passwords;
use crate::domain::types::formats;
use crate::domain::types::names::from_stored;
use crate::domain::types::stored::from_json;
use crate::error::{AppError, FieldError};
use crate::repo::identity::users::{self as repo, UserRow, UserWrite};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub active: bool,
    pub platform_admin: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        User {
            id: r.id,
            email: r.email,
            display_name: r.display_name,
            active: r.active,
            platform_admin: r.platform_admin,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        }
    }
}

impl Audited for User {
    const RESOURCE_TYPE: &'static str = "user";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_organizations(&self) -> Vec<Uuid> {
        Vec::new()
    }
}

/// The signed-in user with their memberships.
#[derive(Clone, Debug)]
pub enum Me {
    /// A signed-in person with their memberships.
    Person { user: User, memberships: Vec<MyMembership> },
    /// A service client: which one, for which organisation, with the scopes of this token.
    Client { id: Uuid, name: String, organization_id: Uuid, scopes: Vec<crate::domain::access::Scope> },
}

#[derive(Clone, Debug)]
pub struct MyMembership {
    pub organization_id: Uuid,
    pub organization_name: crate::domain::types::localized::LocalizedText,
    pub role: Role,
}

pub async fn me(cx: &mut Cx<'_>) -> Result<Me, AppError> {
    let (conn, actor) = cx.parts().await?;
    let id = match &actor.principal {
        crate::domain::access::Principal::User { id, .. } => *id,
        crate::domain::access::Principal::Anonymous => {
            return Err(AppError::unauthorized("Sign in to see who you are signed in as."));
        }
        crate::domain::access::Principal::Client { id, organization_id, scopes } => {
            let client = crate::repo::service_clients::get(conn, *id).await?.ok_or(AppError::NotFound)?;
            return Ok(Me::Client {
                id: *id,
                name: client.name,
                organization_id: *organization_id,
                scopes: scopes.clone(),
            });
        }
    };
    let user = repo::get(conn, id).await?.ok_or(AppError::NotFound)?;
    let memberships = repo::memberships_with_names(conn, id)
        .await?
        .into_iter()
        .map(|(organization_id, role, name)| {
            Ok(MyMembership { organization_id, organization_name: from_json(name)?, role: from_stored("role", &role)? })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(Me::Person { user: user.into(), memberships })
}

/// Creates a person's account with a password (hashed off the event loop).
pub async fn create(
    conn: &mut Conn,
    actor: &Actor,
    email: &str,
    display_name: &str,
    password: String,
    platform_admin: bool,
) -> Result<User, AppError> {
    let mut errors: Vec<FieldError> = Vec::new();
    if let Err(e) = formats::email(email) {
        errors.push(FieldError::new("email", e.code, e.message.unwrap_or_default()));
    }
    errors.extend(passwords::validate_new("password", &password).err());
    if display_name.trim().is_empty() {
        errors.push(FieldError::new("display_name", "missing_text", "give a name"));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let hash = passwords::hash_bounded(password).await?;
    let row = UserWrite {
        id: Uuid::now_v7(),
        email: formats::normalized_email(email),
        display_name: display_name.trim().to_owned(),
        password_hash: Some(hash),
        platform_admin,
    };
    let user: User = repo::insert(conn, &row).await?.into();
    audit::record(conn, actor, "create", Change::Created(&user)).await?;
    Ok(user)
}
