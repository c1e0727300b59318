//! What is on, as schema.org JSON-LD for search engines and event aggregators: each series an
//! `EventSeries` with its `eventSchedule`, each occurrence an `Event` whose `superEvent` is its
//! series, with status, attendance mode, place or online location, organisers, languages and
//! price. Only what is published, whoever asks.

use std::collections::HashMap;

use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::access;
use crate::domain::access::Actor;
use crate::domain::context::Cx;
use crate::domain::event_series::occurrences::{self, OccurrenceQuery};
use crate::domain::event_series::{AttendanceMode, EventSeries, EventStatus, Occurrence, OccurrenceStatus};
use crate::domain::types::localized::Lang;
use crate::domain::types::pagination::ListQuery;
use crate::domain::venues::Venue;
use crate::error::AppError;

/// One page of the export: the JSON-LD document, and the key the next page starts after.
pub struct EventsPage {
    pub document: Value,
    pub next: Option<(chrono::DateTime<chrono::Utc>, Uuid)>,
}

/// One page of the occurrences that match, with their series, as one JSON-LD document. `base`
/// is the service's address (`https://host`), the prefix of every `@id`.
pub async fn events(
    cx: &mut Cx<'_>,
    query: OccurrenceQuery,
    list: &ListQuery,
    base: &str,
) -> Result<EventsPage, AppError> {
    let (conn, actor) = cx.parts().await?;
    access::can_read(actor)?;
    // Read as no one in particular: published series only, the same for everyone.
    let mut public = Cx::acting(conn, Actor::anonymous());
    let page = occurrences::list(&mut public, query, list).await?;
    let conn = public.conn().await?;
    // The page's venues and organisers, each read once, in one query each.
    let places = crate::domain::venues::by_id(
        conn,
        page.items.iter().flat_map(|(o, s)| [o.venue_id, s.fields.venue_id]).flatten(),
    )
    .await?;
    let organizers =
        page.items.iter().flat_map(|(_, s)| s.organizers.iter().filter(|o| o.accepted).map(|o| o.organization_id));
    let names = crate::domain::organizations::names(conn, organizers).await?;
    let writer = Writer { base, places: &places, names: &names };
    let mut graph = Vec::new();
    let mut written = std::collections::HashSet::new();
    for (_, series) in &page.items {
        if written.insert(series.id) {
            graph.push(writer.series(series));
        }
    }
    for (occurrence, series) in &page.items {
        graph.push(writer.occurrence(occurrence, series));
    }
    Ok(EventsPage { document: json!({"@context": "https://schema.org", "@graph": graph}), next: page.next })
}

struct Writer<'a> {
    base: &'a str,
    places: &'a HashMap<Uuid, Venue>,
    names: &'a HashMap<Uuid, String>,
}

