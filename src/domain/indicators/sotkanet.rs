//! Importing indicators from THL's Sotkanet (the indicator bank Finnish municipalities know):
//! indicator metadata, regions and values in the shapes of Sotkanet's REST API 1.1
//! (`/indicators/{id}`, `/regions`, `/json` and `/csv`). Each becomes a public `sotkanet`
//! indicator, `SOTKANET_<id>`, with yearly values by area and sex, approved and read-only,
//! credited to THL (CC BY 4.0 for THL's own data, the producer's terms otherwise).
//!
//! Sotkanet's region ids are its own: a municipality (`KUNTA`) or wellbeing services county
//! (`HYVINVOINTIALUE`) maps to the area register through the regions given with the import or
//! the register's `sotkanet_region_id`; the whole country (`MAA`) is a value without an area.
//! Rows of other regions (hospital districts, sub-regions, ...) are skipped and reported.

use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::model::*;
use crate::domain::access::{Actor, allow};
use crate::domain::areas::AreaKind;
use crate::domain::audit::{self, Audited, Change};
use crate::domain::context::Cx;
use crate::domain::types::localized::LocalizedText;
use crate::domain::types::names::name_of;
use crate::error::{AppError, FieldError};
use crate::repo::indicators::observations::ImportedValue;

/// Text in Finnish, Swedish and English, as Sotkanet gives it (HTML allowed).
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema, Validate)]
pub struct SotkanetText {
    #[serde(default)]
    #[schema(max_length = 20000)]
    #[validate(length(max = 20000))]
    pub fi: Option<String>,
    #[serde(default)]
    #[schema(max_length = 20000)]
    #[validate(length(max = 20000))]
    pub sv: Option<String>,
    #[serde(default)]
    #[schema(max_length = 20000)]
    #[validate(length(max = 20000))]
    pub en: Option<String>,
}

/// `primaryValueType` of an indicator: `PROS`, `PER1000`, `PER100000`, `INDEKSI`, ...
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema, Validate)]
pub struct SotkanetValueType {
    #[schema(max_length = 40, example = "PROS")]
    #[validate(length(max = 40))]
    pub code: String,
    #[serde(default)]
    #[validate(nested)]
    pub title: Option<SotkanetText>,
}

/// The organisation that produces an indicator's data (2 is THL).
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema, Validate)]
pub struct SotkanetOrganization {
    pub id: i64,
    #[serde(default)]
    #[validate(nested)]
    pub title: Option<SotkanetText>,
}

/// `GET /rest/1.1/indicators/{id}` (other fields are ignored).
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"id": 4230, "title": {"fi": "Yksinäisyyttä kokevien osuus (%), 65 vuotta täyttäneet"},
    "primaryValueType": {"code": "PROS"}, "decimals": 1, "organization": {"id": 2}}))]
pub struct SotkanetIndicator {
    #[schema(minimum = 1, maximum = 1000000)]
    pub id: i64,
    #[validate(nested)]
    pub title: SotkanetText,
    #[serde(default)]
    #[validate(nested)]
    pub description: Option<SotkanetText>,
    #[serde(default)]
    #[validate(nested)]
    pub interpretation: Option<SotkanetText>,
    #[serde(default)]
    #[validate(nested)]
    pub limits: Option<SotkanetText>,
    #[serde(default, rename = "primaryValueType")]
    #[validate(nested)]
    pub primary_value_type: Option<SotkanetValueType>,
    #[serde(default)]
    pub decimals: Option<i64>,
    #[serde(default)]
    #[validate(nested)]
    pub organization: Option<SotkanetOrganization>,
}

/// One region of `GET /rest/1.1/regions`.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"id": 46, "code": "091", "category": "KUNTA"}))]
pub struct SotkanetRegion {
    pub id: i64,
    #[schema(max_length = 10)]
    #[validate(length(max = 10))]
    pub code: String,
    /// `KUNTA`, `HYVINVOINTIALUE`, `MAA`, ...
    #[schema(max_length = 40)]
    #[validate(length(max = 40))]
    pub category: String,
}

