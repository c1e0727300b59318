//! Annual reviews of partnership agreements and acknowledgements of their ground rules.
//!
//! Seed 001: hold a collaboration meeting at least once a year, and brief every new employee
//! and volunteer on the ground rules. A review records the meeting and moves the agreement's
//! next review date; outcome `amend` opens an amendment. An acknowledgement records that a
//! person was briefed on the ground rules of one version, so after an amendment the
//! coordinator sees who still needs briefing.

use std::collections::HashSet;

use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::access;
use super::model::{Agreement, from_json, load, open_amendment};
use crate::db::Conn;
use crate::domain::access::Role;
use crate::domain::audit::{self, Audited, Change};
use crate::domain::context::Cx;
use crate::domain::types::localized::LocalizedText;
use crate::domain::types::names::{from_stored, name_of};
use crate::domain::types::pagination::{ListQuery, Page};
use crate::domain::types::precondition::{IMMUTABLE_VERSION, IfMatch};
use crate::domain::types::stored::to_json;
use crate::domain::types::validation;
use crate::error::{AppError, FieldError};
use crate::repo::agreements::reviews::{self as repo, AcknowledgementRow, ReviewRow};
use crate::repo::contacts as contact_repo;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewOutcome {
    Continue,
    /// Opens an amendment of the agreement.
    Amend,
    /// Recorded as the parties' intention; terminating is a transition with its reason.
    Terminate,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ReviewDecision {
    #[validate(nested)]
    pub decision: LocalizedText,
    #[serde(default)]
    pub responsible_party_id: Option<Uuid>,
    #[serde(default)]
    pub due_date: Option<NaiveDate>,
}

/// A review as recorded by the parties.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"scheduled_date": "2026-11-15", "held_on": "2026-11-15",
    "participant_organization_ids": ["01930000-0000-7000-8000-000000000004"],
    "participant_contact_ids": ["01930001-0000-7000-8000-000000000001"],
    "agenda": {"fi": "Vuoden toiminta, tilat, kustannusjako"}, "findings": {"fi": "Kahvila vakiintunut"},
    "decisions": [{"decision": {"fi": "Lisätään toinen kahvilapäivä"},
                   "responsible_party_id": "01930000-0000-7000-8000-00000000000c", "due_date": "2027-01-31"}],
    "outcome": "continue"}))]
pub struct ReviewInput {
    pub scheduled_date: NaiveDate,
    #[serde(default)]
    pub held_on: Option<NaiveDate>,
    /// Party organisations that took part.
    #[serde(default)]
    #[schema(max_items = 50)]
    #[validate(length(max = 50))]
    pub participant_organization_ids: Vec<Uuid>,
    /// People who took part: contact persons of the parties. They are referenced, not copied,
    /// so erasing a contact erases them from every review.
    #[serde(default)]
    #[schema(max_items = 50)]
    #[validate(length(max = 50))]
    pub participant_contact_ids: Vec<Uuid>,
    #[serde(default)]
    #[validate(nested)]
    pub agenda: Option<LocalizedText>,
    #[serde(default)]
    #[validate(nested)]
    pub findings: Option<LocalizedText>,
    #[serde(default)]
    #[schema(max_items = 50)]
    #[validate(length(max = 50), nested)]
    pub decisions: Vec<ReviewDecision>,
    pub outcome: ReviewOutcome,
    /// When the next review is due; default: the review cycle after `scheduled_date`.
    #[serde(default)]
    pub next_review_due: Option<NaiveDate>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Review {
    pub id: Uuid,
    pub agreement_id: Uuid,
    #[serde(flatten)]
    pub input: ReviewInput,
    pub recorded_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub version: i64,
    /// The agreement's parties, whose org admins read the review's audit entries.
    #[serde(skip)]
    pub parties: Vec<Uuid>,
}

impl Audited for Review {
    const RESOURCE_TYPE: &'static str = "agreement_review";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_organizations(&self) -> Vec<Uuid> {
        self.parties.clone()
    }
}

