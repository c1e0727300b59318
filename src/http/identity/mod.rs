//! Authentication: the bearer-token extractor, the OAuth 2.0 token and revocation
//! endpoints, the JWKS document and `/me`. The bearer-token extractor is the request context
//! (`http::context`).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::db::Db;
use crate::domain::access::{Role, Scope};
use crate::domain::context::Cx;
use crate::domain::identity::auth::{self, Grant, IssuedTokens, OAuthError};
use crate::domain::identity::rate_limit::RateLimiter;
use crate::domain::identity::tokens::{Jwk, KeySet};
use crate::domain::identity::users::{self, Me};
use crate::domain::types::localized::LocalizedText;
use crate::error::{AppError, Problem};
use crate::http::common::{Tagged, client_address, request_id};

/// A token request (RFC 6749 §4.3, §6, §4.4), form-encoded or JSON.
#[derive(Debug, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"grant_type": "password", "username": "maija.meikalainen@example.fi",
                          "password": "correct horse battery staple"}))]
pub struct TokenRequest {
    /// `password`, `refresh_token` or `client_credentials`.
    #[schema(max_length = 32)]
    #[validate(length(max = 32))]
    pub grant_type: String,
    /// E-mail address (`password` grant).
    #[schema(max_length = 254)]
    #[validate(length(max = 254))]
    pub username: Option<String>,
    #[schema(max_length = 1024)]
    #[validate(length(max = 1024))]
    pub password: Option<String>,
    /// `refresh_token` grant.
    #[schema(max_length = 128)]
    #[validate(length(max = 128))]
    pub refresh_token: Option<String>,
    /// `client_credentials` grant, unless sent with HTTP Basic authentication.
    #[schema(max_length = 64)]
    #[validate(length(max = 64))]
    pub client_id: Option<String>,
    #[schema(max_length = 128)]
    #[validate(length(max = 128))]
    pub client_secret: Option<String>,
    /// Space-separated scopes (`client_credentials`); default: all granted.
    #[schema(max_length = 200)]
    #[validate(length(max = 200))]
    pub scope: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"access_token": "eyJhbGciOiJFZERTQSIsImtpZCI6Ii4uLiJ9...", "token_type": "Bearer",
                          "expires_in": 900, "refresh_token": "q1Z8...", "scope": "user"}))]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Single use: each refresh returns a new one. Absent for service clients.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    pub scope: String,
}

impl From<IssuedTokens> for TokenResponse {
    fn from(t: IssuedTokens) -> Self {
        TokenResponse {
            access_token: t.access_token,
            token_type: "Bearer",
            expires_in: t.expires_in,
            refresh_token: t.refresh_token,
            scope: t.scope,
        }
    }
}

/// An OAuth 2.0 error response (RFC 6749 §5.2).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"error": "invalid_grant", "error_description": "the e-mail address or password is wrong"}))]
pub struct OAuthErrorBody {
    /// `invalid_request`, `invalid_grant`, `invalid_client`, `invalid_scope` or `unsupported_grant_type`.
    pub error: &'static str,
    pub error_description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

fn oauth_error(req: &HttpRequest, e: OAuthError) -> Result<HttpResponse, AppError> {
    let (status, error, description) = match e {
        OAuthError::Service(e) => return Err(e),
        OAuthError::InvalidRequest(d) => (actix_web::http::StatusCode::BAD_REQUEST, "invalid_request", d),
        OAuthError::InvalidGrant(d) => (actix_web::http::StatusCode::BAD_REQUEST, "invalid_grant", d),
        OAuthError::InvalidScope(d) => (actix_web::http::StatusCode::BAD_REQUEST, "invalid_scope", d),
        OAuthError::UnsupportedGrantType => (
            actix_web::http::StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "use password, refresh_token or client_credentials".to_owned(),
        ),
        OAuthError::InvalidClient => (
            actix_web::http::StatusCode::UNAUTHORIZED,
            "invalid_client",
            "unknown client, wrong secret, or revoked client".to_owned(),
        ),
    };
    let mut res = HttpResponse::build(status);
    if error == "invalid_client" {
        res.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"yhdyspinta\""));
    }
    Ok(res.insert_header((header::CACHE_CONTROL, "no-store")).json(OAuthErrorBody {
        error,
        error_description: description,
        request_id: request_id(req),
    }))
}

