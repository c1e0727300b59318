//! The series: its kinds, fields and their rules, organisers, the row it is read from, loading
//! (as its reader may see it), and the derivation of its occurrences from the schedule.

use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::{Validate, ValidationError};

use super::schedule::{self, Schedule};
use crate::db::Conn;
use crate::domain::agreements::CostCategory;
use crate::domain::audit::Audited;
use crate::domain::types::decimal::Decimal2;
use crate::domain::types::formats;
use crate::domain::types::images::{Image, MAX_IMAGES};
use crate::domain::types::localized::LocalizedText;
use crate::domain::types::names::{all_from_stored, from_stored, name_of};
use crate::domain::types::stored::{from_json, to_json};
use crate::domain::types::validation::rule;
use crate::error::{AppError, FieldError};
use crate::repo::event_series::costs::CostItemRow;
use crate::repo::event_series::occurrences::OccurrenceRow;
use crate::repo::event_series::{self as repo, SeriesRow, SeriesWrite};

/// How far ahead occurrences are materialised, in months (`YHDYSPINTA_OCCURRENCE_HORIZON_MONTHS`).
static HORIZON_MONTHS: AtomicU32 = AtomicU32::new(18);
/// How far back a schedule change re-derives, in months (`YHDYSPINTA_OCCURRENCE_HISTORY_MONTHS`).
static HISTORY_MONTHS: AtomicU32 = AtomicU32::new(12);

pub fn set_horizon_months(months: u32) {
    HORIZON_MONTHS.store(months.clamp(1, 60), Ordering::Relaxed);
}

pub fn set_history_months(months: u32) {
    HISTORY_MONTHS.store(months.clamp(1, 600), Ordering::Relaxed);
}

/// The last local day occurrences exist for, as of today.
pub fn horizon_end(today: NaiveDate) -> NaiveDate {
    today.checked_add_months(Months::new(HORIZON_MONTHS.load(Ordering::Relaxed))).unwrap_or(NaiveDate::MAX)
}

/// The first local day a schedule change re-derives: older occurrences are history and stay
/// as they were.
pub fn window_start(today: NaiveDate) -> NaiveDate {
    today.checked_sub_months(Months::new(HISTORY_MONTHS.load(Ordering::Relaxed))).unwrap_or(NaiveDate::MIN)
}

