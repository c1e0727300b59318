//! The series as an RFC 5545 calendar, written with the `icalendar` crate: one VEVENT with
//! the schedule's own RRULE, RDATE and EXDATE in the series' zone (with its VTIMEZONE), and a
//! VEVENT with RECURRENCE-ID for each occurrence that is cancelled, moved or relocated.
//! Expanding it with any standard library gives the occurrences the API lists.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use icalendar::{Calendar, CalendarDateTime, Component, Event, EventLike, EventStatus as IcsStatus, Property};
use uuid::Uuid;

use super::access;
use super::model::{EventSeries, EventStatus, Occurrence, OccurrenceStatus, load};
use crate::db::Conn;
use crate::domain::context::Cx;
use crate::domain::types::formats::{ics_escaped, ics_text};
use crate::domain::types::localized::Lang;
use crate::error::AppError;

const LOCAL: &str = "%Y%m%dT%H%M%S";

fn uid(series: &EventSeries) -> String {
    format!("{}@yhdyspinta", series.id)
}

fn local(tz: Tz, at: DateTime<Utc>) -> NaiveDateTime {
    at.with_timezone(&tz).naive_local()
}

fn zoned(tz: Tz, at: NaiveDateTime) -> CalendarDateTime {
    CalendarDateTime::WithTimezone { date_time: at, tzid: tz.name().to_owned() }
}

/// The zone's rules this year as a VTIMEZONE: a STANDARD and, where the clocks change, a
/// DAYLIGHT part, each with its yearly rule (e.g. the last Sunday of March).
fn vtimezone(tz: Tz, year: i32) -> String {
    let offset = |at: DateTime<Utc>| tz.offset_from_utc_datetime(&at.naive_utc()).fix().local_minus_utc();
    let hhmm = |secs: i32| {
        format!("{}{:02}{:02}", if secs < 0 { '-' } else { '+' }, secs.abs() / 3600, secs.abs() % 3600 / 60)
    };
    let start = Utc.with_ymd_and_hms(year, 1, 1, 0, 0, 0).single().unwrap_or_default();
    // The instants this year where the offset changes (hour steps, then to the second).
    let mut changes = Vec::new();
    let mut at = start;
    while at.year() == year {
        let next = at + Duration::hours(1);
        if offset(next) != offset(at) {
            let (mut lo, mut hi) = (at, next);
            while hi - lo > Duration::seconds(1) {
                let mid = lo + (hi - lo) / 2;
                if offset(mid) == offset(lo) { lo = mid } else { hi = mid }
            }
            changes.push(hi);
        }
        at = next;
    }
    let mut lines = vec!["BEGIN:VTIMEZONE".to_owned(), format!("TZID:{}", tz.name())];
    if changes.is_empty() {
        let o = hhmm(offset(start));
        lines.extend([
            "BEGIN:STANDARD".into(),
            "DTSTART:19700101T000000".into(),
            format!("TZOFFSETFROM:{o}"),
            format!("TZOFFSETTO:{o}"),
            "END:STANDARD".into(),
        ]);
    }
    for change in changes {
        let (from, to) = (offset(change - Duration::seconds(1)), offset(change));
        let wall = change.naive_utc() + Duration::seconds(i64::from(from));
        let day = wall.day();
        let days_in_month =
            NaiveDate::from_ymd_opt(year, wall.month() % 12 + 1, 1).map_or(31, |next| (next - Duration::days(1)).day());
        let nth = if day + 7 > days_in_month { "-1".to_owned() } else { ((day - 1) / 7 + 1).to_string() };
        let weekday = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][wall.weekday().num_days_from_monday() as usize];
        let part = if to > from { "DAYLIGHT" } else { "STANDARD" };
        let abbreviation = tz.offset_from_utc_datetime(&change.naive_utc()).to_string();
        lines.extend([
            format!("BEGIN:{part}"),
            format!("TZNAME:{abbreviation}"),
            format!("DTSTART:{}", wall.with_year(1970).unwrap_or(wall).format(LOCAL)),
            format!("RRULE:FREQ=YEARLY;BYMONTH={};BYDAY={nth}{weekday}", wall.month()),
            format!("TZOFFSETFROM:{}", hhmm(from)),
            format!("TZOFFSETTO:{}", hhmm(to)),
            format!("END:{part}"),
        ]);
    }
    lines.push("END:VTIMEZONE".into());
    lines.join("\r\n") + "\r\n"
}

