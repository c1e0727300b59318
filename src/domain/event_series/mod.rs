//! Event series (tapahtumasarjat): a single event, a recurring activity, or an umbrella over
//! child series, run by one publisher with other organisers, at a venue or online. The
//! schedule is expanded into occurrences for a rolling horizon ([`occurrences`]); calendars are
//! written from the same schedule ([`calendar`]); cost items are shared between organisers
//! ([`costs`]).
//!
//! Naming is not consent: an organisation listed as organiser is shown as one, edits, and
//! carries cost shares only after its own coordinator or org admin has accepted. Drafts exist
//! only for members of the named organisations.

pub mod access;
pub mod calendar;
pub mod costs;
pub mod occurrences;
pub mod schedule;

use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{DateTime, Months, NaiveDate, Utc};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::{Validate, ValidationError};

use crate::db::Conn;
use crate::domain::access::{Actor, Role};
use crate::domain::audit::{self, Audited, Change};
use crate::domain::context::Cx;
use crate::domain::types::formats;
use crate::domain::types::images::{Image, MAX_IMAGES};
use crate::domain::types::localized::LocalizedText;
use crate::domain::types::merge_patch;
use crate::domain::types::names::{all_from_stored, from_stored, name_of};
use crate::domain::types::pagination::{ListQuery, Page};
use crate::domain::types::precondition::IfMatch;
use crate::domain::types::search::TextSearch;
use crate::domain::types::stored::{from_json, to_json};
use crate::domain::types::validation::{self, rule};
use crate::error::{AppError, FieldError};
use crate::repo::event_series::{self as repo, SeriesFilter, SeriesRow, SeriesWrite};
use schedule::Schedule;

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
        let details: Details = from_json(r.details)?;
        Ok(EventSeries {
            id: r.id,
            fields: SeriesFields {
                title: from_json(r.title)?,
                summary: r.summary.map(from_json).transpose()?,
                description: r.description.map(from_json).transpose()?,
                kind: from_stored("series kind", &r.kind)?,
                activity_type: from_stored("activity type", &r.activity_type)?,
                parent_id: r.parent_id,
                publisher_id: r.publisher_id,
                organizer_ids: organizers.iter().map(|o| o.organization_id).collect(),
                agreement_id: r.agreement_id,
                venue_id: r.venue_id,
                attendance_mode: from_stored("attendance mode", &r.attendance_mode)?,
                online_url: r.online_url,
                target_groups: all_from_stored("target group", &r.target_groups)?,
                min_age: r.min_age,
                max_age: r.max_age,
                themes: r.themes.into_iter().flatten().collect(),
                languages: r.languages.into_iter().flatten().collect(),
                interpretation: details.interpretation,
                keywords: details.keywords,
                images: details.images,
                price: Price { is_free: r.is_free, info: details.price_info },
                registration: details.registration,
                responsible_contact_ids: details.responsible_contact_ids,
                publication_status: from_stored("publication status", &r.publication_status)?,
                event_status: from_stored("event status", &r.event_status)?,
                schedule: r.schedule.map(from_json).transpose()?,
            },
            organizers,
            sequence: r.sequence,
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
async fn with_organizers(conn: &mut Conn, rows: Vec<SeriesRow>) -> Result<Vec<EventSeries>, AppError> {
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

/// The series as the actor may see it (404 when not).
pub(crate) async fn readable(conn: &mut Conn, actor: &Actor, id: Uuid, lock: bool) -> Result<EventSeries, AppError> {
    let series = load(conn, id, lock).await?;
    access::can_read(actor, &series)?;
    Ok(series)
}

/// Filters of the series list.
#[derive(Clone, Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SeriesQuery {
    /// Published by, or organised by (accepted), this organisation.
    pub organization: Option<Uuid>,
    pub venue: Option<Uuid>,
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

/// Who sees what: published series for everyone; drafts for the named organisations' members.
fn visibility(actor: &Actor) -> (Vec<Uuid>, bool) {
    (actor.organizations(), actor.is_platform_admin())
}

pub async fn list(cx: &mut Cx<'_>, query: SeriesQuery, list: &ListQuery) -> Result<Page<EventSeries, Uuid>, AppError> {
    let page = list.page::<Uuid>()?;
    validation::check(&query)?;
    let search = match TextSearch::from_param(query.q.as_deref()) {
        TextSearch::All => None,
        TextSearch::Terms(t) => Some(t),
        TextSearch::Nothing => return Ok(Page::empty(page.limit)),
    };
    let (conn, actor) = cx.parts().await?;
    let (visible_to, all_visible) = visibility(actor);
    let filter = SeriesFilter {
        visible_to,
        all_visible,
        organization_id: query.organization,
        venue_id: query.venue,
        agreement_id: query.agreement,
        parent_id: query.parent,
        kind: query.kind.map(|k| name_of(&k)),
        publication_status: query.publication_status.map(|s| name_of(&s)),
        search,
        updated_since: list.updated_since,
        after: page.after,
        limit: page.fetch_limit(),
    };
    let rows = repo::list(conn, &filter).await?;
    let page = Page::from_rows(rows, &page, |r| r.id);
    let next = page.next;
    let limit = page.limit;
    let series = with_organizers(conn, page.items).await?;
    let items = for_readers(conn, actor, series).await?;
    Ok(Page { items, next, limit })
}

pub async fn get(cx: &mut Cx<'_>, id: Uuid) -> Result<EventSeries, AppError> {
    let (conn, actor) = cx.parts().await?;
    let series = readable(conn, actor, id, false).await?;
    for_reader(conn, actor, series).await
}

/// The series as its reader may see it. An invited organisation is shown as one only to the
/// named organisations' members (to others it is not an organiser until it accepts), and
/// responsible contacts only as far as the reader may see them.
pub(crate) async fn for_reader(conn: &mut Conn, actor: &Actor, series: EventSeries) -> Result<EventSeries, AppError> {
    for_readers(conn, actor, vec![series]).await?.pop().ok_or(AppError::NotFound)
}

/// [`for_reader`] for a page: the contacts of all of them are judged together.
async fn for_readers(conn: &mut Conn, actor: &Actor, mut all: Vec<EventSeries>) -> Result<Vec<EventSeries>, AppError> {
    let contacts: Vec<Uuid> = all.iter().flat_map(|s| s.fields.responsible_contact_ids.iter().copied()).collect();
    let visible = crate::domain::contacts::visible_among(conn, actor, &contacts).await?;
    for series in &mut all {
        let insider =
            actor.is_platform_admin() || series.named_organizers().iter().any(|o| actor.role_in(*o).is_some());
        let shown = (series.organizers.len(), series.fields.responsible_contact_ids.len());
        if !insider {
            series.organizers.retain(|o| o.accepted);
            series.fields.organizer_ids = series.accepted_organizers();
        }
        series.fields.responsible_contact_ids.retain(|c| visible.contains(c));
        series.redacted = shown != (series.organizers.len(), series.fields.responsible_contact_ids.len());
    }
    Ok(all)
}

impl SeriesFields {
    /// Rules between fields, each a field error; a schedule that passes its own field rules
    /// must also expand (its RRULE parts, zone and dates).
    fn rules(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
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

    fn into_row(mut self, sequence: i32) -> Result<SeriesWrite, AppError> {
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
    fn materially_differs(&self, other: &SeriesFields) -> bool {
        self.schedule != other.schedule
            || self.venue_id != other.venue_id
            || self.event_status != other.event_status
            || self.attendance_mode != other.attendance_mode
            || self.online_url != other.online_url
    }
}

/// Whether PostgreSQL knows the zone too; its list (read once, about 100 ms) is kept.
async fn zone_known(conn: &mut Conn, name: &str) -> Result<bool, AppError> {
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

/// References that need the database and the actor's view: 422 naming the field.
async fn check_references(
    cx: &mut Cx<'_>,
    fields: &SeriesFields,
    before: Option<&SeriesFields>,
) -> Result<(), AppError> {
    let changed = |f: fn(&SeriesFields) -> Option<Uuid>| before.is_none_or(|b| f(b) != f(fields));
    let (conn, actor) = cx.parts().await?;
    if let Some(schedule) = &fields.schedule
        && before.is_none_or(|b| b.schedule.as_ref().map(|s| &s.timezone) != Some(&schedule.timezone))
        && !zone_known(conn, &schedule.timezone).await?
    {
        return Err(AppError::invalid(
            "schedule.timezone",
            "unknown_timezone",
            "the database does not know this time zone",
        ));
    }
    if let Some(i) = crate::domain::organizations::first_missing(conn, &fields.organizer_ids).await? {
        return Err(AppError::invalid(format!("organizer_ids[{i}]"), "not_found", "no such organisation"));
    }
    if let Some(venue) = fields.venue_id
        && changed(|f| f.venue_id)
        && crate::repo::venues::get(conn, venue).await?.is_none()
    {
        return Err(AppError::invalid("venue_id", "not_found", "no such venue"));
    }
    if let Some(parent) = fields.parent_id
        && changed(|f| f.parent_id)
    {
        let parent = match readable(conn, actor, parent, false).await {
            Ok(p) => p,
            Err(_) => return Err(AppError::invalid("parent_id", "not_found", "no such series visible to you")),
        };
        if parent.fields.kind != SeriesKind::Umbrella {
            return Err(AppError::invalid("parent_id", "not_umbrella", "the parent must be an umbrella series"));
        }
        // Joining an umbrella is for its organisers: naming it binds it to the child.
        if !actor.has_role_in_any(&parent.accepted_organizers(), Role::Coordinator) {
            return Err(AppError::invalid("parent_id", "not_an_organizer", "you do not organise that umbrella series"));
        }
    }
    let new_contacts: Vec<Uuid> = fields
        .responsible_contact_ids
        .iter()
        .copied()
        .filter(|c| before.is_none_or(|b| !b.responsible_contact_ids.contains(c)))
        .collect();
    for c in new_contacts {
        if !crate::domain::contacts::is_visible(conn, actor, c).await? {
            let i = fields.responsible_contact_ids.iter().position(|x| *x == c).unwrap_or_default();
            return Err(AppError::invalid(
                format!("responsible_contact_ids[{i}]"),
                "not_found",
                "no such contact visible to you",
            ));
        }
    }
    if let Some(agreement) = fields.agreement_id
        && changed(|f| f.agreement_id)
        && crate::domain::agreements::get(cx, agreement).await.is_err()
    {
        return Err(AppError::invalid("agreement_id", "not_found", "no such agreement visible to you"));
    }
    Ok(())
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
        .map(|i| crate::repo::event_series::occurrences::Derived {
            id: Uuid::now_v7(),
            instance_date: i.date,
            start: i.start,
            end: i.end,
        })
        .collect();
    crate::repo::event_series::occurrences::materialise(conn, series.id, series.fields.venue_id, from, &derived)
        .await?;
    repo::set_materialized_until(conn, series.id, until).await?;
    Ok(())
}

pub async fn create(cx: &mut Cx<'_>, mut fields: SeriesFields) -> Result<EventSeries, AppError> {
    cx.write(async |cx| {
        let (_, actor) = cx.parts().await?;
        access::can_create(actor, fields.publisher_id)?;
        validation::check_with(&fields, fields.rules())?;
        if !fields.organizer_ids.contains(&fields.publisher_id) {
            fields.organizer_ids.push(fields.publisher_id);
        }
        check_references(cx, &fields, None).await?;
        let (tx, actor) = cx.parts().await?;
        // The creator acts for the organisations it coordinates: those accept at once.
        let organizers: Vec<(Uuid, bool)> =
            fields.organizer_ids.iter().map(|o| (*o, actor.has_role(*o, Role::Coordinator))).collect();
        let id = Uuid::now_v7();
        repo::insert(tx, id, &fields.into_row(0)?).await?;
        repo::add_organizers(tx, id, &organizers).await?;
        let created = load(tx, id, false).await?;
        materialise(tx, &created).await?;
        audit::record(tx, actor, "create", Change::Created(&created)).await?;
        for_reader(tx, actor, created).await
    })
    .await
}

pub async fn update(
    cx: &mut Cx<'_>,
    id: Uuid,
    if_match: IfMatch,
    patch: serde_json::Value,
) -> Result<EventSeries, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = readable(tx, actor, id, true).await?;
        access::can_edit_or_leave(actor, &before)?;
        if_match.check_required(before.version)?;
        let mut fields = merge_patch::apply(&before.fields, &patch)?;
        if !fields.organizer_ids.contains(&fields.publisher_id) {
            fields.organizer_ids.push(fields.publisher_id);
        }
        // Contacts the editor was not shown stay: a patch of what it saw cannot drop them.
        let shown = crate::domain::contacts::visible_among(tx, actor, &before.fields.responsible_contact_ids).await?;
        for contact in &before.fields.responsible_contact_ids {
            if !fields.responsible_contact_ids.contains(contact) && !shown.contains(contact) {
                fields.responsible_contact_ids.push(*contact);
            }
        }
        let added: Vec<Uuid> =
            fields.organizer_ids.iter().copied().filter(|o| !before.fields.organizer_ids.contains(o)).collect();
        let removed: Vec<Uuid> =
            before.fields.organizer_ids.iter().copied().filter(|o| !fields.organizer_ids.contains(o)).collect();
        let mut content_before = before.fields.clone();
        content_before.organizer_ids = fields.organizer_ids.clone();
        access::can_change(actor, &before, content_before != fields, &added, &removed)?;
        if fields.publisher_id != before.fields.publisher_id {
            access::can_hand_over(actor, &before)?;
        }
        let mut errors = fields.rules();
        if fields.publisher_id != before.fields.publisher_id
            && !before.accepted_organizers().contains(&fields.publisher_id)
        {
            errors.push(FieldError::new(
                "publisher_id",
                "not_accepted",
                "the publisher must be an organiser that has accepted",
            ));
        }
        validation::check_with(&fields, errors)?;
        check_references(cx, &fields, Some(&before.fields)).await?;
        let (tx, actor) = cx.parts().await?;
        let sequence = if fields.materially_differs(&before.fields) { before.sequence + 1 } else { before.sequence };
        repo::update(tx, id, &fields.clone().into_row(sequence)?).await?;
        let accepted_now: Vec<(Uuid, bool)> =
            added.iter().map(|o| (*o, actor.has_role(*o, Role::Coordinator))).collect();
        repo::add_organizers(tx, id, &accepted_now).await?;
        // An organiser that leaves stops carrying costs: first the cost items change.
        let items = crate::repo::event_series::costs::of_series(tx, id).await?;
        for item in items.into_iter().map(costs::CostItem::try_from) {
            if let Some(org) = item?.fields.shares.iter().find(|s| removed.contains(&s.organization_id)) {
                return Err(AppError::Conflict {
                    detail: format!(
                        "organizer_ids: {} carries a share of the series' costs; change the cost items first",
                        org.organization_id
                    ),
                });
            }
        }
        repo::remove_organizers(tx, id, &removed).await?;
        let after = load(tx, id, false).await?;
        if after.fields.schedule != before.fields.schedule || after.fields.venue_id != before.fields.venue_id {
            materialise(tx, &after).await?;
        }
        audit::record(tx, actor, "update", Change::updated(&before, &after)).await?;
        for_reader(tx, actor, after).await
    })
    .await
}

/// Accepting to organise is the organisation's own act.
pub async fn accept(
    cx: &mut Cx<'_>,
    id: Uuid,
    organization_id: Uuid,
    if_match: IfMatch,
) -> Result<EventSeries, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = readable(tx, actor, id, true).await?;
        access::can_accept(actor, &before, organization_id)?;
        if_match.check_required(before.version)?;
        if !before.named_organizers().contains(&organization_id) {
            return Err(AppError::Conflict {
                detail: "The series does not name this organisation as an organiser.".into(),
            });
        }
        let after = if before.accepted_organizers().contains(&organization_id) {
            before
        } else {
            repo::accept_organizer(tx, id, organization_id).await?;
            // The acceptance changes what the series says: its version (and ETag) moves on.
            repo::update(tx, id, &before.fields.clone().into_row(before.sequence)?).await?;
            let after = load(tx, id, false).await?;
            audit::record(tx, actor, "accept", Change::updated(&before, &after)).await?;
            after
        };
        for_reader(tx, actor, after).await
    })
    .await
}

