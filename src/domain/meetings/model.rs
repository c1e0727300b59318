//! A meeting: its host (a network, or an agreement's parties), kind, time, place, agenda,
//! shared notes, attendance, minutes; its decisions are actions (`domain::actions`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::domain::audit::Audited;
use crate::domain::types::localized::LocalizedText;
use crate::domain::types::names::{from_stored, name_of};
use crate::domain::types::stored::{from_json, to_json};
use crate::error::{AppError, FieldError};
use crate::repo::meetings::{HostedMeetingRow, MeetingWrite};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeetingKind {
    NetworkMeeting,
    InfoSession,
    /// Seed 001's yearly collaboration meeting (vuosittainen yhteistyöpalaveri).
    AnnualCollaborationMeeting,
    /// A session of a workshop (`workshop_id`).
    Workshop,
}

/// Who came: an organisation and how many of its people. Never names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct MeetingAttendance {
    pub organization_id: Uuid,
    #[serde(deserialize_with = "crate::domain::types::integers::int32")]
    #[schema(minimum = 0, maximum = 10000)]
    #[validate(range(min = 0, max = 10_000))]
    pub people: i32,
}

/// A decision: it becomes a follow-up action of the meeting.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"decision": {"fi": "Kootaan ikäihmisten kohtaamispaikkojen kalenteri."},
    "responsible_organization_id": "01930000-0000-7000-8000-000000000002", "due_date": "2027-02-01"}))]
pub struct Decision {
    #[validate(nested)]
    pub decision: LocalizedText,
    pub responsible_organization_id: Uuid,
    #[serde(default)]
    pub contact_id: Option<Uuid>,
    #[serde(default)]
    #[validate(custom(function = "crate::domain::types::formats::plausible_date"))]
    pub due_date: Option<chrono::NaiveDate>,
}

impl Decision {
    pub fn into_action(self) -> crate::domain::actions::ActionFields {
        crate::domain::actions::ActionFields {
            description: self.decision,
            responsible_organization_id: self.responsible_organization_id,
            contact_id: self.contact_id,
            due_date: self.due_date,
            status: crate::domain::actions::ActionStatus::Open,
            challenge_id: None,
            agreement_id: None,
            event_series_id: None,
            indicator_id: None,
        }
    }
}

/// A meeting as its hosts write it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "network_meeting", "title": {"fi": "Hyte-verkoston kokous"},
    "starts_at": "2026-12-03T12:00:00Z", "ends_at": "2026-12-03T14:00:00Z",
    "agenda": [{"fi": "Ajankohtaiset"}, {"fi": "Ikäihmisten teemaverkoston kuulumiset"}],
    "minutes": {"fi": "Sovittiin kohtaamispaikkojen yhteisestä kalenterista."},
    "attendance": [{"organization_id": "01930000-0000-7000-8000-000000000002", "people": 4}],
    "decisions": [{"decision": {"fi": "Kootaan kohtaamispaikkojen kalenteri."},
                   "responsible_organization_id": "01930000-0000-7000-8000-000000000002", "due_date": "2027-02-01"}]}))]
