//! Published activities in the shape of lähellä.fi, the national directory of NGO activities:
//! activity type (hobby, support, voluntary work), themes, how people meet, the channels with
//! their address and accessibility, and a weekly recurrence pattern where the schedule is one.
//! The mapping from our fields is tabled in `docs/DIRECTORY.md`.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::access;
use crate::domain::access::Actor;
use crate::domain::context::Cx;
use crate::domain::event_series::{
    self as series, ActivityType, AttendanceMode, EventSeries, EventStatus, SeriesKind, SeriesQuery, TargetGroup,
};
use crate::domain::types::localized::LocalizedText;
use crate::domain::types::pagination::{ListQuery, Page};
use crate::domain::venues::{Accessibility, Venue};
use crate::error::AppError;

/// lähellä.fi's three kinds of activity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LahellaActivityType {
    /// Harrastus: events and ongoing group activities.
    Hobby,
    /// Tuki: guidance and peer support.
    Support,
    /// Vapaaehtoistyö.
    Voluntary,
}

/// How people take part (kohtaamisen muoto).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeetingFormat {
    InPerson,
    Online,
    Phone,
    /// On site and online.
    Hybrid,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// A place to come to.
    Place,
    Online,
    Phone,
}

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ChannelAddress {
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    /// Three-digit municipality code.
    pub municipality_code: String,
}

/// Where or how to take part.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Channel {
    pub kind: ChannelKind,
    /// The venue, for a place.
    pub venue_id: Option<Uuid>,
    pub name: Option<LocalizedText>,
    pub address: Option<ChannelAddress>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub accessibility: Vec<Accessibility>,
    pub accessibility_info: Option<LocalizedText>,
    /// The meeting link, for online.
    pub url: Option<String>,
}

/// A weekly pattern: on these weekdays, every `interval_weeks` weeks, at these local times.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({"weekdays": ["tu"], "interval_weeks": 1, "start_time": "10:00", "end_time": "12:00",
    "timezone": "Europe/Helsinki", "valid_from": "2026-03-03", "valid_until": "2026-05-05", "except_dates": ["2026-03-17"]}))]
pub struct WeeklyRecurrence {
    /// Two-letter lower-case weekdays (`mo` … `su`).
    pub weekdays: Vec<String>,
    pub interval_weeks: u16,
    /// Local `HH:MM`; absent for whole days.
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub timezone: String,
    pub valid_from: NaiveDate,
    /// The last day it may occur on, when the rule ends.
    pub valid_until: Option<NaiveDate>,
    pub except_dates: Vec<NaiveDate>,
}

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ActivityOrganizer {
    pub id: Uuid,
    pub name: Option<String>,
}

/// One published activity (a series) as lähellä.fi shows it.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({"id": "01938000-0000-7000-8000-000000000010", "name": {"fi": "Seniorikahvila"},
    "activity_type": "hobby", "themes": ["yhteisöllisyys"], "target_groups": ["older_people"], "meeting_format": "in_person",
    "channels": [{"kind": "place", "venue_id": "01938000-0000-7000-8000-000000000020", "name": {"fi": "Olkkari"},
      "address": {"street": "Kauppakatu 1", "postal_code": "40100", "city": "Jyväskylä", "municipality_code": "179"},
      "accessibility": ["wheelchair", "induction_loop"]}],
    "recurrence": {"weekdays": ["tu"], "interval_weeks": 1, "start_time": "10:00", "end_time": "12:00",
      "timezone": "Europe/Helsinki", "valid_from": "2026-03-03", "valid_until": null, "except_dates": []},
    "schedule_text": "RRULE:FREQ=WEEKLY;BYDAY=TU", "languages": ["fi"], "is_free": true, "registration_required": false,
    "organizers": [{"id": "01938000-0000-7000-8000-000000000001", "name": "Keski-Suomen Setlementti"}],
    "cancelled": false, "updated_at": "2026-03-01T09:30:00Z"}))]