/// Deletes a series with its occurrences; one with attendance on record is cancelled instead
/// (409), so what happened is not lost.
pub async fn delete(cx: &mut Cx<'_>, id: Uuid, if_match: IfMatch) -> Result<(), AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = readable(tx, actor, id, true).await?;
        access::can_delete(actor, &before)?;
        if_match.check_required(before.version)?;
        if crate::repo::event_series::occurrences::any_attendance(tx, id).await? {
            return Err(AppError::Conflict {
                detail: "attendance is recorded for this series; set event_status to cancelled instead".into(),
            });
        }
        repo::delete(tx, id).await?;
        audit::record(tx, actor, "delete", Change::Deleted(&before)).await?;
        Ok(())
    })
    .await
}

/// Moves every series' occurrences forward with the rolling horizon: series whose occurrences
/// end within a month of the horizon are re-derived up to it. Returns how many were.
pub async fn extend_horizons(conn: &mut Conn) -> Result<usize, AppError> {
    let today = Utc::now().date_naive();
    let due_before = horizon_end(today).checked_sub_months(Months::new(1)).unwrap_or(today);
    let (mut done, mut after) = (0, Uuid::nil());
    loop {
        let ids = repo::due_for_horizon(conn, due_before, after, 100).await?;
        let Some(last) = ids.last() else { return Ok(done) };
        after = *last;
        for id in ids {
            let result = conn
                .transaction(async |tx| {
                    let series = load(tx, id, true).await?;
                    materialise(tx, &series).await
                })
                .await;
            match result {
                Ok(()) => done += 1,
                // One series that cannot be expanded must not hold back the others.
                Err(e) => tracing::warn!(series = %id, error = %e, "extending the occurrences of a series failed"),
            }
        }
    }
}
