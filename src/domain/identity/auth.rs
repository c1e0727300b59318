//! Signing in (the OAuth 2.0 token endpoint's grants), revocation, and turning verified
//! credentials into the request's [`Actor`].

use std::net::IpAddr;

use chrono::Utc;
use diesel_async::AsyncConnection;
use subtle::ConstantTimeEq;
use uuid::Uuid;

use crate::db::{Conn, Db, PooledConn};
use crate::domain::access::{Actor, Membership, Principal, Scope};
use crate::domain::identity::passwords;
use crate::domain::identity::rate_limit::{AccountKey, RateLimiter};
use crate::domain::identity::tokens::{Claims, Credentials, KeySet, SubjectKind, random_token, token_hash};
use crate::domain::types::formats::normalized_email;
use crate::domain::types::names::{all_from_stored, from_stored};
use crate::error::AppError;
use crate::repo::identity::tokens::{self as token_repo, RefreshTokenRow};
use crate::repo::{identity::users as user_repo, service_clients as client_repo};

/// A token request, by grant type.
#[derive(Clone, Debug)]
pub enum Grant {
    Password { username: String, password: String },
    RefreshToken { refresh_token: String },
    ClientCredentials { client_id: String, client_secret: String, scope: Option<String> },
}

#[derive(Clone, Debug)]
pub struct IssuedTokens {
    pub access_token: String,
    pub expires_in: u64,
    pub refresh_token: Option<String>,
    pub scope: String,
}

/// Token endpoint failures, in OAuth 2.0 terms (RFC 6749 §5.2).
#[derive(Debug)]
pub enum OAuthError {
    InvalidRequest(String),
    InvalidGrant(String),
    InvalidClient,
    InvalidScope(String),
    UnsupportedGrantType,
    /// Rate limited, or the service failed: rendered like any other error.
    Service(AppError),
}

impl From<AppError> for OAuthError {
    fn from(e: AppError) -> Self {
        OAuthError::Service(e)
    }
}

impl From<diesel::result::Error> for OAuthError {
    fn from(e: diesel::result::Error) -> Self {
        OAuthError::Service(e.into())
    }
}

/// The scope string of a signed-in person.
const USER_SCOPE: &str = "user";

/// Answers a token request. The per-address limit comes first; a connection is held only while
/// the database is used, never while a password is hashed.
pub async fn grant(
    db: &Db,
    keys: &KeySet,
    limiter: &RateLimiter,
    client_ip: Option<IpAddr>,
    grant: Grant,
) -> Result<IssuedTokens, OAuthError> {
    let mut conn = db.conn().await?;
    limiter.request_from(&mut conn, client_ip).await?;
    match grant {
        Grant::Password { username, password } => {
            password_grant(db, conn, keys, limiter, client_ip, &username, password).await
        }
        Grant::RefreshToken { refresh_token } => refresh_grant(&mut conn, keys, &refresh_token).await,
        Grant::ClientCredentials { client_id, client_secret, scope } => {
            client_grant(&mut conn, keys, &client_id, &client_secret, scope.as_deref()).await
        }
    }
}

/// `conn` is given back to the pool before the password is hashed, and a new one taken after.
async fn password_grant(
    db: &Db,
    mut conn: PooledConn,
    keys: &KeySet,
    limiter: &RateLimiter,
    client_ip: Option<IpAddr>,
    username: &str,
    password: String,
) -> Result<IssuedTokens, OAuthError> {
    let attempt = limiter.attempt(&mut conn, AccountKey::of(username), client_ip).await?;
    let user = user_repo::by_email(&mut conn, &normalized_email(username)).await?;
    drop(conn);
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let matches = passwords::verify_bounded(password, stored).await?;
    let user = match user {
        Some(user) if matches && user.active => user,
        _ => return Err(OAuthError::InvalidGrant("the e-mail address or password is wrong".into())),
    };
    let mut conn = db.conn().await?;
    limiter.succeeded(&mut conn, attempt).await?;
    let refresh_token = random_token()?;
    let sign_in = Uuid::now_v7();
    let row = new_refresh_row(keys, &refresh_token, sign_in, user.id)?;
    token_repo::insert_refresh_token(&mut conn, &row).await?;
    Ok(IssuedTokens {
        access_token: keys.issue_for_sign_in(sign_in, user.id, USER_SCOPE)?,
        expires_in: keys.access_ttl_secs(),
        refresh_token: Some(refresh_token),
        scope: USER_SCOPE.into(),
    })
}

fn new_refresh_row(keys: &KeySet, token: &str, family_id: Uuid, user_id: Uuid) -> Result<RefreshTokenRow, AppError> {
    let ttl = chrono::Duration::from_std(keys.refresh_ttl()).map_err(AppError::internal)?;
    Ok(RefreshTokenRow {
        token_hash: token_hash(token),
        family_id,
        user_id,
        scope: USER_SCOPE.into(),
        expires_at: Utc::now() + ttl,
        used_at: None,
        revoked_at: None,
    })
}

enum Rotation {
    Rotated(IssuedTokens),
    /// A spent token came back: someone holds a copy. The family was revoked.
    Reused,
    Invalid,
}

