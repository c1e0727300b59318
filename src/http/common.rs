//! Pieces every resource's handlers use: the list envelope with cursors and the shared list
//! parameters, ETags (`Tagged`, `If-Match`), `201 Created`, and the documented error responses.

use actix_web::body::BoxBody;
use actix_web::http::Method;
use actix_web::http::header::{self, EntityTag, Header, IfNoneMatch};
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, Responder};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

pub use crate::domain::types::pagination::decode_cursor;

use crate::domain::types::pagination::{ListQuery, Page, encode_cursor};
use crate::domain::types::precondition::IfMatch;
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

/// The items of a list, by reference to their own schema (not a copy of it).
fn items_by_ref<T: ToSchema>() -> utoipa::openapi::schema::Array {
    utoipa::openapi::schema::ArrayBuilder::new().items(utoipa::openapi::Ref::from_schema_name(T::name())).build()
}

/// Serialises a timestamp exactly as chrono's own `Serialize` does (RFC 3339 in UTC with `Z`
/// and as many fraction digits as it has), formatted into one string first: chrono writes it
/// a character at a time through serde_json's escaping writer, which made the timestamps the
/// largest part of serialising a list page. For `#[serde(serialize_with)]` on hot views.
pub fn timestamp<S: serde::Serializer>(value: &chrono::DateTime<chrono::Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&value.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
}

/// The list envelope: `{"data": [...], "meta": {...}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListResponse<T: ToSchema> {
    #[schema(schema_with = items_by_ref::<T>)]
    pub data: Vec<T>,
    pub meta: ListMeta,
}

/// A list request: the shared [`ListQuery`] and the list's own filters `F`. Both are read from
/// the one query string, and a parameter neither knows is rejected (400), so a typo never
/// silently widens a list.
pub struct Listing<F> {
    pub list: ListQuery,
    pub filters: F,
}

/// A list without filters of its own.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NoFilters {}

impl<F: DeserializeOwned + 'static> FromRequest for Listing<F> {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(listing(req.query_string()))
    }
}

fn listing<F: DeserializeOwned>(query: &str) -> Result<Listing<F>, AppError> {
    let bad = |e: serde_urlencoded::de::Error| AppError::bad_request(format!("Invalid query string: {e}"));
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).map_err(bad)?;
    if pairs.iter().any(|(k, v)| k.contains('\0') || v.contains('\0')) {
        return Err(AppError::bad_request("Query parameters cannot contain the NUL character (U+0000)."));
    }
    if let Some((_, since)) = pairs.iter().find(|(k, _)| k == "updated_since")
        && chrono::DateTime::parse_from_rfc3339(since).is_err()
    {
        return Err(AppError::invalid(
            "updated_since",
            "invalid_timestamp",
            "use an RFC 3339 timestamp with an offset, e.g. 2026-03-01T00:00:00Z",
        ));
    }
    let (list, own): (Vec<_>, Vec<_>) = pairs.into_iter().partition(|(k, _)| ListQuery::NAMES.contains(&k.as_str()));
    let encode = |p: &[(String, String)]| serde_urlencoded::to_string(p).unwrap_or_default();
    let list: ListQuery = serde_urlencoded::from_str(&encode(&list)).map_err(bad)?;
    let filters: F = serde_urlencoded::from_str(&encode(&own)).map_err(bad)?;
    Ok(Listing { list, filters })
}

/// A JSON request body: a JSON object read into `T`, so a member of the wrong type is a 422
/// naming its JSON path. Size limit, content type and syntax are the JSON extractor's.
pub struct Body<T>(pub T);

impl<T> Body<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Body<T> {
    type Error = actix_web::Error;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let json = actix_web::web::Json::<serde_json::Value>::from_request(req, payload);
        Box::pin(async move {
            let value = json.await?.into_inner();
            if !value.is_object() {
                return Err(AppError::invalid("body", "not_an_object", "the body is a JSON object").into());
            }
            Ok(Body(crate::domain::types::validation::from_json(value)?))
        })
    }
}