pub struct LahellaActivity {
    pub id: Uuid,
    pub name: LocalizedText,
    pub summary: Option<LocalizedText>,
    pub description: Option<LocalizedText>,
    pub activity_type: LahellaActivityType,
    pub themes: Vec<String>,
    pub target_groups: Vec<TargetGroup>,
    pub meeting_format: MeetingFormat,
    pub channels: Vec<Channel>,
    /// The schedule as a weekly pattern, when it is one; otherwise see `schedule_text` and the
    /// series' occurrences.
    pub recurrence: Option<WeeklyRecurrence>,
    /// The exact schedule: `RRULE:` with its zone, or the single date.
    pub schedule_text: Option<String>,
    pub languages: Vec<String>,
    pub min_age: Option<i32>,
    pub max_age: Option<i32>,
    pub is_free: bool,
    pub price_info: Option<LocalizedText>,
    pub registration_required: bool,
    pub registration_url: Option<String>,
    /// The publisher first, then the organisers who have accepted.
    pub organizers: Vec<ActivityOrganizer>,
    /// The whole activity is cancelled.
    pub cancelled: bool,
    pub updated_at: DateTime<Utc>,
}

/// A page of published activities, filtered as the series list is.
pub async fn activities(
    cx: &mut Cx<'_>,
    query: SeriesQuery,
    list: &ListQuery,
) -> Result<Page<LahellaActivity, Uuid>, AppError> {
    let (conn, actor) = cx.parts().await?;
    access::can_read(actor)?;
    // Read as no one in particular: published series only, the same for everyone.
    let mut public = Cx::acting(conn, Actor::anonymous());
    let page = series::list(&mut public, query, list).await?;
    let conn = public.conn().await?;
    let venues = crate::domain::venues::by_id(conn, page.items.iter().filter_map(|s| s.fields.venue_id)).await?;
    let names = crate::domain::organizations::names(conn, page.items.iter().flat_map(organizer_ids)).await?;
    Ok(Page {
        items: page.items.iter().map(|s| activity(s, &venues, &names)).collect(),
        next: page.next,
        limit: page.limit,
    })
}

/// The publisher, then each organiser that has accepted, once each.
fn organizer_ids(series: &EventSeries) -> Vec<Uuid> {
    let mut ids = vec![series.fields.publisher_id];
    for o in series.organizers.iter().filter(|o| o.accepted) {
        if !ids.contains(&o.organization_id) {
            ids.push(o.organization_id);
        }
    }
    ids
}

