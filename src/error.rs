//! The one error type of the service and its RFC 9457 problem+json rendering.
//!
//! Every layer returns [`AppError`]; `repo` maps database errors into it, the HTTP layer maps
//! framework errors (bad JSON, bad query, unknown route, ...) into it, and the request-context
//! middleware writes the final body with the request id. No handler builds an error body.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

/// One invalid field in a request (`errors[]` of a validation problem).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = ValidationError, example = json!({
    "field": "business_id", "code": "invalid_check_digit",
    "message": "the check digit of 0201256-5 should be 6"}))]
pub struct FieldError {
    /// Dotted path of the offending field or query parameter.
    pub field: String,
    /// Stable machine-readable code.
    pub code: String,
    /// Human-readable explanation (English).
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), code: code.into(), message: message.into() }
    }
}

#[derive(Debug)]
pub enum AppError {
    /// 400: the request is syntactically broken (bad JSON, bad parameter format).
    BadRequest { detail: String },
    /// 401: no usable credentials; carries `WWW-Authenticate: Bearer`.
    Unauthorized { detail: String },
    /// 429: too many attempts; retry after the given seconds.
    TooManyRequests { retry_after_secs: u32 },
    /// 404: absent, or not visible to the caller. The two are deliberately indistinguishable.
    NotFound,
    /// 403: the caller is known and may see the resource but may not do this.
    Forbidden,
    /// 405 with the methods the path does support.
    MethodNotAllowed { allow: Vec<String> },
    /// 406: the caller accepts no media type the operation produces.
    NotAcceptable,
    /// 409: the request conflicts with the resource's state or a unique natural key.
    Conflict { detail: String },
    /// 409 because another resource is in the way (a booking holding the time, say); the
    /// problem names it in `conflicting`.
    ConflictWith { detail: String, resource: String },
    /// 412: `If-Match` did not match; carries the current ETag and, where the resource says
    /// so, its current representation.
    PreconditionFailed { current_etag: Option<String>, current: Option<Box<serde_json::Value>> },
    /// 413: body larger than `limit` bytes.
    PayloadTooLarge { limit: usize },
    /// 415: body sent with a content type the endpoint does not take.
    UnsupportedMediaType { detail: String },
    /// 422: well-formed request whose content is invalid.
    Validation(Vec<FieldError>),
    /// 428: the endpoint requires `If-Match`.
    PreconditionRequired,
    /// 503: the database is unreachable or the pool is exhausted; retry later.
    Unavailable { retry_after_secs: u32 },
    /// 503: this instance is already doing as much expensive work (large pages, searches,
    /// exports, password hashing, live streams) as it takes at once; retry later.
    Busy { retry_after_secs: u32 },
    /// 503 from `/readyz` while the server stops: balancers send the next request elsewhere.
    Stopping,
    /// 408: the request head (`head`) or body did not arrive in time; the connection is
    /// closed.
    RequestTimeout { limit_secs: u64, head: bool },
    /// 410: the change feed no longer keeps the changes after this cursor (older than
    /// `retention_days`): the client reads the lists again.
    CursorExpired { retention_days: u32 },
    /// 414: the request target is longer than `limit` bytes.
    UriTooLong { limit: usize },
    /// 431: too many request header fields, or too many bytes of them.
    HeadersTooLarge { detail: String },
    /// 500: logged with its cause; the response says nothing about it.
    Internal(String),
}

impl AppError {
    pub fn bad_request(detail: impl Into<String>) -> Self {
        AppError::BadRequest { detail: detail.into() }
    }

    pub fn invalid(field: impl Into<String>, code: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Validation(vec![FieldError::new(field, code, message)])
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        AppError::Unauthorized { detail: detail.into() }
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        AppError::Internal(cause.to_string())
    }

