//! `/api/v1/exports/observations`: values for reporting tools, streamed as JSON, NDJSON, CSV or
//! SDMX-CSV, and the Frictionless Data Package that describes the CSV.

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde_json::json;

use crate::config::PublicUrl;
use crate::domain::context::Cx;
use crate::domain::indicators::exports::{self, CSV_COLUMNS, ExportFormat, ExportQuery, ExportedObservation, Prepared};
use crate::error::AppError;
use crate::http::common::ReadErrors;
use crate::http::middleware::accept_ranges;

/// The format a request asks for: `format=`, else the most preferred of `Accept`'s types
/// this export writes, else CSV. (The request context answers 406 to an `Accept` that allows
/// none of them.)
fn negotiated(format: Option<ExportFormat>, req: &HttpRequest) -> ExportFormat {
    if let Some(format) = format {
        return format;
    }
    let Some(accept) = req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return ExportFormat::Csv;
    };
    let mut best: Option<(f32, ExportFormat)> = None;
    for (media, q) in accept_ranges(accept) {
        let format = match media.as_str() {
            "text/csv" | "text/*" | "*/*" => ExportFormat::Csv,
            "application/json" | "application/*" => ExportFormat::Json,
            "application/x-ndjson" => ExportFormat::Ndjson,
            "application/vnd.sdmx.data+csv" => ExportFormat::SdmxCsv,
            _ => continue,
        };
        if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, format));
        }
    }
    best.map_or(ExportFormat::Csv, |(_, f)| f)
}

/// Export the values you may see, approved ones unless `status` says otherwise, as CSV
/// (`dialect=fi` for Finnish Excel: `;`, decimal comma, byte order mark), JSON, NDJSON or
/// SDMX-CSV 2.0, by `format=` or `Accept`. The export streams: its size has no limit. Pull
/// nightly with `updated_since` and `/api/v1/removals?resource_type=observation` to stay
/// exactly in sync; `If-None-Match` with the last ETag answers 304 when nothing changed.
#[utoipa::path(
    operation_id = "export_observations",
    tag = "indicators",
    params(ExportQuery),
    responses((status = 200, description = "The values", headers(("ETag" = String)),
               content((String = "text/csv", example = "id,indicator_id,indicator_code,value_type,period,...\n"),
                       (Vec<ExportedObservation> = "application/json"),
                       (String = "application/x-ndjson"),
                       (String = "application/vnd.sdmx.data+csv; version=2.0.0"))),
              (status = 304, description = "Your copy is current"), ReadErrors),
    security((), ("bearer" = []))
)]
#[get("/api/v1/exports/observations")]
pub async fn observations(
    cx: Cx<'static>,
    query: web::Query<ExportQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let format = negotiated(query.format, &req);
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok());
    match exports::prepare(cx, query, format, if_none_match).await? {
        Prepared::NotModified(etag) => Ok(HttpResponse::NotModified().insert_header((header::ETAG, etag)).finish()),
        Prepared::Stream(etag, export) => {
            let chunks = futures_util::stream::unfold(Some(export), |state| async move {
                let mut export = state?;
                match export.next_chunk().await {
                    Ok(Some(bytes)) => Some((Ok(Bytes::from(bytes)), Some(export))),
                    Ok(None) => None,
                    // The headers are gone: the connection is cut, so the client sees that the
                    // export did not end rather than a short file.
                    Err(e) => {
                        tracing::error!(error = ?e, "an export stopped midway");
                        Some((Err(std::io::Error::other("the export stopped midway")), None))
                    }
                }
            });
            let disposition = match format {
                ExportFormat::Csv => "attachment; filename=\"observations.csv\"",
                ExportFormat::SdmxCsv => "attachment; filename=\"observations-sdmx.csv\"",
                ExportFormat::Json => "inline",
                ExportFormat::Ndjson => "inline",
            };
            Ok(HttpResponse::Ok()
                .content_type(format.media_type())
                .insert_header((header::ETAG, etag))
                .insert_header((header::CONTENT_DISPOSITION, disposition))
                .streaming(chunks))
        }
    }
}

/// A Frictionless Data Package (v1) describing the CSV export, field by field, so open-data
/// portals, Excel and Power BI read it with types.
#[utoipa::path(
    operation_id = "describe_observation_export",
    tag = "indicators",
    responses((status = 200, description = "The data package descriptor", body = Object,
               content_type = "application/json"), ReadErrors),
    security((), ("bearer" = []))
)]
#[get("/api/v1/exports/observations/datapackage.json")]
pub async fn datapackage(public_url: web::Data<PublicUrl>) -> HttpResponse {
    let field = |name: &str| {
        let (kind, format, description) = match name {
            "id" | "indicator_id" | "organization_id" | "reporting_organization_id" => {
                ("string", Some("uuid"), "an identifier")
            }
            "period_start" | "period_end" => ("date", None, "the period's first or last day"),
            "value" => ("number", None, "the value, rounded to `decimals`"),
            "exact_value" | "numerator" | "denominator" => ("number", None, "exact, as stored"),
            "decimals" => ("integer", None, "decimals shown"),
            "provisional" | "confidential" => ("boolean", None, "a flag"),
            "updated_at" => ("datetime", None, "when the value last changed (UTC)"),
            _ => ("string", None, "text"),
        };
        let mut f = json!({"name": name, "type": kind, "description": description});
        if let Some(format) = format {
            f["format"] = json!(format);
        }
        if matches!(name, "id" | "indicator_id" | "indicator_code" | "value_type" | "period" | "status") {
            f["constraints"] = json!({"required": true});
        }
        f
    };
    let base = &public_url.0;
    HttpResponse::Ok().json(json!({
        "profile": "tabular-data-package",
        "name": "yhdyspinta-observations",
        "title": "Yhdyspinta: collective-impact indicator values",
        "homepage": format!("{base}/docs"),
        "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
                      "title": "Creative Commons Attribution 4.0"}],
        "resources": [{
            "profile": "tabular-data-resource",
            "name": "observations",
            "path": format!("{base}/api/v1/exports/observations?format=csv"),
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "dialect": {"delimiter": ",", "header": true, "doubleQuote": true},
            "schema": {
                "fields": CSV_COLUMNS.iter().map(|c| field(c)).collect::<Vec<_>>(),
                "missingValues": [""],
                "primaryKey": ["id"]
            }
        }]
    }))
}
