//! A phenomenon report (ilmiöraportti): a theme from the controlled list, what was noticed
//! (never about a person), where and when, and how many it concerned; its handling state and
//! the responsible organisation's response.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::domain::audit::Audited;
use crate::domain::types::localized::LocalizedText;
use crate::domain::types::names::from_stored;
use crate::domain::types::stored::{from_json, to_json};
use crate::error::{AppError, FieldError};
use crate::repo::phenomena::{PhenomenonRow, PhenomenonWrite};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PhenomenonStatus {
    New,
    /// The responsible organisation is looking into it.
    UnderReview,
    /// Something was done; the response says what.
    Addressed,
    Closed,
}

/// Where it was noticed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"municipality_code": "837", "postal_code": "33720"}))]
pub struct PhenomenonArea {
    #[schema(min_length = 3, max_length = 3, pattern = "^[0-9]{3}$", example = "837")]
    #[validate(length(equal = 3))]
    pub municipality_code: String,
    #[serde(default)]
    #[schema(min_length = 5, max_length = 5, pattern = "^[0-9]{5}$", example = "33720")]
    #[validate(length(equal = 5))]
    pub postal_code: Option<String>,
}

/// A report as it is written. The description says what was noticed, not about whom: texts
/// with an identity code, a phone number or an e-mail address are refused.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"theme": "loneliness", "description": {"fi": "Aamupäivisin aulassa istuu ikäihmisiä, jotka kertovat, ettei heillä ole ketään, jolle puhua."},
    "area": {"municipality_code": "837"}, "venue_id": null, "observed_from": "2026-10-01", "observed_to": "2026-10-31",
    "people_concerned": 12}))]
pub struct PhenomenonFields {
    /// A theme code of `/api/v1/phenomenon-themes`.
    #[schema(min_length = 2, max_length = 40, example = "loneliness")]
    #[validate(length(min = 2, max = 40))]
    pub theme: String,
    #[validate(nested)]
    pub description: LocalizedText,
    #[validate(nested)]
    pub area: PhenomenonArea,
    /// The venue where it was noticed.
    #[serde(default)]
    pub venue_id: Option<Uuid>,
    #[validate(custom(function = "crate::domain::types::formats::plausible_date"))]
    pub observed_from: NaiveDate,
    /// At most 366 days after `observed_from`.
    #[validate(custom(function = "crate::domain::types::formats::plausible_date"))]
    pub observed_to: NaiveDate,
    /// An estimate of how many people it concerned.
    #[serde(default, deserialize_with = "crate::domain::types::integers::opt_int32")]
    #[schema(minimum = 0, maximum = 100000)]
    #[validate(range(min = 0, max = 100_000))]
    pub people_concerned: Option<i32>,
    /// The organisation that reports; you are its member. Default: your organisation, when you
    /// have one. It cannot change later.
    #[serde(default)]
    pub reporter_organization_id: Option<Uuid>,
    /// The organisation asked to respond; naming it lets it respond, and binds it to nothing.
    #[serde(default)]
    pub responsible_organization_id: Option<Uuid>,
}

impl PhenomenonFields {
    /// Rules between fields, each a field error.
    pub fn rules(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(&self.area.municipality_code, 3) {
            errors.push(FieldError::new("area.municipality_code", "invalid_format", "three digits"));
        }
        if self.area.postal_code.as_deref().is_some_and(|p| !digits(p, 5)) {
            errors.push(FieldError::new(
                "area.postal_code",
                "invalid_postal_code",
                "a Finnish postal code has five digits",
            ));
        }
        if self.observed_to < self.observed_from {
            errors.push(FieldError::new("observed_to", "before_start", "on or after observed_from"));
        } else if (self.observed_to - self.observed_from).num_days() > 366 {
            errors.push(FieldError::new("observed_to", "too_long", "at most 366 days after observed_from"));
        }
        errors.extend(crate::domain::types::personal_data::errors_in("description", &self.description));
        errors
    }