/// A PATCH body in either patch format, by `Content-Type`: `application/json-patch+json` is a
/// JSON Patch (RFC 6902); `application/merge-patch+json` and `application/json` a JSON Merge
/// Patch (RFC 7396).
pub struct PatchBody(pub crate::domain::types::merge_patch::Patch);

impl FromRequest for PatchBody {
    type Error = actix_web::Error;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        use crate::domain::types::merge_patch::Patch;
        let json_patch =
            req.mime_type().ok().flatten().is_some_and(|m| m.essence_str() == "application/json-patch+json");
        let json = actix_web::web::Json::<serde_json::Value>::from_request(req, payload);
        Box::pin(async move {
            let value = json.await?.into_inner();
            Ok(PatchBody(if json_patch { Patch::Json(value) } else { Patch::Merge(value) }))
        })
    }
}

/// A write's result, where a stale `If-Match` becomes a 412 that also carries the resource as
/// it is now (`current`, read by `current` on the same connection) and its ETag, so the client
/// can show the user what changed and who changed it without another request. Where nothing
/// exists to match (an `If-Match` naming a version of a record never made), the 412 has
/// neither.
pub async fn or_stale<T, V: Serialize + Versioned>(
    result: Result<T, AppError>,
    current: impl AsyncFnOnce() -> Result<V, AppError>,
) -> Result<T, AppError> {
    let Err(AppError::PreconditionFailed { .. }) = result else { return result };
    match current().await {
        Ok(view) => Err(AppError::PreconditionFailed {
            current_etag: Some(version_tag(&view).to_string()),
            current: serde_json::to_value(&view).ok().map(Box::new),
        }),
        Err(AppError::NotFound) => Err(AppError::PreconditionFailed { current_etag: None, current: None }),
        Err(e) => Err(e),
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
        let expected = VIEW_BYTES * (self.data.len() + 1);
        let list =
            ListResponse { data: self.data, meta: ListMeta { next_cursor: self.next_cursor, limit: self.limit } };
        match json_bytes(&list, expected) {
            Ok(body) => res.content_type("application/json").body(body),
            Err(e) => HttpResponse::from_error(AppError::internal(e)),
        }
    }
}

/// About what one view takes as JSON; a buffer grown from empty instead copied a list page
/// several times over while it was written.
const VIEW_BYTES: usize = 1024;

fn json_bytes<T: Serialize + ?Sized>(value: &T, expected: usize) -> Result<Vec<u8>, serde_json::Error> {
    let mut body = Vec::with_capacity(expected);
    serde_json::to_writer(&mut body, value)?;
    // The answer keeps its buffer while it is sent: a page of small views gives back the rest.
    if body.capacity() > 2 * body.len() {
        body.shrink_to_fit();
    }
    Ok(body)
}

/// The request's own path and query with `cursor` replaced.
pub fn next_page_url(req: &HttpRequest, cursor: &str) -> String {
    let mut pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    pairs.retain(|(k, _)| k != "cursor");
    pairs.push(("cursor".to_owned(), cursor.to_owned()));
    format!("{}?{}", req.path(), serde_urlencoded::to_string(pairs).unwrap_or_default())
}

/// A view whose ETag comes from its row version, which every write increments.
pub trait Versioned {
    fn version(&self) -> i64;

    /// Names a partial view of the version (`public`): its ETag differs from the full view's,
    /// so a reader who gains access never revalidates a redacted copy into a 304, and it never
    /// matches an `If-Match`.
    fn variant(&self) -> Option<&'static str> {
        None
    }
}

fn version_tag(view: &impl Versioned) -> EntityTag {
    match view.variant() {
        None => EntityTag::new_strong(view.version().to_string()),
        Some(variant) => EntityTag::new_strong(format!("{}-{variant}", view.version())),
    }
}

/// A single resource with a strong ETag. A GET answers `If-None-Match` with 304; a write
/// never does (it has changed the resource, whatever the client held).
pub struct Tagged {
    body: Vec<u8>,
    etag: EntityTag,
}

impl Tagged {
    /// The view with its version's ETag.
    pub fn of<T: Serialize + Versioned>(view: &T) -> Result<Self, AppError> {
        Ok(Tagged { body: json_bytes(view, VIEW_BYTES).map_err(AppError::internal)?, etag: version_tag(view) })
    }