fn parse_token_request(req: &HttpRequest, body: &[u8]) -> Result<TokenRequest, OAuthError> {
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let parsed = if content_type.starts_with("application/x-www-form-urlencoded") {
        serde_urlencoded::from_bytes::<TokenRequest>(body).map_err(|e| e.to_string())
    } else if content_type.starts_with("application/json") {
        serde_json::from_slice::<TokenRequest>(body).map_err(|e| e.to_string())
    } else {
        return Err(OAuthError::Service(AppError::UnsupportedMediaType {
            detail: "Send application/x-www-form-urlencoded or application/json.".into(),
        }));
    };
    let mut request = parsed.map_err(OAuthError::InvalidRequest)?;
    // Client authentication may also come as HTTP Basic (RFC 6749 §2.3.1).
    if let Some(basic) =
        req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Basic "))
    {
        let decoded = STANDARD.decode(basic.trim()).ok().and_then(|b| String::from_utf8(b).ok());
        let (id, secret) = decoded.as_deref().and_then(|d| d.split_once(':')).ok_or(OAuthError::InvalidClient)?;
        request.client_id = Some(id.to_owned());
        request.client_secret = Some(secret.to_owned());
    }
    Ok(request)
}

fn into_grant(r: TokenRequest) -> Result<Grant, OAuthError> {
    // Every field is bounded before anything else: an oversized username never reaches the
    // rate limiter or a database query. An address is at most 254 bytes (RFC 5321).
    if r.username.as_ref().is_some_and(|u| u.len() > MAX_USERNAME_BYTES) {
        return Err(OAuthError::InvalidRequest(format!("too long: username (at most {MAX_USERNAME_BYTES} bytes)")));
    }
    if let Err(e) = r.validate() {
        let fields: Vec<String> =
            crate::domain::types::validation::field_errors(&e).into_iter().map(|f| f.field).collect();
        return Err(OAuthError::InvalidRequest(format!("too long: {}", fields.join(", "))));
    }
    let missing = |name: &str| OAuthError::InvalidRequest(format!("{name} is required for this grant"));
    match r.grant_type.as_str() {
        "password" => Ok(Grant::Password {
            username: r.username.ok_or_else(|| missing("username"))?,
            password: r.password.ok_or_else(|| missing("password"))?,
        }),
        "refresh_token" => {
            Ok(Grant::RefreshToken { refresh_token: r.refresh_token.ok_or_else(|| missing("refresh_token"))? })
        }
        "client_credentials" => Ok(Grant::ClientCredentials {
            client_id: r.client_id.ok_or(OAuthError::InvalidClient)?,
            client_secret: r.client_secret.ok_or(OAuthError::InvalidClient)?,
            scope: r.scope,
        }),
        _ => Err(OAuthError::UnsupportedGrantType),
    }
}

const MAX_USERNAME_BYTES: usize = 254;

/// Issue tokens (OAuth 2.0 token endpoint): `password` for people, `refresh_token` to rotate,
/// `client_credentials` for service clients. Rate limited per client IP and per account.
#[utoipa::path(
    operation_id = "issue_token",
    tag = "auth",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded",
                 description = "Form-encoded (as RFC 6749 prescribes) or the same fields as JSON"),
    responses(
        (status = 200, description = "Tokens", body = TokenResponse),
        (status = 400, description = "OAuth error (`invalid_request`, `invalid_grant`, `invalid_scope`, `unsupported_grant_type`)", body = OAuthErrorBody),
        (status = 401, description = "`invalid_client`", body = OAuthErrorBody),
        (status = 415, description = "Neither form-encoded nor JSON", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts; see `Retry-After`", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "The `Accept` header allows no JSON", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable, or password checks queued to capacity; see `Retry-After`", body = Problem, content_type = "application/problem+json"),
    ),
    security()
)]
#[post("/api/v1/auth/token")]
pub async fn token(
    req: HttpRequest,
    body: web::Bytes,
    db: web::Data<Db>,
    keys: web::Data<KeySet>,
    limiter: web::Data<RateLimiter>,
) -> Result<HttpResponse, AppError> {
    let grant = match parse_token_request(&req, &body).and_then(into_grant) {
        Ok(grant) => grant,
        Err(e) => return oauth_error(&req, e),
    };
    match auth::grant(&db, &keys, &limiter, client_address(&req), grant).await {
        Ok(tokens) => Ok(HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::PRAGMA, "no-cache"))
            .json(TokenResponse::from(tokens))),
        Err(e) => oauth_error(&req, e),
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"token": "q1Z8...", "token_type_hint": "refresh_token"}))]
pub struct RevokeRequest {
    #[schema(max_length = 128)]
    #[validate(length(max = 128))]
    pub token: String,
    #[serde(default)]
    #[schema(max_length = 32)]
    #[validate(length(max = 32))]
    pub token_type_hint: Option<String>,
}