fn base_event(series: &EventSeries, location: Option<&str>) -> Event {
    let f = &series.fields;
    let mut event = Event::new();
    event
        .uid(&uid(series))
        .summary(&ics_text(f.title.display(Lang::Fi)).replace('\n', " "))
        .sequence(u32::try_from(series.sequence).unwrap_or(0))
        .timestamp(series.updated_at)
        .last_modified(series.updated_at);
    if let Some(summary) = &f.summary {
        event.description(&ics_text(summary.display(Lang::Fi)));
    }
    if let Some(location) = location {
        event.location(&ics_text(location).replace('\n', " "));
    }
    if let Some(url) = &f.online_url {
        event.url(url);
    }
    event
}

/// The VEVENTs of one series: its schedule, and one for each occurrence that is cancelled,
/// moved or relocated (`occurrences` may hold others). `None` for an umbrella, which has no
/// schedule of its own. Also the zone they are written in, and the year its rules are given for.
fn series_events(
    series: &EventSeries,
    occurrences: &[Occurrence],
    locations: &HashMap<Uuid, String>,
) -> Result<Option<(Vec<Event>, Tz, i32)>, AppError> {
    let location_of = |venue: Option<Uuid>| venue.and_then(|v| locations.get(&v)).map(String::as_str);
    let location = location_of(series.fields.venue_id);
    let Some(plan) = series.plan()? else { return Ok(None) };
    let s = plan.schedule();
    let tz = plan.tz;
    let first = plan.instance(s.start_date);
    let mut main = base_event(series, location);
    if s.all_day {
        main.starts(s.start_date).ends(local(tz, first.end).date());
    } else {
        main.starts(zoned(tz, local(tz, first.start))).ends(zoned(tz, local(tz, first.end)));
    }
    main.status(if series.fields.event_status == EventStatus::Cancelled {
        IcsStatus::Cancelled
    } else {
        IcsStatus::Confirmed
    });
    if let Some(rule) = plan.rule_text() {
        main.add_property("RRULE", rule);
    }
    let date_list = |prop: &str, dates: &[NaiveDate]| -> Option<Property> {
        if dates.is_empty() {
            return None;
        }
        Some(if s.all_day {
            let values: Vec<String> = dates.iter().map(|d| d.format("%Y%m%d").to_string()).collect();
            Property::new(prop, values.join(",")).add_parameter("VALUE", "DATE").done()
        } else {
            let values: Vec<String> =
                dates.iter().map(|d| local(tz, plan.instance(*d).start).format(LOCAL).to_string()).collect();
            Property::new(prop, values.join(",")).add_parameter("TZID", tz.name()).done()
        })
    };
    if let Some(p) = date_list("RDATE", &s.rdates) {
        main.append_multi_property(p);
    }
    if let Some(p) = date_list("EXDATE", &s.exdates) {
        main.append_multi_property(p);
    }
    let mut events = vec![main.done()];
    for o in occurrences.iter().filter(|o| o.moved || o.venue_overridden || o.status == OccurrenceStatus::Cancelled) {
        let mut event = base_event(series, location_of(o.venue_id));
        let original = plan.instance(o.instance_date);
        let recurrence_id = if s.all_day {
            Property::new("RECURRENCE-ID", o.instance_date.format("%Y%m%d").to_string())
                .add_parameter("VALUE", "DATE")
                .done()
        } else {
            Property::new("RECURRENCE-ID", local(tz, original.start).format(LOCAL).to_string())
                .add_parameter("TZID", tz.name())
                .done()
        };
        event.append_property(recurrence_id);
        event.starts(zoned(tz, local(tz, o.start))).ends(zoned(tz, local(tz, o.end)));
        event.status(if o.status == OccurrenceStatus::Cancelled { IcsStatus::Cancelled } else { IcsStatus::Confirmed });
        events.push(event.done());
    }
    Ok(Some((events, tz, s.start_date.year().max(Utc::now().year()))))
}