fn review_from(row: ReviewRow, created_at: DateTime<Utc>, version: i64) -> Result<Review, AppError> {
    let outcome = from_stored("review outcome", &row.outcome)?;
    Ok(Review {
        id: row.id,
        agreement_id: row.agreement_id,
        input: ReviewInput {
            scheduled_date: row.scheduled_date,
            held_on: row.held_on,
            participant_organization_ids: row.participant_organization_ids.into_iter().flatten().collect(),
            participant_contact_ids: row.participant_contact_ids.into_iter().flatten().collect(),
            agenda: row.agenda.map(from_json).transpose()?,
            findings: row.findings.map(from_json).transpose()?,
            decisions: from_json(row.decisions)?,
            outcome,
            next_review_due: row.next_review_due,
        },
        recorded_by: row.recorded_by,
        created_at,
        version,
        parties: Vec::new(),
    })
}

/// The field rules and the rules that need the agreement's parties.
/// Rules about the review itself (422).
fn validate_review(input: &ReviewInput) -> Result<(), AppError> {
    let mut errors = input.validate().err().map(|e| validation::field_errors(&e)).unwrap_or_default();
    if input.next_review_due.is_some_and(|d| d <= input.scheduled_date) {
        errors.push(FieldError::new("next_review_due", "before_review", "the next review must come after this one"));
    }
    if errors.is_empty() { Ok(()) } else { Err(AppError::Validation(errors)) }
}

/// Organisations the review names must be parties of the agreement as it is now: a reference
/// that does not fit the agreement's current state is a conflict with it (409), as a
/// signature of another version's hash is.
fn names_only_parties(input: &ReviewInput, parties: &HashSet<Uuid>) -> Result<(), AppError> {
    let mut outside: Vec<String> = input
        .participant_organization_ids
        .iter()
        .enumerate()
        .filter(|(_, org)| !parties.contains(org))
        .map(|(i, _)| format!("participant_organization_ids[{i}]"))
        .collect();
    outside.extend(
        input
            .decisions
            .iter()
            .enumerate()
            .filter(|(_, d)| d.responsible_party_id.is_some_and(|p| !parties.contains(&p)))
            .map(|(i, _)| format!("decisions[{i}].responsible_party_id")),
    );
    if outside.is_empty() {
        Ok(())
    } else {
        Err(AppError::Conflict { detail: format!("not a party of the agreement: {}", outside.join(", ")) })
    }
}

/// Contact persons a record names must be current (not erased) contacts of the agreement's
/// parties (409 otherwise, as for organisations). Returns each one's organisation.
async fn contacts_of_parties(
    conn: &mut Conn,
    field: &str,
    ids: &[Uuid],
    parties: &HashSet<Uuid>,
) -> Result<Vec<Uuid>, AppError> {
    let owners = contact_repo::owners(conn, ids).await?;
    let mut organizations = Vec::new();
    let mut outside = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        match owners.iter().find(|(c, _)| c == id) {
            Some((_, org)) if parties.contains(org) => organizations.push(*org),
            _ => outside.push(format!("{field}[{i}]")),
        }
    }
    if outside.is_empty() {
        Ok(organizations)
    } else {
        Err(AppError::Conflict { detail: format!("not a contact person of a party: {}", outside.join(", ")) })
    }
}

/// Position in the (scheduled date, id) order of reviews.
pub type ReviewKey = (NaiveDate, Uuid);

pub async fn list_reviews(
    cx: &mut Cx<'_>,
    agreement_id: Uuid,
    list: &ListQuery,
) -> Result<Page<Review, ReviewKey>, AppError> {
    let page = list.page::<ReviewKey>()?;
    let (conn, actor) = cx.parts().await?;
    let a = load(conn, agreement_id, false).await?;
    access::can_see_records(actor, &a)?;
    let rows = repo::reviews(conn, agreement_id, list.updated_since, page.after, page.fetch_limit()).await?;
    Page::from_rows(rows, &page, |(r, _, _)| (r.scheduled_date, r.id)).try_map(|(row, at, v)| review_from(row, at, v))
}