pub struct MeetingFields {
    pub kind: MeetingKind,
    #[serde(default)]
    #[validate(nested)]
    pub title: Option<LocalizedText>,
    #[validate(custom(function = "crate::domain::types::formats::plausible_instant"))]
    pub starts_at: DateTime<Utc>,
    /// Default: two hours after the start; at most 7 days after it.
    #[serde(default)]
    #[validate(custom(function = "crate::domain::types::formats::plausible_instant"))]
    pub ends_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub venue_id: Option<Uuid>,
    /// Book the venue for the meeting's time through the venue's bookings, for the organising
    /// organisation: a clash is 409 naming the booking in the way.
    #[serde(default)]
    pub book_venue: bool,
    /// Where to join online.
    #[serde(default)]
    #[schema(max_length = 2000, pattern = "^https?://\\S+$")]
    #[validate(length(max = 2000), custom(function = "crate::domain::types::formats::http_url"))]
    pub online_url: Option<String>,
    #[serde(default)]
    #[schema(max_items = 30)]
    #[validate(length(max = 30), nested)]
    pub agenda: Vec<LocalizedText>,
    /// A coordination document for the meeting's shared notes.
    #[serde(default)]
    pub coordination_document_id: Option<Uuid>,
    #[serde(default)]
    #[schema(max_items = 100)]
    #[validate(length(max = 100), nested)]
    pub attendance: Vec<MeetingAttendance>,
    #[serde(default)]
    #[validate(nested)]
    pub minutes: Option<LocalizedText>,
    /// The workshop this session belongs to (kind `workshop`).
    #[serde(default)]
    pub workshop_id: Option<Uuid>,
    /// The organisation that coordinates the meeting and books its venue; one of the hosts
    /// that you coordinate. Default: the one such organisation.
    #[serde(default)]
    pub organizer_organization_id: Option<Uuid>,
    /// On creation only: decisions, each made a follow-up action (`/api/v1/actions`). Later
    /// ones are added with `POST /api/v1/meetings/{id}/actions`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 20)]
    #[validate(length(max = 20), nested)]
    pub decisions: Vec<Decision>,
}

/// The default length of a meeting.
const DEFAULT_HOURS: i64 = 2;

impl MeetingFields {
    /// The end given, or the default length after the start (the start itself where that
    /// would leave the calendar: the start's own rule then refuses it).
    pub fn ends(&self) -> DateTime<Utc> {
        self.ends_at.unwrap_or_else(|| {
            self.starts_at.checked_add_signed(chrono::Duration::hours(DEFAULT_HOURS)).unwrap_or(self.starts_at)
        })
    }

    /// Rules between fields, each a field error.
    pub fn rules(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if let Some(title) = &self.title {
            errors.extend(title.line_breaks("title"));
        }
        let ends = self.ends();
        // A start outside the calendar is the field rule's to name.
        let plausible = crate::domain::types::formats::plausible_instant(&self.starts_at).is_ok();
        if plausible && ends <= self.starts_at {
            errors.push(FieldError::new("ends_at", "before_start", "after starts_at"));
        } else if plausible && ends - self.starts_at > chrono::Duration::days(7) {
            errors.push(FieldError::new("ends_at", "too_long", "at most 7 days after starts_at"));
        }
        if self.book_venue && self.venue_id.is_none() {
            errors.push(FieldError::new("book_venue", "no_venue", "name the venue to book"));
        }
        if self.workshop_id.is_some() && self.kind != MeetingKind::Workshop {
            errors.push(FieldError::new("workshop_id", "not_a_workshop", "only a meeting of kind workshop"));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, a) in self.attendance.iter().enumerate() {
            if !seen.insert(a.organization_id) {
                errors.push(FieldError::new(
                    format!("attendance[{i}].organization_id"),
                    "duplicate",
                    "each organisation once",
                ));
            }
        }
        if let Some(minutes) = &self.minutes {
            errors.extend(crate::domain::types::personal_data::errors_in("minutes", minutes));
        }
        errors
    }

    pub fn into_row(self, organizer: Uuid) -> Result<MeetingWrite, AppError> {
        Ok(MeetingWrite {
            organizer_organization_id: organizer,
            kind: name_of(&self.kind),
            workshop_id: self.workshop_id,
            title: self.title.as_ref().map(to_json).transpose()?,
            starts_at: self.starts_at,
            ends_at: self.ends(),
            venue_id: self.venue_id,
            online_url: self.online_url,
            agenda: to_json(&self.agenda)?,
            coordination_document_id: self.coordination_document_id,
            attendance: to_json(&self.attendance)?,
            minutes: self.minutes.as_ref().map(to_json).transpose()?,
        })
    }
}

