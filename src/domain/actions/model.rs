//! An action: what will be done, the responsible organisation and its contact, the due date
//! and status, and what it links to (an agreement, an event series, the indicator that will
//! show its effect). Its host is the meeting or workshop it came from.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::domain::access::Actor;
use crate::domain::audit::{self, Audited, Change};
use crate::domain::context::Cx;
use crate::domain::types::localized::LocalizedText;
use crate::domain::types::names::{from_stored, name_of};
use crate::domain::types::stored::{from_json, to_json};
use crate::error::{AppError, FieldError};
use crate::repo::actions::{ActionWrite, HostedActionRow};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    Open,
    InProgress,
    Done,
    Cancelled,
}

/// An action as its host writes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"description": {"fi": "Kirjataan palveluohjauksen yhteiset käytännöt yhteiseen dokumenttiin."},
    "responsible_organization_id": "01930000-0000-7000-8000-000000000002", "due_date": "2027-01-15", "status": "open"}))]
pub struct ActionFields {
    #[validate(nested)]
    pub description: LocalizedText,
    /// Naming it binds it to nothing until its coordinators accept.
    pub responsible_organization_id: Uuid,
    /// A contact person of the responsible organisation.
    #[serde(default)]
    pub contact_id: Option<Uuid>,
    #[serde(default)]
    #[validate(custom(function = "crate::domain::types::formats::plausible_date"))]
    pub due_date: Option<NaiveDate>,
    #[serde(default = "open")]
    pub status: ActionStatus,
    /// The workshop challenge it answers (workshop actions); absent when none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge_id: Option<Uuid>,
    #[serde(default)]
    pub agreement_id: Option<Uuid>,
    #[serde(default)]
    pub event_series_id: Option<Uuid>,
    /// The indicator that will show the effect.
    #[serde(default)]
    pub indicator_id: Option<Uuid>,
}

fn open() -> ActionStatus {
    ActionStatus::Open
}