/// One row of `GET /rest/1.1/json`.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({"indicator": 4230, "region": 46, "year": 2023, "gender": "total", "value": 11.8,
    "absValue": 1129}))]
pub struct SotkanetValue {
    pub indicator: i64,
    pub region: i64,
    pub year: i32,
    /// `total`, `male` or `female`.
    #[schema(max_length = 10)]
    #[validate(length(max = 10))]
    pub gender: String,
    /// A suppressed cell has none.
    #[serde(default)]
    #[schema(value_type = Option<f64>)]
    pub value: Option<serde_json::Number>,
    #[serde(default, rename = "absValue")]
    #[schema(value_type = Option<f64>)]
    pub abs_value: Option<serde_json::Number>,
    /// The value exactly as a CSV download wrote it (JSON numbers arrive as floats).
    #[serde(skip)]
    pub exact: Option<Decimal>,
}

/// What to import, in Sotkanet's own shapes. Up to 256 KiB per request (20 indicators, 1,000
/// regions, 1,000 values or 128 KiB of CSV): send a larger download in parts, or use
/// `yhdyspinta import-sotkanet --file`.
#[derive(Clone, Debug, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct SotkanetImport {
    /// Indicator metadata (`/indicators/{id}` responses); values need their indicator here
    /// or imported before.
    #[serde(default)]
    #[schema(max_items = 20)]
    #[validate(length(max = 20), nested)]
    pub indicators: Vec<SotkanetIndicator>,
    /// Regions (`/regions`), to map municipalities and the whole country; counties map through
    /// the area register without them.
    #[serde(default)]
    #[schema(max_items = 1000)]
    #[validate(length(max = 1000), nested)]
    pub regions: Vec<SotkanetRegion>,
    /// Values as `/json` gives them.
    #[serde(default)]
    #[schema(max_items = 1000)]
    #[validate(length(max = 1000), nested)]
    pub values: Vec<SotkanetValue>,
    /// Values as `/csv` gives them: `indicator;region;year;gender;primary value;absolute value`.
    #[serde(default)]
    #[schema(max_length = 131072)]
    #[validate(length(max = 131072))]
    pub values_csv: Option<String>,
}

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct SotkanetImported {
    /// The indicators imported or updated, by code.
    pub indicators: Vec<String>,
    /// Values inserted or changed.
    pub values_written: i64,
    /// Values already as given.
    pub values_unchanged: i64,
    /// Rows of regions that are not municipalities, counties or the whole country (or not in
    /// the area register), and rows without a value.
    pub rows_skipped: i64,
    /// The Sotkanet region ids skipped.
    pub skipped_regions: Vec<i64>,
}

/// An indicator's values written by an import, for the audit log.
#[derive(Serialize)]
struct ValuesImported<'a> {
    indicator_id: Uuid,
    code: &'a str,
    written: i64,
    unchanged: i64,
}

impl Audited for ValuesImported<'_> {
    const RESOURCE_TYPE: &'static str = "indicator";
    fn audit_id(&self) -> String {
        self.indicator_id.to_string()
    }
    fn audit_organizations(&self) -> Vec<Uuid> {
        Vec::new()
    }
}

const CSV_HEADER: [&str; 6] = ["indicator", "region", "year", "gender", "primary value", "absolute value"];

