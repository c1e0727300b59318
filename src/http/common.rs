//! Pieces every resource uses: the list envelope with cursors, ETag handling and the actor.

use actix_web::body::BoxBody;
use actix_web::http::header::{self, EntityTag, Header, IfNoneMatch};
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, Responder};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::domain::types::pagination::{Page, PageRequest};
use crate::error::AppError;

/// Paging information of a list response.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"next_cursor": "WyIwMTkzNmYwZSJd", "limit": 50}))]
pub struct ListMeta {
    /// Pass as `cursor` to read the next page; `null` on the last page.
    pub next_cursor: Option<String>,
    /// The page size used (requested `limit`, clamped to 1–200).
    pub limit: i64,
}

/// The list envelope: `{"data": [...], "meta": {...}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListResponse<T: ToSchema> {
    pub data: Vec<T>,
    pub meta: ListMeta,
}

impl<T: ToSchema> ListResponse<T> {
    /// A whole, bounded collection in the list envelope (no further page).
    pub fn complete(data: Vec<T>) -> Self {
        let limit = i64::try_from(data.len()).unwrap_or(i64::MAX);
        ListResponse { data, meta: ListMeta { next_cursor: None, limit } }
    }
}

/// A list response; also sets `Link: <...>; rel="next"` when another page follows.
pub struct Listed<T> {
    data: Vec<T>,
    next_cursor: Option<String>,
    limit: i64,
}

impl<T> Listed<T> {
    pub fn from_page<D, K: Serialize>(page: Page<D, K>, view: impl FnMut(D) -> T) -> Self {
        Listed {
            next_cursor: page.next.as_ref().map(encode_cursor),
            limit: page.limit,
            data: page.items.into_iter().map(view).collect(),
        }
    }
}

impl<T: Serialize + ToSchema> Responder for Listed<T> {
    type Body = BoxBody;

    fn respond_to(self, req: &HttpRequest) -> HttpResponse {
        let mut res = HttpResponse::Ok();
        if let Some(cursor) = &self.next_cursor {
            res.insert_header((header::LINK, format!("<{}>; rel=\"next\"", next_page_url(req, cursor))));
        }
        res.json(ListResponse { data: self.data, meta: ListMeta { next_cursor: self.next_cursor, limit: self.limit } })
    }
}

/// The request's own path and query with `cursor` replaced.
fn next_page_url(req: &HttpRequest, cursor: &str) -> String {
    let mut pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    pairs.retain(|(k, _)| k != "cursor");
    pairs.push(("cursor".to_owned(), cursor.to_owned()));
    format!("{}?{}", req.path(), serde_urlencoded::to_string(pairs).unwrap_or_default())
}

/// Cursors are opaque to clients: base64url of the JSON keyset position.
pub fn encode_cursor<K: Serialize>(key: &K) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(key).unwrap_or_default())
}

pub fn decode_cursor<K: DeserializeOwned>(cursor: &str) -> Result<K, AppError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| AppError::bad_request("cursor: not a cursor issued by this list; start again without it"))
}

/// The page a list request asks for.
pub fn page_request<K: DeserializeOwned>(limit: Option<i64>, cursor: Option<&str>) -> Result<PageRequest<K>, AppError> {
    let after = cursor.map(decode_cursor).transpose()?;
    Ok(PageRequest::new(limit, after))
}

/// A single resource with a strong ETag; answers `If-None-Match` with 304.
pub struct Tagged {
    body: Vec<u8>,
    etag: EntityTag,
}

impl Tagged {
    /// ETag from the row version, which every write increments.
    pub fn versioned<T: Serialize>(body: &T, version: i64) -> Result<Self, AppError> {
        Ok(Tagged {
            body: serde_json::to_vec(body).map_err(AppError::internal)?,
            etag: EntityTag::new_strong(version.to_string()),
        })
    }

    /// ETag from the representation itself, for resources without a version column.
    pub fn by_content<T: Serialize>(body: &T) -> Result<Self, AppError> {
        let body = serde_json::to_vec(body).map_err(AppError::internal)?;
        let digest = Sha256::digest(&body);
        let tag: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        Ok(Tagged { body, etag: EntityTag::new_strong(tag) })
    }
}

impl Responder for Tagged {
    type Body = BoxBody;

