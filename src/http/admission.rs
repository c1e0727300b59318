//! Admission control: expensive requests take a permit, cheap ones never wait for them.
//!
//! A large page, a text search or an export holds its pooled connection far longer than a
//! read by id. Let enough of them in at once and they take every connection of a worker's
//! pool, and a read by id that needs a millisecond of database time waits seconds for one.
//! So each worker admits as many expensive requests at a time as half its pool holds
//! connections (`YHDYSPINTA_EXPENSIVE_CONCURRENCY` overrides); one that finds them all taken
//! waits up to a second, then is answered 503 with `Retry-After` (it has cost nothing yet,
//! holds no connection while it waits, and is refused sooner than the pool's own wait would
//! refuse it). Reads by id, small pages and writes are never gated.
//!
//! Exports, and openings of live event streams, are also counted per client address, in the
//! database so that every instance sees the count (`YHDYSPINTA_EXPORTS_PER_MINUTE`,
//! `YHDYSPINTA_STREAM_OPENS_PER_MINUTE`): past it, 429 with `Retry-After`. A stream takes no
//! permit (it would hold it for hours); open streams have their own per-person and per-process
//! caps (`domain::coordination_documents::live`). Password hashing has its own bounded queue
//! (`domain::identity::passwords`).

use std::sync::Arc;
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use tokio::sync::Semaphore;

use crate::db::Db;
use crate::domain::identity::rate_limit::RateLimiter;
use crate::error::AppError;
use crate::http::common::client_address;
use crate::http::framework::KnownPaths;
use crate::http::middleware::RoutePattern;

/// Pages larger than this are expensive (the default page is 50).
const LARGE_PAGE: i64 = 50;
/// How long an expensive request waits for a permit before it is refused: long enough to
/// ride out a burst, shorter than the pool's own wait (`YHDYSPINTA_POOL_TIMEOUT_MS`).
const WAIT: Duration = Duration::from_secs(1);
const RETRY_AFTER_SECS: u32 = 1;

/// A worker's permits for expensive requests, in app data.
#[derive(Clone)]
pub struct Admission(Arc<Semaphore>);

impl Admission {
    pub fn new(permits: usize) -> Self {
        Admission(Arc::new(Semaphore::new(permits.max(1))))
    }
}

/// What a request costs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cost {
    Cheap,
    /// A search or a large page.
    Expensive,
    /// An export: expensive, and counted per client address too.
    Export,
    /// A live event stream: counted per client address, no permit.
    Stream,
}

pub async fn admission(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let cost = cost(&req);
    if matches!(cost, Cost::Export | Cost::Stream)
        && let Err(e) = count_per_client(&req, cost).await
    {
        return Ok(req.error_response(e));
    }
    let gate = match req.app_data::<web::Data<Admission>>() {
        Some(gate) if matches!(cost, Cost::Expensive | Cost::Export) => gate.0.clone(),
        _ => return Ok(next.call(req).await?.map_into_boxed_body()),
    };
    let permit = match gate.try_acquire() {
        Ok(permit) => Some(permit),
        Err(_) => tokio::time::timeout(WAIT, gate.acquire()).await.ok().and_then(Result::ok),
    };
    match permit {
        Some(_permit) => Ok(next.call(req).await?.map_into_boxed_body()),
        None => Ok(req.error_response(AppError::Busy { retry_after_secs: RETRY_AFTER_SECS })),
    }
}

/// One more export or stream opening by the request's client address, counted in the
/// database for every instance; 429 with `Retry-After` past the limit.
async fn count_per_client(req: &ServiceRequest, cost: Cost) -> Result<(), AppError> {
    let (Some(db), Some(limiter)) = (req.app_data::<web::Data<Db>>(), req.app_data::<web::Data<RateLimiter>>()) else {
        return Ok(());
    };
    let mut conn = db.conn().await?;
    let client = client_address(req.request());
    match cost {
        Cost::Stream => limiter.stream_opened_by(&mut conn, client).await,
        _ => limiter.export_by(&mut conn, client).await,
    }
}

/// What the operation's contract answers says what it costs: an event stream is a stream, a
/// document besides JSON (CSV, iCalendar; not the metrics text) an export. Otherwise a text
/// search or a page over [`LARGE_PAGE`] is expensive.
fn cost(req: &ServiceRequest) -> Cost {
    let produced = {
        let extensions = req.extensions();
        let route = extensions.get::<RoutePattern>().and_then(|r| r.0.as_deref());
        match (route, req.app_data::<web::Data<KnownPaths>>()) {
            (Some(route), Some(known)) => {
                let produces = known.produces(route, req.method().as_str());
                if produces.iter().any(|media| media.starts_with("text/event-stream")) {
                    Some(Cost::Stream)
                } else if known.is_export(route, req.method().as_str()) {
                    Some(Cost::Export)
                } else {
                    None
                }
            }
            _ => None,
        }
    };
    if let Some(cost) = produced {
        return cost;
    }
    let query = req.query_string();
    let searching_or_large = !query.is_empty()
        && query.split('&').any(|pair| match pair.split_once('=') {
            Some(("q", words)) => !words.is_empty(),
            Some(("limit", n)) => n.parse::<i64>().is_ok_and(|n| n > LARGE_PAGE),
            _ => false,
        });
    if searching_or_large { Cost::Expensive } else { Cost::Cheap }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    #[test]
    fn searches_and_large_pages_are_expensive_small_pages_are_not() {
        let expensive = |uri: &str| super::cost(&TestRequest::get().uri(uri).to_srv_request()) != super::Cost::Cheap;
        assert!(expensive("/api/v1/organizations?q=yhdistys"));
        assert!(expensive("/api/v1/organizations?kind=ngo&limit=200"));
        assert!(!expensive("/api/v1/organizations?limit=50"));
        assert!(!expensive("/api/v1/organizations?q="));
        assert!(!expensive("/api/v1/organizations/01930000-0000-7000-8000-000000000001"));
        assert!(!expensive("/api/v1/organizations?limit=abc"));
    }
}
