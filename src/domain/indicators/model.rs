//! An indicator's definition (mittari) with its rules, and one reported value of it (an
//! observation: havainto) with its period, area, breakdown and workflow state.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::domain::areas::AreaKind;
use crate::domain::audit::Audited;
use crate::domain::types::decimal::{ExactDecimal, StoredDecimal};
use crate::domain::types::localized::LocalizedText;
use crate::domain::types::names::{all_from_stored, from_stored, name_of};
use crate::domain::types::stored::{from_json, to_json};
use crate::error::{AppError, FieldError};
use crate::repo::indicators::observations::{ObservationFilter, ObservationRow, ObservationWrite, Seen};
use crate::repo::indicators::{IndicatorRow, IndicatorWrite};

/// What an indicator describes (Sotkanet's split).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorType {
    /// The population's situation (väestöindikaattori), e.g. loneliness among those over 65.
    Population,
    /// What the collaboration does (toimintaindikaattori), e.g. participants per month.
    Performance,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    Count,
    /// numerator / denominator × 100.
    Percentage,
    /// numerator / denominator × `rate_per`.
    Rate,
    Index,
    Ordinal,
    /// A narrative, no number.
    Qualitative,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
    None,
}

/// How values of areas or organisations add up to a larger whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    Sum,
    Mean,
    /// Weighted by the denominators.
    WeightedMean,
    None,
}

/// How often values are reported (ISO 8601 durations).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum Periodicity {
    P1M,
    P3M,
    P1Y,
    P2Y,
}

/// What a value may be broken down by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Area,
    Organization,
    Sex,
    AgeGroup,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorVisibility {
    /// Anyone reads the definition and its approved, non-confidential values.
    Public,
    /// The owner and the parties of the linked agreements (and their service clients with
    /// `indicators:read`).
    Partners,
}

/// Where an indicator's values come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorSource {
    /// Partners report the values, the owner approves them.
    Reported,
    /// Computed by the platform from the collaboration's own records (see `derivation`).
    Platform,
    /// Imported from THL's Sotkanet; read-only.
    Sotkanet,
}

/// The same indicator in another register, e.g. `{"vocabulary": "sotkanet", "code": "4230"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ExternalReference {
    #[schema(min_length = 1, max_length = 40, example = "sotkanet")]
    #[validate(length(min = 1, max = 40))]
    pub vocabulary: String,
    #[schema(min_length = 1, max_length = 64, example = "4230")]
    #[validate(length(min = 1, max = 64))]
    pub code: String,
    /// The indicator's page in that register (http or https).
    #[serde(default)]
    #[schema(value_type = Option<crate::domain::types::formats::schema::HttpUrl>)]
    #[validate(length(max = 2000), custom(function = "crate::domain::types::formats::http_url"))]
    pub url: Option<String>,
}

/// A definition as it is written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "KS_LONELY_65", "title": {"fi": "Yksinäisyyttä kokevat 65+"},
    "type": "population", "measure": "percentage", "unit": "%", "decimals": 1,
    "direction": "lower_is_better", "aggregation": "weighted_mean", "periodicity": "P1Y",
    "dimensions": ["area", "organization"], "owner_organization_id": "01930000-0000-7000-8000-000000000001",
    "external_references": [{"vocabulary": "sotkanet", "code": "4230"}], "visibility": "public"}))]