    fn respond_to(self, req: &HttpRequest) -> HttpResponse {
        let not_modified = match IfNoneMatch::parse(req) {
            Ok(IfNoneMatch::Any) => true,
            Ok(IfNoneMatch::Items(tags)) => tags.iter().any(|t| t.weak_eq(&self.etag)),
            Err(_) => false,
        };
        let etag = header::ETag(self.etag);
        if not_modified {
            HttpResponse::NotModified().insert_header(etag).finish()
        } else {
            HttpResponse::Ok().insert_header(etag).content_type("application/json").body(self.body)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let key = ("municipality".to_owned(), "837".to_owned());
        let decoded: (String, String) = decode_cursor(&encode_cursor(&key)).unwrap();
        assert_eq!(decoded, key);
        assert!(decode_cursor::<uuid::Uuid>("not base64!").is_err());
        assert!(decode_cursor::<uuid::Uuid>(&encode_cursor(&key)).is_err());
    }
}

/// The `If-Match` precondition of a write.
#[derive(Clone, Copy, Debug)]
pub enum IfMatch {
    Absent,
    /// `*`: any current version.
    Any,
    Version(i64),
    /// A tag this API never issues (weak, or not a version): can never match.
    Unmatchable,
}

impl IfMatch {
    /// The version to check, if any; 428 when the header is missing.
    pub fn required(self) -> Result<Option<i64>, AppError> {
        match self {
            IfMatch::Absent => Err(AppError::PreconditionRequired),
            other => other.optional(),
        }
    }

    /// The version to check, if the caller sent one.
    pub fn optional(self) -> Result<Option<i64>, AppError> {
        match self {
            IfMatch::Absent | IfMatch::Any => Ok(None),
            IfMatch::Version(v) => Ok(Some(v)),
            IfMatch::Unmatchable => Err(AppError::PreconditionFailed { current_etag: None }),
        }
    }
}

impl FromRequest for IfMatch {
    type Error = AppError;
    type Future = std::future::Ready<Result<IfMatch, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let value = req.headers().get(header::IF_MATCH).map(|v| v.to_str().unwrap_or_default().trim().to_owned());
        let parsed = match value.as_deref() {
            None => IfMatch::Absent,
            Some("*") => IfMatch::Any,
            Some(v) => v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .and_then(|v| v.parse::<i64>().ok())
                .map_or(IfMatch::Unmatchable, IfMatch::Version),
        };
        std::future::ready(Ok(parsed))
    }
}

/// A `201 Created` with `Location` and `ETag`.
pub fn created<T: Serialize>(location: String, version: i64, body: &T) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .insert_header(header::ETag(EntityTag::new_strong(version.to_string())))
        .json(body)
}

/// The request id assigned by the request-context middleware.
pub fn request_id(req: &HttpRequest) -> Option<String> {
    req.extensions().get::<super::middleware::RequestId>().map(|r| r.0.clone())
}

/// Error responses of a list endpoint.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum ListErrors {
    /// Malformed query string or cursor.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(crate::error::Problem),
    /// A filter value is invalid (`errors[]` names it).
    #[response(status = 422, content_type = "application/problem+json")]
    Invalid(crate::error::Problem),
    /// The database is unavailable; retry after `Retry-After` seconds.
    #[response(status = 503, content_type = "application/problem+json")]
    Unavailable(crate::error::Problem),
}

/// Error responses of a write.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum WriteErrors {
    /// Malformed body or parameter.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(crate::error::Problem),
    /// No or invalid access token.
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(crate::error::Problem),
    /// Signed in, but not allowed to do this.
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(crate::error::Problem),
    /// No such resource, or not visible to the caller.
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(crate::error::Problem),
    /// Conflicts with the resource's state or a unique key.
    #[response(status = 409, content_type = "application/problem+json")]
    Conflict(crate::error::Problem),
    /// `If-Match` did not match; the body and `ETag` carry the current version.
    #[response(status = 412, content_type = "application/problem+json")]
    PreconditionFailed(crate::error::Problem),
    /// Body is not JSON.
    #[response(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(crate::error::Problem),
    /// Invalid content; `errors[]` lists the fields.
    #[response(status = 422, content_type = "application/problem+json")]
    Invalid(crate::error::Problem),
    /// The database is unavailable; retry after `Retry-After` seconds.
    #[response(status = 503, content_type = "application/problem+json")]
    Unavailable(crate::error::Problem),
}

/// Error responses of a single-resource read.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum GetErrors {
    /// Malformed path parameter.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(crate::error::Problem),
    /// No such resource, or not visible to the caller.
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(crate::error::Problem),
    /// The database is unavailable; retry after `Retry-After` seconds.
    #[response(status = 503, content_type = "application/problem+json")]
    Unavailable(crate::error::Problem),
}