/// At most this many organisers on one series.
pub const MAX_ORGANIZERS: u64 = 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SeriesKind {
    /// One occurrence.
    Single,
    /// An RRULE and/or extra dates.
    Recurring,
    /// Groups child series (`parent_id`); has no schedule of its own.
    Umbrella,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActivityType {
    Event,
    /// Ongoing group activity (e.g. a weekly café).
    OngoingActivity,
    /// Guidance and support (e.g. digital help).
    Support,
    Volunteering,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttendanceMode {
    #[default]
    InPerson,
    Online,
    Phone,
    /// On site and online.
    Mixed,
}

/// Who an activity is for (kohderyhmät).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TargetGroup {
    AllResidents,
    Children,
    Families,
    Youth,
    Adults,
    OlderPeople,
    Immigrants,
    PeopleWithDisabilities,
    Carers,
    Unemployed,
    Students,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PublicationStatus {
    #[default]
    Draft,
    Published,
}

/// schema.org `eventStatus`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    #[default]
    Scheduled,
    Cancelled,
    Postponed,
    Rescheduled,
    MovedOnline,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Price {
    pub is_free: bool,
    /// Prices and discounts in words.
    #[serde(default)]
    #[validate(nested)]
    pub info: Option<LocalizedText>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    pub required: bool,
    #[serde(default)]
    #[schema(max_length = 2000, pattern = "^https?://\\S+$")]
    #[validate(length(max = 2000), custom(function = "formats::http_url"))]
    pub url: Option<String>,
    #[serde(default)]
    #[schema(max_length = 254, pattern = "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$")]
    #[validate(custom(function = "formats::email"))]
    pub email: Option<String>,
    /// Places per occurrence.
    #[serde(default, deserialize_with = "crate::domain::types::integers::opt_int32")]
    #[schema(minimum = 1, maximum = 100000)]
    #[validate(range(min = 1, max = 100_000))]
    pub capacity: Option<i32>,
    #[serde(default)]
    #[validate(custom(function = "formats::plausible_instant"))]
    pub opens_at: Option<DateTime<Utc>>,
    #[serde(default)]
    #[validate(custom(function = "formats::plausible_instant"))]
    pub closes_at: Option<DateTime<Utc>>,
}

/// An organisation named as organiser; `accepted` once its own coordinator has said so.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Organizer {
    pub organization_id: Uuid,
    pub accepted: bool,
}

/// A BCP 47 language tag such as `fi`, `sv`, `se` (Northern Sami) or `fi-x-selko`.
fn language_tags(values: &[String]) -> Result<(), ValidationError> {
    let ok = |t: &str| {
        let mut parts = t.split('-');
        let primary = parts.next().unwrap_or_default();
        (2..=3).contains(&primary.len())
            && primary.bytes().all(|b| b.is_ascii_lowercase())
            && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
            && t.len() <= 35
    };
    if values.iter().all(|t| ok(t)) {
        Ok(())
    } else {
        Err(rule("invalid_language", "use BCP 47 language tags such as fi, sv, en or se"))
    }
}

/// Free codes, or YSO concept URIs (`http://www.yso.fi/onto/yso/p…`) as Linked Events has them.
fn keywords(values: &[String]) -> Result<(), ValidationError> {
    formats::tags(values)?;
    let yso = |k: &str| {
        k.strip_prefix("http://www.yso.fi/onto/yso/p")
            .is_some_and(|n| !n.is_empty() && n.len() <= 10 && n.bytes().all(|b| b.is_ascii_digit()))
    };
    if values.iter().all(|k| !k.starts_with("http") || yso(k)) {
        Ok(())
    } else {
        Err(rule("invalid_keyword", "a URI keyword is a YSO concept, e.g. http://www.yso.fi/onto/yso/p2433"))
    }
}

/// The editable fields of a series: the body of a create, and what a merge patch edits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": {"fi": "Seniorikahvila", "sv": "Seniorcafé"}, "kind": "recurring",
    "activity_type": "ongoing_activity",
    "organizer_ids": ["01930000-0000-7000-8000-00000000000c", "01930000-0000-7000-8000-00000000000b"],
    "publisher_id": "01930000-0000-7000-8000-00000000000c", "venue_id": "01938000-0000-7000-8000-000000000001",
    "target_groups": ["older_people"], "languages": ["fi", "sv"], "price": {"is_free": true},
    "keywords": ["kahvila", "http://www.yso.fi/onto/yso/p2433"], "publication_status": "published",
    "schedule": {"timezone": "Europe/Helsinki", "start_date": "2026-03-03", "start_time": "10:00",
                 "end_time": "12:00", "rrule": "FREQ=WEEKLY;BYDAY=TU;COUNT=10", "exdates": ["2026-03-17"]}}))]
