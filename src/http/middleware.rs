//! The request-context middleware, outermost on every request.
//!
//! It assigns the request id (accepting a sane `X-Request-Id` from the caller), opens the
//! tracing span that puts the id on every log line, records metrics by route pattern, adds
//! security headers, and renders every error response as problem+json carrying the request
//! id, whether the error came from a handler or from the framework. It also answers the heads
//! the connection's reader refused (414/431/400, see `head_guard`) and a body that stops
//! arriving (408), and once the server is stopping marks every answer `Connection: close`.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use tracing::Instrument;

use crate::error::{AppError, PROBLEM_CONTENT_TYPE, Problem};
use crate::http::framework::KnownPaths;
use crate::http::head_guard::{REFUSED_PATH, RefusedHead};
use crate::telemetry::Metrics;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// How long a request body may take to arrive (`YHDYSPINTA_BODY_TIMEOUT_MS`), in app data.
/// The framework times out slow headers itself; without this a client sending its body a byte
/// a second would hold a worker's connection slot for as long as it liked.
#[derive(Clone, Copy, Debug)]
pub struct BodyTimeout(pub Duration);

/// Set once the server has been told to stop: from then on every answer carries
/// `Connection: close`, so no client sends another request on a connection that is about to
/// be closed, and keep-alive connections end with an answer rather than in a race with one.
static DRAINING: AtomicBool = AtomicBool::new(false);

/// How many seconds a shared cache may keep an anonymous read (`YHDYSPINTA_CACHE_MAX_AGE`) and
/// an anonymous export (`YHDYSPINTA_EXPORT_CACHE_MAX_AGE`); set at start.
static CACHE_MAX_AGE: AtomicU32 = AtomicU32::new(60);
static EXPORT_CACHE_MAX_AGE: AtomicU32 = AtomicU32::new(300);

pub fn set_cache_max_ages(reads: u32, exports: u32) {
    CACHE_MAX_AGE.store(reads, Ordering::Relaxed);
    EXPORT_CACHE_MAX_AGE.store(exports, Ordering::Relaxed);
}

/// What caches may do with an API answer the handler said nothing about. An anonymous read
/// is the same for every anonymous caller and holds only public data: a shared cache (a
/// reverse proxy, a CDN) may keep it for a while, and revalidate it with its ETag; the feed's
/// pages too, since a stale page only delays the changes after it. A signed-in caller's read
/// is theirs alone, revalidated each time. Anything else is not stored.
fn cache_control(read: bool, anonymous: bool, export: bool, status: actix_web::http::StatusCode) -> HeaderValue {
    let reusable =
        read && (status == actix_web::http::StatusCode::OK || status == actix_web::http::StatusCode::NOT_MODIFIED);
    if !reusable {
        return HeaderValue::from_static("no-store");
    }
    if !anonymous {
        return HeaderValue::from_static("private, no-cache");
    }
    let seconds = if export { &EXPORT_CACHE_MAX_AGE } else { &CACHE_MAX_AGE }.load(Ordering::Relaxed);
    HeaderValue::from_str(&format!("public, max-age={seconds}")).unwrap_or(HeaderValue::from_static("no-store"))
}

/// The server is stopping (SIGTERM/SIGINT): see [`DRAINING`].
pub fn begin_draining() {
    DRAINING.store(true, Ordering::Relaxed);
}

/// Whether the server is stopping; `/readyz` answers 503 then, so balancers stop routing here.
pub fn draining() -> bool {
    DRAINING.load(Ordering::Relaxed)
}

/// The id of the current request, in request extensions.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// The route pattern the request matched (`/api/v1/organizations/{id}`), in request extensions:
/// matched once here, for the metrics and for the request context.
#[derive(Clone, Debug)]
pub struct RoutePattern(pub Option<Arc<str>>);

/// A new UUIDv7 request id. The random bits come from a per-thread xorshift generator
/// seeded once from the OS: request ids need uniqueness, not secrecy, and this keeps a
/// system call off every request.
fn new_request_id() -> String {
    use std::cell::Cell;
    use std::hash::{BuildHasher, Hasher};
    thread_local! {
        static STATE: Cell<u64> =
            Cell::new(std::collections::hash_map::RandomState::new().build_hasher().finish() | 1);
    }
    let random = STATE.with(|state| {
        let mut bytes = [0u8; 10];
        let mut x = state.get();
        for chunk in bytes.chunks_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
        }
        state.set(x);
        bytes
    });
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid().to_string()
}

/// Accept a caller's id only if it is short printable ASCII, so it is safe to log and echo.
fn acceptable_request_id(value: &HeaderValue) -> Option<String> {
    let s = value.to_str().ok()?;
    let ok = !s.is_empty() && s.len() <= 128 && s.bytes().all(|b| b.is_ascii_graphic());
    ok.then(|| s.to_owned())
}

