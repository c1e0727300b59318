//! Reading venues: one, or a page by area, kind, organisation, accessibility, map box,
//! distance and name.

use uuid::Uuid;

use super::model::*;
use crate::domain::context::Cx;
use crate::domain::types::names::{comma_separated, name_of};
use crate::domain::types::pagination::{ListQuery, Page};
use crate::domain::types::search::TextSearch;
use crate::domain::types::validation;
use crate::error::AppError;
use crate::repo::venues::{self as repo, Near, VenueFilter};

/// Comma-separated numbers, exactly `n` of them, each finite.
fn numbers(field: &str, text: &str, n: usize, example: &str) -> Result<Vec<f64>, AppError> {
    let parsed: Option<Vec<f64>> =
        text.split(',').map(|p| p.trim().parse::<f64>().ok().filter(|x| x.is_finite())).collect();
    match parsed {
        Some(v) if v.len() == n => Ok(v),
        _ => {
            Err(AppError::invalid(field, "invalid_format", format!("use {n} comma-separated numbers, e.g. {example}")))
        }
    }
}

fn in_range(field: &str, lon: f64, lat: f64) -> Result<(), AppError> {
    if (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat) {
        Ok(())
    } else {
        Err(AppError::invalid(field, "out_of_range", "longitude is -180..180 and latitude -90..90"))
    }
}

/// A page of venues, and for `near` each one's distance in metres.
pub async fn list(
    cx: &mut Cx<'_>,
    query: VenueQuery,
    list: &ListQuery,
) -> Result<Page<(Venue, Option<f64>), (Option<i64>, Uuid)>, AppError> {
    let page = list.page::<(Option<i64>, Uuid)>()?;
    validation::check(&query)?;
    let accessibility = match query.accessibility.as_deref() {
        None => Vec::new(),
        Some(text) => comma_separated::<Accessibility>("accessibility", text)?,
    };
    let bbox = match query.bbox.as_deref() {
        None => None,
        Some(text) => {
            let v = numbers("bbox", text, 4, "25.6,62.1,25.9,62.4")?;
            in_range("bbox", v[0], v[1])?;
            in_range("bbox", v[2], v[3])?;
            if v[2] < v[0] || v[3] < v[1] {
                return Err(AppError::invalid(
                    "bbox",
                    "empty_box",
                    "east must be at least west and north at least south",
                ));
            }
            Some([v[0], v[1], v[2], v[3]])
        }
    };
    let near = match query.near.as_deref() {
        None if query.radius_m.is_some() => {
            return Err(AppError::invalid("radius_m", "without_near", "give near=lon,lat with radius_m"));
        }
        None => None,
        Some(text) => {
            let v = numbers("near", text, 2, "25.7473,62.2426")?;
            in_range("near", v[0], v[1])?;
            let radius = query.radius_m.unwrap_or(5_000);
            if !(1..=500_000).contains(&radius) {
                return Err(AppError::invalid("radius_m", "out_of_range", "use 1 to 500000 metres"));
            }
            Some(Near { lon: v[0], lat: v[1], radius_m: radius as f64 })
        }
    };
    let search = match TextSearch::from_param(query.q.as_deref()) {
        TextSearch::All => None,
        TextSearch::Terms(terms) => Some(terms),
        TextSearch::Nothing => return Ok(Page::empty(page.limit)),
    };
    let filter = VenueFilter {
        municipality_code: query.municipality,
        wellbeing_county_code: query.wellbeing_county,
        kind: query.kind.map(|k| name_of(&k)),
        organization_id: query.organization,
        accessibility,
        bbox,
        near,
        search,
        updated_since: list.updated_since,
        after: page.after,
        limit: page.fetch_limit(),
    };
    let rows = repo::list(cx.conn().await?, &filter).await?;
    Page::from_rows(rows, &page, |(r, d)| (*d, r.id))
        .try_map(|(r, d)| Ok((Venue::try_from(r)?, d.map(|mm| mm as f64 / 1000.0))))
}

pub async fn get(cx: &mut Cx<'_>, id: Uuid) -> Result<Venue, AppError> {
    load(cx.conn().await?, id, false).await
}
