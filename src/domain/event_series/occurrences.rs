//! Occurrences (esiintymät): one meeting of a series, materialised from its schedule. An
//! override (cancelled, moved in time, another venue) belongs to the occurrence and survives
//! re-derivation, as does its attendance; an occurrence is identified by its local day in the
//! series. The flat "what is on" list reads across all series.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::{Validate, ValidationError};

use super::access::{self, visibility};
use super::model::{ActivityType, EventSeries, Occurrence, OccurrenceStatus, TargetGroup, load, with_organizers};
use crate::db::Conn;
use crate::domain::access::Actor;
use crate::domain::audit::{self, Audited, Change};
use crate::domain::context::Cx;
use crate::domain::types::formats;
use crate::domain::types::names::name_of;
use crate::domain::types::pagination::{ListQuery, Page};
use crate::domain::types::precondition::IfMatch;
use crate::domain::types::search::TextSearch;
use crate::domain::types::stored::{from_json, to_json};
use crate::domain::types::validation::{self, rule};
use crate::error::{AppError, FieldError};
use crate::repo::event_series::occurrences::{self as repo, AttendanceRow, AttendanceWrite, OccurrenceFilter};

/// A window `from`–`to` (overlap) of one series' occurrences.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SeriesOccurrenceQuery {
    /// Occurrences that end after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Occurrences that start before this instant.
    pub to: Option<DateTime<Utc>>,
}

pub async fn of_series(
    cx: &mut Cx<'_>,
    series_id: Uuid,
    query: SeriesOccurrenceQuery,
    list: &ListQuery,
) -> Result<Page<Occurrence, (DateTime<Utc>, Uuid)>, AppError> {
    let page = list.page::<(DateTime<Utc>, Uuid)>()?;
    let (conn, actor) = cx.parts().await?;
    access::visible(actor, load(conn, series_id, false).await?)?;
    formats::time_window(query.from, query.to)?;
    let rows =
        repo::of_series(conn, series_id, (query.from, query.to), list.updated_since, page.after, page.fetch_limit())
            .await?;
    Ok(Page::from_rows(rows, &page, |r| (r.starts_at, r.id)).map(Occurrence::from))
}

pub async fn get(cx: &mut Cx<'_>, series_id: Uuid, id: Uuid) -> Result<Occurrence, AppError> {
    let (conn, actor) = cx.parts().await?;
    access::visible(actor, load(conn, series_id, false).await?)?;
    repo::get(conn, series_id, id).await?.map(Occurrence::from).ok_or(AppError::NotFound)
}

/// One row per series in `collapse=series`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Collapse {
    Series,
}

/// Filters of the flat occurrence list.
#[derive(Clone, Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OccurrenceQuery {
    /// Occurrences that end after this instant (default: now).
    pub from: Option<DateTime<Utc>>,
    /// Occurrences that start before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Held in this municipality (three-digit code).
    #[param(example = "179", pattern = "^[0-9]{3}$")]
    #[validate(custom(function = "formats::municipality_code"))]
    pub municipality: Option<String>,
    /// Held in this wellbeing services county (two-digit code).
    #[param(example = "15", pattern = "^[0-9]{2}$")]
    #[validate(custom(function = "formats::county_code"))]
    pub wellbeing_county: Option<String>,
    pub venue: Option<Uuid>,
    /// Published or organised (accepted) by this organisation.
    pub organization: Option<Uuid>,
    pub target_group: Option<TargetGroup>,
    #[param(max_length = 64)]
    #[validate(length(max = 64))]
    pub theme: Option<String>,
    /// A BCP 47 tag, e.g. `sv`.
    #[param(max_length = 35)]
    #[validate(length(max = 35))]
    pub language: Option<String>,
    pub activity_type: Option<ActivityType>,
    pub is_free: Option<bool>,
    /// Comma-separated weekdays in the series' local time: `mo,tu,we,th,fr,sa,su`.
    #[param(
        example = "tu,th",
        max_length = 27,
        pattern = "^ *(mo|tu|we|th|fr|sa|su) *(, *(mo|tu|we|th|fr|sa|su) *)*$"
    )]
    #[validate(length(max = 27))]
    pub weekday: Option<String>,
    pub status: Option<OccurrenceStatus>,
    /// Words in the series title; each word matches as a prefix.
    #[param(max_length = 200)]
    #[validate(length(max = 200))]
    pub q: Option<String>,
    /// `series`: one row per series, its first occurrence (not cancelled) in the window.
    #[param(inline)]
    pub collapse: Option<Collapse>,
}