/// The rows of Sotkanet's CSV download; an error names the line.
pub fn parse_csv(text: &str) -> Result<Vec<SotkanetValue>, FieldError> {
    let bad =
        |line: u64, message: String| FieldError::new("values_csv", "invalid_format", format!("line {line}: {message}"));
    let mut reader = csv::ReaderBuilder::new().delimiter(b';').flexible(true).from_reader(text.as_bytes());
    let header = reader.headers().map_err(|e| bad(1, e.to_string()))?.clone();
    if header.iter().map(str::trim).take(5).ne(CSV_HEADER.iter().take(5).copied()) {
        return Err(bad(1, format!("expected the header {}", CSV_HEADER.join(";"))));
    }
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let record = record.map_err(|e| bad(line, e.to_string()))?;
        let field = |n: usize| record.get(n).map(str::trim).unwrap_or_default();
        let int =
            |n: usize| field(n).parse::<i64>().map_err(|_| bad(line, format!("{} is not a number", CSV_HEADER[n])));
        // Older downloads wrote a decimal comma.
        let number = |n: usize| -> Result<Option<(Decimal, serde_json::Number)>, FieldError> {
            let text = field(n).replace(',', ".");
            if text.is_empty() {
                return Ok(None);
            }
            Decimal::from_str(&text)
                .ok()
                .zip(serde_json::Number::from_str(&text).ok())
                .map(Some)
                .ok_or_else(|| bad(line, format!("{} is not a number", CSV_HEADER[n])))
        };
        let value = number(4)?;
        rows.push(SotkanetValue {
            indicator: int(0)?,
            region: int(1)?,
            year: i32::try_from(int(2)?).map_err(|_| bad(line, "year out of range".into()))?,
            gender: field(3).to_owned(),
            exact: value.as_ref().map(|(exact, _)| exact.normalize()),
            value: value.map(|(_, n)| n),
            abs_value: number(5)?.map(|(_, n)| n),
        });
    }
    Ok(rows)
}

/// Adds one downloaded file to the import, by its shape: an indicator's metadata (an object),
/// the indicator list, the regions or the values (JSON arrays), or the values' CSV.
pub fn add_file(data: &mut SotkanetImport, text: &str) -> Result<(), String> {
    let text = text.trim_start_matches('\u{feff}');
    let json = |e: serde_json::Error| format!("not Sotkanet JSON: {e}");
    match text.trim_start().chars().next() {
        Some('{') => data.indicators.push(serde_json::from_str(text).map_err(json)?),
        Some('[') => {
            let items: Vec<serde_json::Value> = serde_json::from_str(text).map_err(json)?;
            let has = |key: &str| items.first().is_some_and(|i| i.get(key).is_some());
            if has("category") {
                data.regions.extend(serde_json::from_value::<Vec<SotkanetRegion>>(items.into()).map_err(json)?);
            } else if has("region") {
                data.values.extend(serde_json::from_value::<Vec<SotkanetValue>>(items.into()).map_err(json)?);
            } else {
                data.indicators.extend(serde_json::from_value::<Vec<SotkanetIndicator>>(items.into()).map_err(json)?);
            }
        }
        _ => data.values.extend(parse_csv(text).map_err(|e| e.message)?),
    }
    Ok(())
}

/// Imports through the API: platform admins.
pub async fn import(cx: &mut Cx<'_>, data: SotkanetImport) -> Result<SotkanetImported, AppError> {
    let (_, actor) = cx.parts().await?;
    allow(actor, actor.is_platform_admin())?;
    crate::domain::types::validation::check_with(&data, Vec::new())?;
    import_unchecked(cx, data).await
}