pub struct IndicatorFields {
    /// A short code, unique across the platform: 2–64 letters, digits, `-`, `_` or `.`.
    #[schema(min_length = 2, max_length = 64, pattern = "^[A-Za-z0-9][A-Za-z0-9_.-]{1,63}$", example = "KS_LONELY_65")]
    #[validate(length(min = 2, max = 64))]
    pub code: String,
    #[validate(nested)]
    pub title: LocalizedText,
    #[serde(default)]
    #[validate(nested)]
    pub description: Option<LocalizedText>,
    /// How to read a change: what a rise or fall means.
    #[serde(default)]
    #[validate(nested)]
    pub interpretation: Option<LocalizedText>,
    #[serde(default)]
    #[validate(nested)]
    pub limitations: Option<LocalizedText>,
    #[serde(rename = "type")]
    pub kind: IndicatorType,
    pub measure: Measure,
    #[serde(default)]
    #[schema(max_length = 40, example = "%")]
    #[validate(length(max = 40))]
    pub unit: Option<String>,
    /// Decimals shown (values are kept exactly and rounded only on output).
    #[serde(deserialize_with = "crate::domain::types::integers::int32")]
    #[schema(minimum = 0, maximum = 6)]
    #[validate(range(min = 0, max = 6))]
    pub decimals: i32,
    /// For a rate: per how many (e.g. 1000 for "per 1,000 inhabitants"). Only for rates.
    #[serde(default, deserialize_with = "crate::domain::types::integers::opt_int32")]
    #[schema(minimum = 1, maximum = 1000000000)]
    #[validate(range(min = 1, max = 1_000_000_000))]
    pub rate_per: Option<i32>,
    pub direction: Direction,
    pub aggregation: Aggregation,
    pub periodicity: Periodicity,
    #[serde(default)]
    #[schema(max_items = 4)]
    #[validate(length(max = 4))]
    pub dimensions: Vec<Dimension>,
    /// Keeps the definition and approves reported values: its coordinators and org admins.
    /// Required when you create an indicator; none for platform and Sotkanet indicators,
    /// which the platform keeps.
    #[serde(default)]
    pub owner_organization_id: Option<Uuid>,
    /// Partnerships whose parties report and read the indicator; the owner is a party of
    /// each.
    #[serde(default)]
    #[schema(max_items = 20)]
    #[validate(length(max = 20))]
    pub agreement_ids: Vec<Uuid>,
    #[serde(default)]
    #[schema(max_items = 20)]
    #[validate(length(max = 20), nested)]
    pub external_references: Vec<ExternalReference>,
    /// Credit for the data: the survey or register the values come from.
    #[serde(default)]
    #[schema(max_length = 500, example = "THL, Sotkanet")]
    #[validate(length(max = 500))]
    pub attribution: Option<String>,
    #[serde(default)]
    #[schema(max_length = 200, example = "CC BY 4.0")]
    #[validate(length(max = 200))]
    pub licence: Option<String>,
    pub visibility: IndicatorVisibility,
    /// Periods that end on or before this day are closed after an annual review: their
    /// values no longer change.
    #[serde(default)]
    pub locked_through: Option<NaiveDate>,
}

impl IndicatorFields {
    /// Rules between fields, each a field error.
    pub fn rules(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let code_ok = self.code.len() >= 2
            && self.code.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
            && self.code.as_bytes()[0].is_ascii_alphanumeric();
        if !code_ok {
            errors.push(FieldError::new("code", "invalid_format", "use 2-64 letters, digits, '-', '_' or '.'"));
        }
        let upper = self.code.to_ascii_uppercase();
        if upper.starts_with("PLATFORM_") || upper.starts_with("SOTKANET_") {
            errors.push(FieldError::new("code", "reserved", "PLATFORM_ and SOTKANET_ codes are the platform's"));
        }
        if self.owner_organization_id.is_none() {
            errors.push(FieldError::new("owner_organization_id", "required", "an indicator you define has an owner"));
        }
        match (self.measure, self.rate_per) {
            (Measure::Rate, None) => errors.push(FieldError::new("rate_per", "required", "a rate says per how many")),
            (Measure::Rate, Some(_)) | (_, None) => {}
            (_, Some(_)) => errors.push(FieldError::new("rate_per", "not_a_rate", "only a rate has rate_per")),
        }
        let mut dims = self.dimensions.clone();
        dims.sort();
        dims.dedup();
        if dims.len() != self.dimensions.len() {
            errors.push(FieldError::new("dimensions", "duplicate", "each dimension once"));
        }
        let mut agreements = self.agreement_ids.clone();
        agreements.sort();
        agreements.dedup();
        if agreements.len() != self.agreement_ids.len() {
            errors.push(FieldError::new("agreement_ids", "duplicate", "each agreement once"));
        }
        errors
    }

    pub fn into_row(self) -> Result<IndicatorWrite, AppError> {
        Ok(IndicatorWrite {
            code: self.code,
            title: to_json(&self.title)?,
            description: self.description.as_ref().map(to_json).transpose()?,
            interpretation: self.interpretation.as_ref().map(to_json).transpose()?,
            limitations: self.limitations.as_ref().map(to_json).transpose()?,
            kind: name_of(&self.kind),
            measure: name_of(&self.measure),
            unit: self.unit,
            decimals: i16::try_from(self.decimals).map_err(AppError::internal)?,
            rate_per: self.rate_per,
            direction: name_of(&self.direction),
            aggregation: name_of(&self.aggregation),
            periodicity: name_of(&self.periodicity),
            dimensions: self.dimensions.iter().map(|d| Some(name_of(d))).collect(),
            owner_organization_id: self.owner_organization_id,
            agreement_ids: self.agreement_ids.into_iter().map(Some).collect(),
            external_references: to_json(&self.external_references)?,
            attribution: self.attribution,
            licence: self.licence,
            visibility: name_of(&self.visibility),
            locked_through: self.locked_through,
        })
    }
}