fn weekdays(text: &str) -> Result<Vec<i32>, AppError> {
    const NAMES: [&str; 7] = ["mo", "tu", "we", "th", "fr", "sa", "su"];
    text.split(',')
        .map(|d| {
            NAMES.iter().position(|n| *n == d.trim()).map(|i| i as i32 + 1).ok_or_else(|| {
                AppError::invalid(
                    "weekday",
                    "unknown_value",
                    format!("'{}' is not one of mo,tu,we,th,fr,sa,su", d.trim()),
                )
            })
        })
        .collect()
}

/// The flat list: each occurrence with its series.
pub async fn list(
    cx: &mut Cx<'_>,
    query: OccurrenceQuery,
    list: &ListQuery,
) -> Result<Page<(Occurrence, EventSeries), (DateTime<Utc>, Uuid)>, AppError> {
    let page = list.page::<(DateTime<Utc>, Uuid)>()?;
    validation::check(&query)?;
    let from = query.from.unwrap_or_else(Utc::now);
    formats::time_window(Some(from), query.to)?;
    let weekdays = query.weekday.as_deref().map(weekdays).transpose()?.unwrap_or_default();
    let search = match TextSearch::from_param(query.q.as_deref()) {
        TextSearch::All => None,
        TextSearch::Terms(t) => Some(t),
        TextSearch::Nothing => return Ok(Page::empty(page.limit)),
    };
    let (conn, actor) = cx.parts().await?;
    let (visible_to, all_visible) = visibility(actor);
    let filter = OccurrenceFilter {
        from: Some(from),
        to: query.to,
        visible_to,
        all_visible,
        municipality_code: query.municipality,
        wellbeing_county_code: query.wellbeing_county,
        venue_id: query.venue,
        organization_id: query.organization,
        target_group: query.target_group.map(|g| name_of(&g)),
        theme: query.theme,
        language: query.language,
        activity_type: query.activity_type.map(|a| name_of(&a)),
        is_free: query.is_free,
        weekdays,
        cancelled: query.status.map(|s| s == OccurrenceStatus::Cancelled),
        search,
        collapse_series: query.collapse.is_some(),
        updated_since: list.updated_since,
        after: page.after,
        limit: page.fetch_limit(),
    };
    let rows = repo::list(conn, &filter).await?;
    let page = Page::from_rows(rows, &page, |(o, _)| (o.starts_at, o.id));
    let mut series_rows: Vec<_> = page.items.iter().map(|(_, s)| s.clone()).collect();
    series_rows.sort_by_key(|s| s.id);
    series_rows.dedup_by_key(|s| s.id);
    let series = with_organizers(conn, series_rows).await?;
    let (next, limit) = (page.next, page.limit);
    let items = page
        .items
        .into_iter()
        .filter_map(|(o, s)| series.iter().find(|x| x.id == s.id).map(|x| (Occurrence::from(o), x.clone())))
        .collect();
    Ok(Page { items, next, limit })
}

/// What an override of one occurrence changes: a merge patch of these.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "cancelled"}))]
pub struct OccurrenceFields {
    pub status: OccurrenceStatus,
    /// Moves the occurrence; the scheduled time again undoes the move.
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Another venue for this occurrence only; the series' venue again undoes it.
    pub venue_id: Option<Uuid>,
}