/// Imports as the platform (the command line reads any size).
pub async fn import_unchecked(cx: &mut Cx<'_>, mut data: SotkanetImport) -> Result<SotkanetImported, AppError> {
    if let Some(text) = data.values_csv.take() {
        data.values.extend(parse_csv(&text).map_err(|e| AppError::Validation(vec![e]))?);
    }
    let rows = checked_rows(&data)?;
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let mut outcome = SotkanetImported::default();
        let mut by_id: HashMap<i64, Indicator> = HashMap::new();
        for (i, meta) in data.indicators.iter().enumerate() {
            let indicator = defined(tx, actor, meta, &format!("indicators[{i}]")).await?;
            outcome.indicators.push(indicator.fields.code.clone());
            by_id.insert(meta.id, indicator);
        }
        // Values of indicators imported before: each looked up once.
        let mut missing = Vec::new();
        let mut absent = std::collections::HashSet::new();
        for (i, row) in data.values.iter().enumerate() {
            if by_id.contains_key(&row.indicator) {
                continue;
            }
            let found = if absent.contains(&row.indicator) {
                None
            } else {
                crate::repo::indicators::by_code(tx, &code(row.indicator)).await?.filter(|f| f.source == "sotkanet")
            };
            match found {
                Some(found) => {
                    by_id.insert(row.indicator, Indicator::try_from(found)?);
                }
                None => {
                    absent.insert(row.indicator);
                    missing.push(FieldError::new(
                        format!("values[{i}].indicator"),
                        "not_found",
                        "import the indicator's metadata first",
                    ));
                }
            }
        }
        if !missing.is_empty() {
            return Err(AppError::Validation(missing));
        }
        let regions = regions(tx, &data.regions).await?;
        type Key = (i32, Option<(String, String)>, Option<String>);
        let mut per_indicator: BTreeMap<i64, BTreeMap<Key, Decimal>> = BTreeMap::new();
        let mut skipped = std::collections::BTreeSet::new();
        for (row, value) in data.values.iter().zip(rows) {
            let (Some(area), Some(value)) = (regions.get(&row.region), value) else {
                outcome.rows_skipped += 1;
                if !regions.contains_key(&row.region) {
                    skipped.insert(row.region);
                }
                continue;
            };
            let sex = match row.gender.as_str() {
                "male" => Some(name_of(&Sex::Male)),
                "female" => Some(name_of(&Sex::Female)),
                _ => None,
            };
            // The last of duplicate rows counts.
            let area = area.as_ref().map(|a| (name_of(&a.kind), a.code.clone()));
            per_indicator.entry(row.indicator).or_default().insert((row.year, area, sex), value);
        }
        outcome.skipped_regions = skipped.into_iter().collect();
        for (sotkanet_id, values) in per_indicator {
            let Some(indicator) = by_id.get(&sotkanet_id) else { continue };
            let rows: Vec<ImportedValue> = values
                .into_iter()
                .filter_map(|((year, area, sex), value)| {
                    let period = ReportingPeriod::parse(&year.to_string())?;
                    Some(ImportedValue {
                        period_code: period.code,
                        period_start: period.start,
                        period_end: period.end,
                        area_kind: area.as_ref().map(|(kind, _)| kind.clone()),
                        area_code: area.map(|(_, code)| code),
                        sex,
                        value,
                    })
                })
                .collect();
            let total = i64::try_from(rows.len()).unwrap_or(i64::MAX);
            let written = crate::repo::indicators::observations::upsert_imported(tx, indicator.id, &rows).await?;
            outcome.values_written += written;
            outcome.values_unchanged += total - written;
            if written > 0 {
                let entry = ValuesImported {
                    indicator_id: indicator.id,
                    code: &indicator.fields.code,
                    written,
                    unchanged: total - written,
                };
                audit::record(tx, actor, "import_values", Change::Created(&entry)).await?;
            }
        }
        Ok(outcome)
    })
    .await
}

fn code(sotkanet_id: i64) -> String {
    format!("SOTKANET_{sotkanet_id}")
}

/// Each value row's exact number (none: a suppressed cell), or 422 naming the rows' fields.
fn checked_rows(data: &SotkanetImport) -> Result<Vec<Option<Decimal>>, AppError> {
    let mut errors = Vec::new();
    let mut values = Vec::with_capacity(data.values.len());
    for (i, row) in data.values.iter().enumerate() {
        let mut err = |field: &str, message: &str| {
            errors.push(FieldError::new(format!("values[{i}].{field}"), "invalid", message.to_owned()));
        };
        if !(1900..=2100).contains(&row.year) {
            err("year", "a year between 1900 and 2100");
        }
        if !matches!(row.gender.as_str(), "total" | "male" | "female") {
            err("gender", "total, male or female");
        }
        // JSON numbers arrive as binary floats; Sotkanet's have at most a few decimals, so the
        // shortest text that reads back as the same float is the published figure.
        let value = match &row.value {
            _ if row.exact.is_some() => row.exact,
            None => None,
            Some(n) => match Decimal::from_str(&n.to_string()).or_else(|_| Decimal::from_scientific(&n.to_string())) {
                Ok(d) => Some(d.normalize()),
                Err(_) => {
                    err("value", "a number of at most 28 significant digits");
                    None
                }
            },
        };
        values.push(value);
    }
    for (i, meta) in data.indicators.iter().enumerate() {
        if !(1..=1_000_000).contains(&meta.id) {
            errors.push(FieldError::new(format!("indicators[{i}].id"), "out_of_range", "1 to 1000000"));
        }
        if meta.title.fi.as_deref().or(meta.title.en.as_deref()).is_none_or(|t| plain(t).is_none()) {
            errors.push(FieldError::new(format!("indicators[{i}].title"), "required", "a title in Finnish or English"));
        }
    }
    if errors.is_empty() { Ok(values) } else { Err(AppError::Validation(errors)) }
}