impl TryFrom<IndicatorWrite> for IndicatorFields {
    type Error = AppError;
    fn try_from(r: IndicatorWrite) -> Result<Self, AppError> {
        Ok(IndicatorFields {
            code: r.code,
            title: from_json(r.title)?,
            description: r.description.map(from_json).transpose()?,
            interpretation: r.interpretation.map(from_json).transpose()?,
            limitations: r.limitations.map(from_json).transpose()?,
            kind: from_stored("indicator type", &r.kind)?,
            measure: from_stored("measure", &r.measure)?,
            unit: r.unit,
            decimals: i32::from(r.decimals),
            rate_per: r.rate_per,
            direction: from_stored("direction", &r.direction)?,
            aggregation: from_stored("aggregation", &r.aggregation)?,
            periodicity: from_stored("periodicity", &r.periodicity)?,
            dimensions: all_from_stored("dimension", &r.dimensions)?,
            owner_organization_id: r.owner_organization_id,
            agreement_ids: r.agreement_ids.into_iter().flatten().collect(),
            external_references: from_json(r.external_references)?,
            attribution: r.attribution,
            licence: r.licence,
            visibility: from_stored("visibility", &r.visibility)?,
            locked_through: r.locked_through,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Indicator {
    pub id: Uuid,
    pub fields: IndicatorFields,
    pub source: IndicatorSource,
    /// The built-in computation of a platform indicator.
    pub derivation: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl TryFrom<IndicatorRow> for Indicator {
    type Error = AppError;
    fn try_from(r: IndicatorRow) -> Result<Self, AppError> {
        Ok(Indicator {
            id: r.id,
            fields: IndicatorFields::try_from(r.written)?,
            source: from_stored("indicator source", &r.source)?,
            derivation: r.derivation,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        })
    }
}

impl Audited for Indicator {
    const RESOURCE_TYPE: &'static str = "indicator";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_organizations(&self) -> Vec<Uuid> {
        self.fields.owner_organization_id.into_iter().collect()
    }
}

impl Indicator {
    pub fn is_public(&self) -> bool {
        self.fields.visibility == IndicatorVisibility::Public
    }

    /// Whether partners report its values (not platform or imported reference data).
    pub fn is_reported(&self) -> bool {
        self.source == IndicatorSource::Reported
    }

    /// Whether a value of a period ending on `end` may still change.
    pub fn is_locked(&self, end: NaiveDate) -> bool {
        self.fields.locked_through.is_some_and(|through| end <= through)
    }

    pub fn has_dimension(&self, dimension: Dimension) -> bool {
        self.fields.dimensions.contains(&dimension)
    }
}

/// The definition, or 404.
pub async fn load(conn: &mut crate::db::Conn, id: Uuid, for_update: bool) -> Result<Indicator, AppError> {
    let row = if for_update {
        crate::repo::indicators::lock(conn, id).await?
    } else {
        crate::repo::indicators::get(conn, id).await?
    };
    Indicator::try_from(row.ok_or(AppError::NotFound)?)
}

/// Whether any of `orgs` is a partner of the indicator (its owner, or a party of a linked
/// agreement).
pub async fn has_partner(conn: &mut crate::db::Conn, id: Uuid, orgs: &[Uuid]) -> Result<bool, AppError> {
    Ok(crate::repo::indicators::is_partner(conn, id, orgs).await?)
}

/// Keeps the definition as it is now as its version.
pub async fn record_version(conn: &mut crate::db::Conn, indicator: &Indicator) -> Result<(), AppError> {
    let row = crate::repo::indicators::IndicatorVersionRow {
        indicator_id: indicator.id,
        version: indicator.version,
        definition: serde_json::to_value(&indicator.fields).map_err(AppError::internal)?,
        changed_at: indicator.updated_at,
    };
    Ok(crate::repo::indicators::record_version(conn, &row).await?)
}

/// Brings an indicator the platform keeps (platform or Sotkanet) to `fields`: creates it when
/// `existing` is none, updates it when it differs, each change a version and audited; 409 when
/// the code belongs to an indicator of another source.
pub async fn keep_reference(
    tx: &mut crate::db::Conn,
    actor: &crate::domain::access::Actor,
    existing: Option<IndicatorRow>,
    source: IndicatorSource,
    derivation: Option<&str>,
    fields: IndicatorFields,
) -> Result<Indicator, AppError> {
    use crate::domain::audit::{self, Change};
    let Some(row) = existing else {
        let row = crate::repo::indicators::insert_kept(
            tx,
            Uuid::now_v7(),
            &name_of(&source),
            derivation,
            &fields.into_row()?,
        )
        .await?;
        let created = Indicator::try_from(row)?;
        record_version(tx, &created).await?;
        audit::record(tx, actor, "create", Change::Created(&created)).await?;
        return Ok(created);
    };
    let before = Indicator::try_from(row)?;
    if before.source != source {
        return Err(AppError::Conflict { detail: format!("{}: another indicator has this code", fields.code) });
    }
    if before.fields == fields {
        return Ok(before);
    }
    let after = Indicator::try_from(crate::repo::indicators::update(tx, before.id, &fields.into_row()?).await?)?;
    record_version(tx, &after).await?;
    audit::record(tx, actor, "update", Change::updated(&before, &after)).await?;
    Ok(after)
}

/// One version of a definition.
#[derive(Clone, Debug, PartialEq)]
pub struct IndicatorVersion {
    pub version: i64,
    pub changed_at: DateTime<Utc>,
    pub definition: IndicatorFields,
}

/// Filters of the indicator list.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct IndicatorQuery {
    /// Only indicators this organisation owns.
    pub owner: Option<Uuid>,
    /// Only indicators linked to this agreement.
    pub agreement: Option<Uuid>,
    pub visibility: Option<IndicatorVisibility>,
    pub measure: Option<Measure>,
    /// `platform` lists the indicators the platform derives from its own records.
    pub source: Option<IndicatorSource>,
}

/// The kind of a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ValueType {
    Actual,
    Target,
    Baseline,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
}

/// Where a value is in the reporting workflow. Only `approved` values count in series and
/// public lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ObservationStatus {
    Draft,
    Submitted,
    Approved,
    /// Sent back by the owner with a comment; the reporter corrects and submits again.
    Returned,
}

/// A period: `2026` (a year), `2026-Q1` (a quarter), `2026-03` (a month) or `2025-2026`
/// (two consecutive years), with its first and last day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"code": "2025", "start": "2025-01-01", "end": "2025-12-31"}))]
pub struct ReportingPeriod {
    pub code: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl ReportingPeriod {
    pub fn parse(code: &str) -> Option<ReportingPeriod> {
        let year = |s: &str| -> Option<i32> {
            (s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse().ok())
                .flatten()
                .filter(|y| *y >= 1900)
        };
        let month_end = |y: i32, m: u32| {
            let next =
                if m == 12 { NaiveDate::from_ymd_opt(y + 1, 1, 1) } else { NaiveDate::from_ymd_opt(y, m + 1, 1) };
            next.and_then(|d| d.pred_opt())
        };
        let (start, end) = match code.split_once('-') {
            None => {
                let y = year(code)?;
                (NaiveDate::from_ymd_opt(y, 1, 1)?, NaiveDate::from_ymd_opt(y, 12, 31)?)
            }
            Some((y, rest)) => {
                let y = year(y)?;
                if let Some(q) = rest.strip_prefix('Q') {
                    let q: u32 = (q.len() == 1).then(|| q.parse().ok()).flatten().filter(|q| (1..=4).contains(q))?;
                    (NaiveDate::from_ymd_opt(y, q * 3 - 2, 1)?, month_end(y, q * 3)?)
                } else if rest.len() == 2 {
                    let m: u32 = rest.parse().ok().filter(|m| (1..=12).contains(m))?;
                    (NaiveDate::from_ymd_opt(y, m, 1)?, month_end(y, m)?)
                } else {
                    let second = year(rest).filter(|s| *s == y + 1)?;
                    (NaiveDate::from_ymd_opt(y, 1, 1)?, NaiveDate::from_ymd_opt(second, 12, 31)?)
                }
            }
        };
        Some(ReportingPeriod { code: code.to_owned(), start, end })
    }
}

/// An area of the area register.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "municipality", "code": "179"}))]
pub struct AreaRef {
    pub kind: AreaKind,
    /// Three digits for a municipality, two for a wellbeing services county.
    #[schema(min_length = 2, max_length = 3, pattern = "^[0-9]{2,3}$", example = "179")]
    #[validate(length(min = 2, max = 3))]
    pub code: String,
}

/// One value as it is reported: the natural key (indicator, value type, period, area,
/// organisation, sex, age group) and what is reported for it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"indicator_id": "01938000-0000-7000-8000-0000000000e1", "value_type": "actual",
    "period": "2025", "area": {"kind": "municipality", "code": "179"}, "organization_id": null,
    "numerator": 110, "denominator": 1000}))]