impl OccurrenceFields {
    /// The rules between fields, all reported at once.
    fn rules(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        for (field, at) in [("start", self.start), ("end", self.end)] {
            if formats::plausible_instant(&at).is_err() {
                errors.push(FieldError::new(field, "out_of_range", "use a time in the years 1900-2199"));
            }
        }
        if self.end <= self.start {
            errors.push(FieldError::new("end", "before_start", "the end is not after the start"));
        } else if self.end - self.start > chrono::Duration::days(super::schedule::MAX_LENGTH_DAYS) {
            errors.push(FieldError::new("end", "too_long", "an occurrence lasts at most 31 days"));
        }
        errors
    }
}

/// Cancels, moves or relocates one occurrence (an override that survives re-derivation). The
/// series' calendar SEQUENCE goes up.
pub async fn update(
    cx: &mut Cx<'_>,
    series_id: Uuid,
    id: Uuid,
    if_match: IfMatch,
    patch: serde_json::Value,
) -> Result<Occurrence, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let series = access::visible(actor, load(tx, series_id, true).await?)?;
        access::can_edit(actor, &series)?;
        let before = Occurrence::from(repo::lock(tx, series_id, id).await?.ok_or(AppError::NotFound)?);
        if_match.check_required(before.version)?;
        let current =
            OccurrenceFields { status: before.status, start: before.start, end: before.end, venue_id: before.venue_id };
        let fields: OccurrenceFields = crate::domain::types::merge_patch::apply(&current, &patch)?;
        validation::check_with(&fields, fields.rules())?;
        if fields == current {
            return Ok(before);
        }
        // A booked occurrence keeps its booking's time and place: the booking is changed first
        // (its room may be taken at the new time by someone else).
        let moves = (fields.start, fields.end, fields.venue_id) != (before.start, before.end, before.venue_id);
        if moves && let Some(booking) = crate::repo::venues::bookings::confirmed_for_occurrence(tx, id).await? {
            return Err(AppError::Conflict {
                detail: format!(
                    "booking {booking} holds the venue for this occurrence; cancel it or book the new time first"
                ),
            });
        }
        // Another organisation's venue takes a booking there by an organiser, for the time.
        if let Some(venue) = fields.venue_id
            && moves
            && fields.venue_id != series.fields.venue_id
        {
            let Some(row) = crate::repo::venues::get(tx, venue).await? else {
                return Err(AppError::invalid("venue_id", "not_found", "no such venue"));
            };
            let organizers = series.accepted_organizers();
            let owns = organizers.contains(&row.written.owner_organization_id);
            if !owns
                && !crate::repo::venues::bookings::held_by_any(tx, venue, &organizers, fields.start, fields.end).await?
            {
                return Err(AppError::invalid(
                    "venue_id",
                    "not_booked",
                    "book the venue for the occurrence's time first (it is another organisation's)",
                ));
            }
        }
        let o = repo::OccurrenceOverrideWrite {
            starts_at: fields.start,
            ends_at: fields.end,
            moved: fields.start != before.scheduled_start || fields.end != before.scheduled_end,
            cancelled: fields.status == OccurrenceStatus::Cancelled,
            venue_id: fields.venue_id,
            venue_overridden: fields.venue_id != series.fields.venue_id,
        };
        let after = Occurrence::from(repo::set_override(tx, id, &o).await?);
        crate::repo::event_series::bump_sequence(tx, series_id).await?;
        let orgs = series.named_organizers();
        let (b, a) = (audit::concerning(&before, &orgs), audit::concerning(&after, &orgs));
        audit::record(tx, actor, "update", Change::updated(&b, &a)).await?;
        Ok(after)
    })
    .await
}

/// Counts by age group: keys such as `0-6`, `65+` or `unknown`.
fn age_groups(map: &BTreeMap<String, i32>) -> Result<(), ValidationError> {
    let ok = map.len() <= 20
        && map.iter().all(|(k, v)| {
            (1..=16).contains(&k.len())
                && k.bytes().all(|b| b.is_ascii_alphanumeric() || b"+-_".contains(&b))
                && *v >= 0
        });
    if ok {
        Ok(())
    } else {
        Err(rule("invalid_value", "at most 20 groups named like 0-6, 65+ or unknown, with counts of 0 or more"))
    }
}

