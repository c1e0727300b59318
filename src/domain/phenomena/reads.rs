//! Reading reports, the themes and the summary for maps.

use uuid::Uuid;

use super::access;
use super::model::*;
use crate::domain::context::Cx;
use crate::domain::types::names::name_of;
use crate::domain::types::pagination::{ListQuery, Page};
use crate::domain::types::stored::from_json;
use crate::error::{AppError, FieldError};
use crate::repo::phenomena::{self as repo, PhenomenonFilter, SummaryQuery};

pub async fn list(
    cx: &mut Cx<'_>,
    query: PhenomenonQuery,
    list: &ListQuery,
) -> Result<Page<Phenomenon, Uuid>, AppError> {
    let page = list.page::<Uuid>()?;
    let (conn, actor) = cx.parts().await?;
    access::can_read(actor)?;
    crate::domain::types::validation::check(&query)?;
    let filter = PhenomenonFilter {
        theme: query.theme,
        municipality: query.municipality,
        status: query.status.map(|s| name_of(&s)),
        reporter: query.reporter,
        responsible: query.responsible,
        from: query.from,
        to: query.to,
        updated_since: list.updated_since,
        after: page.after,
        limit: page.fetch_limit(),
    };
    let rows = repo::list(conn, &filter).await?;
    Page::from_rows(rows, &page, |r| r.id).try_map(Phenomenon::try_from)
}

pub async fn get(cx: &mut Cx<'_>, id: Uuid) -> Result<Phenomenon, AppError> {
    let (conn, actor) = cx.parts().await?;
    access::can_read(actor)?;
    load(conn, id, false).await
}

pub async fn themes(cx: &mut Cx<'_>) -> Result<Vec<PhenomenonTheme>, AppError> {
    let rows = repo::themes(cx.conn().await?).await?;
    rows.into_iter().map(|r| Ok(PhenomenonTheme { code: r.code, name: from_json(r.name)? })).collect()
}

/// At most this many groups in one answer.
const MAX_GROUPS: i64 = 10_000;

/// Counts and people concerned per group; a group's count under 5 (and its people) is
/// suppressed unless every report in it is by the reader's own organisations.
pub async fn summary(cx: &mut Cx<'_>, query: PhenomenonSummaryQuery) -> Result<Vec<PhenomenonSummaryGroup>, AppError> {
    crate::domain::types::validation::check(&query)?;
    let mut by = (false, false, false);
    let mut errors = Vec::new();
    for key in query.group_by.split(',').map(str::trim).filter(|k| !k.is_empty()) {
        match key {
            "theme" => by.0 = true,
            "municipality" => by.1 = true,
            "month" => by.2 = true,
            _ => errors.push(FieldError::new("group_by", "unknown_key", "theme, municipality or month")),
        }
    }
    for (field, day) in [("from", query.from), ("to", query.to)] {
        if crate::domain::types::formats::plausible_date(&day).is_err() {
            errors.push(FieldError::new(field, "out_of_range", "a date in the years 1900-2199"));
        } else if chrono::Datelike::day(&day) != 1 {
            errors.push(FieldError::new(field, "not_a_month", "the first day of a month"));
        }
    }
    if query.to <= query.from {
        errors.push(FieldError::new("to", "before_start", "after from"));
    } else if (query.to - query.from).num_days() > 1100 {
        errors.push(FieldError::new("to", "too_long", "at most three years after from"));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let (conn, actor) = cx.parts().await?;
    let q = SummaryQuery {
        by_theme: by.0,
        by_municipality: by.1,
        by_month: by.2,
        readers: access::own_organizations(actor),
        from: query.from,
        to: query.to,
        theme: query.theme,
        municipality: query.municipality,
        limit: MAX_GROUPS,
    };
    let rows = repo::summary(conn, &q).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let shown = r.own || r.count >= SMALL_COUNT;
            PhenomenonSummaryGroup {
                theme: r.theme,
                municipality: r.municipality,
                month: r.month,
                count: shown.then_some(r.count),
                people_concerned: if shown { r.people_concerned } else { None },
            }
        })
        .collect())
}
