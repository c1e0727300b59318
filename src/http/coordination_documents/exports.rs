//! Exports of a document's entries: CSV and iCalendar.

use actix_web::{HttpResponse, get, web};
use uuid::Uuid;

use crate::domain::context::Cx;
use crate::domain::coordination_documents::exports::{self, CsvQuery};
use crate::error::AppError;
use crate::http::common::ReadErrors;

/// The entries as CSV (RFC 4180: quoted where needed, lines ending in CRLF). `dialect=fi`
/// writes `;`-separated UTF-8 with a byte order mark, which Excel in Finnish opens as is. A
/// cell that would start a spreadsheet formula (its text begins with `=`, `+`, `-`, `@`, a tab
/// or a carriage return) is written with a `'` before it, so opening the file runs nothing.
#[utoipa::path(
    operation_id = "export_coordination_entries_csv",
    tag = "coordination-documents",
    params(("id" = Uuid, Path, description = "Document id"), CsvQuery),
    responses(
        (status = 200, description = "One row per entry, in order", body = String, content_type = "text/csv"),
        (status = 429, description = "This client address has made its exports of the minute (`YHDYSPINTA_EXPORTS_PER_MINUTE`); see `Retry-After`", body = crate::error::Problem, content_type = "application/problem+json"), ReadErrors),

    security(("bearer" = []))
)]
#[get("/api/v1/coordination-documents/{id}/export.csv")]
pub async fn csv(
    mut cx: Cx<'static>,
    id: web::Path<Uuid>,
    query: web::Query<CsvQuery>,
) -> Result<HttpResponse, AppError> {
    let body = exports::csv(&mut cx, id.into_inner(), query.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("content-disposition", "attachment; filename=\"entries.csv\""))
        .body(body))
}

/// The entries as an RFC 5545 calendar: one event each (all-day without a time; cancelled
/// ones marked so).
#[utoipa::path(
    operation_id = "export_coordination_entries_calendar",
    tag = "coordination-documents",
    params(("id" = Uuid, Path, description = "Document id")),
    responses(
        (status = 200, description = "A VCALENDAR", body = String, content_type = "text/calendar"),
        (status = 429, description = "This client address has made its exports of the minute (`YHDYSPINTA_EXPORTS_PER_MINUTE`); see `Retry-After`", body = crate::error::Problem, content_type = "application/problem+json"), ReadErrors),

    security(("bearer" = []))
)]
#[get("/api/v1/coordination-documents/{id}/calendar.ics")]
pub async fn calendar(mut cx: Cx<'static>, id: web::Path<Uuid>) -> Result<HttpResponse, AppError> {
    let body = exports::calendar(&mut cx, id.into_inner()).await?;
    Ok(HttpResponse::Ok().content_type("text/calendar; charset=utf-8").body(body))
}