impl ActionFields {
    pub fn into_row(self) -> Result<ActionWrite, AppError> {
        Ok(ActionWrite {
            challenge_id: self.challenge_id,
            description: to_json(&self.description)?,
            responsible_organization_id: self.responsible_organization_id,
            contact_id: self.contact_id,
            due_date: self.due_date,
            status: name_of(&self.status),
            agreement_id: self.agreement_id,
            event_series_id: self.event_series_id,
            indicator_id: self.indicator_id,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Action {
    pub id: Uuid,
    pub meeting_id: Option<Uuid>,
    pub workshop_id: Option<Uuid>,
    pub fields: ActionFields,
    /// The responsible organisation has taken it on.
    pub accepted: bool,
    /// The host's organisations, who read it.
    #[serde(skip)]
    pub hosts: Vec<Uuid>,
    /// The host's organisations whose coordinators run it.
    #[serde(skip)]
    pub runners: Vec<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl TryFrom<HostedActionRow> for Action {
    type Error = AppError;
    fn try_from((r, hosts, runners): HostedActionRow) -> Result<Self, AppError> {
        let w = r.written;
        Ok(Action {
            id: r.id,
            meeting_id: r.meeting_id,
            workshop_id: r.workshop_id,
            fields: ActionFields {
                description: from_json(w.description)?,
                responsible_organization_id: w.responsible_organization_id,
                contact_id: w.contact_id,
                due_date: w.due_date,
                status: from_stored("action status", &w.status)?,
                challenge_id: w.challenge_id,
                agreement_id: w.agreement_id,
                event_series_id: w.event_series_id,
                indicator_id: w.indicator_id,
            },
            accepted: r.accepted,
            hosts: hosts.into_iter().flatten().collect(),
            runners: runners.into_iter().flatten().collect(),
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        })
    }
}

impl Audited for Action {
    const RESOURCE_TYPE: &'static str = "action";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_organizations(&self) -> Vec<Uuid> {
        let mut orgs = self.hosts.clone();
        if !orgs.contains(&self.fields.responsible_organization_id) {
            orgs.push(self.fields.responsible_organization_id);
        }
        orgs
    }
}

/// The action, or 404.
pub async fn load(conn: &mut crate::db::Conn, id: Uuid, for_update: bool) -> Result<Action, AppError> {
    let row = if for_update {
        crate::repo::actions::lock(conn, id).await?
    } else {
        crate::repo::actions::get(conn, id).await?
    };
    Action::try_from(row.ok_or(AppError::NotFound)?)
}

/// The actions of these meetings.
pub async fn of_meetings(conn: &mut crate::db::Conn, ids: &[Uuid]) -> Result<Vec<Action>, AppError> {
    crate::repo::actions::of_meetings(conn, ids).await?.into_iter().map(Action::try_from).collect()
}

/// The records an action names exist and the caller may read them, and the contact is the
/// responsible organisation's (422 naming the field); `field` prefixes the paths
/// (`decisions[0]`).
pub async fn references_hold(
    cx: &mut Cx<'_>,
    field: &str,
    fields: &ActionFields,
    workshop: Option<Uuid>,
) -> Result<Vec<FieldError>, AppError> {
    use crate::domain::access::seen_by_caller;
    let path = |name: &str| if field.is_empty() { name.to_owned() } else { format!("{field}.{name}") };
    let mut errors = Vec::new();
    let conn = cx.conn().await?;
    if crate::domain::organizations::first_missing(conn, &[fields.responsible_organization_id]).await?.is_some() {
        errors.push(FieldError::new(path("responsible_organization_id"), "not_found", "no such organisation"));
    }
    if let Some(contact) = fields.contact_id
        && !crate::domain::contacts::belong_to(conn, fields.responsible_organization_id, &[contact]).await?
    {
        errors.push(FieldError::new(path("contact_id"), "not_found", "a contact of the responsible organisation"));
    }
    if let Some(challenge) = fields.challenge_id {
        let belongs = match workshop {
            Some(w) => crate::repo::workshops::challenges::exists(conn, w, challenge).await?,
            None => false,
        };
        if !belongs {
            errors.push(FieldError::new(path("challenge_id"), "not_found", "a challenge of the same workshop"));
        }
    }
    if let Some(a) = fields.agreement_id
        && !seen_by_caller(crate::domain::agreements::get(cx, a).await)?
    {
        errors.push(FieldError::new(path("agreement_id"), "not_found", "no such agreement"));
    }
    if let Some(s) = fields.event_series_id
        && !seen_by_caller(crate::domain::event_series::get(cx, s).await)?
    {
        errors.push(FieldError::new(path("event_series_id"), "not_found", "no such event series"));
    }
    if let Some(i) = fields.indicator_id
        && !seen_by_caller(crate::domain::indicators::get(cx, i).await)?
    {
        errors.push(FieldError::new(path("indicator_id"), "not_found", "no such indicator"));
    }
    Ok(errors)
}

/// An action's field rules and references (of the workshop it belongs to, if any), one 422.
pub async fn check(cx: &mut Cx<'_>, fields: &ActionFields, workshop: Option<Uuid>) -> Result<(), AppError> {
    crate::domain::types::validation::check(fields)?;
    let errors = references_hold(cx, "", fields, workshop).await?;
    if errors.is_empty() { Ok(()) } else { Err(AppError::Validation(errors)) }
}

/// At most this many actions in one meeting or workshop.
pub const MAX_ACTIONS: i64 = 100;

/// Writes a new action of a meeting or workshop and its audit record, on the caller's
/// transaction, after the caller has authorised it and checked the references. A writer who
/// coordinates the responsible organisation takes it on at once.
pub async fn add(
    conn: &mut crate::db::Conn,
    actor: &Actor,
    origin: (Option<Uuid>, Option<Uuid>),
    fields: ActionFields,
) -> Result<Action, AppError> {
    if crate::repo::actions::count_of_origin(conn, origin.0, origin.1).await? >= MAX_ACTIONS {
        return Err(AppError::Conflict { detail: "a meeting or workshop holds at most 100 actions".into() });
    }
    let id = Uuid::now_v7();
    let accepted = crate::domain::access::can_accept_listing(actor, fields.responsible_organization_id).is_ok();
    crate::repo::actions::insert(conn, id, origin, accepted, &fields.into_row()?).await?;
    let created = load(conn, id, false).await?;
    touch_meeting(conn, &created).await?;
    audit::record(conn, actor, "create", Change::Created(&created)).await?;
    Ok(created)
}

/// A meeting shows its decisions: a change to one is a new version of the meeting.
pub async fn touch_meeting(conn: &mut crate::db::Conn, action: &Action) -> Result<(), AppError> {
    if let Some(meeting) = action.meeting_id {
        crate::repo::meetings::touch(conn, meeting).await?;
    }
    Ok(())
}

/// Filters of the action list.
#[derive(Clone, Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ActionQuery {
    /// Actions this organisation is responsible for.
    pub responsible: Option<Uuid>,
    pub status: Option<ActionStatus>,
    /// `true`: open or in progress and past the due date (Finnish time); `false`: the others.
    pub overdue: Option<bool>,
    pub workshop: Option<Uuid>,
    pub meeting: Option<Uuid>,
}
