//! Operational endpoints: liveness, readiness and metrics.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Serialize;
use subtle::ConstantTimeEq;
use utoipa::ToSchema;

use crate::db::{self, Db};
use crate::error::{AppError, Problem};
use crate::http::context::bearer_token;
use crate::telemetry::Metrics;

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"status": "ok"}))]
pub struct HealthStatus {
    pub status: &'static str,
    /// With a read replica (`YHDYSPINTA_READ_DATABASE_URL`): its replay lag in seconds, null
    /// when it does not answer. Above the bound, or unreachable, anonymous reads use the
    /// primary and the service stays ready.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replica_lag_seconds: Option<Option<f64>>,
}

/// Liveness: the process answers. Touches no database.
#[utoipa::path(
    operation_id = "healthz",
    tag = "operations",
    responses((status = 200, description = "The process is alive", body = HealthStatus)),
    security()
)]
#[get("/healthz")]
pub async fn healthz() -> web::Json<HealthStatus> {
    web::Json(HealthStatus { status: "ok", replica_lag_seconds: None })
}

/// Readiness: the database answers a query, and the server is not stopping.
#[utoipa::path(
    operation_id = "readyz",
    tag = "operations",
    responses(
        (status = 200, description = "Ready to serve", body = HealthStatus),
        (status = 503, description = "The database is unreachable, or the server is stopping", body = Problem,
         content_type = "application/problem+json"),
    ),
    security()
)]
#[get("/readyz")]
pub async fn readyz(db: web::Data<Db>) -> Result<web::Json<HealthStatus>, AppError> {
    if crate::http::middleware::draining() {
        return Err(AppError::Stopping);
    }
    let mut conn = db.conn().await?;
    db::ping(&mut conn).await?;
    Ok(web::Json(HealthStatus { status: "ready", replica_lag_seconds: db::replica_lag() }))
}

/// Who may read `/metrics` on this server.
#[derive(Clone, Debug)]
pub enum MetricsAccess {
    /// A separate metrics address (`YHDYSPINTA_METRICS_BIND`): anyone who reaches it.
    Open,
    /// The bearer of this token (`YHDYSPINTA_METRICS_TOKEN`).
    Token(String),
    /// Nobody: the API address does not serve metrics.
    Closed,
}

/// Prometheus metrics: requests by route and status, latency histograms, pool occupancy.
/// Served to the bearer of the metrics token (`YHDYSPINTA_METRICS_TOKEN`, not an access
/// token), or on a separate address (`YHDYSPINTA_METRICS_BIND`); otherwise 404.
#[utoipa::path(
    operation_id = "metrics",
    tag = "operations",
    responses(
        (status = 200, description = "Prometheus text format", body = String, content_type = "text/plain; version=0.0.4"),
        (status = 401, description = "The metrics token is missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Metrics are not served on this address", body = Problem, content_type = "application/problem+json"),
    ),
    security(("metrics_token" = []))
)]
#[get("/metrics")]
pub async fn metrics(
    req: HttpRequest,
    metrics: web::Data<Metrics>,
    access: Option<web::Data<MetricsAccess>>,
    db: web::Data<Db>,
) -> Result<HttpResponse, AppError> {
    match access.as_ref().map(|a| a.get_ref()).unwrap_or(&MetricsAccess::Closed) {
        MetricsAccess::Open => {}
        MetricsAccess::Closed => return Err(AppError::NotFound),
        MetricsAccess::Token(expected) => {
            let presented = bearer_token(&req).flatten().unwrap_or_default();
            if !bool::from(presented.as_bytes().ct_eq(expected.as_bytes())) {
                return Err(AppError::unauthorized("Send the metrics token as `Authorization: Bearer <token>`."));
            }
        }
    }
    Ok(HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(metrics.render(db.status())))
}