/// One review (members of the parties).
pub async fn review(cx: &mut Cx<'_>, agreement_id: Uuid, id: Uuid) -> Result<Review, AppError> {
    let (conn, actor) = cx.parts().await?;
    let a = load(conn, agreement_id, false).await?;
    access::can_see_records(actor, &a)?;
    let (row, at, v) = repo::review(conn, agreement_id, id).await?.ok_or(AppError::NotFound)?;
    review_from(row, at, v)
}

/// Records a review (coordinators and org admins of the parties), moves the agreement's next
/// review date, and with outcome `amend` opens an amendment, all in one transaction.
pub async fn record_review(
    cx: &mut Cx<'_>,
    agreement_id: Uuid,
    input: ReviewInput,
) -> Result<(Review, Agreement), AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = load(tx, agreement_id, true).await?;
        access::can_edit(actor, &before)?;
        let parties: HashSet<Uuid> = before.content.parties.iter().map(|p| p.organization_id).collect();
        validate_review(&input)?;
        names_only_parties(&input, &parties)?;
        contacts_of_parties(tx, "participant_contact_ids", &input.participant_contact_ids, &parties).await?;
        let cycle = u32::try_from(before.content.review.cycle_months).unwrap_or(12);
        let next_due = input.next_review_due.or_else(|| input.scheduled_date.checked_add_months(Months::new(cycle)));
        let row = ReviewRow {
            id: Uuid::now_v7(),
            agreement_id,
            scheduled_date: input.scheduled_date,
            held_on: input.held_on,
            participant_organization_ids: input.participant_organization_ids.iter().copied().map(Some).collect(),
            participant_contact_ids: input.participant_contact_ids.iter().copied().map(Some).collect(),
            agenda: input.agenda.as_ref().map(to_json).transpose()?,
            findings: input.findings.as_ref().map(to_json).transpose()?,
            decisions: to_json(&input.decisions)?,
            outcome: name_of(&input.outcome),
            next_review_due: next_due,
            recorded_by: actor.user_id(),
        };
        let created_at = repo::insert_review(tx, &row).await?;
        let review = Review {
            id: row.id,
            agreement_id,
            input: ReviewInput { next_review_due: next_due, ..input.clone() },
            recorded_by: row.recorded_by,
            created_at,
            version: 1,
            parties: parties.iter().copied().collect(),
        };
        audit::record(tx, actor, "create", Change::Created(&review)).await?;
        repo::set_review_next_due(tx, agreement_id, next_due).await?;
        let moved = load(tx, agreement_id, true).await?;
        audit::record(tx, actor, "review", Change::updated(&before, &moved)).await?;
        let after = if input.outcome == ReviewOutcome::Amend {
            let rationale = format!("Annual review of {}", input.scheduled_date);
            open_amendment(tx, actor, &moved, &rationale).await?
        } else {
            moved
        };
        Ok((review, after))
    })
    .await
}

/// Who was briefed on which version's ground rules.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Acknowledgement {
    pub id: Uuid,
    pub agreement_id: Uuid,
    pub version: i32,
    pub user_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub person_name: Option<String>,
    pub organization_id: Option<Uuid>,
    pub acknowledged_on: NaiveDate,
    pub recorded_by: Option<Uuid>,
    /// Whether it concerns the version in force (false: needs briefing again).
    pub current: bool,
}

impl Audited for Acknowledgement {
    const RESOURCE_TYPE: &'static str = "agreement_acknowledgement";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_organizations(&self) -> Vec<Uuid> {
        self.organization_id.into_iter().collect()
    }
}