impl Writer<'_> {
    fn series_id(&self, series: &EventSeries) -> String {
        format!("{}/api/v1/event-series/{}", self.base, series.id)
    }

    /// What a series and its occurrences share.
    fn common(&self, series: &EventSeries, venue: Option<Uuid>) -> Map<String, Value> {
        let f = &series.fields;
        let mut out = Map::new();
        out.insert("name".into(), json!(f.title.display(Lang::Fi)));
        if let Some(summary) = &f.summary {
            out.insert("description".into(), json!(summary.display(Lang::Fi)));
        }
        let mode = match f.attendance_mode {
            AttendanceMode::InPerson => "OfflineEventAttendanceMode",
            AttendanceMode::Online | AttendanceMode::Phone => "OnlineEventAttendanceMode",
            AttendanceMode::Mixed => "MixedEventAttendanceMode",
        };
        out.insert("eventAttendanceMode".into(), json!(format!("https://schema.org/{mode}")));
        let mut locations = Vec::new();
        if f.attendance_mode != AttendanceMode::Online
            && f.attendance_mode != AttendanceMode::Phone
            && let Some(place) = venue.and_then(|v| self.places.get(&v))
        {
            locations.push(self.place(place));
        }
        if let Some(url) = &f.online_url {
            locations.push(json!({"@type": "VirtualLocation", "url": url}));
        }
        match locations.len() {
            0 => {}
            1 => {
                out.insert("location".into(), locations.remove(0));
            }
            _ => {
                out.insert("location".into(), Value::Array(locations));
            }
        }
        let organizers: Vec<Value> = series
            .organizers
            .iter()
            .filter(|o| o.accepted)
            .map(|o| {
                let mut org = json!({"@type": "Organization",
                    "@id": format!("{}/api/v1/organizations/{}", self.base, o.organization_id)});
                if let Some(name) = self.names.get(&o.organization_id) {
                    org["name"] = json!(name);
                }
                org
            })
            .collect();
        if !organizers.is_empty() {
            out.insert("organizer".into(), Value::Array(organizers));
        }
        if !f.languages.is_empty() {
            out.insert("inLanguage".into(), json!(f.languages));
        }
        out.insert("isAccessibleForFree".into(), json!(f.price.is_free));
        out
    }

    fn place(&self, venue: &Venue) -> Value {
        let v = &venue.fields;
        let mut address = json!({"@type": "PostalAddress", "addressCountry": "FI"});
        if let Some(street) = &v.address.street {
            address["streetAddress"] = json!(street);
        }
        if let Some(code) = &v.address.postal_code {
            address["postalCode"] = json!(code);
        }
        if let Some(locality) = &v.address.locality {
            address["addressLocality"] = json!(locality);
        }
        let mut place = json!({"@type": "Place", "@id": format!("{}/api/v1/venues/{}", self.base, venue.id),
            "name": v.name.display(Lang::Fi), "address": address});
        if let Some(p) = &v.position {
            place["geo"] = json!({"@type": "GeoCoordinates", "latitude": p.lat, "longitude": p.lon});
        }
        place
    }

    fn series(&self, series: &EventSeries) -> Value {
        let mut out = Map::new();
        out.insert("@type".into(), json!("EventSeries"));
        out.insert("@id".into(), json!(self.series_id(series)));
        out.extend(self.common(series, series.fields.venue_id));
        if let Ok(Some(plan)) = series.plan()
            && let Some(schedule) = plan.schema_org()
        {
            out.insert("eventSchedule".into(), schedule);
        }
        out.insert("eventStatus".into(), json!(status(series.fields.event_status)));
        Value::Object(out)
    }

    fn occurrence(&self, occurrence: &Occurrence, series: &EventSeries) -> Value {
        let mut out = Map::new();
        out.insert("@type".into(), json!("Event"));
        out.insert(
            "@id".into(),
            json!(format!("{}/api/v1/event-series/{}/occurrences/{}", self.base, series.id, occurrence.id)),
        );
        out.extend(self.common(series, occurrence.venue_id));
        out.insert("startDate".into(), json!(occurrence.start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)));
        out.insert("endDate".into(), json!(occurrence.end.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)));
        let event_status = if occurrence.status == OccurrenceStatus::Cancelled {
            status(EventStatus::Cancelled)
        } else if occurrence.moved {
            status(EventStatus::Rescheduled)
        } else {
            status(series.fields.event_status)
        };
        out.insert("eventStatus".into(), json!(event_status));
        out.insert("superEvent".into(), json!({"@id": self.series_id(series)}));
        Value::Object(out)
    }
}

fn status(status: EventStatus) -> String {
    let name = match status {
        EventStatus::Scheduled => "EventScheduled",
        EventStatus::Cancelled => "EventCancelled",
        EventStatus::Postponed => "EventPostponed",
        EventStatus::Rescheduled => "EventRescheduled",
        EventStatus::MovedOnline => "EventMovedOnline",
    };
    format!("https://schema.org/{name}")
}
