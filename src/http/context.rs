//! The request-context extractor: verifies the bearer token and builds the domain's
//! [`Cx`]. Put it first among a handler's arguments: it is ready at once, so a caller without
//! credentials on an operation whose contract requires them gets 401 before the body is read
//! or judged, and the pooled connection is taken only when the domain first needs it.

use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};

use crate::db::Db;
use crate::domain::context::Cx;
use crate::domain::identity::tokens::{Credentials, KeySet};
use crate::error::AppError;
use crate::http::common::request_id;
use crate::http::framework::KnownPaths;
use crate::http::middleware::RoutePattern;

impl FromRequest for Cx<'static> {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(context(req))
    }
}

fn context(req: &HttpRequest) -> Result<Cx<'static>, AppError> {
    let credentials = credentials(req)?;
    if matches!(credentials, Credentials::None) && requires_token(req) {
        return Err(AppError::unauthorized("Sign in: this operation needs an access token."));
    }
    // An anonymous read is the same for everyone and public: the replica serves it while it
    // keeps up. A signed-in caller reads the primary, so whoever has just written reads it back.
    let replica = req.app_data::<web::Data<crate::db::ReadReplica>>().filter(|_| {
        matches!(credentials, Credentials::None)
            && req.method() == actix_web::http::Method::GET
            && crate::db::replica_usable()
    });
    let db = req.app_data::<web::Data<Db>>().ok_or_else(|| AppError::internal("no database"))?;
    match replica {
        Some(replica) => Ok(Cx::on_replica(replica.0.clone(), db.get_ref().clone(), credentials, request_id(req))),
        None => Ok(Cx::new(db.get_ref().clone(), credentials, request_id(req))),
    }
}

/// The verified claims of `Authorization: Bearer …`, or none without the header.
fn credentials(req: &HttpRequest) -> Result<Credentials, AppError> {
    let bearer = match bearer_token(req) {
        None => return Ok(Credentials::None),
        Some(token) => {
            token.ok_or_else(|| AppError::unauthorized("Send the access token as `Authorization: Bearer <token>`."))?
        }
    };
    let keys = req.app_data::<web::Data<KeySet>>().ok_or_else(|| AppError::internal("no key set"))?;
    Ok(Credentials::Token(keys.verify(bearer)?))
}

/// The token of `Authorization: Bearer …`: `None` without the header, `Some(None)` when the
/// header is there but is no bearer token.
pub fn bearer_token(req: &HttpRequest) -> Option<Option<&str>> {
    let value = req.headers().get(header::AUTHORIZATION)?;
    Some(
        value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|t| !t.is_empty()),
    )
}

/// Whether the contract declares this operation for signed-in callers only.
fn requires_token(req: &HttpRequest) -> bool {
    let extensions = req.extensions();
    let pattern = extensions.get::<RoutePattern>().and_then(|r| r.0.as_deref());
    let (Some(pattern), Some(known)) = (pattern, req.app_data::<web::Data<KnownPaths>>()) else {
        return false;
    };
    known.requires_token(pattern, req.method().as_str())
}