fn counts(map: &BTreeMap<Uuid, i32>) -> Result<(), ValidationError> {
    if map.len() <= 20 && map.values().all(|v| *v >= 0) {
        Ok(())
    } else {
        Err(rule("invalid_value", "counts of 0 or more"))
    }
}

/// How many came to one occurrence; no personal data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"participants": 23, "volunteers": 3, "by_age_group": {"65+": 20, "unknown": 3}}))]
pub struct AttendanceFields {
    #[serde(deserialize_with = "crate::domain::types::integers::int32")]
    #[schema(minimum = 0, maximum = 1000000)]
    #[validate(range(min = 0, max = 1_000_000))]
    pub participants: i32,
    #[serde(default, deserialize_with = "crate::domain::types::integers::int32")]
    #[schema(minimum = 0, maximum = 1000000)]
    #[validate(range(min = 0, max = 1_000_000))]
    pub volunteers: i32,
    /// Participants by age group (adds up to `participants`).
    #[serde(default, deserialize_with = "crate::domain::types::integers::int32_values")]
    #[schema(value_type = formats::schema::AgeGroupCounts)]
    #[validate(custom(function = "age_groups"))]
    pub by_age_group: BTreeMap<String, i32>,
    /// Participants each organiser brought or counted (adds up to `participants`).
    #[serde(default, deserialize_with = "crate::domain::types::integers::int32_values")]
    #[schema(value_type = formats::schema::OrganizerCounts)]
    #[validate(custom(function = "counts"))]
    pub by_organizer: BTreeMap<Uuid, i32>,
    /// About the occurrence, not about people.
    #[serde(default)]
    #[schema(max_length = 2000)]
    #[validate(length(max = 2000))]
    pub notes: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Attendance {
    pub occurrence_id: Uuid,
    pub fields: AttendanceFields,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl TryFrom<AttendanceRow> for Attendance {
    type Error = AppError;
    fn try_from(r: AttendanceRow) -> Result<Self, AppError> {
        Ok(Attendance {
            occurrence_id: r.occurrence_id,
            fields: AttendanceFields {
                participants: r.participants,
                volunteers: r.volunteers,
                by_age_group: from_json(r.by_age_group)?,
                by_organizer: from_json(r.by_organizer)?,
                notes: r.notes,
            },
            updated_at: r.updated_at,
            version: r.version,
        })
    }
}

impl Audited for Attendance {
    const RESOURCE_TYPE: &'static str = "occurrence_attendance";
    fn audit_id(&self) -> String {
        self.occurrence_id.to_string()
    }
    fn audit_organizations(&self) -> Vec<Uuid> {
        Vec::new()
    }
}

/// The attendance of an occurrence, for the organisers' members (404 before it is recorded).
pub async fn attendance(cx: &mut Cx<'_>, series_id: Uuid, id: Uuid) -> Result<Attendance, AppError> {
    let (conn, actor) = cx.parts().await?;
    let series = access::visible(actor, load(conn, series_id, false).await?)?;
    access::can_read_costs(actor, &series)?;
    repo::get(conn, series_id, id).await?.ok_or(AppError::NotFound)?;
    repo::attendance(conn, id).await?.ok_or(AppError::NotFound).and_then(Attendance::try_from)
}

/// Records (or corrects) how many came: once the occurrence has started, not when cancelled.
pub async fn put_attendance(
    cx: &mut Cx<'_>,
    series_id: Uuid,
    id: Uuid,
    if_match: IfMatch,
    fields: AttendanceFields,
) -> Result<(Attendance, bool), AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        // The series row lock orders this against a delete, which checks for attendance.
        let series = access::visible(actor, load(tx, series_id, true).await?)?;
        access::can_record_attendance(actor, &series)?;
        let occurrence = Occurrence::from(repo::lock(tx, series_id, id).await?.ok_or(AppError::NotFound)?);
        let before = repo::lock_attendance(tx, id).await?.map(Attendance::try_from).transpose()?;
        match &before {
            Some(b) => if_match.check(b.version)?,
            None if matches!(if_match, IfMatch::Absent | IfMatch::Any) => {}
            None => return Err(AppError::PreconditionFailed { current_etag: None, current: None }),
        }
        validation::check_with(&fields, fields.rules(&series))?;
        if occurrence.status == OccurrenceStatus::Cancelled {
            return Err(AppError::Conflict { detail: "the occurrence was cancelled".into() });
        }
        if occurrence.start > Utc::now() {
            return Err(AppError::Conflict { detail: "the occurrence has not started yet".into() });
        }
        let row = AttendanceWrite {
            occurrence_id: id,
            participants: fields.participants,
            volunteers: fields.volunteers,
            by_age_group: to_json(&fields.by_age_group)?,
            by_organizer: to_json(&fields.by_organizer)?,
            notes: fields.notes.clone(),
            recorded_by: actor.user_id(),
        };
        let after = Attendance::try_from(repo::put_attendance(tx, &row).await?)?;
        let orgs = series.named_organizers();
        let recorded = audit::concerning(&after, &orgs);
        match &before {
            Some(b) => {
                audit::record(tx, actor, "update", Change::updated(&audit::concerning(b, &orgs), &recorded)).await?
            }
            None => audit::record(tx, actor, "create", Change::Created(&recorded)).await?,
        }
        Ok((after, before.is_none()))
    })
    .await
}