pub struct ObservationFields {
    pub indicator_id: Uuid,
    pub value_type: ValueType,
    /// `2026`, `2026-Q1`, `2026-03` or `2025-2026`.
    #[schema(
        min_length = 4,
        max_length = 9,
        pattern = "^[0-9]{4}(-Q[1-4]|-(0[1-9]|1[0-2])|-[0-9]{4})?$",
        example = "2025"
    )]
    #[validate(length(min = 4, max = 9))]
    pub period: String,
    /// The area the value is about (when the indicator has the `area` dimension).
    #[serde(default)]
    #[validate(nested)]
    pub area: Option<AreaRef>,
    /// The organisation the value is about (when the indicator has the `organization`
    /// dimension). Naming it binds it to nothing.
    #[serde(default)]
    pub organization_id: Option<Uuid>,
    #[serde(default)]
    pub sex: Option<Sex>,
    /// An age band: `65-74` or `75+`.
    #[serde(default)]
    #[schema(max_length = 7, pattern = "^[0-9]{1,3}(-[0-9]{1,3}|\\+)$", example = "65-74")]
    #[validate(length(max = 7))]
    pub age_group: Option<String>,
    /// The value; for a percentage or a rate give `numerator` and `denominator` instead and
    /// it is computed.
    #[serde(default)]
    pub value: Option<ExactDecimal>,
    #[serde(default)]
    pub numerator: Option<ExactDecimal>,
    #[serde(default)]
    pub denominator: Option<ExactDecimal>,
    /// The value of a qualitative indicator, or a note on a number.
    #[serde(default)]
    #[validate(nested)]
    pub narrative: Option<LocalizedText>,
    /// Preliminary: may still change.
    #[serde(default)]
    pub provisional: bool,
    /// Never in public output (small numbers that could identify people, say).
    #[serde(default)]
    pub confidential: bool,
    /// The partner that reports the value; you are its member. Default: `organization_id`,
    /// else the indicator's owner.
    #[serde(default)]
    pub reporting_organization_id: Option<Uuid>,
}

