//! `Idempotency-Key` on creating POSTs, for every resource at once: the middleware claims the
//! caller's key before the handler runs and keeps a successful answer, which a retry of the
//! same request gets again (with `Idempotent-Replayed: true`). The rules are in
//! `domain::idempotency`.
//!
//! Operations whose answer carries a secret shown only once (tokens, client secrets,
//! invitation tokens) take no key: keeping the answer would keep the secret.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, web};
use sha2::{Digest, Sha256};

use crate::db::Db;
use crate::domain::idempotency::{self, Answer, Claim};
use crate::domain::identity::tokens::{KeySet, SubjectKind};
use crate::error::AppError;
use crate::http::framework::JSON_BODY_LIMIT;
use crate::http::middleware::RoutePattern;

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// Routes whose POST takes no key: answers carrying a secret shown once, and the anonymous
/// redemption of an invitation (a key belongs to a signed-in caller).
pub const NO_KEY: [&str; 6] = [
    "/api/v1/auth/token",
    "/api/v1/auth/revoke",
    "/api/v1/service-clients",
    "/api/v1/service-clients/{id}/secret",
    "/api/v1/organizations/{id}/members",
    "/api/v1/invitations/{token}/accept",
];

pub async fn idempotency(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(key) = req.headers().get(&IDEMPOTENCY_KEY).cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    // Keys are the caller's own; without a valid token the handler answers 401 anyway.
    let Some(caller) = caller(&req).filter(|_| req.method() == Method::POST) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let key =
        match key.to_str().ok().filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic())) {
            Some(key) => key.to_owned(),
            None => {
                return Ok(req.error_response(AppError::bad_request("Idempotency-Key: 1-255 visible ASCII characters")));
            }
        };
    let route = req.extensions().get::<RoutePattern>().and_then(|r| r.0.clone()).unwrap_or_default();
    if NO_KEY.contains(&&*route) {
        return Ok(req.error_response(AppError::bad_request(
            "This operation takes no Idempotency-Key (its answer carries a secret shown only once, or it is anonymous).",
        )));
    }
    // From here on every failure is answered, not returned: an error returned past the
    // request-context layer would miss its problem body, headers and log line.
    let Some(db) = req.app_data::<web::Data<Db>>().cloned() else {
        return Ok(req.error_response(AppError::internal("no database")));
    };
    let body = match req.extract::<web::Bytes>().await {
        Ok(body) if body.len() <= JSON_BODY_LIMIT => body,
        Ok(_) => return Ok(req.error_response(AppError::PayloadTooLarge { limit: JSON_BODY_LIMIT })),
        Err(e) if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Ok(req.error_response(AppError::PayloadTooLarge { limit: JSON_BODY_LIMIT }));
        }
        Err(e) => return Ok(req.error_response(e)),
    };
    // The query string is part of the request (where a new row goes, say).
    let hash = Sha256::new()
        .chain_update(req.path())
        .chain_update([0])
        .chain_update(req.query_string())
        .chain_update([0])
        .chain_update(&body)
        .finalize();
    req.set_payload(Payload::from(body));

    // The connection is held for the claim only, not while the handler runs (it takes its own).
    let claim = match db.conn().await {
        Ok(mut conn) => idempotency::claim(&mut conn, &caller, &key, &hash).await,
        Err(e) => Err(e),
    };
    match claim {
        Err(e) => Ok(req.error_response(e)),
        Ok(Claim::Replay(answer)) => {
            // Only successful answers are kept.
            let mut res = HttpResponse::build(StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK));
            res.content_type("application/json").insert_header((REPLAYED, "true"));
            if let Some(location) = answer.location {
                res.insert_header((header::LOCATION, location));
            }
            if let Some(etag) = answer.etag {
                res.insert_header((header::ETAG, etag));
            }
            let (http_req, _) = req.into_parts();
            Ok(ServiceResponse::new(http_req, res.body(answer.body)))
        }
        Ok(Claim::Fresh) => {
            let res = next.call(req).await?.map_into_boxed_body();
            if !res.status().is_success() {
                let released = match db.conn().await {
                    Ok(mut conn) => idempotency::release(&mut conn, &caller, &key).await,
                    Err(e) => Err(e),
                };
                if let Err(e) = released {
                    tracing::warn!(error = %e, "an idempotency key could not be released; it expires with its window");
                }
                return Ok(res);
            }
            let (http_req, res) = res.into_parts();
            let (head, body) = res.into_parts();
            let Ok(body) = actix_web::body::to_bytes(body).await else {
                return Ok(ServiceResponse::new(http_req, HttpResponse::from_error(AppError::internal("answer body"))));
            };
            let text = |name: HeaderName| head.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
            let answer = Answer {
                status: head.status().as_u16(),
                location: text(header::LOCATION),
                etag: text(header::ETAG),
                body: body.to_vec(),
            };
            // The write is done: its answer goes to the caller even if it cannot be kept for a
            // retry (which then finds the key still claimed and is told so).
            let kept = match db.conn().await {
                Ok(mut conn) => idempotency::keep(&mut conn, &caller, &key, &answer).await,
                Err(e) => Err(e),
            };
            if let Err(e) = kept {
                tracing::warn!(error = %e, "the answer to an idempotent request could not be kept for retries");
            }
            Ok(ServiceResponse::new(http_req, head.set_body(BoxBody::new(body))))
        }
    }
}

/// The caller a key belongs to: the subject of a valid access token.
fn caller(req: &ServiceRequest) -> Option<String> {
    let token = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ")?.trim();
    let claims = req.app_data::<web::Data<KeySet>>()?.verify(token).ok()?;
    let kind = match claims.kind {
        SubjectKind::User => "user",
        SubjectKind::Client => "client",
    };
    Some(format!("{kind}:{}", claims.sub))
}