/// Sotkanet region id → area (none: the whole country), from the import's regions and the
/// area register; only areas the register knows.
async fn regions(
    tx: &mut crate::db::Conn,
    given: &[SotkanetRegion],
) -> Result<HashMap<i64, Option<AreaRef>>, AppError> {
    let mut map = HashMap::new();
    for (id, kind, code) in crate::repo::areas::sotkanet_regions(tx).await? {
        if let Ok(kind) = crate::domain::types::names::from_stored::<AreaKind>("area kind", &kind) {
            map.insert(i64::from(id), Some(AreaRef { kind, code }));
        }
    }
    // The given regions' areas, one register lookup per kind.
    for kind in [AreaKind::Municipality, AreaKind::WellbeingServicesCounty] {
        let category = if kind == AreaKind::Municipality { "KUNTA" } else { "HYVINVOINTIALUE" };
        let of_kind: Vec<(i64, String)> =
            (given.iter()).filter(|r| r.category == category).map(|r| (r.id, r.code.trim().to_owned())).collect();
        let codes: Vec<String> = of_kind.iter().map(|(_, code)| code.clone()).collect();
        let known = crate::repo::areas::existing(tx, &name_of(&kind), &codes).await?;
        for (id, code) in of_kind.into_iter().filter(|(_, code)| known.contains(code)) {
            map.insert(id, Some(AreaRef { kind, code }));
        }
    }
    for region in given.iter().filter(|r| r.category == "MAA") {
        map.insert(region.id, None);
    }
    Ok(map)
}

/// Text without HTML tags and runs of white space; none when nothing is left.
fn plain(html: &str) -> Option<String> {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(if c.is_whitespace() { ' ' } else { c }),
            _ => {}
        }
    }
    let text = out.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = text.replace("&nbsp;", " ").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">");
    let text: String = text.chars().take(10_000).collect();
    (!text.trim().is_empty()).then_some(text)
}

fn localized(text: Option<&SotkanetText>) -> Option<LocalizedText> {
    let text = text?;
    let value = LocalizedText {
        fi: text.fi.as_deref().and_then(plain),
        sv: text.sv.as_deref().and_then(plain),
        en: text.en.as_deref().and_then(plain),
    };
    (value != LocalizedText::default()).then_some(value)
}

