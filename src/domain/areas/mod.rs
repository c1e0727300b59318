//! The area register (aluerekisteri): municipalities and wellbeing services counties with
//! validity periods, so that municipal mergers can be recorded without rewriting history.
//! Public reference data: anyone may read it, nobody writes it through the API.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::domain::context::Cx;
use crate::domain::types::formats;
use crate::domain::types::localized::LocalizedText;
use crate::domain::types::names::{from_stored, name_of};
use crate::domain::types::pagination::{ListQuery, Page};
use crate::domain::types::stored::from_json;
use crate::domain::types::validation;
use crate::error::AppError;
use crate::repo::areas::{self as repo, AreaFilter, AreaRow};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AreaKind {
    /// Kunta.
    Municipality,
    /// Hyvinvointialue (the register also holds Helsinki, 90, and Åland, 91, which organise
    /// their own services).
    WellbeingServicesCounty,
}

impl AreaKind {
    /// Whether `code` has this kind's format (three digits for municipalities, two for counties).
    pub fn is_code(self, code: &str) -> bool {
        match self {
            AreaKind::Municipality => formats::municipality_code(code).is_ok(),
            AreaKind::WellbeingServicesCounty => formats::county_code(code).is_ok(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Area {
    pub kind: AreaKind,
    pub code: String,
    pub name: LocalizedText,
    pub wellbeing_county_code: Option<String>,
    pub short_id: Option<String>,
    pub sotkanet_region_id: Option<i32>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<AreaRow> for Area {
    type Error = AppError;

    fn try_from(row: AreaRow) -> Result<Self, AppError> {
        Ok(Area {
            kind: from_stored("area kind", &row.kind)?,
            name: from_json(row.name)?,
            code: row.code,
            wellbeing_county_code: row.wellbeing_county_code,
            short_id: row.short_id,
            sotkanet_region_id: row.sotkanet_region_id,
            valid_from: row.valid_from,
            valid_to: row.valid_to,
            updated_at: row.updated_at,
        })
    }
}

/// Position in the (kind, code) order of a list.
pub type AreaKey = (String, String);

/// Filters of the area list.
#[derive(Clone, Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AreaQuery {
    /// Only areas of this kind.
    pub kind: Option<AreaKind>,
    /// Name prefix in Finnish or Swedish (case-insensitive), or an exact code.
    #[param(example = "jyv", max_length = 100)]
    #[validate(length(max = 100))]
    pub q: Option<String>,
    /// Only municipalities of this wellbeing services county (two-digit code).
    #[param(example = "15", pattern = "^[0-9]{2}$")]
    #[validate(custom(function = "formats::county_code"))]
    pub wellbeing_county: Option<String>,
    /// Areas valid on this date (default: today).
    pub valid_on: Option<NaiveDate>,
}

pub async fn list(cx: &mut Cx<'_>, query: AreaQuery, list: &ListQuery) -> Result<Page<Area, AreaKey>, AppError> {
    let page = list.page::<AreaKey>()?;
    validation::check(&query)?;
    let filter = AreaFilter {
        kind: query.kind.map(|k| name_of(&k)),
        name_prefix: query
            .q
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(|q| escape_like(&q.to_lowercase())),
        wellbeing_county_code: query.wellbeing_county,
        valid_on: query.valid_on.unwrap_or_else(today),
        updated_since: list.updated_since,
        after: page.after.clone(),
        limit: page.fetch_limit(),
    };
    let rows = repo::list(cx.conn().await?, &filter).await?;
    Page::from_rows(rows, &page, |r| (r.kind.clone(), r.code.clone())).try_map(Area::try_from)
}

pub async fn get(cx: &mut Cx<'_>, kind: AreaKind, code: &str) -> Result<Area, AppError> {
    if !kind.is_code(code) {
        return Err(AppError::NotFound);
    }
    let row = repo::get_valid_on(cx.conn().await?, &name_of(&kind), code, today()).await?;
    row.ok_or(AppError::NotFound).and_then(Area::try_from)
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_formats() {
        assert!(AreaKind::Municipality.is_code("837"));
        assert!(!AreaKind::Municipality.is_code("83"));
        assert!(AreaKind::WellbeingServicesCounty.is_code("08"));
        assert!(!AreaKind::WellbeingServicesCounty.is_code("8a"));
    }

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(escape_like("a%b_c\\"), "a\\%b\\_c\\\\");
    }
}
