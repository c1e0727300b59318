//! Exports of values for reporting tools (Power BI, Excel, R): JSON, NDJSON, CSV (RFC 4180,
//! or Finnish Excel's `;`, decimal comma and byte order mark) and SDMX-CSV 2.0, streamed in
//! keyset batches, each read on a pooled connection that goes back before the batch is
//! written, so memory and connections stay flat however many rows there are. Only approved
//! values unless asked otherwise; an ETag over what the filter selects answers 304 when
//! nothing changed.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::access;
use super::model::*;
use crate::domain::areas::AreaKind;
use crate::domain::context::Cx;
use crate::domain::types::formats::{CsvDialect, spreadsheet_text};
use crate::domain::types::localized::LocalizedText;
use crate::domain::types::names::name_of;
use crate::domain::types::validation;
use crate::error::AppError;
use crate::repo::indicators::observations::{self as repo, ListedObservationRow, ObservationFilter, Seen};

/// Values read per batch.
const BATCH: i64 = 2000;
/// Exports streaming at once in this process; more wait, then 503.
const EXPORTS_AT_ONCE: usize = 4;
static EXPORTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(EXPORTS_AT_ONCE);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ExportFormat {
    /// `text/csv`: one row per value (`dialect=fi` for Finnish Excel).
    Csv,
    /// `application/json`: an array of values.
    Json,
    /// `application/x-ndjson`: one value per line.
    Ndjson,
    /// `application/vnd.sdmx.data+csv; version=2.0.0`: SDMX-CSV 2.0 of the dataflow
    /// `YHDYSPINTA:DF_OBSERVATIONS(1.0.0)` (docs/INDICATORS.md).
    SdmxCsv,
}

impl ExportFormat {
    pub fn media_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Json => "application/json",
            ExportFormat::Ndjson => "application/x-ndjson",
            ExportFormat::SdmxCsv => "application/vnd.sdmx.data+csv; version=2.0.0; charset=utf-8",
        }
    }
}

/// Filters and shape of an export.
#[derive(Clone, Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// The format; without it, the `Accept` header decides (CSV by default).
    #[param(inline)]
    pub format: Option<ExportFormat>,
    /// CSV only: `fi` for Finnish Excel.
    #[param(inline)]
    pub dialect: Option<CsvDialect>,
    pub indicator: Option<Uuid>,
    /// Values about this organisation.
    pub organization: Option<Uuid>,
    /// Values this organisation reports.
    pub reporting_organization: Option<Uuid>,
    pub area_kind: Option<AreaKind>,
    #[param(max_length = 3, pattern = "^[0-9]{2,3}$", example = "179")]
    #[validate(length(max = 3))]
    pub area: Option<String>,
    pub value_type: Option<ValueType>,
    /// Default `approved`; other states are for the indicator's owner and the reporter.
    pub status: Option<ObservationStatus>,
    /// Periods that end on or after this day.
    pub period_from: Option<NaiveDate>,
    /// Periods that start on or before this day.
    pub period_to: Option<NaiveDate>,
    /// Only values changed at or after this instant; `/api/v1/removals?resource_type=observation`
    /// says which left the export meanwhile.
    pub updated_since: Option<DateTime<Utc>>,
}

/// One value as exported: flat, with its indicator's code, unit and decimals.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ExportedObservation {
    pub id: Uuid,
    pub indicator_id: Uuid,
    pub indicator_code: String,
    pub value_type: ValueType,
    pub period: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub area_kind: Option<AreaKind>,
    pub area_code: Option<String>,
    pub organization_id: Option<Uuid>,
    pub sex: Option<Sex>,
    pub age_group: Option<String>,
    /// Rounded to `decimals`.
    pub value: Option<String>,
    /// As stored.
    pub exact_value: Option<String>,
    pub numerator: Option<String>,
    pub denominator: Option<String>,
    pub unit: Option<String>,
    pub decimals: i16,
    /// A qualitative value, in Finnish where given.
    pub narrative: Option<String>,
    pub status: ObservationStatus,
    pub provisional: bool,
    pub confidential: bool,
    pub reporting_organization_id: Option<Uuid>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<ListedObservationRow> for ExportedObservation {
    type Error = AppError;
    fn try_from(r: ListedObservationRow) -> Result<Self, AppError> {
        let o = Observation::try_from(r.observation)?;
        let decimals = u32::try_from(r.decimals).unwrap_or(0);
        let text = |t: LocalizedText| t.fi.or(t.sv).or(t.en);
        Ok(ExportedObservation {
            id: o.id,
            indicator_id: o.indicator_id,
            indicator_code: r.code,
            value_type: o.value_type,
            period: o.period.code,
            period_start: o.period.start,
            period_end: o.period.end,
            area_kind: o.area.as_ref().map(|a| a.kind),
            area_code: o.area.map(|a| a.code),
            organization_id: o.organization_id,
            sex: o.sex,
            age_group: o.age_group,
            value: o.state.value.map(|v| v.rounded(decimals)),
            exact_value: o.state.value.map(|v| v.to_string()),
            numerator: o.state.numerator.map(|v| v.to_string()),
            denominator: o.state.denominator.map(|v| v.to_string()),
            unit: r.unit,
            decimals: r.decimals,
            narrative: o.state.narrative.and_then(text),
            status: o.state.status,
            provisional: o.state.provisional,
            confidential: o.state.confidential,
            reporting_organization_id: o.reporting_organization_id,
            updated_at: o.updated_at,
        })
    }
}