/// The definition Sotkanet's metadata makes.
fn fields(meta: &SotkanetIndicator) -> IndicatorFields {
    let value_type = meta.primary_value_type.as_ref().map(|t| t.code.as_str()).unwrap_or_default();
    let per = value_type.strip_prefix("PER").and_then(|n| n.parse::<i32>().ok()).filter(|n| *n >= 1);
    let (measure, unit) = match (value_type, per) {
        ("PROS", _) => (Measure::Percentage, Some("%".to_owned())),
        (_, Some(per)) => (Measure::Rate, Some(format!("/ {per}"))),
        ("INDEKSI", _) => (Measure::Index, None),
        _ => (Measure::Count, None),
    };
    let thl = meta.organization.as_ref().is_none_or(|o| o.id == 2);
    let producer = (meta.organization.as_ref())
        .and_then(|o| o.title.as_ref())
        .and_then(|t| t.fi.as_deref().or(t.en.as_deref()))
        .and_then(plain)
        .unwrap_or_else(|| "Terveyden ja hyvinvoinnin laitos (THL)".to_owned());
    IndicatorFields {
        code: code(meta.id),
        title: localized(Some(&meta.title)).unwrap_or_else(|| LocalizedText::fi(code(meta.id))),
        description: localized(meta.description.as_ref()),
        interpretation: localized(meta.interpretation.as_ref()),
        limitations: localized(meta.limits.as_ref()),
        kind: IndicatorType::Population,
        measure,
        unit,
        decimals: i32::try_from(meta.decimals.unwrap_or(1).clamp(0, 6)).unwrap_or(1),
        rate_per: if measure == Measure::Rate { per } else { None },
        direction: Direction::None,
        // Published rates and shares of areas do not add up.
        aggregation: Aggregation::None,
        periodicity: Periodicity::P1Y,
        dimensions: vec![Dimension::Area, Dimension::Sex],
        owner_organization_id: None,
        agreement_ids: Vec::new(),
        external_references: vec![ExternalReference {
            vocabulary: "sotkanet".into(),
            code: meta.id.to_string(),
            url: Some(format!("https://sotkanet.fi/sotkanet/fi/metadata/indicators/{}", meta.id)),
        }],
        attribution: Some(
            format!("Tilasto- ja indikaattoripankki Sotkanet, THL (ind. {}); tuottaja: {producer}", meta.id)
                .chars()
                .take(500)
                .collect(),
        ),
        licence: Some(if thl { "CC BY 4.0".to_owned() } else { "Tuottajan käyttöehdot".to_owned() }),
        visibility: IndicatorVisibility::Public,
        locked_through: None,
    }
}

/// The imported indicator, created or brought up to date; 409 when a reported indicator
/// holds its code.
async fn defined(
    tx: &mut crate::db::Conn,
    actor: &Actor,
    meta: &SotkanetIndicator,
    at: &str,
) -> Result<Indicator, AppError> {
    let fields = fields(meta);
    crate::domain::types::validation::check_with(&fields, Vec::new()).map_err(|e| match e {
        AppError::Validation(errors) => AppError::Validation(
            errors.into_iter().map(|e| FieldError { field: format!("{at}.{}", e.field), ..e }).collect(),
        ),
        other => other,
    })?;
    let existing = crate::repo::indicators::by_code(tx, &fields.code).await?;
    keep_reference(tx, actor, existing, IndicatorSource::Sotkanet, None, fields).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csv_download_reads_with_either_decimal_mark_and_names_a_bad_line() {
        let rows = parse_csv("indicator;region;year;gender;primary value;absolute value\r\n5034;46;2023;total;170.0;1129\r\n5034;46;2023;male;136,6;\r\n").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].value.as_ref().map(ToString::to_string).as_deref(), Some("136.6"));
        // Exact even where a float would not be.
        let long = parse_csv(
            "indicator;region;year;gender;primary value;absolute value\n1;46;2023;total;1234567890.123456789;\n",
        )
        .unwrap();
        assert_eq!(long[0].exact.map(|d| d.to_string()).as_deref(), Some("1234567890.123456789"));
        assert!(rows[1].abs_value.is_none());
        let err =
            parse_csv("indicator;region;year;gender;primary value;absolute value\n5034;x;2023;total;1;\n").unwrap_err();
        assert!(err.message.starts_with("line 2"), "{}", err.message);
        assert!(parse_csv("a;b\n1;2\n").is_err());
    }

    #[test]
    fn html_becomes_plain_text() {
        assert_eq!(
            plain("Osuus <br><br />väestöstä&nbsp;(%) <a href=\"x\">lähde</A>. ").as_deref(),
            Some("Osuus väestöstä (%) lähde .")
        );
        assert_eq!(plain(" <p> </p> "), None);
    }
}
