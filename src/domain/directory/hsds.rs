//! The directory as Open Referral HSDS 3.0: organisations as `organization`, venues as
//! `location` (with accessibility and opening hours), published series as `service`, and a
//! series at a venue as its `service_at_location` (with the series' id). Items that HSDS
//! nests without ids of their own here (schedules, addresses, phones) get stable UUIDv5 ids
//! derived from their parent, so that a mirror sees the same id on every export.

use std::collections::HashMap;

use chrono::{NaiveDate, SecondsFormat, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::access;
use super::model::{HsdsPage, HsdsQuery};
use crate::db::Conn;
use crate::domain::context::Cx;
use crate::domain::event_series::{
    AttendanceMode, EventSeries, EventStatus, PublicationStatus, SeriesKind, with_organizers,
};
use crate::domain::organizations::Organization;
use crate::domain::types::localized::{Lang, LocalizedText};
use crate::domain::types::validation;
use crate::domain::venues::{OpeningRule, Venue, Weekday};
use crate::error::AppError;
use crate::repo::directory::hsds::{self as repo, Window};

/// The HSDS tables the export serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HsdsTable {
    Organizations,
    Services,
    Locations,
    ServiceAtLocations,
}

/// One numbered page of a table.
pub async fn page(cx: &mut Cx<'_>, table: HsdsTable, query: &HsdsQuery, base: &str) -> Result<HsdsPage, AppError> {
    let (conn, actor) = cx.parts().await?;
    access::can_read(actor)?;
    validation::check(query)?;
    let (page_number, per_page) = query.window();
    let window = Window {
        modified_after: query.modified_after,
        organization_id: query.organization_id,
        offset: (page_number - 1).saturating_mul(per_page),
        limit: per_page,
    };
    let counties = counties(conn).await?;
    let writer = Writer { base, counties: &counties };
    let (total_items, contents) = match table {
        HsdsTable::Organizations => {
            let (total, rows) = repo::organizations(conn, &window).await?;
            let items = rows.into_iter().map(|r| Ok(writer.organization(&Organization::try_from(r)?)));
            (total, items.collect::<Result<Vec<_>, AppError>>()?)
        }
        HsdsTable::Locations => {
            let (total, rows) = repo::venues(conn, &window).await?;
            let items = rows.into_iter().map(|r| Ok(writer.location(&Venue::try_from(r)?)));
            (total, items.collect::<Result<Vec<_>, AppError>>()?)
        }
        HsdsTable::Services => {
            let (total, rows) = repo::series(conn, &window, false).await?;
            let series = with_organizers(conn, rows).await?;
            (total, series.iter().map(|s| writer.service(s)).collect())
        }
        HsdsTable::ServiceAtLocations => {
            let (total, rows) = repo::series(conn, &window, true).await?;
            let series = with_organizers(conn, rows).await?;
            let venues = venues_of(conn, &series).await?;
            (total, series.iter().filter_map(|s| writer.service_at_location(s, &venues)).collect())
        }
    };
    Ok(HsdsPage { total_items, page_number, per_page, contents })
}

/// One item by id; 404 for what is not in the directory (an unpublished series included).
pub async fn item(cx: &mut Cx<'_>, table: HsdsTable, id: Uuid, base: &str) -> Result<Value, AppError> {
    let (conn, actor) = cx.parts().await?;
    access::can_read(actor)?;
    let counties = counties(conn).await?;
    let writer = Writer { base, counties: &counties };
    match table {
        HsdsTable::Organizations => {
            let row = crate::repo::organizations::get(conn, id).await?.ok_or(AppError::NotFound)?;
            Ok(writer.organization(&Organization::try_from(row)?))
        }
        HsdsTable::Locations => {
            let row = crate::repo::venues::get(conn, id).await?.ok_or(AppError::NotFound)?;
            Ok(writer.location(&Venue::try_from(row)?))
        }
        HsdsTable::Services | HsdsTable::ServiceAtLocations => {
            let row = crate::repo::event_series::get(conn, id).await?.ok_or(AppError::NotFound)?;
            let series = with_organizers(conn, vec![row]).await?.pop().ok_or(AppError::NotFound)?;
            if series.fields.publication_status != PublicationStatus::Published {
                return Err(AppError::NotFound);
            }
            if table == HsdsTable::Services {
                return Ok(writer.service(&series));
            }
            let venues = venues_of(conn, std::slice::from_ref(&series)).await?;
            writer.service_at_location(&series, &venues).ok_or(AppError::NotFound)
        }
    }
}