/// Revoke a refresh token and every token rotated from the same sign-in (RFC 7009). Answers
/// 200 whether or not the token was known.
#[utoipa::path(
    operation_id = "revoke_token",
    tag = "auth",
    request_body(content = RevokeRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Revoked (or unknown)"),
        (status = 400, description = "No token given", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "The `Accept` header allows no JSON", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    ),
    security()
)]
#[post("/api/v1/auth/revoke")]
pub async fn revoke(req: HttpRequest, body: web::Bytes, db: web::Data<Db>) -> Result<HttpResponse, AppError> {
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let parsed: Option<RevokeRequest> = if content_type.starts_with("application/json") {
        serde_json::from_slice(&body).ok()
    } else {
        serde_urlencoded::from_bytes(&body).ok()
    };
    let request = parsed
        .filter(|r| r.validate().is_ok())
        .ok_or_else(|| AppError::bad_request("Send the token to revoke as `token` (at most 128 characters)."))?;
    let mut conn = db.conn().await?;
    auth::revoke(&mut conn, &request.token).await?;
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).finish())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

/// The public keys that verify access tokens (RFC 7517), for other services.
#[utoipa::path(operation_id = "jwks", tag = "auth", responses((status = 200, description = "Key set", body = JwkSet)), security())]
#[get("/.well-known/jwks.json")]
pub async fn jwks(keys: web::Data<KeySet>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(JwkSet { keys: keys.jwks().to_vec() })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyMembershipView {
    pub organization_id: Uuid,
    pub organization_name: LocalizedText,
    pub role: Role,
}

/// Who the access token speaks for: a person (`kind: person`) or a service client
/// (`kind: client`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[schema(example = json!({"kind": "person", "id": "01936f0e-5c4a-7b8e-9a51-3f0c2d1e4b6a",
    "email": "maija.meikalainen@example.fi", "display_name": "Maija Meikäläinen", "platform_admin": false,
    "memberships": [{"organization_id": "01930000-0000-7000-8000-000000000005",
                     "organization_name": {"fi": "Jyväskylän kaupunki"}, "role": "coordinator"}]}))]
pub enum MeView {
    /// A signed-in person with their organisations and roles.
    Person { id: Uuid, email: String, display_name: String, platform_admin: bool, memberships: Vec<MyMembershipView> },
    /// A service client: which one, for which organisation, with this token's scopes.
    Client { id: Uuid, name: String, organization_id: Uuid, scopes: Vec<Scope> },
}

/// Who you are signed in as: a person with their organisations and roles, or a service
/// client with its organisation and scopes.
#[utoipa::path(
    operation_id = "get_me",
    tag = "auth",
    responses(
        (status = 200, description = "You", body = MeView, headers(("ETag" = String))),
        (status = 304, description = "Your copy is current"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "The `Accept` header allows no JSON", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/api/v1/me")]
pub async fn me(mut cx: Cx<'static>) -> Result<Tagged, AppError> {
    Tagged::by_content(&match users::me(&mut cx).await? {
        Me::Person { user, memberships } => MeView::Person {
            id: user.id,
            email: user.email,
            display_name: user.display_name,
            platform_admin: user.platform_admin,
            memberships: memberships
                .into_iter()
                .map(|m| MyMembershipView {
                    organization_id: m.organization_id,
                    organization_name: m.organization_name,
                    role: m.role,
                })
                .collect(),
        },
        Me::Client { id, name, organization_id, scopes } => MeView::Client { id, name, organization_id, scopes },
    })
}