/// A briefing to record.
#[derive(Clone, Debug, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"person_name": "Vapaaehtoinen Virtanen", "organization_id": "01930000-0000-7000-8000-00000000000c"}))]
pub struct AcknowledgementInput {
    /// Default: the version in force.
    #[serde(default, deserialize_with = "crate::domain::types::integers::opt_int32")]
    pub version: Option<i32>,
    /// Another user; default: yourself (unless `contact_id` or `person_name` is given).
    #[serde(default)]
    pub user_id: Option<Uuid>,
    /// A contact person of a party.
    #[serde(default)]
    pub contact_id: Option<Uuid>,
    /// A person with neither an account nor a contact entry (a volunteer, say). Erase it by
    /// deleting the acknowledgement.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(max = 200), custom(function = "crate::domain::types::formats::not_blank"))]
    pub person_name: Option<String>,
    /// The party organisation the person acts for.
    #[serde(default)]
    pub organization_id: Option<Uuid>,
    /// Default: today.
    #[serde(default)]
    pub acknowledged_on: Option<NaiveDate>,
}

fn ack_from(row: AcknowledgementRow, in_force: Option<i32>) -> Acknowledgement {
    Acknowledgement {
        current: in_force == Some(row.version),
        id: row.id,
        agreement_id: row.agreement_id,
        version: row.version,
        user_id: row.user_id,
        contact_id: row.contact_id,
        person_name: row.person_name,
        organization_id: row.organization_id,
        acknowledged_on: row.acknowledged_on,
        recorded_by: row.recorded_by,
    }
}

/// Acknowledgements, optionally only those (`current = Some(false)`) of older versions.
/// Position in the (version, id) order of acknowledgements.
pub type AcknowledgementKey = (i32, Uuid);

/// Filters of the acknowledgement list.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AcknowledgementQuery {
    /// `false`: only acknowledgements of older versions (who needs briefing again); `true`:
    /// only those of the version in force.
    pub current: Option<bool>,
}

pub async fn list_acknowledgements(
    cx: &mut Cx<'_>,
    agreement_id: Uuid,
    query: AcknowledgementQuery,
    list: &ListQuery,
) -> Result<Page<Acknowledgement, AcknowledgementKey>, AppError> {
    let page = list.page::<AcknowledgementKey>()?;
    let (conn, actor) = cx.parts().await?;
    let a = load(conn, agreement_id, false).await?;
    access::can_see_records(actor, &a)?;
    let of_version = match (query.current, a.current_version) {
        (None, _) | (Some(false), None) => None,
        (Some(current), Some(v)) => Some((current, v)),
        // Nothing is in force, so nothing is current.
        (Some(true), None) => return Ok(Page::empty(page.limit)),
    };
    let filter = repo::AcknowledgementFilter {
        agreement_id,
        of_version,
        since: list.updated_since,
        after: page.after,
        limit: page.fetch_limit(),
    };
    let rows = repo::acknowledgements(conn, &filter).await?;
    Ok(Page::from_rows(rows, &page, |r| (r.version, r.id)).map(|r| ack_from(r, a.current_version)))
}

/// One acknowledgement (members of the parties).
pub async fn acknowledgement(cx: &mut Cx<'_>, agreement_id: Uuid, id: Uuid) -> Result<Acknowledgement, AppError> {
    let (conn, actor) = cx.parts().await?;
    let a = load(conn, agreement_id, false).await?;
    access::can_see_records(actor, &a)?;
    let row = repo::acknowledgement(conn, agreement_id, id).await?.ok_or(AppError::NotFound)?;
    Ok(ack_from(row, a.current_version))
}