pub struct SeriesFields {
    #[validate(nested)]
    pub title: LocalizedText,
    #[serde(default)]
    #[validate(nested)]
    pub summary: Option<LocalizedText>,
    #[serde(default)]
    #[validate(nested)]
    pub description: Option<LocalizedText>,
    pub kind: SeriesKind,
    pub activity_type: ActivityType,
    /// The umbrella series this one belongs to.
    #[serde(default)]
    pub parent_id: Option<Uuid>,
    /// The organisation that publishes; one of the organisers, and yours.
    pub publisher_id: Uuid,
    /// Organising organisations (the publisher is added if missing). Others are invited: they
    /// count as organisers once their own coordinator accepts.
    #[serde(default)]
    #[schema(max_items = 20)]
    #[validate(length(max = "MAX_ORGANIZERS"))]
    pub organizer_ids: Vec<Uuid>,
    /// The partnership agreement the series is run under; its cost sharing is the default for
    /// cost items.
    #[serde(default)]
    pub agreement_id: Option<Uuid>,
    #[serde(default)]
    pub venue_id: Option<Uuid>,
    #[serde(default)]
    pub attendance_mode: AttendanceMode,
    /// Where to join online or by phone (a web address).
    #[serde(default)]
    #[schema(max_length = 2000, pattern = "^https?://\\S+$")]
    #[validate(length(max = 2000), custom(function = "formats::http_url"))]
    pub online_url: Option<String>,
    #[serde(default)]
    #[schema(max_items = 11)]
    #[validate(length(max = 11))]
    pub target_groups: Vec<TargetGroup>,
    #[serde(default, deserialize_with = "crate::domain::types::integers::opt_int32")]
    #[schema(minimum = 0, maximum = 150)]
    #[validate(range(min = 0, max = 150))]
    pub min_age: Option<i32>,
    #[serde(default, deserialize_with = "crate::domain::types::integers::opt_int32")]
    #[schema(minimum = 0, maximum = 150)]
    #[validate(range(min = 0, max = 150))]
    pub max_age: Option<i32>,
    /// Free theme tags, e.g. `digital_skills`, `loneliness`.
    #[serde(default)]
    #[schema(max_items = 20, value_type = Vec<formats::schema::Tag>)]
    #[validate(length(max = 20), custom(function = "formats::tags"))]
    pub themes: Vec<String>,
    /// Languages spoken (BCP 47).
    #[serde(default)]
    #[schema(max_items = 10, value_type = Vec<formats::schema::Tag>)]
    #[validate(length(max = 10), custom(function = "language_tags"))]
    pub languages: Vec<String>,
    /// Interpretation offered, e.g. `sign_language`, `remote_interpreting`.
    #[serde(default)]
    #[schema(max_items = 10, value_type = Vec<formats::schema::Tag>)]
    #[validate(length(max = 10), custom(function = "formats::tags"))]
    pub interpretation: Vec<String>,
    /// Free codes and YSO concept URIs.
    #[serde(default)]
    #[schema(max_items = 30, value_type = Vec<formats::schema::Tag>)]
    #[validate(length(max = 30), custom(function = "keywords"))]
    pub keywords: Vec<String>,
    #[serde(default)]
    #[schema(max_items = 10)]
    #[validate(length(max = "MAX_IMAGES"), nested)]
    pub images: Vec<Image>,
    #[serde(default)]
    #[validate(nested)]
    pub price: Price,
    #[serde(default)]
    #[validate(nested)]
    pub registration: Option<Registration>,
    /// Contact persons responsible (visible to you).
    #[serde(default)]
    #[schema(max_items = 10)]
    #[validate(length(max = 10))]
    pub responsible_contact_ids: Vec<Uuid>,
    #[serde(default)]
    pub publication_status: PublicationStatus,
    #[serde(default)]
    pub event_status: EventStatus,
    /// Required except for umbrella series.
    #[serde(default)]
    #[validate(nested)]
    pub schedule: Option<Schedule>,
}

/// What is kept in the `details` column: shown, never filtered on.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Details {
    #[serde(default)]
    interpretation: Vec<String>,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    images: Vec<Image>,
    #[serde(default)]
    price_info: Option<LocalizedText>,
    #[serde(default)]
    registration: Option<Registration>,
    #[serde(default)]
    responsible_contact_ids: Vec<Uuid>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventSeries {
    pub id: Uuid,
    pub fields: SeriesFields,
    pub organizers: Vec<Organizer>,
    /// RFC 5545 SEQUENCE.
    pub sequence: i32,
    pub materialized_until: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// Whether organisers or contacts were left out for this reader: the copy has an ETag of
    /// its own, so it never revalidates as the full one.
    #[serde(skip)]
    pub redacted: bool,
}