/// The wellbeing services counties' Finnish names by code (HSDS's required `state_province`).
async fn counties(conn: &mut Conn) -> Result<HashMap<String, String>, AppError> {
    let filter = crate::repo::areas::AreaFilter {
        kind: Some("wellbeing_services_county".to_owned()),
        name_prefix: None,
        wellbeing_county_code: None,
        valid_on: Utc::now().date_naive(),
        updated_since: None,
        after: None,
        limit: 1000,
    };
    let rows = crate::repo::areas::list(conn, &filter).await?;
    rows.into_iter()
        .map(|r| {
            let name: LocalizedText = crate::domain::types::stored::from_json(r.name)?;
            Ok((r.code, name.display(Lang::Fi).to_owned()))
        })
        .collect()
}

/// The venues of these series, each read once.
async fn venues_of(conn: &mut Conn, series: &[EventSeries]) -> Result<HashMap<Uuid, Venue>, AppError> {
    crate::domain::venues::by_id(conn, series.iter().filter_map(|s| s.fields.venue_id)).await
}

/// A stable id for something nested in `parent` that has no id of its own.
fn derived_id(parent: Uuid, part: &str) -> Uuid {
    Uuid::new_v5(&parent, part.as_bytes())
}

/// A web address HSDS accepts as `format: uri`, or nothing.
fn uri(address: Option<&str>) -> Option<String> {
    address.and_then(|a| url::Url::parse(a).ok()).map(String::from)
}

fn two_letters(day: chrono::Weekday) -> &'static str {
    ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][day.num_days_from_monday() as usize]
}

fn venue_day(day: Weekday) -> &'static str {
    match day {
        Weekday::Mo => "MO",
        Weekday::Tu => "TU",
        Weekday::We => "WE",
        Weekday::Th => "TH",
        Weekday::Fr => "FR",
        Weekday::Sa => "SA",
        Weekday::Su => "SU",
    }
}

/// Sets `key` when there is a value.
fn put(out: &mut Map<String, Value>, key: &str, value: Option<impl Into<Value>>) {
    if let Some(v) = value {
        out.insert(key.to_owned(), v.into());
    }
}

struct Writer<'a> {
    base: &'a str,
    counties: &'a HashMap<String, String>,
}