    /// The problem document for this error, without the request-specific members.
    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let (slug, detail, errors) = match self {
            AppError::BadRequest { detail } => ("bad-request", detail.clone(), None),
            AppError::Unauthorized { detail } => ("unauthorized", detail.clone(), None),
            AppError::TooManyRequests { retry_after_secs } => {
                ("too-many-requests", format!("Too many attempts; retry in {retry_after_secs} seconds."), None)
            }
            AppError::NotFound => ("not-found", "The resource does not exist or is not visible to you.".into(), None),
            AppError::Forbidden => ("forbidden", "You may not perform this action on the resource.".into(), None),
            AppError::MethodNotAllowed { allow } => {
                ("method-not-allowed", format!("This path supports only {}.", allow.join(", ")), None)
            }
            AppError::NotAcceptable => (
                "not-acceptable",
                "This operation answers application/json; send an Accept header that allows it (or none).".into(),
                None,
            ),
            AppError::Conflict { detail } | AppError::ConflictWith { detail, .. } => ("conflict", detail.clone(), None),
            AppError::PreconditionFailed { .. } => (
                "precondition-failed",
                "The resource has changed since you read it (If-Match did not match); read it again and retry.".into(),
                None,
            ),
            AppError::PayloadTooLarge { limit } => {
                ("payload-too-large", format!("The request body exceeds the limit of {limit} bytes."), None)
            }
            AppError::UnsupportedMediaType { detail } => ("unsupported-media-type", detail.clone(), None),
            AppError::Validation(errors) => (
                "validation-error",
                match errors.as_slice() {
                    [one] => format!("{}: {}", one.field, one.message),
                    many => format!("{} fields are invalid.", many.len()),
                },
                Some(errors.clone()),
            ),
            AppError::PreconditionRequired => (
                "precondition-required",
                "This request must carry an If-Match header with the ETag you last read.".into(),
                None,
            ),
            AppError::Unavailable { .. } => (
                "service-unavailable",
                "The service is temporarily unable to reach its database; retry shortly.".into(),
                None,
            ),
            AppError::Busy { retry_after_secs } => (
                "service-busy",
                format!(
                    "The service is doing as much of this kind of work as it takes at once; retry in \
                     {retry_after_secs} seconds."
                ),
                None,
            ),
            AppError::Stopping => {
                ("service-stopping", "This instance is shutting down; send new requests to another.".into(), None)
            }
            AppError::RequestTimeout { limit_secs, head } => (
                "request-timeout",
                format!(
                    "The request {} did not arrive within {limit_secs} seconds; the connection is closed.",
                    if *head { "head" } else { "body" }
                ),
                None,
            ),
            AppError::CursorExpired { retention_days } => (
                "cursor-expired",
                format!(
                    "Changes are kept for {retention_days} days and some after this cursor are gone: take the \
                     feed's meta.latest_cursor first, then read the lists again, then follow the feed from that \
                     cursor."
                ),
                None,
            ),
            AppError::UriTooLong { limit } => {
                ("uri-too-long", format!("The request target is longer than {limit} bytes."), None)
            }
            AppError::HeadersTooLarge { detail } => ("request-header-fields-too-large", detail.clone(), None),
            AppError::Internal(_) => {
                ("internal-error", "An unexpected error occurred; quote the request id when reporting it.".into(), None)
            }
        };
        let mut problem = Problem::new(status, slug, detail).with_errors(errors);
        if let AppError::PreconditionFailed { current_etag, current } = self {
            problem.current_etag = current_etag.clone();
            problem.current = current.as_deref().cloned();
        }
        if let AppError::ConflictWith { resource, .. } = self {
            problem.conflicting = Some(resource.clone());
        }
        problem
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppError::Internal(cause) => write!(f, "internal error: {cause}"),
            other => write!(f, "{}", other.problem().detail),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            AppError::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            AppError::Conflict { .. } | AppError::ConflictWith { .. } => StatusCode::CONFLICT,
            AppError::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            AppError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            AppError::Unavailable { .. } | AppError::Busy { .. } | AppError::Stopping => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            AppError::RequestTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
            AppError::CursorExpired { .. } => StatusCode::GONE,
            AppError::UriTooLong { .. } => StatusCode::URI_TOO_LONG,
            AppError::HeadersTooLarge { .. } => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::Internal(cause) = self {
            tracing::error!(cause = %cause, "internal error");
        }
        let mut res = HttpResponse::build(self.status_code());
        match self {
            AppError::MethodNotAllowed { allow } => {
                res.insert_header((header::ALLOW, allow.join(", ")));
            }
            AppError::Unauthorized { .. } => {
                res.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"yhdyspinta\""));
            }
            AppError::Unavailable { retry_after_secs }
            | AppError::Busy { retry_after_secs }
            | AppError::TooManyRequests { retry_after_secs } => {
                res.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            AppError::Stopping => {
                res.insert_header((header::RETRY_AFTER, "1"));
            }
            // The rest of the body may still be on its way: the connection cannot be reused.
            AppError::RequestTimeout { .. } => {
                res.force_close();
            }
            AppError::PreconditionFailed { current_etag: Some(etag), .. } => {
                res.insert_header((header::ETAG, etag.clone()));
            }
            _ => {}
        }
        self.problem().render(&mut res)
    }
}

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// An RFC 9457 problem document.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/validation-error", "title": "Unprocessable Content", "status": 422,
    "detail": "business_id: the check digit of 0201256-5 should be 6",
    "instance": "/api/v1/organizations", "request_id": "01936f0e-5c4a-7b8e-9a51-3f0c2d1e4b6a",
    "errors": [{"field": "business_id", "code": "invalid_check_digit",
                "message": "the check digit of 0201256-5 should be 6"}]}))]
