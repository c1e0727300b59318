//! The area register (aluerekisteri): municipalities and wellbeing services counties with
//! validity periods, so that municipal mergers can be recorded without rewriting history.

use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::Conn;
use crate::domain::access::{self, Action, Actor, Resource};
use crate::domain::types::localized::LocalizedText;
use crate::domain::types::pagination::{Page, PageRequest};
use crate::error::{AppError, FieldError};
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
    pub fn as_str(self) -> &'static str {
        match self {
            AreaKind::Municipality => "municipality",
            AreaKind::WellbeingServicesCounty => "wellbeing_services_county",
        }
    }

    pub fn parse(s: &str) -> Option<AreaKind> {
        match s {
            "municipality" => Some(AreaKind::Municipality),
            "wellbeing_services_county" => Some(AreaKind::WellbeingServicesCounty),
            _ => None,
        }
    }

    /// Whether `code` has this kind's format (three digits for municipalities, two for counties).
    pub fn is_code(self, code: &str) -> bool {
        let len = match self {
            AreaKind::Municipality => 3,
            AreaKind::WellbeingServicesCounty => 2,
        };
        code.len() == len && code.bytes().all(|b| b.is_ascii_digit())
    }
}

/// Checks an area code's format, reporting a bad one as a field error.
pub fn validate_code(kind: AreaKind, field: &str, code: &str) -> Result<(), FieldError> {
    if kind.is_code(code) {
        Ok(())
    } else {
        let digits = if kind == AreaKind::Municipality { "three" } else { "two" };
        Err(FieldError::new(
            field,
            "invalid_area_code",
            format!("'{code}' is not a {} code ({digits} digits)", kind.as_str().replace('_', " ")),
        ))
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
}

impl TryFrom<AreaRow> for Area {
    type Error = AppError;

    fn try_from(row: AreaRow) -> Result<Self, AppError> {
        Ok(Area {
            kind: AreaKind::parse(&row.kind).ok_or_else(|| AppError::internal(format!("area kind {}", row.kind)))?,
            name: serde_json::from_value(row.name).map_err(AppError::internal)?,
            code: row.code,
            wellbeing_county_code: row.wellbeing_county_code,
            short_id: row.short_id,
            sotkanet_region_id: row.sotkanet_region_id,
            valid_from: row.valid_from,
            valid_to: row.valid_to,
        })
    }
}

/// Position in the (kind, code) order of a list.
pub type AreaKey = (String, String);

#[derive(Clone, Debug, Default)]
pub struct AreaQuery {
    pub kind: Option<AreaKind>,
    /// Name prefix (Finnish or Swedish, case-insensitive) or exact code.
    pub q: Option<String>,
    /// Only municipalities of this county.
    pub wellbeing_county: Option<String>,
    /// Areas valid on this day (default: today).
    pub valid_on: Option<NaiveDate>,
}

pub async fn list(
    conn: &mut Conn,
    actor: &Actor,
    query: AreaQuery,
    page: PageRequest<AreaKey>,
) -> Result<Page<Area, AreaKey>, AppError> {
    access::can(actor, Action::Read, Resource::AreaRegister)?;
    if let Some(county) = &query.wellbeing_county {
        validate_code(AreaKind::WellbeingServicesCounty, "wellbeing_county", county)
            .map_err(|e| AppError::Validation(vec![e]))?;
    }
    let filter = AreaFilter {
        kind: query.kind.map(AreaKind::as_str),
        name_prefix: query
            .q
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(|q| escape_like(&q.to_lowercase())),
        wellbeing_county_code: query.wellbeing_county,
        valid_on: query.valid_on.unwrap_or_else(today),
        after: page.after.clone(),
        limit: page.fetch_limit(),
    };
    let rows = repo::list(conn, &filter).await?;
    Page::from_rows(rows, &page, |r| (r.kind.clone(), r.code.clone())).try_map(Area::try_from)
}

pub async fn get(conn: &mut Conn, actor: &Actor, kind: AreaKind, code: &str) -> Result<Area, AppError> {
    access::can(actor, Action::Read, Resource::AreaRegister)?;
    if !kind.is_code(code) {
        return Err(AppError::NotFound);
    }
    repo::get_valid_on(conn, kind.as_str(), code, today()).await?.ok_or(AppError::NotFound).and_then(Area::try_from)
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