/// The CSV columns, in order.
pub const CSV_COLUMNS: [&str; 24] = [
    "id",
    "indicator_id",
    "indicator_code",
    "value_type",
    "period",
    "period_start",
    "period_end",
    "area_kind",
    "area_code",
    "organization_id",
    "sex",
    "age_group",
    "value",
    "exact_value",
    "numerator",
    "denominator",
    "unit",
    "decimals",
    "narrative",
    "status",
    "provisional",
    "confidential",
    "reporting_organization_id",
    "updated_at",
];

/// The SDMX-CSV 2.0 columns: structure, action, the dimensions, the measure, the attributes.
pub const SDMX_COLUMNS: [&str; 15] = [
    "STRUCTURE",
    "STRUCTURE_ID",
    "ACTION",
    "INDICATOR",
    "VALUE_TYPE",
    "REF_AREA",
    "ORGANISATION",
    "SEX",
    "AGE",
    "TIME_PERIOD",
    "OBS_VALUE",
    "UNIT_MEASURE",
    "DECIMALS",
    "OBS_STATUS",
    "CONF_STATUS",
];

pub const SDMX_DATAFLOW: &str = "YHDYSPINTA:DF_OBSERVATIONS(1.0.0)";

/// An export in progress: the filter with its keyset position, the caller's context (its
/// connection checked out only while a batch is read) and a permit of the process's few.
pub struct ObservationExport {
    cx: Cx<'static>,
    filter: ObservationFilter,
    format: ExportFormat,
    dialect: CsvDialect,
    started: bool,
    done: bool,
    _permit: tokio::sync::SemaphorePermit<'static>,
}

/// What an export answers before its rows: its ETag, or that the caller's copy is current.
pub enum Prepared {
    NotModified(String),
    Stream(String, Box<ObservationExport>),
}

/// Checks the query, works out the ETag from what it selects, and when the caller's copy is
/// not current, waits for a permit to stream.
pub async fn prepare(
    mut cx: Cx<'static>,
    query: ExportQuery,
    format: ExportFormat,
    if_none_match: Option<&str>,
) -> Result<Prepared, AppError> {
    validation::check(&query)?;
    let (conn, actor) = cx.parts().await?;
    let orgs = access::reading_organizations(actor);
    let seen = if orgs.is_empty() { Seen::Public } else { Seen::PartnerOf(orgs.clone()) };
    let listed = ObservationQuery {
        indicator: query.indicator,
        organization: query.organization,
        reporting_organization: query.reporting_organization,
        area_kind: query.area_kind,
        area: query.area.clone(),
        value_type: query.value_type,
        status: Some(query.status.unwrap_or(ObservationStatus::Approved)),
        period_from: query.period_from,
        period_to: query.period_to,
    };
    let filter = listed.filter(seen, query.updated_since, None, BATCH);
    let (rows, last_update) = repo::export_state(conn, &filter).await?;
    let removal = repo::latest_removal(conn).await?;
    let dialect = query.dialect.unwrap_or_default();
    let etag = {
        let mut hash = Sha256::new();
        hash.update(format!("{format:?}|{dialect:?}|{filter:?}|{orgs:?}|{rows}|{last_update:?}|{removal}"));
        let digest: String = hash.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect();
        format!("\"x-{digest}\"")
    };
    if if_none_match.is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag || t.trim() == "*")) {
        return Ok(Prepared::NotModified(etag));
    }
    cx.release();
    let permit = tokio::time::timeout(std::time::Duration::from_secs(10), EXPORTS.acquire())
        .await
        .ok()
        .and_then(Result::ok)
        .ok_or(AppError::Busy { retry_after_secs: 5 })?;
    let export = ObservationExport { cx, filter, format, dialect, started: false, done: false, _permit: permit };
    Ok(Prepared::Stream(etag, Box::new(export)))
}

