//! Reading definitions, their versions and an indicator's time series.

use std::collections::BTreeMap;

use uuid::Uuid;

use super::access;
use super::model::*;
use crate::domain::areas::AreaKind;
use crate::domain::context::Cx;
use crate::domain::types::names::name_of;
use crate::domain::types::pagination::{ListQuery, Page};
use crate::domain::types::validation;
use crate::error::AppError;
use crate::repo::indicators::observations::{ObservationFilter, Seen};
use crate::repo::indicators::{self as repo, IndicatorFilter, Readable};

/// The indicator as the actor may read it, with whether the actor's organisations are its
/// partners; 404 when it may not.
pub async fn readable(cx: &mut Cx<'_>, id: Uuid) -> Result<(Indicator, bool), AppError> {
    let (conn, actor) = cx.parts().await?;
    let indicator = load(conn, id, false).await?;
    let partner = has_partner(conn, id, &access::reading_organizations(actor)).await?;
    Ok((access::visible(indicator, partner)?, partner))
}

pub async fn list(cx: &mut Cx<'_>, query: IndicatorQuery, list: &ListQuery) -> Result<Page<Indicator, Uuid>, AppError> {
    let page = list.page::<Uuid>()?;
    let (conn, actor) = cx.parts().await?;
    let orgs = access::reading_organizations(actor);
    let filter = IndicatorFilter {
        readable: if orgs.is_empty() { Readable::Public } else { Readable::PartnerOf(orgs) },
        owner: query.owner,
        agreement: query.agreement,
        visibility: query.visibility.map(|v| name_of(&v)),
        measure: query.measure.map(|m| name_of(&m)),
        source: query.source.map(|s| name_of(&s)),
        updated_since: list.updated_since,
        after: page.after,
        limit: page.fetch_limit(),
    };
    let rows = repo::list(conn, &filter).await?;
    Page::from_rows(rows, &page, |r| r.id).try_map(Indicator::try_from)
}

pub async fn get(cx: &mut Cx<'_>, id: Uuid) -> Result<Indicator, AppError> {
    Ok(readable(cx, id).await?.0)
}

/// Every version of the definition, oldest first.
pub async fn versions(cx: &mut Cx<'_>, id: Uuid, list: &ListQuery) -> Result<Page<IndicatorVersion, i64>, AppError> {
    let page = list.page::<i64>()?;
    readable(cx, id).await?;
    let rows = repo::versions(cx.conn().await?, id, list.updated_since, page.after, page.fetch_limit()).await?;
    Page::from_rows(rows, &page, |r| r.version).try_map(|r| {
        Ok(IndicatorVersion {
            version: r.version,
            changed_at: r.changed_at,
            definition: crate::domain::types::stored::from_json(r.definition)?,
        })
    })
}

/// Most periods a series answers with.
const MAX_SERIES_VALUES: i64 = 3000;

/// The approved values of one area or organisation (or of the whole), period by period, with
/// targets and baselines beside the actuals.
pub async fn series(
    cx: &mut Cx<'_>,
    id: Uuid,
    query: IndicatorSeriesQuery,
) -> Result<(Indicator, Vec<IndicatorSeriesPoint>), AppError> {
    let (indicator, partner) = readable(cx, id).await?;
    validation::check(&query)?;
    let area_kind = match (&query.area, query.area_kind) {
        (Some(_), kind) => Some(kind.unwrap_or(AreaKind::Municipality)),
        (None, Some(_)) => return Err(AppError::invalid("area", "required", "give the area's code with its kind")),
        (None, None) => None,
    };
    let filter = ObservationFilter {
        seen: if partner { Seen::PartnerOf(Vec::new()) } else { Seen::Public },
        indicator: Some(id),
        reporting_organization: None,
        organization: query.organization,
        area_kind: area_kind.map(|k| name_of(&k)),
        area_code: query.area,
        value_type: None,
        status: None,
        period_from: query.from,
        period_to: query.to,
        updated_since: None,
        after: None,
        limit: MAX_SERIES_VALUES,
    };
    let rows =
        crate::repo::indicators::observations::series(cx.conn().await?, id, &filter, MAX_SERIES_VALUES + 1).await?;
    // Never a silently shortened series: the window is narrowed instead.
    if i64::try_from(rows.len()).unwrap_or(i64::MAX) > MAX_SERIES_VALUES {
        return Err(AppError::invalid(
            "from",
            "too_many_values",
            format!("more than {MAX_SERIES_VALUES} values: narrow the window with from and to"),
        ));
    }
    let decimals = u32::try_from(indicator.fields.decimals).unwrap_or(0);
    let mut points: BTreeMap<(chrono::NaiveDate, chrono::NaiveDate, String), IndicatorSeriesPoint> = BTreeMap::new();
    for row in rows {
        let value = Observation::try_from(row)?;
        let shown = value.state.value.map(|v| v.rounded(decimals));
        let period = value.period.clone();
        let point = points.entry((period.start, period.end, period.code.clone())).or_insert_with(|| {
            IndicatorSeriesPoint { period, actual: None, target: None, baseline: None, provisional: false }
        });
        point.provisional |= value.state.provisional;
        match value.value_type {
            ValueType::Actual => point.actual = shown,
            ValueType::Target => point.target = shown,
            ValueType::Baseline => point.baseline = shown,
        }
    }
    Ok((indicator, points.into_values().collect()))
}