impl Audited for EventSeries {
    const RESOURCE_TYPE: &'static str = "event_series";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_organizations(&self) -> Vec<Uuid> {
        self.organizers.iter().map(|o| o.organization_id).collect()
    }
}

impl EventSeries {
    fn from_row(r: SeriesRow, organizers: Vec<Organizer>) -> Result<Self, AppError> {
        let details: Details = from_json(r.written.details)?;
        Ok(EventSeries {
            id: r.id,
            fields: SeriesFields {
                title: from_json(r.written.title)?,
                summary: r.written.summary.map(from_json).transpose()?,
                description: r.written.description.map(from_json).transpose()?,
                kind: from_stored("series kind", &r.written.kind)?,
                activity_type: from_stored("activity type", &r.written.activity_type)?,
                parent_id: r.written.parent_id,
                publisher_id: r.written.publisher_id,
                organizer_ids: organizers.iter().map(|o| o.organization_id).collect(),
                agreement_id: r.written.agreement_id,
                venue_id: r.written.venue_id,
                attendance_mode: from_stored("attendance mode", &r.written.attendance_mode)?,
                online_url: r.written.online_url,
                target_groups: all_from_stored("target group", &r.written.target_groups)?,
                min_age: r.written.min_age,
                max_age: r.written.max_age,
                themes: r.written.themes.into_iter().flatten().collect(),
                languages: r.written.languages.into_iter().flatten().collect(),
                interpretation: details.interpretation,
                keywords: details.keywords,
                images: details.images,
                price: Price { is_free: r.written.is_free, info: details.price_info },
                registration: details.registration,
                responsible_contact_ids: details.responsible_contact_ids,
                publication_status: from_stored("publication status", &r.written.publication_status)?,
                event_status: from_stored("event status", &r.written.event_status)?,
                schedule: r.written.schedule.map(from_json).transpose()?,
            },
            organizers,
            sequence: r.written.sequence,
            materialized_until: r.materialized_until,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
            redacted: false,
        })
    }

    /// Organisations that have accepted (the publisher always has).
    pub fn accepted_organizers(&self) -> Vec<Uuid> {
        self.organizers.iter().filter(|o| o.accepted).map(|o| o.organization_id).collect()
    }

    pub fn named_organizers(&self) -> Vec<Uuid> {
        self.organizers.iter().map(|o| o.organization_id).collect()
    }

    pub fn is_published(&self) -> bool {
        self.fields.publication_status == PublicationStatus::Published
    }

    /// The schedule parsed (it was checked when written).
    pub fn plan(&self) -> Result<Option<schedule::Plan>, AppError> {
        self.fields
            .schedule
            .as_ref()
            .map(Schedule::plan)
            .transpose()
            .map_err(|e| AppError::internal(format!("stored schedule: {e}")))
    }
}

/// Loads series rows with their organisers.
pub async fn with_organizers(conn: &mut Conn, rows: Vec<SeriesRow>) -> Result<Vec<EventSeries>, AppError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let named = repo::organizers(conn, &ids).await?;
    rows.into_iter()
        .map(|r| {
            let organizers = named
                .iter()
                .filter(|o| o.series_id == r.id)
                .map(|o| Organizer { organization_id: o.organization_id, accepted: o.accepted_at.is_some() })
                .collect();
            EventSeries::from_row(r, organizers)
        })
        .collect()
}

/// The series, if it exists (no access check).
pub(crate) async fn load(conn: &mut Conn, id: Uuid, lock: bool) -> Result<EventSeries, AppError> {
    let row = if lock { repo::lock(conn, id).await? } else { repo::get(conn, id).await? };
    let row = row.ok_or(AppError::NotFound)?;
    with_organizers(conn, vec![row]).await?.pop().ok_or(AppError::NotFound)
}