impl ObservationFields {
    /// The organisation that reports the value (none only for reference data, whose values
    /// are not written through the API).
    pub fn reporter(&self, indicator: &Indicator) -> Option<Uuid> {
        self.reporting_organization_id.or(self.organization_id).or(indicator.fields.owner_organization_id)
    }

    /// Rules between the fields and against the indicator, each a field error under `at`
    /// (`observations[3]`).
    pub fn rules(&self, indicator: &Indicator, at: &str) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut err = |field: &str, code: &str, message: &str| {
            errors.push(FieldError::new(format!("{at}.{field}"), code, message.to_owned()));
        };
        if ReportingPeriod::parse(&self.period).is_none() {
            err(
                "period",
                "invalid_format",
                "a year (2026), quarter (2026-Q1), month (2026-03) or two years (2025-2026)",
            );
        }
        if let Some(area) = &self.area
            && !area.kind.is_code(&area.code)
        {
            err("area.code", "invalid_format", "three digits for a municipality, two for a county");
        }
        if let Some(group) = &self.age_group {
            let (from, to) = group.split_once('-').unwrap_or((group.trim_end_matches('+'), ""));
            let digits = |s: &str| (1..=3).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
            let ok =
                if group.ends_with('+') { digits(from) && !group.contains('-') } else { digits(from) && digits(to) };
            if !ok {
                err("age_group", "invalid_format", "an age band such as 65-74 or 75+");
            }
        }
        for (dimension, given, field) in [
            (Dimension::Area, self.area.is_some(), "area"),
            (Dimension::Organization, self.organization_id.is_some(), "organization_id"),
            (Dimension::Sex, self.sex.is_some(), "sex"),
            (Dimension::AgeGroup, self.age_group.is_some(), "age_group"),
        ] {
            if given && !indicator.has_dimension(dimension) {
                err(field, "not_a_dimension", "the indicator is not broken down by this");
            }
        }
        let ratio = (self.numerator, self.denominator);
        match indicator.fields.measure {
            Measure::Qualitative => {
                if self.narrative.is_none() {
                    err("narrative", "required", "a qualitative indicator's value is a narrative");
                }
                if self.value.is_some() || ratio != (None, None) {
                    err("value", "not_a_number", "a qualitative indicator has no number");
                }
            }
            measure => {
                let ratio_measure = matches!(measure, Measure::Percentage | Measure::Rate);
                match (self.value, ratio) {
                    (Some(_), (None, None)) => {}
                    (None, (Some(_), Some(d))) if ratio_measure => {
                        if d.0 <= rust_decimal::Decimal::ZERO {
                            err("denominator", "out_of_range", "greater than zero");
                        }
                    }
                    (None, (Some(_), None)) if ratio_measure => err("denominator", "required", "give both"),
                    (None, (None, Some(_))) if ratio_measure => err("numerator", "required", "give both"),
                    (Some(_), _) if ratio_measure => {
                        err("value", "computed", "give the value, or numerator and denominator, not both");
                    }
                    (_, (Some(_), _) | (_, Some(_))) => {
                        err("numerator", "not_a_ratio", "only percentages and rates have a numerator and denominator");
                    }
                    (None, (None, None)) => err("value", "required", "give the value"),
                }
                if measure == Measure::Count
                    && let Some(v) = self.value
                    && (v.0.is_sign_negative() || !v.0.fract().is_zero())
                {
                    err("value", "not_a_count", "a count is a whole number, zero or more");
                }
            }
        }
        errors
    }

    /// The row to write: the period resolved, the value computed from a ratio. Call after
    /// `rules` passed.
    pub fn into_row(self, indicator: &Indicator) -> Result<ObservationWrite, AppError> {
        let period = ReportingPeriod::parse(&self.period).ok_or_else(|| AppError::internal("period checked before"))?;
        let reporter = self.reporter(indicator);
        let value = match (self.value, self.numerator, self.denominator) {
            (None, Some(n), Some(d)) => {
                let scale = match indicator.fields.measure {
                    Measure::Rate => rust_decimal::Decimal::from(indicator.fields.rate_per.unwrap_or(1)),
                    _ => rust_decimal::Decimal::ONE_HUNDRED,
                };
                // Division rounds at 28 significant digits; multiplying first keeps a
                // terminating quotient (110 × 100 / 1000) exact.
                let product =
                    n.0.checked_mul(scale)
                        .ok_or_else(|| AppError::invalid("numerator", "out_of_range", "too large"))?;
                Some(
                    product
                        .checked_div(d.0)
                        .ok_or_else(|| AppError::invalid("denominator", "out_of_range", "too small"))?
                        .normalize(),
                )
            }
            (value, ..) => value.map(|v| v.0),
        };
        Ok(ObservationWrite {
            indicator_id: self.indicator_id,
            value_type: name_of(&self.value_type),
            period_code: period.code,
            period_start: period.start,
            period_end: period.end,
            area_kind: self.area.as_ref().map(|a| name_of(&a.kind)),
            area_code: self.area.map(|a| a.code),
            organization_id: self.organization_id,
            sex: self.sex.map(|s| name_of(&s)),
            age_group: self.age_group,
            value,
            numerator: self.numerator.map(|n| n.0),
            denominator: self.denominator.map(|d| d.0),
            narrative: self.narrative.as_ref().map(to_json).transpose()?,
            provisional: self.provisional,
            confidential: self.confidential,
            reporting_organization_id: reporter,
        })
    }
}