impl AttendanceFields {
    /// The rules between fields and against the series' organisers, all reported at once.
    fn rules(&self, series: &EventSeries) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let sum = |values: &mut dyn Iterator<Item = i32>| values.map(i64::from).sum::<i64>();
        if !self.by_age_group.is_empty()
            && sum(&mut self.by_age_group.values().copied()) != i64::from(self.participants)
        {
            errors.push(FieldError::new(
                "by_age_group",
                "sum_mismatch",
                "the groups add up to participants (use `unknown` for the rest)",
            ));
        }
        if !self.by_organizer.is_empty()
            && sum(&mut self.by_organizer.values().copied()) != i64::from(self.participants)
        {
            errors.push(FieldError::new("by_organizer", "sum_mismatch", "the counts add up to participants"));
        }
        let accepted = series.accepted_organizers();
        for org in self.by_organizer.keys().filter(|o| !accepted.contains(o)) {
            errors.push(FieldError::new(
                format!("by_organizer.{org}"),
                "not_an_organizer",
                "not an organiser of the series",
            ));
        }
        errors
    }
}

/// A booking may name an occurrence of a series the booking organisation organises (422),
/// held at the booked venue during the booked time (422).
pub async fn check_bookable(
    conn: &mut Conn,
    actor: &Actor,
    organization: Uuid,
    occurrence: Uuid,
    venue: Uuid,
    (start, end): (DateTime<Utc>, DateTime<Utc>),
) -> Result<(), AppError> {
    let not_found = || {
        AppError::invalid("occurrence_id", "not_found", "no such occurrence of a series your organisation organises")
    };
    let series_id = crate::repo::event_series::occurrences::series_of(conn, occurrence).await?.ok_or_else(not_found)?;
    let series = load(conn, series_id, false).await.and_then(|s| access::visible(actor, s)).map_err(|_| not_found())?;
    if !series.accepted_organizers().contains(&organization) {
        return Err(not_found());
    }
    let o = repo::get(conn, series_id, occurrence).await?.ok_or_else(not_found)?;
    if o.venue_id != Some(venue) {
        return Err(AppError::invalid("occurrence_id", "elsewhere", "the occurrence is held at another venue"));
    }
    if o.starts_at < end && o.ends_at > start {
        Ok(())
    } else {
        Err(AppError::invalid("occurrence_id", "not_during_booking", "the occurrence is not during the booked time"))
    }
}