/// Filters of the series list.
#[derive(Clone, Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SeriesQuery {
    /// Published by, or organised by (accepted), this organisation.
    pub organization: Option<Uuid>,
    pub venue: Option<Uuid>,
    /// At a venue in this municipality (three-digit code).
    #[param(example = "179", pattern = "^[0-9]{3}$")]
    #[validate(custom(function = "formats::municipality_code"))]
    pub municipality: Option<String>,
    pub target_group: Option<TargetGroup>,
    pub agreement: Option<Uuid>,
    /// Child series of this umbrella.
    pub parent: Option<Uuid>,
    pub kind: Option<SeriesKind>,
    pub publication_status: Option<PublicationStatus>,
    /// Words in the title; each word matches as a prefix.
    #[param(max_length = 200)]
    #[validate(length(max = 200))]
    pub q: Option<String>,
}

impl SeriesFields {
    /// Rules between fields, each a field error; a schedule that passes its own field rules
    /// must also expand (its RRULE parts, zone and dates).
    pub(crate) fn rules(&self) -> Vec<FieldError> {
        let mut errors = self.title.line_breaks("title");
        let mut push = |f: &str, c: &str, m: &str| errors.push(FieldError::new(f, c, m));
        match (self.kind, &self.schedule) {
            (SeriesKind::Umbrella, Some(_)) => {
                push("schedule", "not_for_umbrella", "an umbrella series has no schedule of its own")
            }
            (SeriesKind::Umbrella, None) => {}
            (_, None) => push("schedule", "missing", "give the schedule"),
            (SeriesKind::Single, Some(s)) if s.rrule.is_some() || !s.rdates.is_empty() => {
                push("schedule.rrule", "not_for_single", "a single event has no recurrence; use kind recurring")
            }
            (SeriesKind::Recurring, Some(s)) if s.rrule.is_none() && s.rdates.is_empty() => {
                push("schedule.rrule", "missing", "give an RRULE or rdates for a recurring series")
            }
            _ => {}
        }
        if let (Some(min), Some(max)) = (self.min_age, self.max_age)
            && min > max
        {
            push("max_age", "below_min_age", "max_age is below min_age");
        }
        if self.kind == SeriesKind::Umbrella && self.parent_id.is_some() {
            push("parent_id", "nested_umbrella", "an umbrella series does not belong to another");
        }
        if let Some(r) = &self.registration
            && let (Some(open), Some(close)) = (r.opens_at, r.closes_at)
            && close < open
        {
            push("registration.closes_at", "before_start", "registration closes before it opens");
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(i) = self.organizer_ids.iter().position(|o| !seen.insert(*o)) {
            push(&format!("organizer_ids[{i}]"), "duplicate", "an organisation is listed twice");
        }
        if let Some(s) = &self.schedule
            && s.validate().is_ok()
            && let Err(AppError::Validation(broken)) = s.plan()
        {
            errors.extend(broken);
        }
        errors
    }

    pub(crate) fn into_row(mut self, sequence: i32) -> Result<SeriesWrite, AppError> {
        self.schedule = self.schedule.map(Schedule::normalised);
        let timezone = self.schedule.as_ref().map_or_else(|| "Europe/Helsinki".to_owned(), |s| s.timezone.clone());
        let details = Details {
            interpretation: self.interpretation,
            keywords: self.keywords,
            images: self.images,
            price_info: self.price.info,
            registration: self.registration,
            responsible_contact_ids: self.responsible_contact_ids,
        };
        let mut groups: Vec<String> = self.target_groups.iter().map(name_of).collect();
        groups.sort();
        groups.dedup();
        Ok(SeriesWrite {
            parent_id: self.parent_id,
            title: to_json(&self.title)?,
            summary: self.summary.as_ref().map(to_json).transpose()?,
            description: self.description.as_ref().map(to_json).transpose()?,
            kind: name_of(&self.kind),
            activity_type: name_of(&self.activity_type),
            publisher_id: self.publisher_id,
            agreement_id: self.agreement_id,
            venue_id: self.venue_id,
            attendance_mode: name_of(&self.attendance_mode),
            online_url: self.online_url,
            target_groups: groups.into_iter().map(Some).collect(),
            min_age: self.min_age,
            max_age: self.max_age,
            themes: self.themes.into_iter().map(|t| Some(t.trim().to_owned())).collect(),
            languages: self.languages.into_iter().map(Some).collect(),
            is_free: self.price.is_free,
            details: to_json(&details)?,
            publication_status: name_of(&self.publication_status),
            event_status: name_of(&self.event_status),
            sequence,
            schedule: self.schedule.as_ref().map(to_json).transpose()?,
            timezone,
        })
    }

    /// A change calendars must take over (RFC 5545 SEQUENCE): time, place, status.
    pub(crate) fn materially_differs(&self, other: &SeriesFields) -> bool {
        self.schedule != other.schedule
            || self.venue_id != other.venue_id
            || self.event_status != other.event_status
            || self.attendance_mode != other.attendance_mode
            || self.online_url != other.online_url
    }
}

/// Whether PostgreSQL knows the zone too; its list (read once, about 100 ms) is kept.
pub(crate) async fn zone_known(conn: &mut Conn, name: &str) -> Result<bool, AppError> {
    static ZONES: std::sync::OnceLock<std::collections::HashSet<String>> = std::sync::OnceLock::new();
    if let Some(zones) = ZONES.get() {
        return Ok(zones.contains(name));
    }
    let loaded: std::collections::HashSet<String> = repo::zone_names(conn).await?.into_iter().collect();
    let known = loaded.contains(name);
    // Two first callers may both read it; either list is the same.
    let _ = ZONES.set(loaded);
    Ok(known)
}

/// Re-derives the series' occurrences from a year back up to the horizon (same transaction as
/// the change). A change that would remove an occurrence with attendance on record is 409:
/// what happened is not lost to a new schedule.
pub(crate) async fn materialise(conn: &mut Conn, series: &EventSeries) -> Result<(), AppError> {
    let Some(plan) = series.plan()? else { return Ok(()) };
    let today = Utc::now().date_naive();
    let (from, until) = (window_start(today), horizon_end(today));
    let instances = plan.expand(from, until)?;
    let attended = crate::repo::event_series::occurrences::attended_days(conn, series.id, from).await?;
    if let Some(day) = attended.iter().find(|d| !instances.iter().any(|i| i.date == **d)) {
        return Err(AppError::Conflict {
            detail: format!(
                "schedule: the occurrence of {day} has attendance on record and would be removed; keep it in \
                 the schedule (an RDATE) or cancel it instead"
            ),
        });
    }
    let derived: Vec<_> = instances
        .into_iter()
        .map(|i| crate::repo::event_series::occurrences::DerivedOccurrenceWrite {
            id: Uuid::now_v7(),
            instance_date: i.date,
            start: i.start,
            end: i.end,
        })
        .collect();
    let booked = crate::repo::event_series::occurrences::booked(conn, series.id, from).await?;
    let ids: Vec<Uuid> = booked.iter().filter_map(|b| b.1).collect();
    let before =
        if ids.is_empty() { Vec::new() } else { crate::repo::event_series::occurrences::placed(conn, &ids).await? };
    crate::repo::event_series::occurrences::materialise(conn, series.id, series.fields.venue_id, from, &derived)
        .await?;
    // A booked occurrence keeps the place and time it was booked for: a schedule or venue
    // change that would move or remove it is 409 (in the same transaction, so nothing changes).
    let after =
        if ids.is_empty() { Vec::new() } else { crate::repo::event_series::occurrences::placed(conn, &ids).await? };
    for (booking, occurrence) in &booked {
        let kept = before.iter().find(|p| Some(p.0) == *occurrence).is_some_and(|was| after.contains(was));
        if !kept {
            return Err(AppError::Conflict {
                detail: format!(
                    "schedule: booking {booking} holds a venue for an occurrence this change would move or \
                     remove; change the booking first"
                ),
            });
        }
    }
    repo::set_materialized_until(conn, series.id, until).await?;
    Ok(())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OccurrenceStatus {
    Scheduled,
    Cancelled,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Occurrence {
    pub id: Uuid,
    pub series_id: Uuid,
    /// The local day this occurrence has in the schedule (its RECURRENCE-ID).
    pub instance_date: NaiveDate,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub scheduled_start: DateTime<Utc>,
    pub scheduled_end: DateTime<Utc>,
    pub status: OccurrenceStatus,
    pub moved: bool,
    pub venue_id: Option<Uuid>,
    pub venue_overridden: bool,
    pub municipality_code: Option<String>,
    pub wellbeing_county_code: Option<String>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl From<OccurrenceRow> for Occurrence {
    fn from(r: OccurrenceRow) -> Self {
        Occurrence {
            id: r.id,
            series_id: r.series_id,
            instance_date: r.instance_date,
            start: r.starts_at,
            end: r.ends_at,
            scheduled_start: r.scheduled_start,
            scheduled_end: r.scheduled_end,
            status: if r.cancelled { OccurrenceStatus::Cancelled } else { OccurrenceStatus::Scheduled },
            moved: r.moved,
            venue_id: r.venue_id,
            venue_overridden: r.venue_overridden,
            municipality_code: r.municipality_code,
            wellbeing_county_code: r.wellbeing_county_code,
            updated_at: r.updated_at,
            version: r.version,
        }
    }
}

impl Audited for Occurrence {
    const RESOURCE_TYPE: &'static str = "event_occurrence";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_organizations(&self) -> Vec<Uuid> {
        Vec::new()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CostItemBasis {
    /// The amount for each held occurrence.
    PerOccurrence,
    /// The amount for each participant recorded at held occurrences.
    PerParticipant,
    /// The amount once, if any occurrence is held in the period.
    LumpSum,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CostShare {
    /// An organiser that has accepted.
    pub organization_id: Uuid,
    pub percent: Decimal2,
}

/// A cost item's fields: the body of a create, and what a merge patch edits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"category": "refreshments", "basis": "per_occurrence", "amount": "10.00",
    "shares": [{"organization_id": "01930000-0000-7000-8000-00000000000c", "percent": "33.33"},
               {"organization_id": "01930000-0000-7000-8000-00000000000b", "percent": "66.67"}]}))]
pub struct CostItemFields {
    pub category: CostCategory,
    pub basis: CostItemBasis,
    /// Euros per `basis`. For `rent` it defaults to the venue's rent under its terms.
    #[serde(default)]
    pub amount: Option<Decimal2>,
    /// Percent per organiser, adding up to exactly 100. Defaults to the linked agreement's
    /// cost sharing for the same category.
    #[serde(default)]
    #[schema(max_items = 20)]
    #[validate(length(max = 20))]
    pub shares: Vec<CostShare>,
    #[serde(default)]
    #[schema(max_length = 500)]
    #[validate(length(max = 500), custom(function = "formats::single_line"))]
    pub description: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CostItem {
    pub id: Uuid,
    pub series_id: Uuid,
    pub fields: CostItemFields,
    /// Organisations that have agreed to their share.
    pub agreed_by: Vec<Uuid>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl TryFrom<CostItemRow> for CostItem {
    type Error = AppError;
    fn try_from(r: CostItemRow) -> Result<Self, AppError> {
        Ok(CostItem {
            id: r.id,
            series_id: r.series_id,
            fields: CostItemFields {
                category: from_stored("cost category", &r.written.category)?,
                basis: from_stored("cost basis", &r.written.basis)?,
                amount: Some(Decimal2::from_hundredths(r.written.amount_cents)),
                shares: from_json(r.written.shares)?,
                description: r.written.description,
            },
            agreed_by: r.written.agreed_by.into_iter().flatten().collect(),
            updated_at: r.updated_at,
            version: r.version,
        })
    }
}

impl Audited for CostItem {
    const RESOURCE_TYPE: &'static str = "event_series_cost_item";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_organizations(&self) -> Vec<Uuid> {
        self.fields.shares.iter().map(|s| s.organization_id).collect()
    }
}