/// A move in the reporting workflow.
#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"to": "returned", "comment": "Nimittäjä puuttuu: tarkista väestöluku."}))]
pub struct ObservationTransitionInput {
    /// `submitted` (the reporter), `draft` (the reporter withdraws a submission), `approved`
    /// or `returned` (the owner's coordinators; returning needs a comment).
    pub to: ObservationStatus,
    #[serde(default)]
    #[schema(max_length = 2000)]
    #[validate(length(max = 2000))]
    pub comment: Option<String>,
}

/// What a batch did, row by row.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchOutcome {
    pub observations: Vec<Observation>,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// A batch of values, written all or nothing.
#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ObservationBatch {
    #[schema(min_items = 1, max_items = 1000)]
    #[validate(length(min = 1, max = 1000), nested)]
    pub observations: Vec<ObservationFields>,
}

/// What can change in a value, kept in its history version by version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ObservationState {
    /// Exact, as stored (the list's `value` is rounded to the indicator's decimals).
    pub value: Option<StoredDecimal>,
    pub numerator: Option<StoredDecimal>,
    pub denominator: Option<StoredDecimal>,
    pub narrative: Option<LocalizedText>,
    pub provisional: bool,
    pub confidential: bool,
    pub status: ObservationStatus,
    /// The owner's comment when it returned the value.
    pub status_comment: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Observation {
    pub id: Uuid,
    pub indicator_id: Uuid,
    pub value_type: ValueType,
    pub period: ReportingPeriod,
    pub area: Option<AreaRef>,
    pub organization_id: Option<Uuid>,
    pub sex: Option<Sex>,
    pub age_group: Option<String>,
    /// None for the values of platform and Sotkanet indicators.
    pub reporting_organization_id: Option<Uuid>,
    pub state: ObservationState,
    /// Who submitted and who reviewed it: people, so not in the history or the audit diff.
    #[serde(skip)]
    pub submitted_by: Option<Uuid>,
    #[serde(skip)]
    pub reviewed_by: Option<Uuid>,
    /// The indicator's decimals, for showing the value (set by whoever read the indicator).
    #[serde(skip)]
    pub decimals: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl TryFrom<ObservationRow> for Observation {
    type Error = AppError;
    fn try_from(r: ObservationRow) -> Result<Self, AppError> {
        let w = r.written;
        let area = match (w.area_kind, w.area_code) {
            (Some(kind), Some(code)) => Some(AreaRef { kind: from_stored("area kind", &kind)?, code }),
            _ => None,
        };
        Ok(Observation {
            id: r.id,
            indicator_id: w.indicator_id,
            value_type: from_stored("value type", &w.value_type)?,
            period: ReportingPeriod { code: w.period_code, start: w.period_start, end: w.period_end },
            area,
            organization_id: w.organization_id,
            sex: w.sex.map(|s| from_stored("sex", &s)).transpose()?,
            age_group: w.age_group,
            reporting_organization_id: w.reporting_organization_id,
            state: ObservationState {
                value: w.value.map(StoredDecimal),
                numerator: w.numerator.map(StoredDecimal),
                denominator: w.denominator.map(StoredDecimal),
                narrative: w.narrative.map(from_json).transpose()?,
                provisional: w.provisional,
                confidential: w.confidential,
                status: from_stored("observation status", &r.status)?,
                status_comment: r.status_comment,
            },
            submitted_by: r.submitted_by,
            reviewed_by: r.reviewed_by,
            decimals: 0,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        })
    }
}

impl Observation {
    /// The value with the indicator's decimals.
    pub fn shown_with(mut self, indicator: &Indicator) -> Observation {
        self.decimals = u32::try_from(indicator.fields.decimals).unwrap_or(0);
        self
    }

    /// The value rounded to the indicator's decimals.
    pub fn shown_value(&self) -> Option<String> {
        self.state.value.map(|v| v.rounded(self.decimals))
    }
}

impl Audited for Observation {
    const RESOURCE_TYPE: &'static str = "observation";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_organizations(&self) -> Vec<Uuid> {
        self.reporting_organization_id.into_iter().collect()
    }
}