pub struct Problem {
    /// URI reference identifying the problem type (relative to the API's origin).
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short summary: the HTTP status phrase.
    pub title: String,
    pub status: u16,
    /// Explanation specific to this occurrence.
    pub detail: String,
    /// The request path that produced the problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// The `X-Request-Id` of the request; quote it when reporting an error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Field-level errors of a validation problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// With 412: the ETag the resource has now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_etag: Option<String>,
    /// With 412 where the resource provides it: the resource as it is now, including who
    /// changed it last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<serde_json::Value>,
    /// With 409 where another resource is in the way: its path, e.g. the booking that holds
    /// the time already.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflicting: Option<String>,
}

/// The status phrase as RFC 9110 names it (it renamed 413 and 422).
fn title(status: StatusCode) -> &'static str {
    match status.as_u16() {
        413 => "Content Too Large",
        422 => "Unprocessable Content",
        _ => status.canonical_reason().unwrap_or("Error"),
    }
}

impl Problem {
    pub fn new(status: StatusCode, slug: &str, detail: impl Into<String>) -> Self {
        Problem {
            problem_type: format!("/problems/{slug}"),
            title: title(status).to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            instance: None,
            request_id: None,
            errors: None,
            current_etag: None,
            current: None,
            conflicting: None,
        }
    }

    /// A problem for an error response that did not come from [`AppError`] (framework
    /// responses), described by its status alone.
    pub fn from_status(status: StatusCode) -> Self {
        let slug = status.canonical_reason().unwrap_or("error").to_ascii_lowercase().replace(' ', "-");
        let detail = title(status).to_owned();
        Problem::new(status, &slug, detail)
    }

    fn with_errors(mut self, errors: Option<Vec<FieldError>>) -> Self {
        self.errors = errors;
        self
    }

    pub fn render(&self, res: &mut actix_web::HttpResponseBuilder) -> HttpResponse {
        let body = serde_json::to_vec(self).unwrap_or_default();
        res.insert_header((header::CONTENT_TYPE, PROBLEM_CONTENT_TYPE)).body(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_do_not_leak_their_cause() {
        let p = AppError::internal("relation \"secret_table\" does not exist").problem();
        assert_eq!(p.status, 500);
        assert!(!p.detail.contains("secret_table"));
    }

    #[test]
    fn validation_problem_lists_fields() {
        let p = AppError::invalid("kind", "unknown_value", "unknown kind").problem();
        assert_eq!(p.status, 422);
        assert_eq!(p.errors.as_ref().map(Vec::len), Some(1));
        assert_eq!(p.problem_type, "/problems/validation-error");
    }
}
