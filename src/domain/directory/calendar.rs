//! The directory's subscribable calendar: the published series matching the filters, each
//! with its schedule and overrides, in one VCALENDAR that calendar clients refresh hourly.

use super::access;
use super::model::{CalendarQuery, MAX_CALENDAR_SERIES};
use crate::domain::context::Cx;
use crate::domain::event_series::{self as series, Occurrence, calendar as ics, with_organizers};
use crate::domain::types::names::name_of;
use crate::domain::types::validation;
use crate::error::AppError;
use crate::repo::event_series::{self as series_repo, SeriesFilter};

/// The calendar; `source` is the URL it was fetched from (RFC 7986 `SOURCE`).
pub async fn calendar(cx: &mut Cx<'_>, query: &CalendarQuery, source: Option<&str>) -> Result<String, AppError> {
    let (conn, actor) = cx.parts().await?;
    access::can_read(actor)?;
    validation::check(query)?;
    // Published series only, whoever asks: the calendar is the same for everyone.
    let filter = SeriesFilter {
        organization_id: query.organization,
        venue_id: query.venue,
        municipality_code: query.municipality.clone(),
        target_group: query.target_group.map(|g| name_of(&g)),
        limit: MAX_CALENDAR_SERIES + 1,
        ..SeriesFilter::default()
    };
    let rows = series_repo::list(conn, &filter).await?;
    if rows.len() > usize::try_from(MAX_CALENDAR_SERIES).unwrap_or(usize::MAX) {
        return Err(AppError::invalid(
            "municipality",
            "too_many",
            format!(
                "more than {MAX_CALENDAR_SERIES} series match: narrow the calendar with municipality, venue, \
                 organization or target_group"
            ),
        ));
    }
    let all = with_organizers(conn, rows).await?;
    let ids: Vec<uuid::Uuid> = all.iter().map(|s| s.id).collect();
    let overridden: Vec<Occurrence> =
        series_repo::occurrences::overridden(conn, &ids).await?.into_iter().map(Occurrence::from).collect();
    let venues: Vec<uuid::Uuid> =
        all.iter().filter_map(|s| s.fields.venue_id).chain(overridden.iter().filter_map(|o| o.venue_id)).collect();
    let locations = ics::locations(conn, venues).await?;
    let with_overrides: Vec<(series::EventSeries, Vec<Occurrence>)> = all
        .into_iter()
        .map(|s| {
            let own = overridden.iter().filter(|o| o.series_id == s.id).cloned().collect();
            (s, own)
        })
        .collect();
    ics::write_many(&query.name(), source, &with_overrides, &locations)
}

impl CalendarQuery {
    /// The calendar's name: what it holds.
    fn name(&self) -> String {
        let mut name = "Yhdyspinta: tapahtumat".to_owned();
        if let Some(code) = &self.municipality {
            name.push_str(&format!(" (kunta {code})"));
        }
        name
    }
}