/// The value, or 404.
pub async fn load_observation(conn: &mut crate::db::Conn, id: Uuid, for_update: bool) -> Result<Observation, AppError> {
    let row = if for_update {
        crate::repo::indicators::observations::lock(conn, id).await?
    } else {
        crate::repo::indicators::observations::get(conn, id).await?
    };
    Observation::try_from(row.ok_or(AppError::NotFound)?)
}

/// Filters of the observation list.
#[derive(Clone, Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ObservationQuery {
    pub indicator: Option<Uuid>,
    /// Values about this organisation (the `organization` dimension).
    pub organization: Option<Uuid>,
    /// Values this organisation reports.
    pub reporting_organization: Option<Uuid>,
    pub area_kind: Option<AreaKind>,
    /// An area code (with `area_kind`, or alone).
    #[param(max_length = 3, pattern = "^[0-9]{2,3}$", example = "179")]
    #[validate(length(max = 3))]
    pub area: Option<String>,
    pub value_type: Option<ValueType>,
    pub status: Option<ObservationStatus>,
    /// Periods that end on or after this day.
    pub period_from: Option<NaiveDate>,
    /// Periods that start on or before this day.
    pub period_to: Option<NaiveDate>,
}

impl ObservationQuery {
    /// The repository's filter for a reader who sees `seen`.
    pub fn filter(
        &self,
        seen: Seen,
        updated_since: Option<DateTime<Utc>>,
        after: Option<Uuid>,
        limit: i64,
    ) -> ObservationFilter {
        ObservationFilter {
            seen,
            indicator: self.indicator,
            reporting_organization: self.reporting_organization,
            organization: self.organization,
            area_kind: self.area_kind.map(|k| name_of(&k)),
            area_code: self.area.clone(),
            value_type: self.value_type.map(|v| name_of(&v)),
            status: self.status.map(|s| name_of(&s)),
            period_from: self.period_from,
            period_to: self.period_to,
            updated_since,
            after,
            limit,
        }
    }
}