async fn refresh_grant(conn: &mut Conn, keys: &KeySet, presented: &str) -> Result<IssuedTokens, OAuthError> {
    let hash = token_hash(presented);
    let rotation = conn
        .transaction(async |tx| {
            let Some(row) = token_repo::refresh_token_for_update(tx, &hash).await? else {
                return Ok::<_, AppError>(Rotation::Invalid);
            };
            if row.revoked_at.is_some() || row.expires_at <= Utc::now() {
                return Ok(Rotation::Invalid);
            }
            if row.used_at.is_some() {
                token_repo::revoke_family(tx, row.family_id).await?;
                return Ok(Rotation::Reused);
            }
            let active = user_repo::get(tx, row.user_id).await?.is_some_and(|u| u.active);
            if !active {
                return Ok(Rotation::Invalid);
            }
            token_repo::mark_refresh_token_used(tx, &hash).await?;
            let next = random_token()?;
            token_repo::insert_refresh_token(tx, &new_refresh_row(keys, &next, row.family_id, row.user_id)?).await?;
            Ok(Rotation::Rotated(IssuedTokens {
                access_token: keys.issue_for_sign_in(row.family_id, row.user_id, &row.scope)?,
                expires_in: keys.access_ttl_secs(),
                refresh_token: Some(next),
                scope: row.scope,
            }))
        })
        .await?;
    match rotation {
        Rotation::Rotated(tokens) => Ok(tokens),
        Rotation::Reused => {
            tracing::warn!("refresh token reused; its family was revoked");
            Err(OAuthError::InvalidGrant("the refresh token was already used; sign in again".into()))
        }
        Rotation::Invalid => Err(OAuthError::InvalidGrant("the refresh token is not valid".into())),
    }
}

async fn client_grant(
    conn: &mut Conn,
    keys: &KeySet,
    client_id: &str,
    secret: &str,
    requested: Option<&str>,
) -> Result<IssuedTokens, OAuthError> {
    let id = Uuid::parse_str(client_id).map_err(|_| OAuthError::InvalidClient)?;
    let client = client_repo::get(conn, id).await?;
    let presented = token_hash(secret);
    let client = match client {
        Some(c) if c.revoked_at.is_none() && bool::from(c.secret_hash.ct_eq(&presented)) => c,
        _ => return Err(OAuthError::InvalidClient),
    };
    let granted: Vec<String> = client.scopes.into_iter().flatten().collect();
    let scopes: Vec<String> = match requested.map(str::trim).filter(|s| !s.is_empty()) {
        None => granted,
        Some(requested) => {
            let requested: Vec<String> = requested.split_whitespace().map(str::to_owned).collect();
            if let Some(extra) = requested.iter().find(|s| !granted.contains(s)) {
                return Err(OAuthError::InvalidScope(format!("the client has not been granted '{extra}'")));
            }
            requested
        }
    };
    let scope = scopes.join(" ");
    Ok(IssuedTokens {
        access_token: keys.issue(client.id, SubjectKind::Client, &scope)?,
        expires_in: keys.access_ttl_secs(),
        refresh_token: None,
        scope,
    })
}

/// Revokes a refresh token and every token rotated from the same sign-in (RFC 7009). An
/// unknown token is not an error.
pub async fn revoke(conn: &mut Conn, token: &str) -> Result<(), AppError> {
    if let Some(family) = token_repo::family_of(conn, &token_hash(token)).await? {
        token_repo::revoke_family(conn, family).await?;
    }
    Ok(())
}

/// The request's actor: a verified token is only as good as the account behind it now
/// (deactivated users and revoked clients are refused), and roles are read fresh.
pub async fn resolve(
    conn: &mut Conn,
    credentials: &Credentials,
    request_id: Option<String>,
) -> Result<Actor, AppError> {
    let principal = match credentials {
        Credentials::None => Principal::Anonymous,
        Credentials::Token(claims) => principal_of(conn, claims).await?,
    };
    Ok(Actor { principal, request_id })
}

async fn principal_of(conn: &mut Conn, claims: &Claims) -> Result<Principal, AppError> {
    let gone = || AppError::unauthorized("The access token's account is no longer active.");
    let id = Uuid::parse_str(&claims.sub).map_err(|_| gone())?;
    match claims.kind {
        SubjectKind::User => {
            // The account, whether this sign-in was revoked, and its memberships: one query.
            let rows = user_repo::with_memberships(conn, id, claims.sid).await?;
            let Some(first) = rows.first().filter(|r| r.active) else { return Err(gone()) };
            if first.sign_in_revoked {
                return Err(AppError::unauthorized("The sign-in was revoked; sign in again."));
            }
            let platform_admin = first.platform_admin;
            let memberships = rows
                .iter()
                .filter_map(|r| r.organization_id.zip(r.role.as_deref()))
                .map(|(organization_id, role)| Ok(Membership { organization_id, role: from_stored("role", role)? }))
                .collect::<Result<_, AppError>>()?;
            Ok(Principal::User { id, platform_admin, memberships })
        }
        SubjectKind::Client => {
            let client = client_repo::get(conn, id).await?.filter(|c| c.revoked_at.is_none()).ok_or_else(gone)?;
            let current: Vec<Scope> = all_from_stored("scope", &client.scopes)?;
            let scopes = claims
                .scope
                .split_whitespace()
                .filter_map(|s| from_stored::<Scope>("scope", s).ok())
                .filter(|s| current.contains(s))
                .collect();
            Ok(Principal::Client { id, organization_id: client.organization_id, scopes })
        }
    }
}