    /// ETag from the representation itself, for resources without a version column.
    pub fn by_content<T: Serialize>(body: &T) -> Result<Self, AppError> {
        let body = json_bytes(body, VIEW_BYTES).map_err(AppError::internal)?;
        let digest = Sha256::digest(&body);
        let tag: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        Ok(Tagged { body, etag: EntityTag::new_strong(tag) })
    }
}

impl Responder for Tagged {
    type Body = BoxBody;

    fn respond_to(self, req: &HttpRequest) -> HttpResponse {
        let safe = matches!(*req.method(), Method::GET | Method::HEAD);
        let not_modified = safe
            && match IfNoneMatch::parse(req) {
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

/// The `If-Match` header of a write; the domain checks it after authorisation.
impl FromRequest for IfMatch {
    type Error = AppError;
    type Future = std::future::Ready<Result<IfMatch, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let value = req.headers().get(header::IF_MATCH).map(|v| v.to_str().unwrap_or("\u{0}"));
        std::future::ready(Ok(IfMatch::parse(value)))
    }
}

/// The `ETag` header of a view, for answers built by hand.
pub fn etag_header(view: &impl Versioned) -> header::ETag {
    header::ETag(version_tag(view))
}

/// A `201 Created` with `Location` and `ETag`.
pub fn created<T: Serialize + Versioned>(location: String, body: &T) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .insert_header(header::ETag(version_tag(body)))
        .json(body)
}

/// The request id assigned by the request-context middleware.
pub fn request_id(req: &HttpRequest) -> Option<String> {
    req.extensions().get::<super::middleware::RequestId>().map(|r| r.0.clone())
}

/// The address the request comes from: the peer, or behind a trusted reverse proxy the
/// client it names in `X-Forwarded-For`.
pub fn client_address(req: &HttpRequest) -> Option<std::net::IpAddr> {
    let peer = req.peer_addr().map(|a| a.ip());
    let forwarded = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok());
    match req.app_data::<actix_web::web::Data<crate::config::TrustedProxies>>() {
        Some(proxies) => proxies.client(peer, forwarded),
        None => peer,
    }
}

/// Error responses of a read (a single resource or a list).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum ReadErrors {
    /// Malformed path or query parameter, or cursor.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(crate::error::Problem),
    /// The access token is invalid or expired, or the operation needs one.
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(crate::error::Problem),
    /// Signed in, but not allowed to read this.
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(crate::error::Problem),
    /// The `Accept` header allows no media type the operation answers with.
    #[response(status = 406, content_type = "application/problem+json")]
    NotAcceptable(crate::error::Problem),
    /// No such resource, or not visible to the caller.
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(crate::error::Problem),
    /// A filter value is invalid (`errors[]` names it).
    #[response(status = 422, content_type = "application/problem+json")]
    Invalid(crate::error::Problem),
    /// The request target is longer than 8 KiB (a query to shorten, or to split).
    #[response(status = 414, content_type = "application/problem+json")]
    UriTooLong(crate::error::Problem),
    /// The request's header fields are over the limits (64 fields, 16 KiB).
    #[response(status = 431, content_type = "application/problem+json")]
    HeadersTooLarge(crate::error::Problem),
    /// The database is unavailable, or this instance is already running as many searches,
    /// large pages and exports as it takes at once; retry after `Retry-After` seconds.
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
    /// The `Accept` header allows no media type the operation answers with.
    #[response(status = 406, content_type = "application/problem+json")]
    NotAcceptable(crate::error::Problem),
    /// No such resource, or not visible to the caller.
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(crate::error::Problem),
    /// Conflicts with the resource's state or a unique key.
    #[response(status = 409, content_type = "application/problem+json")]
    Conflict(crate::error::Problem),
    /// `If-Match` did not match; the body and `ETag` carry the current version.
    #[response(status = 412, content_type = "application/problem+json")]
    PreconditionFailed(crate::error::Problem),
    /// The body is larger than the limit (256 KiB of JSON).
    #[response(status = 413, content_type = "application/problem+json")]
    PayloadTooLarge(crate::error::Problem),
    /// Body is not JSON.
    #[response(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(crate::error::Problem),
    /// Invalid content; `errors[]` lists the fields.
    #[response(status = 422, content_type = "application/problem+json")]
    Invalid(crate::error::Problem),
    /// `If-Match` is required on this write and was missing.
    #[response(status = 428, content_type = "application/problem+json")]
    PreconditionRequired(crate::error::Problem),
    /// The request target is longer than 8 KiB (a query to shorten, or to split).
    #[response(status = 414, content_type = "application/problem+json")]
    UriTooLong(crate::error::Problem),
    /// The request's header fields are over the limits (64 fields, 16 KiB).
    #[response(status = 431, content_type = "application/problem+json")]
    HeadersTooLarge(crate::error::Problem),
    /// The database is unavailable; retry after `Retry-After` seconds.
    #[response(status = 503, content_type = "application/problem+json")]
    Unavailable(crate::error::Problem),
}