impl ObservationExport {
    /// The next chunk of the document; `None` after the last.
    pub async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, AppError> {
        if self.done {
            return Ok(None);
        }
        let rows = repo::list(self.cx.conn().await?, &self.filter).await?;
        self.cx.release();
        let first = !self.started;
        self.started = true;
        self.done = i64::try_from(rows.len()).unwrap_or(0) < self.filter.limit;
        self.filter.after = rows.last().map(|r| r.observation.id).or(self.filter.after);
        let values = rows.into_iter().map(ExportedObservation::try_from).collect::<Result<Vec<_>, _>>()?;
        let mut out = Vec::new();
        match self.format {
            ExportFormat::Json => {
                if first {
                    out.push(b'[');
                }
                // A batch after the first continues the array its predecessor began.
                let mut separated = first;
                for v in &values {
                    if !separated {
                        out.push(b',');
                    }
                    separated = false;
                    serde_json::to_writer(&mut out, v).map_err(AppError::internal)?;
                }
                if self.done {
                    out.push(b']');
                }
            }
            ExportFormat::Ndjson => {
                for v in &values {
                    serde_json::to_writer(&mut out, v).map_err(AppError::internal)?;
                    out.push(b'\n');
                }
            }
            ExportFormat::Csv => self.csv(&mut out, first, &values)?,
            ExportFormat::SdmxCsv => sdmx_csv(&mut out, first, &values)?,
        }
        Ok(Some(out))
    }

    fn csv(&self, out: &mut Vec<u8>, first: bool, values: &[ExportedObservation]) -> Result<(), AppError> {
        let fi = self.dialect == CsvDialect::Fi;
        if first && fi {
            out.extend_from_slice("\u{feff}".as_bytes());
        }
        let mut writer = csv::WriterBuilder::new().delimiter(if fi { b';' } else { b',' }).from_writer(out);
        if first {
            writer.write_record(CSV_COLUMNS).map_err(AppError::internal)?;
        }
        let number = |n: &Option<String>| {
            let n = n.clone().unwrap_or_default();
            if fi { n.replace('.', ",") } else { n }
        };
        let text = |t: &Option<String>| t.as_deref().map(spreadsheet_text).unwrap_or_default();
        let id = |u: Option<Uuid>| u.map(|u| u.to_string()).unwrap_or_default();
        for v in values {
            writer
                .write_record([
                    v.id.to_string(),
                    v.indicator_id.to_string(),
                    v.indicator_code.clone(),
                    name_of(&v.value_type),
                    v.period.clone(),
                    v.period_start.to_string(),
                    v.period_end.to_string(),
                    v.area_kind.map(|k| name_of(&k)).unwrap_or_default(),
                    v.area_code.clone().unwrap_or_default(),
                    id(v.organization_id),
                    v.sex.map(|s| name_of(&s)).unwrap_or_default(),
                    v.age_group.clone().unwrap_or_default(),
                    number(&v.value),
                    number(&v.exact_value),
                    number(&v.numerator),
                    number(&v.denominator),
                    text(&v.unit),
                    v.decimals.to_string(),
                    text(&v.narrative),
                    name_of(&v.status),
                    v.provisional.to_string(),
                    v.confidential.to_string(),
                    id(v.reporting_organization_id),
                    v.updated_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                ])
                .map_err(AppError::internal)?;
        }
        writer.flush().map_err(AppError::internal)
    }
}

/// SDMX codes: `KU179` a municipality, `HV15` a wellbeing services county, `_T` the total
/// (no breakdown), `Y65T74` and `Y_GE75` age bands, `F`/`M` sex.
fn sdmx_csv(out: &mut Vec<u8>, first: bool, values: &[ExportedObservation]) -> Result<(), AppError> {
    let mut writer = csv::WriterBuilder::new().from_writer(out);
    if first {
        writer.write_record(SDMX_COLUMNS).map_err(AppError::internal)?;
    }
    for v in values {
        let area = match (v.area_kind, &v.area_code) {
            (Some(AreaKind::Municipality), Some(code)) => format!("KU{code}"),
            (Some(AreaKind::WellbeingServicesCounty), Some(code)) => format!("HV{code}"),
            _ => "_T".to_owned(),
        };
        let age = match v.age_group.as_deref() {
            None => "_T".to_owned(),
            Some(band) => match band.strip_suffix('+') {
                Some(from) => format!("Y_GE{from}"),
                None => format!("Y{}", band.replace('-', "T")),
            },
        };
        let sex = match v.sex {
            Some(Sex::Female) => "F",
            Some(Sex::Male) => "M",
            None => "_T",
        };
        // SDMX has no two-year code: an interval from the first day.
        let period = if v.period.len() == 9 { format!("{}/P2Y", v.period_start) } else { v.period.clone() };
        writer
            .write_record([
                "dataflow".to_owned(),
                SDMX_DATAFLOW.to_owned(),
                "I".to_owned(),
                v.indicator_code.clone(),
                name_of(&v.value_type).to_uppercase(),
                area,
                v.organization_id.map_or_else(|| "_T".to_owned(), |o| o.to_string()),
                sex.to_owned(),
                age,
                period,
                v.exact_value.clone().unwrap_or_default(),
                v.unit.clone().unwrap_or_default(),
                v.decimals.to_string(),
                if v.provisional { "P" } else { "A" }.to_owned(),
                if v.confidential { "C" } else { "F" }.to_owned(),
            ])
            .map_err(AppError::internal)?;
    }
    writer.flush().map_err(AppError::internal)
}
