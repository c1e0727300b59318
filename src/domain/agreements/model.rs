//! What an agreement is: its content (with the field rules every edit must pass), lifecycle
//! status, versions and signatures, and loading them from their rows.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::{Validate, ValidationError};

use crate::db::Conn;
use crate::domain::access::Actor;
use crate::domain::audit::{self, Audited, Change};
use crate::domain::types::decimal::Decimal2;
use crate::domain::types::formats;
use crate::domain::types::integers;
use crate::domain::types::localized::LocalizedText;
use crate::domain::types::names::{all_from_stored, from_stored, name_of};
use crate::domain::types::validation::rule;
use crate::error::{AppError, FieldError};
use crate::repo::agreements::versions::{self as version_repo, SignatureRow, VersionRow};
use crate::repo::agreements::{self as repo, AgreementRow, AgreementWrite, PartyRow};
use crate::repo::contacts as contact_repo;

fn yes() -> bool {
    true
}

fn twelve() -> i32 {
    12
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartyRole {
    /// Taustaorganisaatio: coordinates the collaboration.
    Backbone,
    Partner,
    /// Provides the premises (tilat).
    PremisesHost,
    Funder,
    /// An NGO receiving a subsidy under the agreement (avustettu järjestö).
    SubsidisedNgo,
}

/// The five conditions of collective impact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Principle {
    CommonAgenda,
    SharedMeasurement,
    MutuallyReinforcingActivities,
    ContinuousCommunication,
    BackboneSupport,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CostCategory {
    Rent,
    Refreshments,
    Materials,
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CostBasis {
    /// Shares are percentages adding up to exactly 100.
    Percentage,
    /// Shares are fixed euro amounts.
    Fixed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AmountPeriod {
    Annual,
    PerEvent,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgreementVisibility {
    /// Only members of the party organisations.
    #[default]
    Parties,
    /// Anyone; contact persons are left out of anonymous responses.
    Public,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Period {
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// The latest date the agreement may be extended to.
    #[serde(default)]
    pub max_extension_date: Option<NaiveDate>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Party {
    pub organization_id: Uuid,
    /// At least one role.
    #[schema(min_items = 1, max_items = 5)]
    #[validate(length(min = 1, max = 5))]
    pub roles: Vec<PartyRole>,
    /// Whether the party's signature is needed for the agreement to take effect.
    #[serde(default = "yes")]
    pub must_sign: bool,
    /// The party's contact persons (its own contacts).
    #[serde(default)]
    #[schema(max_items = 20)]
    #[validate(length(max = 20))]
    pub contact_ids: Vec<Uuid>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Task {
    #[validate(nested)]
    pub description: LocalizedText,
    #[serde(default)]
    #[schema(max_items = 50)]
    #[validate(length(max = 50))]
    pub responsible_party_ids: Vec<Uuid>,
    #[serde(default)]
    pub event_series_id: Option<Uuid>,
    /// The indicator that will show the task's effect: public, or one the parties are
    /// partners of.
    #[serde(default)]
    pub indicator_id: Option<Uuid>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ExtraSection {
    #[validate(nested)]
    pub title: LocalizedText,
    #[validate(nested)]
    pub text: LocalizedText,
}

/// Pelisäännöt: the sections the Keski-Suomi tip list names, plus free extra sections.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct GroundRules {
    #[serde(default)]
    #[validate(nested)]
    pub contact_persons: Option<LocalizedText>,
    #[serde(default)]
    #[validate(nested)]
    pub meetings_and_development: Option<LocalizedText>,
    #[serde(default)]
    #[validate(nested)]
    pub agreeing_and_changes: Option<LocalizedText>,
    #[serde(default)]
    #[validate(nested)]
    pub premises_use: Option<LocalizedText>,
    #[serde(default)]
    #[schema(max_items = 20)]
    #[validate(length(max = 20), nested)]
    pub extra: Vec<ExtraSection>,
}

fn evidence_links(links: &[String]) -> Result<(), ValidationError> {
    links.iter().try_for_each(|l| {
        if l.chars().count() > 2000 { Err(rule("too_long", "at most 2000 characters")) } else { formats::http_url(l) }
    })
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CiPrinciple {
    pub principle: Principle,
    #[validate(nested)]
    pub commitment: LocalizedText,
    /// http(s) addresses, at most 2,000 characters each.
    #[serde(default)]
    #[schema(max_items = 20, value_type = Vec<formats::schema::HttpUrl>)]
    #[validate(length(max = 20), custom(function = "evidence_links"))]
    pub evidence_links: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Share {
    pub organization_id: Uuid,
    /// With basis `percentage`.
    #[serde(default)]
    pub percent: Option<Decimal2>,
    /// With basis `fixed`: euros.
    #[serde(default)]
    pub amount: Option<Decimal2>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CostItem {
    pub category: CostCategory,
    pub basis: CostBasis,
    /// The cost in euros, per `amount_period`.
    #[serde(default)]
    pub amount: Option<Decimal2>,
    #[serde(default)]
    pub amount_period: Option<AmountPeriod>,
    #[serde(default)]
    #[validate(nested)]
    pub description: Option<LocalizedText>,
    #[schema(min_items = 1, max_items = 50)]
    #[validate(length(min = 1, max = 50))]
    pub shares: Vec<Share>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Review {
    /// Months between annual reviews, 1–60 (default 12).
    #[serde(default = "twelve", deserialize_with = "integers::int32")]
    #[schema(minimum = 1, maximum = 60)]
    #[validate(range(min = 1, max = 60))]
    pub cycle_months: i32,
    #[serde(default)]
    pub next_due: Option<NaiveDate>,
}

impl Default for Review {
    fn default() -> Self {
        Review { cycle_months: 12, next_due: None }
    }
}

fn agreement_code(code: &str) -> Result<(), ValidationError> {
    let ok = (2..=40).contains(&code.len())
        && code.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && code.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if ok { Ok(()) } else { Err(rule("invalid_format", "use 2-40 letters, digits, '-', '_' or '.'")) }
}

/// Everything the parties agree on: what is edited, frozen into versions and signed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "code": "KS-2026-014", "title": {"fi": "Kohtaamispaikan kumppanuussopimus"},
    "purpose": {"fi": "Ikääntyneiden yksinäisyyden vähentäminen"},
    "period": {"start_date": "2026-01-01", "end_date": "2027-12-31"},
    "parties": [{"organization_id": "01930000-0000-7000-8000-000000000004", "roles": ["backbone"], "must_sign": true},
                {"organization_id": "01930000-0000-7000-8000-00000000000c", "roles": ["partner"], "must_sign": true}],
    "tasks": [{"description": {"fi": "Kahvilan järjestäminen"},
               "responsible_party_ids": ["01930000-0000-7000-8000-00000000000c"]}],
    "ground_rules": {"contact_persons": {"fi": "Kummallakin osapuolella on nimetty yhdyshenkilö."},
                     "premises_use": {"fi": "Tilat ovat maksutta käytössä arkisin."}},
    "ci_principles": [{"principle": "common_agenda", "commitment": {"fi": "Yhteinen tavoite kirjataan vuosisuunnitelmaan."}}],
    "cost_sharing": [{"category": "rent", "basis": "percentage", "amount": "4800.00", "amount_period": "annual",
                      "shares": [{"organization_id": "01930000-0000-7000-8000-000000000004", "percent": "50"},
                                 {"organization_id": "01930000-0000-7000-8000-00000000000c", "percent": "50"}]}],
    "review": {"cycle_months": 12, "next_due": "2026-11-30"}}))]
pub struct AgreementFields {
    /// Human reference, unique (e.g. `KS-2026-014`): 2–40 letters, digits, `-`, `_` or `.`.
    #[schema(min_length = 2, max_length = 40, pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{1,39}$")]
    #[validate(custom(function = "agreement_code"))]
    pub code: String,
    #[validate(nested)]
    pub title: LocalizedText,
    /// The common agenda.
    #[validate(nested)]
    pub purpose: LocalizedText,
    pub period: Period,
    #[serde(default)]
    pub visibility: AgreementVisibility,
    #[schema(min_items = 1, max_items = 50)]
    #[validate(length(min = 1, max = 50), nested)]
    pub parties: Vec<Party>,
    #[serde(default)]
    #[schema(max_items = 100)]
    #[validate(length(max = 100), nested)]
    pub tasks: Vec<Task>,
    #[serde(default)]
    #[validate(nested)]
    pub ground_rules: GroundRules,
    #[serde(default)]
    #[schema(max_items = 5)]
    #[validate(length(max = 5), nested)]
    pub ci_principles: Vec<CiPrinciple>,
    #[serde(default)]
    #[schema(max_items = 20)]
    #[validate(length(max = 20), nested)]
    pub cost_sharing: Vec<CostItem>,
    #[serde(default)]
    #[validate(nested)]
    pub review: Review,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    Negotiation,
    AwaitingSignatures,
    Active,
    /// Derived: active, but past its end date.
    Expired,
    Terminated,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Draft,
        Status::Negotiation,
        Status::AwaitingSignatures,
        Status::Active,
        Status::Expired,
        Status::Terminated,
        Status::Cancelled,
    ];

    /// The status stored in the row (`expired` is stored as `active`).
    pub(super) fn stored(self) -> String {
        match self {
            Status::Expired => name_of(&Status::Active),
            other => name_of(&other),
        }
    }

    pub(super) fn from_row(stored: &str, end_date: NaiveDate, today: NaiveDate) -> Result<Status, AppError> {
        Ok(match from_stored("agreement status", stored)? {
            Status::Active if end_date < today => Status::Expired,
            other => other,
        })
    }

    /// Where `POST /transitions` may go from here. `active` is reached by signing only.
    pub fn allowed_transitions(self) -> &'static [Status] {
        match self {
            Status::Draft => &[Status::Negotiation, Status::AwaitingSignatures, Status::Cancelled],
            Status::Negotiation => &[Status::Draft, Status::AwaitingSignatures, Status::Cancelled],
            Status::AwaitingSignatures => &[Status::Negotiation, Status::Cancelled],
            Status::Active => &[Status::Terminated],
            Status::Expired | Status::Terminated | Status::Cancelled => &[],
        }
    }

    pub fn is_editable(self) -> bool {
        matches!(self, Status::Draft | Status::Negotiation)
    }
}

/// An agreement as read.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Agreement {
    pub id: Uuid,
    #[serde(flatten)]
    pub content: AgreementFields,
    pub status: Status,
    pub status_comment: Option<String>,
    /// The version in force (signed by every signing party).
    pub current_version: Option<i32>,
    /// An amendment in preparation; the content above is then its working copy, while
    /// `current_version` stays in force until the amendment is signed by all.
    pub amendment: Option<Amendment>,
    pub ci_principles_complete: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// Whether this is the outsiders' view (the content in force, no contact persons).
    #[serde(skip)]
    pub redacted: bool,
    /// The organisation that created it: before anyone signs, it may remove parties it named.
    #[serde(skip)]
    pub created_by_organization_id: Option<Uuid>,
    /// Organisations the agreement concerns besides its current parties: parties of the version
    /// in force, and required signers of a version being signed (a party an amendment removes
    /// stays bound, and signs its removal).
    #[serde(skip)]
    pub concerned: Vec<Uuid>,
}

/// An amendment (muutos) of an active agreement.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Amendment {
    /// `draft`, `negotiation` or `awaiting_signatures`.
    pub status: Status,
    pub rationale: String,
}

impl Audited for Agreement {
    const RESOURCE_TYPE: &'static str = "agreement";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_organizations(&self) -> Vec<Uuid> {
        self.party_ids()
    }
}

impl Agreement {
    pub fn party_ids(&self) -> Vec<Uuid> {
        self.content.parties.iter().map(|p| p.organization_id).collect()
    }

    /// The parties marked to sign the content.
    pub fn signing_parties(&self) -> Vec<Uuid> {
        self.content.parties.iter().filter(|p| p.must_sign).map(|p| p.organization_id).collect()
    }

    /// The organisations the agreement concerns: its parties, and see [`Agreement::concerned`].
    pub fn concerned_organizations(&self) -> Vec<Uuid> {
        let mut all = self.party_ids();
        all.extend(self.concerned.iter().filter(|s| !all.contains(s)).copied().collect::<Vec<_>>());
        all
    }

    /// The state that editing, transitions and signing act on: the open amendment's, or the
    /// agreement's own.
    pub fn working_status(&self) -> Status {
        self.amendment.as_ref().map_or(self.status, |a| a.status)
    }
}

pub(super) use crate::domain::types::stored::{from_json, to_json};

pub(super) fn from_rows(row: AgreementRow, parties: Vec<PartyRow>, today: NaiveDate) -> Result<Agreement, AppError> {
    let ci_principles: Vec<CiPrinciple> = from_json(row.written.ci_principles)?;
    let complete = ci_principles.iter().map(|p| p.principle).collect::<HashSet<_>>().len() == 5;
    Ok(Agreement {
        id: row.id,
        content: AgreementFields {
            code: row.written.code,
            title: from_json(row.written.title)?,
            purpose: from_json(row.written.purpose)?,
            period: Period {
                start_date: row.written.start_date,
                end_date: row.written.end_date,
                max_extension_date: row.written.max_extension_date,
            },
            visibility: from_stored("agreement visibility", &row.written.visibility)?,
            parties: parties
                .into_iter()
                .map(|p| {
                    Ok(Party {
                        organization_id: p.organization_id,
                        roles: all_from_stored("party role", &p.roles)?,
                        must_sign: p.must_sign,
                        contact_ids: p.contact_ids.into_iter().flatten().collect(),
                    })
                })
                .collect::<Result<_, AppError>>()?,
            tasks: from_json(row.written.tasks)?,
            ground_rules: from_json(row.written.ground_rules)?,
            ci_principles,
            cost_sharing: from_json(row.written.cost_sharing)?,
            review: Review { cycle_months: row.written.review_cycle_months, next_due: row.written.review_next_due },
        },
        status: Status::from_row(&row.status, row.written.end_date, today)?,
        status_comment: row.status_comment,
        current_version: row.current_version,
        amendment: match (row.amendment_status, row.amendment_rationale) {
            (Some(status), Some(rationale)) => {
                Some(Amendment { status: Status::from_row(&status, row.written.end_date, today)?, rationale })
            }
            _ => None,
        },
        ci_principles_complete: complete,
        created_at: row.created_at,
        updated_at: row.updated_at,
        version: row.version,
        redacted: false,
        created_by_organization_id: row.created_by_organization_id,
        concerned: Vec::new(),
    })
}

pub(super) fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// The agreement with its parties; `for_update` locks its row for the rest of the transaction.
pub(super) async fn load(conn: &mut Conn, id: Uuid, for_update: bool) -> Result<Agreement, AppError> {
    let row = if for_update { repo::lock(conn, id).await? } else { repo::get(conn, id).await? };
    let row = row.ok_or(AppError::NotFound)?;
    let parties = repo::parties_of(conn, &[id]).await?;
    let mut agreement = from_rows(row, parties, today())?;
    agreement.concerned =
        version_repo::concerned_organizations(conn, &[id]).await?.into_iter().map(|(_, o)| o).collect();
    Ok(agreement)
}

/// Opens an amendment inside the caller's transaction, on an agreement already loaded for
/// update and checked for the right to edit.
pub(crate) async fn open_amendment(
    tx: &mut Conn,
    actor: &Actor,
    before: &Agreement,
    rationale: &str,
) -> Result<Agreement, AppError> {
    if !matches!(before.status, Status::Active | Status::Expired) {
        return Err(AppError::Conflict {
            detail: format!("only an active agreement is amended; this one is {}", name_of(&before.status)),
        });
    }
    if let Some(open) = &before.amendment {
        return Err(AppError::Conflict {
            detail: format!("an amendment is already open ({}); finish or cancel it first", name_of(&open.status)),
        });
    }
    repo::set_amendment(tx, before.id, Some(&Status::Draft.stored()), Some(rationale)).await?;
    let after = load(tx, before.id, false).await?;
    audit::record(tx, actor, "amend", Change::updated(before, &after)).await?;
    Ok(after)
}

impl AgreementFields {
    /// Rules between fields: dates, parties, sums.
    pub fn rules(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.period.end_date < self.period.start_date {
            errors.push(FieldError::new("period.end_date", "before_start", "the end date is before the start date"));
        }
        if self.period.max_extension_date.is_some_and(|d| d < self.period.end_date) {
            errors.push(FieldError::new(
                "period.max_extension_date",
                "before_end",
                "the extension date is before the end date",
            ));
        }
        let mut party_ids = HashSet::new();
        for (i, p) in self.parties.iter().enumerate() {
            if !party_ids.insert(p.organization_id) {
                errors.push(FieldError::new(
                    format!("parties[{i}].organization_id"),
                    "duplicate",
                    "the organisation is listed twice",
                ));
            }
        }
        for (i, p) in self.parties.iter().enumerate() {
            if !p.must_sign && self.carries_obligations(p.organization_id) {
                errors.push(FieldError::new(
                    format!("parties[{i}].must_sign"),
                    "must_sign",
                    "a party that carries a cost share or is responsible for a task must sign",
                ));
            }
        }
        for (i, t) in self.tasks.iter().enumerate() {
            for (j, r) in t.responsible_party_ids.iter().enumerate() {
                if !party_ids.contains(r) {
                    errors.push(FieldError::new(
                        format!("tasks[{i}].responsible_party_ids[{j}]"),
                        "not_a_party",
                        "the responsible organisation is not a party",
                    ));
                }
            }
        }
        let mut principles = HashSet::new();
        for (i, p) in self.ci_principles.iter().enumerate() {
            if !principles.insert(p.principle) {
                errors.push(FieldError::new(
                    format!("ci_principles[{i}].principle"),
                    "duplicate",
                    "the principle is listed twice",
                ));
            }
        }
        for (i, item) in self.cost_sharing.iter().enumerate() {
            errors.extend(cost_item_rules(i, item, &party_ids));
        }
        errors
    }

    /// Whether the organisation is responsible for a task or carries a cost share.
    fn carries_obligations(&self, org: Uuid) -> bool {
        self.tasks.iter().any(|t| t.responsible_party_ids.contains(&org))
            || self.cost_sharing.iter().any(|c| c.shares.iter().any(|s| s.organization_id == org))
    }

    /// What the content binds `org` to, comparable between versions: whether it signs, its
    /// roles, the tasks it is responsible for and its cost shares. `None` if it is no party.
    pub fn obligations_of(&self, org: Uuid) -> Option<Value> {
        let party = self.parties.iter().find(|p| p.organization_id == org)?;
        let mut roles: Vec<String> = party.roles.iter().map(name_of).collect();
        roles.sort();
        let tasks: Vec<&Task> = self.tasks.iter().filter(|t| t.responsible_party_ids.contains(&org)).collect();
        let shares: Vec<Value> = self
            .cost_sharing
            .iter()
            .flat_map(|c| {
                c.shares.iter().filter(|s| s.organization_id == org).map(move |s| {
                    serde_json::json!({"category": c.category, "basis": c.basis, "amount": c.amount,
                                       "amount_period": c.amount_period, "share": s})
                })
            })
            .collect();
        Some(serde_json::json!({"must_sign": party.must_sign, "roles": roles, "tasks": tasks, "shares": shares}))
    }

    /// Who must sign this content for it to enter into force: its signing parties, and when it
    /// amends a version in force, every party that signed that version and every organisation
    /// whose obligations it sets, changes or removes.
    pub fn required_signers(&self, in_force: Option<(&AgreementFields, &[Uuid])>) -> Vec<Uuid> {
        let mut required: Vec<Uuid> = self.parties.iter().filter(|p| p.must_sign).map(|p| p.organization_id).collect();
        let mut add = |org: Uuid| {
            if !required.contains(&org) {
                required.push(org);
            }
        };
        if let Some((before, signed)) = in_force {
            signed.iter().copied().for_each(&mut add);
            let concerned = before.parties.iter().chain(&self.parties).map(|p| p.organization_id);
            for org in concerned {
                if before.obligations_of(org) != self.obligations_of(org) {
                    add(org);
                }
            }
        }
        required
    }

    /// References, once the fields pass: a party's contact persons must be that party's own,
    /// and not erased; the indicator a task names must be one the parties may read (public,
    /// or one they are partners of). 422 naming each one that is not.
    pub(super) async fn check_references(&self, conn: &mut Conn) -> Result<(), AppError> {
        let mut errors = Vec::new();
        let parties: Vec<Uuid> = self.parties.iter().map(|p| p.organization_id).collect();
        for (i, task) in self.tasks.iter().enumerate() {
            let Some(indicator) = task.indicator_id else { continue };
            let readable = match crate::domain::indicators::load(conn, indicator, false).await {
                Ok(found) => {
                    found.is_public() || crate::domain::indicators::has_partner(conn, indicator, &parties).await?
                }
                Err(AppError::NotFound) => false,
                Err(e) => return Err(e),
            };
            if !readable {
                errors.push(FieldError::new(
                    format!("tasks[{i}].indicator_id"),
                    "not_found",
                    "no such indicator that the parties may read",
                ));
            }
        }
        for (i, party) in self.parties.iter().enumerate() {
            for (j, contact) in party.contact_ids.iter().enumerate() {
                let ok = contact_repo::get(conn, party.organization_id, *contact)
                    .await?
                    .is_some_and(|c| c.erased_at.is_none());
                if !ok {
                    errors.push(FieldError::new(
                        format!("parties[{i}].contact_ids[{j}]"),
                        "not_found",
                        "no such contact person of this party",
                    ));
                }
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(AppError::Validation(errors)) }
    }

    pub(super) fn to_row(&self) -> Result<AgreementWrite, AppError> {
        Ok(AgreementWrite {
            code: self.code.clone(),
            title: to_json(&self.title)?,
            purpose: to_json(&self.purpose)?,
            start_date: self.period.start_date,
            end_date: self.period.end_date,
            max_extension_date: self.period.max_extension_date,
            visibility: name_of(&self.visibility),
            tasks: to_json(&self.tasks)?,
            ground_rules: to_json(&self.ground_rules)?,
            ci_principles: to_json(&self.ci_principles)?,
            cost_sharing: to_json(&self.cost_sharing)?,
            review_cycle_months: self.review.cycle_months,
            review_next_due: self.review.next_due,
        })
    }

    pub(super) fn party_rows(&self, agreement_id: Uuid) -> Vec<PartyRow> {
        self.parties
            .iter()
            .zip(0..)
            .map(|(p, position)| PartyRow {
                agreement_id,
                organization_id: p.organization_id,
                position,
                roles: p.roles.iter().map(|r| Some(name_of(r))).collect(),
                must_sign: p.must_sign,
                contact_ids: p.contact_ids.iter().copied().map(Some).collect(),
            })
            .collect()
    }
}

fn cost_item_rules(i: usize, item: &CostItem, parties: &HashSet<Uuid>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let field = |rest: &str| format!("cost_sharing[{i}]{rest}");
    if item.amount_period.is_some() && item.amount.is_none() {
        errors.push(FieldError::new(field(".amount"), "required", "an amount period needs an amount"));
    }
    let mut seen = HashSet::new();
    let mut total = Some(Decimal2::default());
    for (j, share) in item.shares.iter().enumerate() {
        let share_field = |rest: &str| field(&format!(".shares[{j}]{rest}"));
        if !parties.contains(&share.organization_id) {
            errors.push(FieldError::new(
                share_field(".organization_id"),
                "not_a_party",
                "the organisation is not a party",
            ));
        }
        if !seen.insert(share.organization_id) {
            errors.push(FieldError::new(
                share_field(".organization_id"),
                "duplicate",
                "the organisation has two shares",
            ));
        }
        let value = match item.basis {
            CostBasis::Percentage => {
                if share.amount.is_some() {
                    errors.push(FieldError::new(
                        share_field(".amount"),
                        "not_allowed",
                        "percentage shares take `percent`",
                    ));
                }
                share.percent
            }
            CostBasis::Fixed => {
                if share.percent.is_some() {
                    errors.push(FieldError::new(share_field(".percent"), "not_allowed", "fixed shares take `amount`"));
                }
                share.amount
            }
        };
        match value {
            Some(v) => total = total.and_then(|t| t.checked_add(v)),
            None => {
                let name = if item.basis == CostBasis::Percentage { ".percent" } else { ".amount" };
                errors.push(FieldError::new(share_field(name), "required", "give the share"));
                total = None;
            }
        }
    }
    match (item.basis, total) {
        (CostBasis::Percentage, Some(t)) if t != Decimal2::HUNDRED && !item.shares.is_empty() => {
            errors.push(FieldError::new(
                field(".shares"),
                "percentages_not_100",
                format!("the percentages add up to {t}, not 100"),
            ));
        }
        (CostBasis::Fixed, Some(t)) if item.amount.is_some_and(|a| a != t) => {
            errors.push(FieldError::new(
                field(".shares"),
                "amounts_mismatch",
                format!("the shares add up to {t}, not the item's amount"),
            ));
        }
        _ => {}
    }
    errors
}

/// The contact persons a party named for a version (kept beside its signed snapshot).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PartyContacts {
    pub organization_id: Uuid,
    pub contact_ids: Vec<Uuid>,
}

impl AgreementFields {
    /// What a version signs, and what is kept beside it. The signed snapshot is the content
    /// without the parties' contact persons: they are personal data that only party members
    /// may see, and every reader of a version must be able to recompute its hash.
    pub(super) fn signed_content(&self) -> Result<(Value, Vec<PartyContacts>), AppError> {
        let mut snapshot: Value = to_json(self)?;
        if let Some(Value::Array(parties)) = snapshot.get_mut("parties") {
            for party in parties.iter_mut().filter_map(Value::as_object_mut) {
                party.remove("contact_ids");
            }
        }
        let contacts = self
            .parties
            .iter()
            .map(|p| PartyContacts { organization_id: p.organization_id, contact_ids: p.contact_ids.clone() })
            .collect();
        Ok((snapshot, contacts))
    }

    /// The content a version holds: its signed snapshot with the contact persons put back.
    pub(super) fn from_version(snapshot: Value, contacts: &[PartyContacts]) -> Result<AgreementFields, AppError> {
        let mut content: AgreementFields = from_json(snapshot)?;
        for party in &mut content.parties {
            if let Some(c) = contacts.iter().find(|c| c.organization_id == party.organization_id) {
                party.contact_ids = c.contact_ids.clone();
            }
        }
        Ok(content)
    }
}

/// A frozen version with its signatures.
#[derive(Clone, Debug, Serialize)]
pub struct Version {
    pub agreement_id: Uuid,
    pub number: i32,
    pub content_hash: String,
    /// The signed content (RFC 8785 canonical form hashed into `content_hash`).
    pub snapshot: Value,
    /// The parties' contact persons (party members only; not signed).
    pub party_contacts: Vec<PartyContacts>,
    /// The platform's seal, once the version entered into force.
    pub seal: Option<String>,
    pub rationale: Option<String>,
    pub created_at: DateTime<Utc>,
    /// When the last signature it needed was given; `None` while it was never in force.
    pub entered_into_force_at: Option<DateTime<Utc>>,
    /// The organisations whose signatures put it in force.
    pub required_signers: Vec<Uuid>,
    pub signatures: Vec<Signature>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignatureMethod {
    Electronic,
    /// Hallituksen/valtuuston päätös.
    BoardDecision,
    Scan,
}

#[derive(Clone, Debug, Serialize)]
pub struct Signature {
    pub id: Uuid,
    pub agreement_id: Uuid,
    pub version: i32,
    pub organization_id: Uuid,
    pub content_hash: String,
    /// The signatory's name and title: personal data, for the parties' members only.
    pub signatory_name: Option<String>,
    pub signatory_title: Option<String>,
    pub method: SignatureMethod,
    pub decision_ref: Option<String>,
    pub signed_by: Option<Uuid>,
    pub signed_at: DateTime<Utc>,
}

impl Audited for Signature {
    const RESOURCE_TYPE: &'static str = "agreement_signature";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_organizations(&self) -> Vec<Uuid> {
        vec![self.organization_id]
    }
}

impl TryFrom<SignatureRow> for Signature {
    type Error = AppError;
    fn try_from(r: SignatureRow) -> Result<Self, AppError> {
        Ok(Signature {
            method: from_stored("signature method", &r.method)?,
            id: r.id,
            agreement_id: r.agreement_id,
            version: r.version,
            organization_id: r.organization_id,
            content_hash: r.content_hash,
            signatory_name: Some(r.signatory_name),
            signatory_title: Some(r.signatory_title),
            decision_ref: r.decision_ref,
            signed_by: r.signed_by,
            signed_at: r.signed_at,
        })
    }
}

pub(super) fn version_of(
    id: Uuid,
    row: VersionRow,
    signatures: Vec<SignatureRow>,
    seal: Option<String>,
) -> Result<Version, AppError> {
    let signatures: Vec<Signature> = signatures.into_iter().map(Signature::try_from).collect::<Result<_, _>>()?;
    // The version entered into force with the last signature it required.
    let signers: Vec<Uuid> = row.required_signers.iter().flatten().copied().collect();
    let complete = !signers.is_empty() && signers.iter().all(|p| signatures.iter().any(|s| s.organization_id == *p));
    Ok(Version {
        agreement_id: id,
        number: row.number,
        content_hash: row.content_hash,
        snapshot: row.snapshot,
        party_contacts: from_json(row.party_contacts)?,
        seal,
        rationale: row.rationale,
        created_at: row.created_at,
        entered_into_force_at: complete.then(|| signatures.iter().map(|s| s.signed_at).max()).flatten(),
        required_signers: signers,
        signatures,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_reaches_active_only_by_signing() {
        for s in Status::ALL {
            assert!(!s.allowed_transitions().contains(&Status::Active), "{s:?}");
            assert!(!s.allowed_transitions().contains(&Status::Expired), "{s:?}");
        }
        for s in [Status::Draft, Status::Negotiation, Status::AwaitingSignatures] {
            assert!(s.allowed_transitions().contains(&Status::Cancelled));
        }
        assert!(!Status::Active.allowed_transitions().contains(&Status::Cancelled));
        assert!(Status::Draft.is_editable() && Status::Negotiation.is_editable());
        assert!(!Status::AwaitingSignatures.is_editable() && !Status::Active.is_editable());
    }

    #[test]
    fn expiry_is_derived_from_the_end_date() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(Status::from_row("active", d("2026-12-31"), d("2026-12-31")).unwrap(), Status::Active);
        assert_eq!(Status::from_row("active", d("2026-12-31"), d("2027-01-01")).unwrap(), Status::Expired);
        assert_eq!(Status::from_row("draft", d("2020-01-01"), d("2027-01-01")).unwrap(), Status::Draft);
        assert!(Status::from_row("archived", d("2020-01-01"), d("2027-01-01")).is_err());
    }

    fn content(shares: Vec<(Uuid, &str)>) -> AgreementFields {
        let parties = shares
            .iter()
            .map(|(id, _)| Party {
                organization_id: *id,
                roles: vec![PartyRole::Partner],
                must_sign: true,
                contact_ids: vec![],
            })
            .collect();
        AgreementFields {
            code: "KS-2026-001".into(),
            title: LocalizedText::fi("Sopimus"),
            purpose: LocalizedText::fi("Tarkoitus"),
            period: Period {
                start_date: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                end_date: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
                max_extension_date: None,
            },
            visibility: AgreementVisibility::Parties,
            parties,
            tasks: vec![],
            ground_rules: GroundRules::default(),
            ci_principles: vec![],
            cost_sharing: vec![CostItem {
                category: CostCategory::Rent,
                basis: CostBasis::Percentage,
                amount: None,
                amount_period: None,
                description: None,
                shares: shares
                    .iter()
                    .map(|(id, p)| Share { organization_id: *id, percent: Decimal2::parse(p), amount: None })
                    .collect(),
            }],
            review: Review::default(),
        }
    }

    #[test]
    fn percentages_must_add_up_to_exactly_100() {
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        assert!(content(vec![(a, "50"), (b, "50")]).rules().is_empty());
        assert!(content(vec![(a, "33.33"), (b, "33.33"), (c, "33.34")]).rules().is_empty());
        let errors = content(vec![(a, "33.33"), (b, "33.33"), (c, "33.33")]).rules();
        assert_eq!(errors[0].code, "percentages_not_100");
        assert!(errors[0].message.contains("99.99"));
    }

    #[test]
    fn field_rules_name_the_nested_path() {
        let mut c = content(vec![(Uuid::now_v7(), "100")]);
        c.parties[0].roles.clear();
        c.code = "x".into();
        let errors = crate::domain::types::validation::field_errors(&c.validate().unwrap_err());
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["code", "parties[0].roles"]);
    }
}