/// Whose meeting it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum MeetingHost {
    Network(Uuid),
    Agreement(Uuid),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Meeting {
    pub id: Uuid,
    pub host: MeetingHost,
    pub fields: MeetingFields,
    /// The venue booking that holds the meeting's time (none once cancelled).
    pub booking_id: Option<Uuid>,
    /// The host's organisations: members or parties.
    #[serde(skip)]
    pub hosts: Vec<Uuid>,
    /// Those whose coordinators run it: the network's coordinators, or the parties.
    #[serde(skip)]
    pub runners: Vec<Uuid>,
    /// Anyone may see it (not its minutes): a public network's or agreement's.
    #[serde(skip)]
    pub public: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl Meeting {
    pub fn network_id(&self) -> Option<Uuid> {
        match self.host {
            MeetingHost::Network(id) => Some(id),
            MeetingHost::Agreement(_) => None,
        }
    }

    pub fn agreement_id(&self) -> Option<Uuid> {
        match self.host {
            MeetingHost::Agreement(id) => Some(id),
            MeetingHost::Network(_) => None,
        }
    }
}

impl TryFrom<HostedMeetingRow> for Meeting {
    type Error = AppError;
    fn try_from((r, hosts, runners, public, booked): HostedMeetingRow) -> Result<Self, AppError> {
        let w = r.written;
        let host = match (r.network_id, r.agreement_id) {
            (Some(n), _) => MeetingHost::Network(n),
            (None, Some(a)) => MeetingHost::Agreement(a),
            (None, None) => return Err(AppError::internal("a meeting without a host")),
        };
        Ok(Meeting {
            id: r.id,
            host,
            fields: MeetingFields {
                kind: from_stored("meeting kind", &w.kind)?,
                title: w.title.map(from_json).transpose()?,
                starts_at: w.starts_at,
                ends_at: Some(w.ends_at),
                venue_id: w.venue_id,
                book_venue: booked,
                online_url: w.online_url,
                agenda: from_json(w.agenda)?,
                coordination_document_id: w.coordination_document_id,
                attendance: from_json(w.attendance)?,
                minutes: w.minutes.map(from_json).transpose()?,
                workshop_id: w.workshop_id,
                organizer_organization_id: Some(w.organizer_organization_id),
                decisions: Vec::new(),
            },
            booking_id: r.booking_id.filter(|_| booked),
            hosts: hosts.into_iter().flatten().collect(),
            runners: runners.into_iter().flatten().collect(),
            public,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        })
    }
}

impl Audited for Meeting {
    const RESOURCE_TYPE: &'static str = "meeting";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_organizations(&self) -> Vec<Uuid> {
        self.hosts.clone()
    }
}

/// A meeting as one reader sees it: insiders get the minutes and the decisions.
#[derive(Clone, Debug)]
pub struct SeenMeeting {
    pub meeting: Meeting,
    pub insider: bool,
    pub decisions: Vec<crate::domain::actions::Action>,
}

/// The meeting, or 404.
pub async fn load(conn: &mut crate::db::Conn, id: Uuid, for_update: bool) -> Result<Meeting, AppError> {
    let row = if for_update {
        crate::repo::meetings::lock(conn, id).await?
    } else {
        crate::repo::meetings::get(conn, id).await?
    };
    Meeting::try_from(row.ok_or(AppError::NotFound)?)
}

/// Filters of the meeting lists.
#[derive(Clone, Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MeetingQuery {
    /// Meetings this organisation hosts (a member of the network, a party to the agreement)
    /// or organises.
    pub organization: Option<Uuid>,
    pub network: Option<Uuid>,
    pub agreement: Option<Uuid>,
    pub kind: Option<MeetingKind>,
    /// Ending after this instant.
    #[validate(custom(function = "crate::domain::types::formats::plausible_instant"))]
    pub from: Option<DateTime<Utc>>,
    /// Starting before this instant.
    #[validate(custom(function = "crate::domain::types::formats::plausible_instant"))]
    pub to: Option<DateTime<Utc>>,
}