/// Filters of a time series: one area or organisation (or neither: the whole), a window.
#[derive(Clone, Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct IndicatorSeriesQuery {
    /// The area's kind; default `municipality` when `area` is given.
    pub area_kind: Option<AreaKind>,
    /// The area's code; without it, values for no particular area.
    #[param(max_length = 3, pattern = "^[0-9]{2,3}$", example = "179")]
    #[validate(length(max = 3))]
    pub area: Option<String>,
    /// Values about this organisation; without it, values about no particular organisation.
    pub organization: Option<Uuid>,
    /// Periods that end on or after this day.
    pub from: Option<NaiveDate>,
    /// Periods that start on or before this day.
    pub to: Option<NaiveDate>,
}

/// One period of a series: the approved actual, target and baseline side by side.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct IndicatorSeriesPoint {
    pub period: ReportingPeriod,
    /// Rounded to the indicator's decimals.
    pub actual: Option<String>,
    pub target: Option<String>,
    pub baseline: Option<String>,
    /// Whether any of them is provisional.
    pub provisional: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_have_their_first_and_last_day() {
        let p = ReportingPeriod::parse("2025").unwrap();
        assert_eq!((p.start.to_string(), p.end.to_string()), ("2025-01-01".into(), "2025-12-31".into()));
        let q = ReportingPeriod::parse("2024-Q1").unwrap();
        assert_eq!((q.start.to_string(), q.end.to_string()), ("2024-01-01".into(), "2024-03-31".into()));
        let m = ReportingPeriod::parse("2024-02").unwrap();
        assert_eq!(m.end.to_string(), "2024-02-29");
        let two = ReportingPeriod::parse("2025-2026").unwrap();
        assert_eq!((two.start.to_string(), two.end.to_string()), ("2025-01-01".into(), "2026-12-31".into()));
        for bad in
            ["", "25", "2025-Q5", "2025-13", "2025-00", "2025-2027", "2025-1", "2025-Q", "12345", "1899", "2025-"]
        {
            assert!(ReportingPeriod::parse(bad).is_none(), "{bad}");
        }
    }
}

#[cfg(test)]
pub mod tests_support {
    use super::*;

    /// A public percentage indicator owned by `owner`.
    pub fn indicator(owner: Uuid) -> Indicator {
        let now = Utc::now();
        Indicator {
            id: Uuid::now_v7(),
            fields: IndicatorFields {
                code: "KS_TEST".into(),
                title: LocalizedText { fi: Some("Testi".into()), sv: None, en: None },
                description: None,
                interpretation: None,
                limitations: None,
                kind: IndicatorType::Population,
                measure: Measure::Percentage,
                unit: Some("%".into()),
                decimals: 1,
                rate_per: None,
                direction: Direction::LowerIsBetter,
                aggregation: Aggregation::WeightedMean,
                periodicity: Periodicity::P1Y,
                dimensions: vec![Dimension::Area],
                owner_organization_id: Some(owner),
                agreement_ids: Vec::new(),
                external_references: Vec::new(),
                attribution: None,
                licence: None,
                visibility: IndicatorVisibility::Public,
                locked_through: None,
            },
            source: IndicatorSource::Reported,
            derivation: None,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    /// A submitted actual value of 2025 reported by `reporter`.
    pub fn observation(indicator: &Indicator, reporter: Uuid) -> Observation {
        let now = Utc::now();
        Observation {
            id: Uuid::now_v7(),
            indicator_id: indicator.id,
            value_type: ValueType::Actual,
            period: ReportingPeriod::parse("2025").unwrap(),
            area: None,
            organization_id: None,
            sex: None,
            age_group: None,
            reporting_organization_id: Some(reporter),
            state: ObservationState {
                value: ExactDecimal::parse("11").map(|d| StoredDecimal(d.0)),
                numerator: None,
                denominator: None,
                narrative: None,
                provisional: false,
                confidential: false,
                status: ObservationStatus::Submitted,
                status_comment: None,
            },
            submitted_by: None,
            reviewed_by: None,
            decimals: 1,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }
}