fn activity(s: &EventSeries, venues: &HashMap<Uuid, Venue>, names: &HashMap<Uuid, String>) -> LahellaActivity {
    let f = &s.fields;
    let activity_type = match f.activity_type {
        ActivityType::Event | ActivityType::OngoingActivity => LahellaActivityType::Hobby,
        ActivityType::Support => LahellaActivityType::Support,
        ActivityType::Volunteering => LahellaActivityType::Voluntary,
    };
    let meeting_format = match f.attendance_mode {
        AttendanceMode::InPerson => MeetingFormat::InPerson,
        AttendanceMode::Online => MeetingFormat::Online,
        AttendanceMode::Phone => MeetingFormat::Phone,
        AttendanceMode::Mixed => MeetingFormat::Hybrid,
    };
    let mut channels = Vec::new();
    let on_site = matches!(f.attendance_mode, AttendanceMode::InPerson | AttendanceMode::Mixed);
    if let Some(venue) = f.venue_id.and_then(|v| venues.get(&v)).filter(|_| on_site) {
        let v = &venue.fields;
        channels.push(Channel {
            kind: ChannelKind::Place,
            venue_id: Some(venue.id),
            name: Some(v.name.clone()),
            address: Some(ChannelAddress {
                street: v.address.street.clone(),
                postal_code: v.address.postal_code.clone(),
                city: v.address.locality.clone(),
                municipality_code: v.address.municipality_code.clone(),
            }),
            latitude: v.position.as_ref().map(|p| p.lat),
            longitude: v.position.as_ref().map(|p| p.lon),
            accessibility: v.accessibility.clone(),
            accessibility_info: v.accessibility_info.clone(),
            url: None,
        });
    }
    if matches!(f.attendance_mode, AttendanceMode::Online | AttendanceMode::Mixed | AttendanceMode::Phone) {
        let kind = if f.attendance_mode == AttendanceMode::Phone { ChannelKind::Phone } else { ChannelKind::Online };
        channels.push(Channel {
            kind,
            venue_id: None,
            name: None,
            address: None,
            latitude: None,
            longitude: None,
            accessibility: Vec::new(),
            accessibility_info: None,
            url: f.online_url.clone(),
        });
    }
    let plan = if f.kind == SeriesKind::Umbrella { None } else { s.plan().ok().flatten() };
    let recurrence = plan.as_ref().and_then(weekly);
    let schedule_text = plan.as_ref().map(|p| match p.rule_text() {
        Some(rule) => format!("RRULE:{rule} ({})", p.tz.name()),
        None => format!("{} ({})", p.schedule().start_date, p.tz.name()),
    });
    LahellaActivity {
        id: s.id,
        name: f.title.clone(),
        summary: f.summary.clone(),
        description: f.description.clone(),
        activity_type,
        themes: f.themes.clone(),
        target_groups: f.target_groups.clone(),
        meeting_format,
        channels,
        recurrence,
        schedule_text,
        languages: f.languages.clone(),
        min_age: f.min_age,
        max_age: f.max_age,
        is_free: f.price.is_free,
        price_info: f.price.info.clone(),
        registration_required: f.registration.as_ref().is_some_and(|r| r.required),
        registration_url: f.registration.as_ref().and_then(|r| r.url.clone()),
        organizers: organizer_ids(s)
            .into_iter()
            .map(|id| ActivityOrganizer { id, name: names.get(&id).cloned() })
            .collect(),
        cancelled: f.event_status == EventStatus::Cancelled,
        updated_at: s.updated_at,
    }
}

/// The schedule as a weekly pattern, when it is exactly one: FREQ=WEEKLY with plain
/// weekdays (or none: the start date's), no set positions or months, no extra dates.
fn weekly(plan: &series::schedule::Plan) -> Option<WeeklyRecurrence> {
    let rule = plan.rule()?;
    let s = plan.schedule();
    if rule.get_freq() != rrule::Frequency::Weekly
        || !rule.get_by_set_pos().is_empty()
        || !rule.get_by_month().is_empty()
        || !s.rdates.is_empty()
    {
        return None;
    }
    let code = |d: chrono::Weekday| ["mo", "tu", "we", "th", "fr", "sa", "su"][d.num_days_from_monday() as usize];
    let mut weekdays = Vec::new();
    for day in rule.get_by_weekday() {
        let rrule::NWeekday::Every(day) = day else { return None };
        weekdays.push(code(*day).to_owned());
    }
    if weekdays.is_empty() {
        weekdays.push(code(chrono::Datelike::weekday(&s.start_date)).to_owned());
    }
    let first = plan.instance(s.start_date);
    let local = |at: DateTime<Utc>| at.with_timezone(&plan.tz).format("%H:%M").to_string();
    let last = match (rule.get_count(), plan.until()) {
        (_, Some(until)) => Some(until.date()),
        // With a count, the last occurrence's date.
        (Some(_), None) => {
            plan.expand(s.start_date, s.start_date + chrono::Days::new(3660)).ok()?.last().map(|i| i.date)
        }
        (None, None) => None,
    };
    Some(WeeklyRecurrence {
        weekdays,
        interval_weeks: rule.get_interval().max(1),
        start_time: (!s.all_day).then(|| local(first.start)),
        end_time: (!s.all_day).then(|| local(first.end)),
        timezone: plan.tz.name().to_owned(),
        valid_from: s.start_date,
        valid_until: last,
        except_dates: s.exdates.clone(),
    })
}