pub async fn request_context(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // Every GET answers HEAD (uptime monitors, link checkers): the request is served as a GET,
    // and the HTTP codec, which read the method off the wire, sends the headers only.
    let head = req.method() == actix_web::http::Method::HEAD;
    if head {
        req.head_mut().method = actix_web::http::Method::GET;
    }
    let request_id = req.headers().get(&REQUEST_ID).and_then(acceptable_request_id).unwrap_or_else(new_request_id);
    // The stand-in for a head the connection's reader refused.
    let refused =
        (req.path() == REFUSED_PATH).then(|| req.conn_data::<RefusedHead>().and_then(RefusedHead::get)).flatten();
    let body_timeout = req.app_data::<web::Data<BodyTimeout>>().map(|t| t.0);
    let body_deadline = body_timeout.filter(|_| has_body(&req)).map(|limit| {
        let expired = Rc::new(Cell::new(false));
        let payload = req.take_payload();
        req.set_payload(Payload::Stream {
            payload: Box::pin(BodyDeadline {
                payload,
                deadline: Box::pin(tokio::time::sleep(limit)),
                expired: expired.clone(),
            }),
        });
        (expired, limit)
    });
    let known = req.app_data::<web::Data<KnownPaths>>().cloned();
    let route = match known.as_ref().and_then(|known| known.pattern(req.path())) {
        Some(pattern) => Some(pattern.clone()),
        // Not in the contract (Swagger UI, an unknown path): ask the router.
        None => req.match_pattern().map(Arc::from),
    };
    req.extensions_mut().insert(RequestId(request_id.clone()));
    req.extensions_mut().insert(RoutePattern(route.clone()));
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let span = tracing::info_span!("request", request_id = %request_id);
    let started = Instant::now();

    let api = req.path().starts_with("/api/");
    let read = req.method() == actix_web::http::Method::GET;
    let anonymous = !req.headers().contains_key(header::AUTHORIZATION);
    let export = match (known.as_ref(), route.as_deref()) {
        (Some(known), Some(route)) => known.is_export(route, "GET"),
        _ => false,
    };
    let res = if let Some(refusal) = refused {
        req.error_response(refusal.error())
    } else if api && !acceptable(&req, known.as_ref().map(|k| k.get_ref()), route.as_deref()) {
        req.error_response(AppError::NotAcceptable)
    } else {
        next.call(req).instrument(span.clone()).await?.map_into_boxed_body()
    };
    // Whatever the handler made of a body that stopped arriving, the answer is 408.
    let res = match body_deadline {
        Some((expired, limit)) if expired.get() => {
            let (req, _) = res.into_parts();
            let error = AppError::RequestTimeout { limit_secs: limit.as_secs().max(1), head: false };
            ServiceResponse::new(req, actix_web::HttpResponse::from_error(error))
        }
        _ => res,
    };

    let status = res.status();
    let method = if head { actix_web::http::Method::HEAD } else { res.request().method().clone() };
    let path = res.request().path().to_owned();
    let mut res = if status.is_client_error() || status.is_server_error() {
        // A refused head's target was never read: the problem names no instance.
        render_problem(res, &request_id, refused.is_none().then_some(path.as_str()))
    } else {
        res.map_into_boxed_body()
    };
    let headers = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        headers.insert(REQUEST_ID, v);
    }
    add_security_headers(headers, &path);
    if api {
        // What an operation answers depends on who asks: caches must keep callers apart.
        headers.append(header::VARY, HeaderValue::from_static("Authorization"));
        if !headers.contains_key(header::CACHE_CONTROL) {
            headers.insert(header::CACHE_CONTROL, cache_control(read, anonymous, export, status));
        }
    }
    if draining() {
        res.response_mut().head_mut().set_connection_type(actix_web::http::ConnectionType::Close);
    }
    // A path that carries a secret (an invitation token) is logged as its route pattern.
    let logged_path = match route.as_deref() {
        Some(pattern) if pattern.contains("{token}") => pattern,
        _ => path.as_str(),
    };

    let elapsed = started.elapsed();
    if let Some(metrics) = metrics {
        metrics.observe(method.as_str(), route.as_deref().unwrap_or("unmatched"), status.as_u16(), elapsed);
    }
    span.in_scope(|| {
        tracing::info!(
            method = %method,
            path = %logged_path,
            status = status.as_u16(),
            // Whole microseconds: the line reads `elapsed_ms=2.043`, not every binary digit.
            elapsed_ms = (elapsed.as_secs_f64() * 1e6).round() / 1e3,
            "request"
        )
    });
    Ok(res)
}

/// Whether a body follows the head: only those requests get a read deadline.
fn has_body(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers.get(header::CONTENT_LENGTH).is_some_and(|v| v.as_bytes() != b"0")
}