/// `If-Match` on a write that requires it (428 without): the ETag you last read, or `*`.
#[derive(utoipa::IntoParams)]
#[into_params(names("If-Match"), parameter_in = Header)]
#[allow(dead_code)]
pub struct IfMatchRequired(
    /// The ETag you last read (`*` for any version). Required: a write without it is 428; one
    /// over a version that has changed since is 412 with the current representation.
    String,
);

/// `If-Match` on a write that takes it optionally: without it the write goes ahead.
#[derive(utoipa::IntoParams)]
#[into_params(names("If-Match"), parameter_in = Header)]
#[allow(dead_code)]
pub struct IfMatchOptional(
    /// The ETag you last read, to write only over that version (`*`: only if it exists). A
    /// version that has changed since is 412 with the current representation.
    Option<String>,
);

/// How a PATCH body that takes JSON Patch too is read.
pub const PATCH_BODY: &str = "A JSON Merge Patch (RFC 7396) of the fields (also as \
    `application/json`). The same operation takes a JSON Patch (RFC 6902) of at most 100 operations \
    with `Content-Type: application/json-patch+json`, e.g. `[{\"op\": \"test\", \"path\": \"/status\", \
    \"value\": \"planned\"}, {\"op\": \"replace\", \"path\": \"/status\", \"value\": \"confirmed\"}]`: its \
    `test` operations guard the change (409 when a tested value no longer holds).";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_read_as_chronos_own() {
        #[derive(serde::Serialize)]
        struct Fast(#[serde(serialize_with = "super::timestamp")] chrono::DateTime<chrono::Utc>);
        for text in [
            "2026-12-05T04:09:12Z",
            "2026-12-05T04:09:12.5Z",
            "2026-12-05T04:09:12.123456Z",
            "1999-01-01T00:00:00.000000001Z",
        ] {
            let value: chrono::DateTime<chrono::Utc> = text.parse().unwrap();
            assert_eq!(serde_json::to_string(&Fast(value)).unwrap(), serde_json::to_string(&value).unwrap());
        }
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let key = ("municipality".to_owned(), "837".to_owned());
        let decoded: (String, String) = decode_cursor(&encode_cursor(&key)).unwrap();
        assert_eq!(decoded, key);
        assert!(decode_cursor::<uuid::Uuid>("not base64!").is_err());
        assert!(decode_cursor::<uuid::Uuid>(&encode_cursor(&key)).is_err());
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Filters {
        kind: Option<String>,
    }

    #[test]
    fn listing_splits_shared_and_own_parameters_and_rejects_unknown_ones() {
        let l: Listing<Filters> = listing("limit=5&kind=ngo&cursor=abc").unwrap();
        assert_eq!(
            (l.list.limit, l.list.cursor.as_deref(), l.filters.kind.as_deref()),
            (Some(5), Some("abc"), Some("ngo"))
        );
        assert!(matches!(listing::<Filters>("knid=ngo"), Err(AppError::BadRequest { .. })));
        assert!(matches!(listing::<Filters>("limit=many"), Err(AppError::BadRequest { .. })));
    }
}