/// Records a briefing. Anyone in a party organisation records their own; coordinators and
/// org admins of a party record others (named volunteers, say).
pub async fn acknowledge(
    cx: &mut Cx<'_>,
    agreement_id: Uuid,
    input: AcknowledgementInput,
) -> Result<Acknowledgement, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let a = load(tx, agreement_id, false).await?;
        access::can_see_records(actor, &a)?;
        let own = input.person_name.is_none()
            && input.contact_id.is_none()
            && input.user_id.is_none_or(|u| Some(u) == actor.user_id());
        if !own {
            access::can_edit(actor, &a)?;
        }
        validation::check(&input)?;
        let named = [input.user_id.is_some(), input.contact_id.is_some(), input.person_name.is_some()];
        if named.iter().filter(|n| **n).count() > 1 {
            return Err(AppError::invalid(
                "user_id",
                "one_of",
                "name the person once: user_id, contact_id or person_name",
            ));
        }
        let user_id = match (input.user_id, input.contact_id, &input.person_name) {
            (Some(u), _, _) => Some(u),
            (None, None, None) => Some(actor.user_id().ok_or(AppError::Forbidden)?),
            _ => None,
        };
        if let Some(user) = input.user_id
            && crate::repo::identity::users::get(tx, user).await?.is_none()
        {
            return Err(AppError::Conflict { detail: "user_id: no such user".into() });
        }
        let version = match input.version.or(a.current_version) {
            Some(v) => v,
            None => return Err(AppError::Conflict { detail: "no version is in force yet; name the version".into() }),
        };
        if crate::repo::agreements::versions::version(tx, agreement_id, version).await?.is_none() {
            return Err(AppError::Conflict { detail: format!("version: the agreement has no version {version}") });
        }
        let parties: Vec<Uuid> = a.content.parties.iter().map(|p| p.organization_id).collect();
        if input.organization_id.is_some_and(|o| !parties.contains(&o)) {
            return Err(AppError::Conflict { detail: "organization_id: not a party of the agreement".into() });
        }
        let contact_organization = match input.contact_id {
            Some(c) => {
                let party_set: HashSet<Uuid> = parties.iter().copied().collect();
                contacts_of_parties(tx, "contact_id", &[c], &party_set).await?.pop()
            }
            None => None,
        };
        let organization_id = input.organization_id.or(contact_organization).or_else(|| {
            // The caller's own party organisation, when recording their own briefing.
            parties.iter().copied().find(|p| own && actor.has_role(*p, Role::Member))
        });
        let row = AcknowledgementRow {
            id: Uuid::now_v7(),
            agreement_id,
            version,
            user_id,
            contact_id: input.contact_id,
            person_name: input.person_name.map(|n| n.trim().to_owned()),
            organization_id,
            acknowledged_on: input.acknowledged_on.unwrap_or_else(|| Utc::now().date_naive()),
            recorded_by: actor.user_id(),
        };
        repo::insert_acknowledgement(tx, &row).await?;
        let ack = ack_from(row, a.current_version);
        audit::record(tx, actor, "create", Change::Created(&ack)).await?;
        Ok(ack)
    })
    .await
}

/// Deletes an acknowledgement, and with it the name it carried, from the audit entries too:
/// the erasure path for a person recorded by name only. The person themself (their own
/// account's acknowledgement), or a coordinator or org admin of a party, deletes.
pub async fn delete_acknowledgement(
    cx: &mut Cx<'_>,
    agreement_id: Uuid,
    id: Uuid,
    if_match: IfMatch,
) -> Result<(), AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let a = load(tx, agreement_id, false).await?;
        access::can_see_records(actor, &a)?;
        let row = repo::acknowledgement(tx, agreement_id, id).await?.ok_or(AppError::NotFound)?;
        let own = row.user_id.is_some() && row.user_id == actor.user_id();
        if !own {
            access::can_edit(actor, &a)?;
        }
        if_match.check(IMMUTABLE_VERSION)?;
        repo::delete_acknowledgement(tx, id).await?;
        let ack = ack_from(row, a.current_version);
        audit::scrub(tx, &ack).await?;
        let erased = Acknowledgement { person_name: None, ..ack };
        audit::record(tx, actor, "delete", Change::Deleted(&erased)).await?;
        Ok(())
    })
    .await
}