    pub fn into_row(self) -> Result<PhenomenonWrite, AppError> {
        Ok(PhenomenonWrite {
            theme: self.theme,
            description: to_json(&self.description)?,
            municipality_code: self.area.municipality_code,
            postal_code: self.area.postal_code,
            venue_id: self.venue_id,
            observed_from: self.observed_from,
            observed_to: self.observed_to,
            people_concerned: self.people_concerned,
            responsible_organization_id: self.responsible_organization_id,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Phenomenon {
    pub id: Uuid,
    pub fields: PhenomenonFields,
    pub reporter_organization_id: Uuid,
    /// A person: not in the audit diff.
    #[serde(skip)]
    pub reported_by: Option<Uuid>,
    pub status: PhenomenonStatus,
    pub response: Option<LocalizedText>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl TryFrom<PhenomenonRow> for Phenomenon {
    type Error = AppError;
    fn try_from(r: PhenomenonRow) -> Result<Self, AppError> {
        let w = r.written;
        Ok(Phenomenon {
            id: r.id,
            fields: PhenomenonFields {
                theme: w.theme,
                description: from_json(w.description)?,
                area: PhenomenonArea { municipality_code: w.municipality_code, postal_code: w.postal_code },
                venue_id: w.venue_id,
                observed_from: w.observed_from,
                observed_to: w.observed_to,
                people_concerned: w.people_concerned,
                reporter_organization_id: Some(r.reporter_organization_id),
                responsible_organization_id: w.responsible_organization_id,
            },
            reporter_organization_id: r.reporter_organization_id,
            reported_by: r.reported_by,
            status: from_stored("phenomenon status", &r.status)?,
            response: r.response.map(from_json).transpose()?,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        })
    }
}

impl Audited for Phenomenon {
    const RESOURCE_TYPE: &'static str = "phenomenon";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_organizations(&self) -> Vec<Uuid> {
        let mut orgs = vec![self.reporter_organization_id];
        orgs.extend(self.fields.responsible_organization_id.filter(|r| *r != self.reporter_organization_id));
        orgs
    }
}

/// The report, or 404.
pub async fn load(conn: &mut crate::db::Conn, id: Uuid, for_update: bool) -> Result<Phenomenon, AppError> {
    let row = if for_update {
        crate::repo::phenomena::lock(conn, id).await?
    } else {
        crate::repo::phenomena::get(conn, id).await?
    };
    Phenomenon::try_from(row.ok_or(AppError::NotFound)?)
}

/// A move in the handling, with the response.
#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "addressed", "response": {"fi": "Aulaan perustettiin tiistaikahvila."}}))]
pub struct PhenomenonTransition {
    pub status: PhenomenonStatus,
    /// What the responsible organisation did or will do (required for `addressed`).
    #[serde(default)]
    #[validate(nested)]
    pub response: Option<LocalizedText>,
}

/// A theme of the controlled list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "loneliness", "name": {"fi": "Yksinäisyys", "sv": "Ensamhet", "en": "Loneliness"}}))]
pub struct PhenomenonTheme {
    /// 2–40 lower-case letters, digits or `_`, starting with a letter.
    #[schema(min_length = 2, max_length = 40, pattern = "^[a-z][a-z0-9_]{1,39}$", example = "loneliness")]
    #[validate(length(min = 2, max = 40))]
    pub code: String,
    #[validate(nested)]
    pub name: LocalizedText,
}

/// Filters of the report list.
#[derive(Clone, Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PhenomenonQuery {
    #[param(max_length = 40)]
    #[validate(length(max = 40))]
    pub theme: Option<String>,
    /// A municipality code.
    #[param(max_length = 3)]
    #[validate(length(max = 3))]
    pub municipality: Option<String>,
    pub status: Option<PhenomenonStatus>,
    /// Reports of this organisation.
    pub reporter: Option<Uuid>,
    /// Reports this organisation is asked to respond to.
    pub responsible: Option<Uuid>,
    /// Observed on or after this day.
    #[validate(custom(function = "crate::domain::types::formats::plausible_date"))]
    pub from: Option<NaiveDate>,
    /// Observed before this day.
    #[validate(custom(function = "crate::domain::types::formats::plausible_date"))]
    pub to: Option<NaiveDate>,
}

/// What the summary groups by and counts.
#[derive(Clone, Debug, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PhenomenonSummaryQuery {
    /// Comma-separated, any of `theme`, `municipality`, `month` (the month observation began).
    #[param(max_length = 40, example = "theme,municipality")]
    #[validate(length(max = 40))]
    pub group_by: String,
    /// Reports first observed in this month or later: the first day of a month.
    pub from: NaiveDate,
    /// ... and before this day, also the first day of a month; at most three years after
    /// `from`. Whole months only, so that no finer slice than a month can be told apart.
    pub to: NaiveDate,
    #[param(max_length = 40)]
    #[validate(length(max = 40))]
    pub theme: Option<String>,
    #[param(max_length = 3)]
    #[validate(length(max = 3))]
    pub municipality: Option<String>,
}

/// One group: its keys (those grouped by), how many reports and the people they concerned.
/// A count under 5 is suppressed (`null`) unless every report in the group is by your own
/// organisations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"theme": "loneliness", "municipality": "837", "count": 7, "people_concerned": 40}))]
pub struct PhenomenonSummaryGroup {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub municipality: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub month: Option<String>,
    pub count: Option<i64>,
    pub people_concerned: Option<i64>,
}

/// Counts under this are suppressed for readers outside the reporting organisations.
pub const SMALL_COUNT: i64 = 5;