impl Writer<'_> {
    fn organization(&self, org: &Organization) -> Value {
        let mut out = Map::new();
        out.insert("id".into(), json!(org.id));
        out.insert("name".into(), json!(org.name.display(Lang::Fi)));
        put(&mut out, "alternate_name", org.name.sv.as_deref().filter(|sv| Some(*sv) != org.name.fi.as_deref()));
        let description = org.description.as_ref().map(|d| d.display(Lang::Fi)).filter(|d| !d.is_empty());
        out.insert("description".into(), json!(description.unwrap_or_else(|| org.name.display(Lang::Fi))));
        put(&mut out, "email", org.email.as_deref());
        put(&mut out, "website", uri(org.website.as_deref()));
        out.insert("uri".into(), json!(format!("{}/api/v1/organizations/{}", self.base, org.id)));
        put(&mut out, "parent_organization_id", org.parent_id.map(|p| p.to_string()));
        let phones: Vec<Value> = org
            .phone
            .iter()
            .map(|number| json!({"id": derived_id(org.id, "phone"), "organization_id": org.id, "number": number}))
            .collect();
        out.insert("phones".into(), Value::Array(phones));
        let mut identifiers = Vec::new();
        if let Some(business_id) = &org.business_id {
            identifiers.push(json!({"id": derived_id(org.id, "identifier/business_id"), "organization_id": org.id,
                "identifier_scheme": "FI-PRO", "identifier_type": "Y-tunnus (business ID)", "identifier": business_id}));
        }
        for (register, identifier) in &org.external_ids {
            identifiers.push(json!({"id": derived_id(org.id, &format!("identifier/{register}")),
                "organization_id": org.id, "identifier_type": register, "identifier": identifier}));
        }
        out.insert("organization_identifiers".into(), Value::Array(identifiers));
        Value::Object(out)
    }

    fn location(&self, venue: &Venue) -> Value {
        let v = &venue.fields;
        let mut out = Map::new();
        out.insert("id".into(), json!(venue.id));
        out.insert("location_type".into(), json!("physical"));
        put(&mut out, "url", uri(v.contact.as_ref().and_then(|c| c.website.as_deref())));
        out.insert("organization_id".into(), json!(v.operator_organization_id.unwrap_or(v.owner_organization_id)));
        out.insert("name".into(), json!(v.name.display(Lang::Fi)));
        put(&mut out, "alternate_name", v.name.sv.as_deref().filter(|sv| Some(*sv) != v.name.fi.as_deref()));
        put(&mut out, "description", v.description.as_ref().map(|d| d.display(Lang::Fi).to_owned()));
        if let Some(p) = &v.position {
            out.insert("latitude".into(), json!(p.lat));
            out.insert("longitude".into(), json!(p.lon));
        }
        let a = &v.address;
        let mut addresses = Vec::new();
        if let (Some(street), Some(code), Some(city)) = (&a.street, &a.postal_code, &a.locality) {
            let mut address = json!({"id": derived_id(venue.id, "address"), "location_id": venue.id,
                "address_1": street, "city": city, "postal_code": code, "country": "FI", "address_type": "physical",
                "state_province": self.counties.get(&venue.wellbeing_county_code).cloned()
                    .unwrap_or_else(|| venue.wellbeing_county_code.clone())});
            address["region"] = json!(a.municipality_code);
            addresses.push(address);
        }
        out.insert("addresses".into(), Value::Array(addresses));
        let mut accessibility = Vec::new();
        if !v.accessibility.is_empty() || v.accessibility_info.is_some() {
            let features: Vec<String> = v.accessibility.iter().map(crate::domain::types::names::name_of).collect();
            let mut entry = json!({"id": derived_id(venue.id, "accessibility"), "location_id": venue.id,
                "description": features.join(", ")});
            if let Some(info) = &v.accessibility_info {
                entry["details"] = json!(info.display(Lang::Fi));
            }
            accessibility.push(entry);
        }
        out.insert("accessibility".into(), Value::Array(accessibility));
        let phones: Vec<Value> = v
            .contact
            .iter()
            .filter_map(|c| c.phone.as_ref())
            .map(|number| json!({"id": derived_id(venue.id, "phone"), "location_id": venue.id, "number": number}))
            .collect();
        out.insert("phones".into(), Value::Array(phones));
        let exceptions = v.opening_hours.exceptions.iter().map(|e| {
            let hours = match (e.closed, e.opens, e.closes) {
                (true, _, _) => "closed".to_owned(),
                (false, Some(o), Some(c)) => format!("{}–{}", o.format("%H:%M"), c.format("%H:%M")),
                _ => "open".to_owned(),
            };
            format!("{} {hours}", e.date)
        });
        let notes = exceptions.collect::<Vec<_>>().join("; ");
        let schedules: Vec<Value> = v
            .opening_hours
            .rules
            .iter()
            .enumerate()
            .map(|(i, rule)| opening_schedule(venue.id, i, rule, &notes))
            .collect();
        out.insert("schedules".into(), Value::Array(schedules));
        Value::Object(out)
    }

    fn service(&self, series: &EventSeries) -> Value {
        let f = &series.fields;
        let mut out = Map::new();
        out.insert("id".into(), json!(series.id));
        out.insert("organization_id".into(), json!(f.publisher_id));
        out.insert("name".into(), json!(f.title.display(Lang::Fi)));
        put(&mut out, "alternate_name", f.title.sv.as_deref().filter(|sv| Some(*sv) != f.title.fi.as_deref()));
        let description = f.description.as_ref().or(f.summary.as_ref()).map(|d| d.display(Lang::Fi).to_owned());
        put(&mut out, "description", description);
        let registration = f.registration.as_ref();
        put(&mut out, "url", uri(registration.and_then(|r| r.url.as_deref()).or(f.online_url.as_deref())));
        put(&mut out, "email", registration.and_then(|r| r.email.clone()));
        let status = match f.event_status {
            EventStatus::Cancelled => "inactive",
            EventStatus::Postponed => "temporarily closed",
            EventStatus::Scheduled | EventStatus::Rescheduled | EventStatus::MovedOnline => "active",
        };
        out.insert("status".into(), json!(status));
        if !f.interpretation.is_empty() {
            out.insert("interpretation_services".into(), json!(f.interpretation.join(", ")));
        }
        if registration.is_some_and(|r| r.required) {
            out.insert("application_process".into(), json!("Registration required."));
        }
        let fees = f.price.info.as_ref().map(|i| i.display(Lang::Fi).to_owned());
        out.insert(
            "fees_description".into(),
            json!(fees.unwrap_or_else(|| if f.price.is_free {
                "Maksuton / free of charge".to_owned()
            } else {
                "Maksullinen / a fee is charged".to_owned()
            })),
        );
        if !f.target_groups.is_empty() {
            let groups: Vec<String> = f.target_groups.iter().map(crate::domain::types::names::name_of).collect();
            out.insert("eligibility_description".into(), json!(format!("For: {}", groups.join(", "))));
        }
        put(&mut out, "minimum_age", f.min_age);
        put(&mut out, "maximum_age", f.max_age);
        match f.event_status {
            EventStatus::Cancelled => {
                out.insert("alert".into(), json!("Cancelled."));
            }
            EventStatus::Postponed => {
                out.insert("alert".into(), json!("Postponed."));
            }
            _ => {}
        }
        out.insert("last_modified".into(), json!(series.updated_at.to_rfc3339_opts(SecondsFormat::Millis, true)));
        let languages: Vec<Value> = f
            .languages
            .iter()
            .map(|code| {
                json!({"id": derived_id(series.id, &format!("language/{code}")), "service_id": series.id,
                "code": code})
            })
            .collect();
        out.insert("languages".into(), Value::Array(languages));
        out.insert("schedules".into(), Value::Array(self.series_schedule(series, None).into_iter().collect()));
        let at_locations: Vec<Value> = f
            .venue_id
            .filter(|_| f.attendance_mode != AttendanceMode::Online && f.attendance_mode != AttendanceMode::Phone)
            .map(|venue| self.service_at_location_fields(series, venue))
            .into_iter()
            .collect();
        out.insert("service_at_locations".into(), Value::Array(at_locations));
        Value::Object(out)
    }

    /// The series at its venue, with the venue nested as HSDS's `location`.
    fn service_at_location(&self, series: &EventSeries, venues: &HashMap<Uuid, Venue>) -> Option<Value> {
        let venue = venues.get(&series.fields.venue_id?)?;
        let mut out = self.service_at_location_fields(series, venue.id);
        out["location"] = self.location(venue);
        Some(out)
    }

    fn service_at_location_fields(&self, series: &EventSeries, venue: Uuid) -> Value {
        let mut out = json!({"id": series.id, "service_id": series.id, "location_id": venue,
            "schedules": self.series_schedule(series, Some(series.id)).into_iter().collect::<Vec<_>>()});
        if let Some(summary) = &series.fields.summary {
            out["description"] = json!(summary.display(Lang::Fi));
        }
        out
    }

    /// The series' schedule as one HSDS schedule: its recurrence where HSDS can say it (weekly
    /// or monthly), and the exact rule, zone and extra or left-out dates in `description`.
    fn series_schedule(&self, series: &EventSeries, at_location: Option<Uuid>) -> Option<Value> {
        if series.fields.kind == SeriesKind::Umbrella {
            return None;
        }
        let plan = series.plan().ok().flatten()?;
        let s = plan.schedule();
        let mut out = Map::new();
        let part = if at_location.is_some() { "schedule/at_location" } else { "schedule" };
        out.insert("id".into(), json!(derived_id(series.id, part)));
        out.insert("service_id".into(), json!(series.id));
        put(&mut out, "service_at_location_id", at_location.map(|id| id.to_string()));
        out.insert("valid_from".into(), json!(s.start_date.to_string()));
        out.insert("dtstart".into(), json!(s.start_date.to_string()));
        let mut description = vec![format!("Local times in {}.", plan.tz.name())];
        match plan.rule() {
            None => {
                out.insert("valid_to".into(), json!(s.start_date.to_string()));
            }
            Some(rule) => {
                description.push(format!("RRULE:{}", plan.rule_text().unwrap_or_default()));
                let freq = match rule.get_freq() {
                    rrule::Frequency::Weekly => Some("WEEKLY"),
                    rrule::Frequency::Monthly => Some("MONTHLY"),
                    _ => None,
                };
                // Only what HSDS's two frequencies can say exactly.
                let plain = rule.get_by_set_pos().is_empty() && rule.get_by_month().is_empty();
                if let Some(freq) = freq.filter(|_| plain) {
                    out.insert("freq".into(), json!(freq));
                    out.insert("interval".into(), json!(rule.get_interval().max(1)));
                    let days: Vec<String> = rule
                        .get_by_weekday()
                        .iter()
                        .map(|d| match d {
                            rrule::NWeekday::Every(day) => two_letters(*day).to_owned(),
                            rrule::NWeekday::Nth(n, day) => format!("{n}{}", two_letters(*day)),
                        })
                        .collect();
                    if !days.is_empty() {
                        out.insert("byday".into(), json!(days.join(",")));
                    }
                    if !rule.get_by_month_day().is_empty() {
                        let days: Vec<String> = rule.get_by_month_day().iter().map(i8::to_string).collect();
                        out.insert("bymonthday".into(), json!(days.join(",")));
                    }
                    put(&mut out, "count", rule.get_count());
                    put(&mut out, "until", plan.until().map(|u| u.date().to_string()));
                    put(&mut out, "valid_to", plan.until().map(|u| u.date().to_string()));
                }
            }
        }
        if !s.rdates.is_empty() {
            description.push(format!("Also on {}.", dates(&s.rdates)));
        }
        if !s.exdates.is_empty() {
            description.push(format!("Not on {}.", dates(&s.exdates)));
        }
        if !s.all_day {
            let first = plan.instance(s.start_date);
            let local = |at: chrono::DateTime<Utc>| at.with_timezone(&plan.tz).format("%H:%M").to_string();
            out.insert("opens_at".into(), json!(local(first.start)));
            out.insert("closes_at".into(), json!(local(first.end)));
        }
        out.insert("description".into(), json!(description.join(" ")));
        out.insert(
            "schedule_link".into(),
            json!(format!("{}/api/v1/event-series/{}/calendar.ics", self.base, series.id)),
        );
        let attending = match series.fields.attendance_mode {
            AttendanceMode::InPerson => "in person",
            AttendanceMode::Online => "online",
            AttendanceMode::Phone => "by phone",
            AttendanceMode::Mixed => "in person or online",
        };
        out.insert("attending_type".into(), json!(attending));
        Some(Value::Object(out))
    }
}

fn dates(dates: &[NaiveDate]) -> String {
    dates.iter().map(NaiveDate::to_string).collect::<Vec<_>>().join(", ")
}

/// A venue's weekly opening rule as an HSDS schedule; `notes` lists the exception days.
fn opening_schedule(venue: Uuid, index: usize, rule: &OpeningRule, notes: &str) -> Value {
    let days: Vec<&str> = rule.weekdays.iter().map(|d| venue_day(*d)).collect();
    let mut out = json!({"id": derived_id(venue, &format!("opening/{index}")), "location_id": venue,
        "freq": "WEEKLY", "interval": 1, "byday": days.join(","),
        "opens_at": rule.opens.format("%H:%M").to_string(), "closes_at": rule.closes.format("%H:%M").to_string(),
        "description": "Opening hours, local time in Europe/Helsinki."});
    if let Some(from) = rule.valid_from {
        out["valid_from"] = json!(from.to_string());
    }
    if let Some(to) = rule.valid_to {
        out["valid_to"] = json!(to.to_string());
    }
    if !notes.is_empty() {
        out["notes"] = json!(format!("Exceptions: {notes}"));
    }
    out
}
