//! Admission control: expensive requests take a permit, cheap ones never wait for them.
//!
//! A large page, a text search or an export holds its pooled connection far longer than a
//! read by id. Let enough of them in at once and they take every connection of a worker's
//! pool, and a read by id that needs a millisecond of database time waits seconds for one.
//! So each worker admits at most half its pool's connections' worth of expensive requests at
//! a time; one that finds them all taken waits briefly, then is answered 503 with
//! `Retry-After` (it has cost nothing yet, and a retry a second later usually gets in). Reads
//! by id, small pages and writes are never gated.
//!
//! Password hashing has its own bounded queue (`domain::identity::passwords`) and live event
//! streams their own per-person and per-process caps (`domain::coordination_documents::live`).

use std::rc::Rc;
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use tokio::sync::Semaphore;

use crate::error::AppError;
use crate::http::framework::KnownPaths;
use crate::http::middleware::RoutePattern;

/// Pages larger than this are expensive (the default page is 50).
const LARGE_PAGE: i64 = 50;
/// How long an expensive request waits for a permit before it is refused.
const WAIT: Duration = Duration::from_millis(250);
const RETRY_AFTER_SECS: u32 = 1;

/// One worker's permits for expensive requests, in app data.
#[derive(Clone)]
pub struct Admission(Rc<Semaphore>);

impl Admission {
    /// Permits for a worker whose pool holds `connections`: half of them, at least one.
    pub fn for_pool(connections: usize) -> Self {
        Admission(Rc::new(Semaphore::new((connections / 2).max(1))))
    }
}

pub async fn admission(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let gate = match req.app_data::<web::Data<Admission>>() {
        Some(gate) if expensive(&req) => gate.0.clone(),
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

/// A text search, a page over [`LARGE_PAGE`], or an export: an operation whose contract
/// answers with a document besides JSON (CSV, iCalendar), not counting live event streams and
/// the metrics text.
fn expensive(req: &ServiceRequest) -> bool {
    let query = req.query_string();
    let searching_or_large = !query.is_empty()
        && query.split('&').any(|pair| match pair.split_once('=') {
            Some(("q", words)) => !words.is_empty(),
            Some(("limit", n)) => n.parse::<i64>().is_ok_and(|n| n > LARGE_PAGE),
            _ => false,
        });
    if searching_or_large {
        return true;
    }
    let extensions = req.extensions();
    let Some(route) = extensions.get::<RoutePattern>().and_then(|r| r.0.as_deref()) else {
        return false;
    };
    let Some(known) = req.app_data::<web::Data<KnownPaths>>() else {
        return false;
    };
    known
        .produces(route, req.method().as_str())
        .iter()
        .any(|media| !media.starts_with("text/event-stream") && !media.starts_with("text/plain"))
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    #[test]
    fn searches_and_large_pages_are_expensive_small_pages_are_not() {
        let expensive = |uri: &str| super::expensive(&TestRequest::get().uri(uri).to_srv_request());
        assert!(expensive("/api/v1/organizations?q=yhdistys"));
        assert!(expensive("/api/v1/organizations?kind=ngo&limit=200"));
        assert!(!expensive("/api/v1/organizations?limit=50"));
        assert!(!expensive("/api/v1/organizations?q="));
        assert!(!expensive("/api/v1/organizations/01930000-0000-7000-8000-000000000001"));
        assert!(!expensive("/api/v1/organizations?limit=abc"));
    }
}