/// One VCALENDAR named `name` (RFC 7986 `NAME`) with `properties` besides, the `events`, and
/// a VTIMEZONE for each zone they are written in.
pub fn assemble(name: &str, properties: Vec<Property>, events: Vec<Event>, zones: &[(Tz, i32)]) -> String {
    let mut calendar = Calendar::empty();
    calendar
        .append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new("PRODID", crate::domain::types::formats::CALENDAR_PRODID))
        .append_property(Property::new("CALSCALE", "GREGORIAN"))
        .name(&ics_escaped(name));
    for property in properties {
        calendar.append_property(property);
    }
    for event in events {
        calendar.push(event);
    }
    let text = calendar.done().to_string();
    // The crate has no VTIMEZONE component: they go before the first event, found as a
    // component line (property values are escaped and folded, so never start a line).
    let mut seen = std::collections::HashSet::new();
    let zones: String =
        zones.iter().filter(|(tz, _)| seen.insert(tz.name())).map(|(tz, year)| vtimezone(*tz, *year)).collect();
    match text.find("\r\nBEGIN:VEVENT\r\n") {
        Some(i) => format!("{}{}{}", &text[..i + 2], zones, &text[i + 2..]),
        None => text,
    }
}

/// The calendar of one series, with `occurrences` (all of them) for the overrides.
/// `locations`: the name and address of each venue involved, by id.
pub fn write(
    series: &EventSeries,
    occurrences: &[Occurrence],
    locations: &HashMap<Uuid, String>,
) -> Result<String, AppError> {
    let (events, tz, year) = series_events(series, occurrences, locations)?
        .ok_or_else(|| AppError::Conflict { detail: "an umbrella series has no calendar of its own".into() })?;
    Ok(assemble(series.fields.title.display(Lang::Fi), Vec::new(), events, &[(tz, year)]))
}

/// A subscribable calendar of many series (umbrellas, which have no schedule, are left out):
/// RFC 7986 `NAME`, `REFRESH-INTERVAL` and, when known, `SOURCE` (where to fetch it again).
pub fn write_many(
    name: &str,
    source: Option<&str>,
    series: &[(EventSeries, Vec<Occurrence>)],
    locations: &HashMap<Uuid, String>,
) -> Result<String, AppError> {
    let mut properties = vec![Property::new("REFRESH-INTERVAL", "PT1H").add_parameter("VALUE", "DURATION").done()];
    if let Some(source) = source {
        properties.push(Property::new("SOURCE", source).add_parameter("VALUE", "URI").done());
    }
    let mut events = Vec::new();
    let mut zones = Vec::new();
    for (one, occurrences) in series {
        // One series that cannot be written (a stored schedule this code no longer reads)
        // leaves the others their calendar.
        match series_events(one, occurrences, locations) {
            Ok(Some((mut theirs, tz, year))) => {
                events.append(&mut theirs);
                zones.push((tz, year));
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(series = %one.id, error = %e, "a series left out of a calendar"),
        }
    }
    Ok(assemble(name, properties, events, &zones))
}

/// The name and address of each venue, by id, for calendars' `LOCATION`.
pub async fn locations(
    conn: &mut Conn,
    venues: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, String>, AppError> {
    let mut ids: Vec<Uuid> = venues.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    let mut locations = HashMap::new();
    for row in crate::repo::venues::get_many(conn, &ids).await? {
        let v = crate::domain::venues::Venue::try_from(row)?;
        let a = &v.fields.address;
        let text = [Some(v.fields.name.display(Lang::Fi).to_owned()), a.street.clone(), a.locality.clone()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
        locations.insert(v.id, text);
    }
    Ok(locations)
}

/// The served `calendar.ics` of a series the caller may read.
pub async fn calendar(cx: &mut Cx<'_>, id: Uuid) -> Result<String, AppError> {
    let (conn, actor) = cx.parts().await?;
    let series = access::visible(actor, load(conn, id, false).await?)?;
    let rows = crate::repo::event_series::occurrences::overridden(conn, &[id]).await?;
    let occurrences: Vec<Occurrence> = rows.into_iter().map(Occurrence::from).collect();
    let venues = series.fields.venue_id.into_iter().chain(occurrences.iter().filter_map(|o| o.venue_id));
    let locations = locations(conn, venues.collect::<Vec<_>>()).await?;
    write(&series, &occurrences, &locations)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helsinki_has_last_sunday_rules() {
        let z = vtimezone("Europe/Helsinki".parse().unwrap(), 2026);
        assert!(z.contains("BEGIN:DAYLIGHT\r\nTZNAME:EEST\r\nDTSTART:19700329T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0300"), "{z}");
        assert!(z.contains("BEGIN:STANDARD\r\nTZNAME:EET\r\nDTSTART:19701025T040000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nTZOFFSETFROM:+0300\r\nTZOFFSETTO:+0200"), "{z}");
        let utc = vtimezone("UTC".parse().unwrap(), 2026);
        assert!(utc.contains("TZOFFSETFROM:+0000\r\nTZOFFSETTO:+0000"), "{utc}");
    }
}