/// A request body that ends in an error once its deadline has passed, and says so in
/// `expired`; the middleware then answers 408 and closes the connection.
struct BodyDeadline {
    payload: Payload,
    deadline: Pin<Box<tokio::time::Sleep>>,
    expired: Rc<Cell<bool>>,
}

impl futures_util::Stream for BodyDeadline {
    type Item = Result<actix_web::web::Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Poll::Ready(item) = Pin::new(&mut self.payload).poll_next(cx) {
            return Poll::Ready(item);
        }
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => {
                self.expired.set(true);
                Poll::Ready(Some(Err(PayloadError::Io(std::io::ErrorKind::TimedOut.into()))))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Whether the `Accept` header allows what the operation answers with: JSON, or a media type
/// its contract declares (a CSV export, an event stream).
fn acceptable(req: &ServiceRequest, known: Option<&KnownPaths>, route: Option<&str>) -> bool {
    let produces = match (known, route) {
        (Some(known), Some(route)) => known.produces(route, req.method().as_str()),
        _ => &[],
    };
    accepts_json(req.headers(), produces)
}

/// The media ranges of an `Accept` header, each lower-cased with its quality (1 without `q=`).
pub fn accept_ranges(accept: &str) -> impl Iterator<Item = (String, f32)> + '_ {
    accept.split(',').map(|range| {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let q =
            parts.find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok())).unwrap_or(1.0);
        (media, q)
    })
}

/// Whether an `Accept` header (or its absence) allows `application/json`, the media type of
/// `/api/` answers (errors are `application/problem+json`, which such clients take too), or one
/// of `own`, what the operation answers with instead.
fn accepts_json(headers: &actix_web::http::header::HeaderMap, own: &[String]) -> bool {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).filter(|a| !a.trim().is_empty())
    else {
        return true;
    };
    accept_ranges(accept).any(|(media, q)| {
        let json = matches!(media.as_str(), "*/*" | "application/*" | "application/json" | "application/problem+json");
        let other = own.iter().any(|own| {
            let own = own.split(';').next().unwrap_or_default().trim();
            media == own || own.split('/').next().is_some_and(|t| media == format!("{t}/*"))
        });
        q > 0.0 && (json || other)
    })
}

/// Replaces an error response's body with problem+json including the request id. Deliberate
/// JSON error bodies that did not come from [`AppError`] (e.g. OAuth token errors) are kept.
fn render_problem<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
    request_id: &str,
    instance: Option<&str>,
) -> ServiceResponse<BoxBody> {
    let from_app_error = res.response().error().and_then(|e| e.as_error::<AppError>()).map(AppError::problem);
    let content_type =
        res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let mut problem = match from_app_error {
        Some(p) => p,
        None if content_type.starts_with("application/json") || content_type.starts_with(PROBLEM_CONTENT_TYPE) => {
            return res.map_into_boxed_body();
        }
        None => Problem::from_status(res.status()),
    };
    problem.instance = instance.map(str::to_owned);
    problem.request_id = Some(request_id.to_owned());
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    res.map_body(move |head, _| {
        head.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_CONTENT_TYPE));
        head.headers.remove(header::CONTENT_LENGTH);
        head.headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        BoxBody::new(body)
    })
}

fn add_security_headers(headers: &mut actix_web::http::header::HeaderMap, path: &str) {
    let csp = if path.starts_with("/docs") {
        // Swagger UI: its own scripts and styles, nothing from elsewhere.
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"
    } else {
        "default-src 'none'; frame-ancestors 'none'"
    };
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::STRICT_TRANSPORT_SECURITY, "max-age=31536000; includeSubDomains"),
        (header::CONTENT_SECURITY_POLICY, csp),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn accept_headers_that_allow_json() {
        use actix_web::http::header::{ACCEPT, HeaderMap, HeaderValue};
        let accepts = |value: Option<&'static str>| {
            let mut headers = HeaderMap::new();
            if let Some(v) = value {
                headers.insert(ACCEPT, HeaderValue::from_static(v));
            }
            super::accepts_json(&headers, &[])
        };
        for ok in [None, Some("*/*"), Some("application/json"), Some("text/html, application/*;q=0.5"), Some("")] {
            assert!(accepts(ok), "{ok:?}");
        }
        for refused in [Some("text/csv"), Some("application/xml"), Some("application/json;q=0")] {
            assert!(!accepts(refused), "{refused:?}");
        }
    }

    #[test]
    fn generated_request_ids_are_unique_uuid_v7() {
        let ids: std::collections::HashSet<String> = (0..10_000).map(|_| super::new_request_id()).collect();
        assert_eq!(ids.len(), 10_000);
        let id = uuid::Uuid::parse_str(ids.iter().next().unwrap()).unwrap();
        assert_eq!(id.get_version_num(), 7);
    }
}
