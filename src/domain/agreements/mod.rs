//! Partnership agreements (kumppanuussopimukset): who does what, on which ground rules
//! (pelisäännöt), under which collective-impact principles and cost sharing (jyvitys).
//!
//! Lifecycle: `draft` ⇄ `negotiation` → `awaiting_signatures` (freezes an immutable version
//! with the SHA-256 of its RFC 8785 canonical JSON) → `active` once every signing party has
//! signed that hash → `expired` (derived from the end date) or `terminated`; `cancelled` from
//! any state before `active`. Content is editable only in `draft` and `negotiation`.

pub mod reviews;

use std::collections::HashSet;

use chrono::{NaiveDate, Utc};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::Conn;
use crate::domain::access::{Actor, Principal, Role};
use crate::domain::audit::{self, Audited, Change};
use crate::domain::types::canonical_json;
use crate::domain::types::decimal::Decimal2;
use crate::domain::types::localized::LocalizedText;
use crate::domain::types::merge_patch;
use crate::domain::types::pagination::{Page, PageRequest};
use crate::domain::types::search;
use crate::error::{AppError, FieldError};
use crate::repo::agreements::{
    self as repo, AgreementFields, AgreementFilter, AgreementRow, PartyRow, SignatureRow, VersionRow,
};
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

impl PartyRole {
    fn as_str(self) -> &'static str {
        match self {
            PartyRole::Backbone => "backbone",
            PartyRole::Partner => "partner",
            PartyRole::PremisesHost => "premises_host",
            PartyRole::Funder => "funder",
            PartyRole::SubsidisedNgo => "subsidised_ngo",
        }
    }

    fn parse(s: &str) -> Option<PartyRole> {
        [PartyRole::Backbone, PartyRole::Partner, PartyRole::PremisesHost, PartyRole::Funder, PartyRole::SubsidisedNgo]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
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

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Party {
    pub organization_id: Uuid,
    pub roles: Vec<PartyRole>,
    /// Whether the party's signature is needed for the agreement to take effect.
    #[serde(default = "yes")]
    pub must_sign: bool,
    /// The party's contact persons (its own contacts).
    #[serde(default)]
    pub contact_ids: Vec<Uuid>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Task {
    pub description: LocalizedText,
    #[serde(default)]
    pub responsible_party_ids: Vec<Uuid>,
    #[serde(default)]
    pub event_series_id: Option<Uuid>,
    #[serde(default)]
    pub indicator_id: Option<Uuid>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtraSection {
    pub title: LocalizedText,
    pub text: LocalizedText,
}

/// Pelisäännöt: the sections the Keski-Suomi tip list names, plus free extra sections.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroundRules {
    #[serde(default)]
    pub contact_persons: Option<LocalizedText>,
    #[serde(default)]
    pub meetings_and_development: Option<LocalizedText>,
    #[serde(default)]
    pub agreeing_and_changes: Option<LocalizedText>,
    #[serde(default)]
    pub premises_use: Option<LocalizedText>,
    #[serde(default)]
    pub extra: Vec<ExtraSection>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CiPrinciple {
    pub principle: Principle,
    pub commitment: LocalizedText,
    #[serde(default)]
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

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
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
    pub description: Option<LocalizedText>,
    pub shares: Vec<Share>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Review {
    /// Months between annual reviews (default 12).
    #[serde(default = "twelve")]
    pub cycle_months: i32,
    #[serde(default)]
    pub next_due: Option<NaiveDate>,
}

impl Default for Review {
    fn default() -> Self {
        Review { cycle_months: 12, next_due: None }
    }
}

/// Everything the parties agree on: what is edited, frozen into versions and signed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
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
pub struct AgreementContent {
    /// Human reference, unique (e.g. `KS-2026-014`).
    pub code: String,
    pub title: LocalizedText,
    /// The common agenda.
    pub purpose: LocalizedText,
    pub period: Period,
    #[serde(default)]
    pub visibility: AgreementVisibility,
    pub parties: Vec<Party>,
    #[serde(default)]
    pub tasks: Vec<Task>,
    #[serde(default)]
    pub ground_rules: GroundRules,
    #[serde(default)]
    pub ci_principles: Vec<CiPrinciple>,
    #[serde(default)]
    pub cost_sharing: Vec<CostItem>,
    #[serde(default)]
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

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Negotiation => "negotiation",
            Status::AwaitingSignatures => "awaiting_signatures",
            Status::Active => "active",
            Status::Expired => "expired",
            Status::Terminated => "terminated",
            Status::Cancelled => "cancelled",
        }
    }

    /// The status stored in the row (`expired` is stored as `active`).
    fn stored(self) -> &'static str {
        match self {
            Status::Expired => "active",
            other => other.as_str(),
        }
    }

    fn from_row(stored: &str, end_date: NaiveDate, today: NaiveDate) -> Status {
        match Status::ALL.into_iter().find(|s| s.as_str() == stored).unwrap_or(Status::Draft) {
            Status::Active if end_date < today => Status::Expired,
            other => other,
        }
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
    pub content: AgreementContent,
    pub status: Status,
    pub status_comment: Option<String>,
    /// The version in force (signed by every signing party).
    pub current_version: Option<i32>,
    /// An amendment in preparation; the content above is then its working copy, while
    /// `current_version` stays in force until the amendment is signed by all.
    pub amendment: Option<Amendment>,
    pub ci_principles_complete: bool,
    pub created_at: chrono::DateTime<Utc>,
    pub updated_at: chrono::DateTime<Utc>,
    pub version: i64,
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
    fn party_ids(&self) -> Vec<Uuid> {
        self.content.parties.iter().map(|p| p.organization_id).collect()
    }

    /// The state that editing, transitions and signing act on: the open amendment's, or the
    /// agreement's own.
    fn working_status(&self) -> Status {
        self.amendment.as_ref().map_or(self.status, |a| a.status)
    }
}

pub(super) fn from_json<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, AppError> {
    serde_json::from_value(v).map_err(AppError::internal)
}

fn to_json<T: Serialize>(v: &T) -> Result<Value, AppError> {
    serde_json::to_value(v).map_err(AppError::internal)
}

fn from_rows(row: AgreementRow, parties: Vec<PartyRow>, today: NaiveDate) -> Result<Agreement, AppError> {
    let ci_principles: Vec<CiPrinciple> = from_json(row.ci_principles)?;
    let complete = principles_complete(&ci_principles);
    Ok(Agreement {
        id: row.id,
        content: AgreementContent {
            code: row.code,
            title: from_json(row.title)?,
            purpose: from_json(row.purpose)?,
            period: Period {
                start_date: row.start_date,
                end_date: row.end_date,
                max_extension_date: row.max_extension_date,
            },
            visibility: if row.visibility == "public" {
                AgreementVisibility::Public
            } else {
                AgreementVisibility::Parties
            },
            parties: parties
                .into_iter()
                .map(|p| Party {
                    organization_id: p.organization_id,
                    roles: p.roles.iter().flatten().filter_map(|r| PartyRole::parse(r)).collect(),
                    must_sign: p.must_sign,
                    contact_ids: p.contact_ids.into_iter().flatten().collect(),
                })
                .collect(),
            tasks: from_json(row.tasks)?,
            ground_rules: from_json(row.ground_rules)?,
            ci_principles,
            cost_sharing: from_json(row.cost_sharing)?,
            review: Review { cycle_months: row.review_cycle_months, next_due: row.review_next_due },
        },
        status: Status::from_row(&row.status, row.end_date, today),
        status_comment: row.status_comment,
        current_version: row.current_version,
        amendment: match (row.amendment_status, row.amendment_rationale) {
            (Some(status), Some(rationale)) => {
                Some(Amendment { status: Status::from_row(&status, row.end_date, today), rationale })
            }
            _ => None,
        },
        ci_principles_complete: complete,
        created_at: row.created_at,
        updated_at: row.updated_at,
        version: row.version,
    })
}

fn principles_complete(principles: &[CiPrinciple]) -> bool {
    principles.iter().map(|p| p.principle).collect::<HashSet<_>>().len() == 5
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

impl AgreementContent {
    /// Rules that need no database: shapes, dates, parties, sums.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let code_ok = (2..=40).contains(&self.code.len())
            && self.code.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
            && self.code.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if !code_ok {
            errors.push(FieldError::new("code", "invalid_format", "use 2-40 letters, digits, '-', '_' or '.'"));
        }
        errors.extend(self.title.validate("title").err());
        errors.extend(self.purpose.validate("purpose").err());
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
        if self.parties.is_empty() {
            errors.push(FieldError::new("parties", "required", "name at least one party"));
        }
        for (i, p) in self.parties.iter().enumerate() {
            if !party_ids.insert(p.organization_id) {
                errors.push(FieldError::new(
                    format!("parties[{i}].organization_id"),
                    "duplicate",
                    "the organisation is listed twice",
                ));
            }
            if p.roles.is_empty() {
                errors.push(FieldError::new(
                    format!("parties[{i}].roles"),
                    "required",
                    "give the party at least one role",
                ));
            }
        }
        for (i, t) in self.tasks.iter().enumerate() {
            errors.extend(t.description.validate(&format!("tasks[{i}].description")).err());
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
        let g = &self.ground_rules;
        for (name, section) in [
            ("contact_persons", &g.contact_persons),
            ("meetings_and_development", &g.meetings_and_development),
            ("agreeing_and_changes", &g.agreeing_and_changes),
            ("premises_use", &g.premises_use),
        ] {
            if let Some(text) = section {
                errors.extend(text.validate(&format!("ground_rules.{name}")).err());
            }
        }
        for (i, s) in g.extra.iter().enumerate() {
            errors.extend(s.title.validate(&format!("ground_rules.extra[{i}].title")).err());
            errors.extend(s.text.validate(&format!("ground_rules.extra[{i}].text")).err());
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
            errors.extend(p.commitment.validate(&format!("ci_principles[{i}].commitment")).err());
            for (j, link) in p.evidence_links.iter().enumerate() {
                if !(link.starts_with("https://") || link.starts_with("http://")) || link.contains(char::is_whitespace)
                {
                    errors.push(FieldError::new(
                        format!("ci_principles[{i}].evidence_links[{j}]"),
                        "invalid_url",
                        "use an http(s) URL",
                    ));
                }
            }
        }
        for (i, item) in self.cost_sharing.iter().enumerate() {
            errors.extend(validate_cost_item(i, item, &party_ids));
        }
        if !(1..=60).contains(&self.review.cycle_months) {
            errors.push(FieldError::new("review.cycle_months", "out_of_range", "use 1 to 60 months"));
        }
        errors
    }

    fn to_fields(&self) -> Result<AgreementFields, AppError> {
        Ok(AgreementFields {
            code: self.code.clone(),
            title: to_json(&self.title)?,
            purpose: to_json(&self.purpose)?,
            start_date: self.period.start_date,
            end_date: self.period.end_date,
            max_extension_date: self.period.max_extension_date,
            visibility: match self.visibility {
                AgreementVisibility::Parties => "parties".into(),
                AgreementVisibility::Public => "public".into(),
            },
            tasks: to_json(&self.tasks)?,
            ground_rules: to_json(&self.ground_rules)?,
            ci_principles: to_json(&self.ci_principles)?,
            cost_sharing: to_json(&self.cost_sharing)?,
            review_cycle_months: self.review.cycle_months,
            review_next_due: self.review.next_due,
        })
    }

    fn party_rows(&self, agreement_id: Uuid) -> Vec<PartyRow> {
        self.parties
            .iter()
            .enumerate()
            .map(|(i, p)| PartyRow {
                agreement_id,
                organization_id: p.organization_id,
                position: i as i32,
                roles: p.roles.iter().map(|r| Some(r.as_str().to_owned())).collect(),
                must_sign: p.must_sign,
                contact_ids: p.contact_ids.iter().copied().map(Some).collect(),
            })
            .collect()
    }
}

fn validate_cost_item(i: usize, item: &CostItem, parties: &HashSet<Uuid>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let field = |rest: &str| format!("cost_sharing[{i}]{rest}");
    if item.shares.is_empty() {
        errors.push(FieldError::new(field(".shares"), "required", "give at least one share"));
    }
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

/// A party's contact persons must be that party's own, and not erased.
async fn validate_contacts(conn: &mut Conn, content: &AgreementContent) -> Result<Vec<FieldError>, AppError> {
    let mut errors = Vec::new();
    for (i, party) in content.parties.iter().enumerate() {
        for (j, contact) in party.contact_ids.iter().enumerate() {
            let ok =
                contact_repo::get(conn, party.organization_id, *contact).await?.is_some_and(|c| c.erased_at.is_none());
            if !ok {
                errors.push(FieldError::new(
                    format!("parties[{i}].contact_ids[{j}]"),
                    "not_found",
                    "no such contact person of this party",
                ));
            }
        }
    }
    Ok(errors)
}

// ---- authorisation ----

pub(super) fn is_party_member(actor: &Actor, parties: &[Uuid]) -> bool {
    parties.iter().any(|p| actor.role_in(*p).is_some())
}

pub(super) fn can_read(actor: &Actor, a: &Agreement) -> Result<(), AppError> {
    if actor.is_platform_admin()
        || is_party_member(actor, &a.party_ids())
        || a.content.visibility == AgreementVisibility::Public
    {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

pub(super) fn can_edit(actor: &Actor, a: &Agreement) -> Result<(), AppError> {
    can_read(actor, a)?;
    if actor.is_platform_admin()
        || a.party_ids().iter().any(|p| actor.role_in(*p).is_some_and(|r| r >= Role::Coordinator))
    {
        return Ok(());
    }
    match actor.principal {
        Principal::Anonymous => Err(AppError::unauthorized("Sign in to change agreements.")),
        _ => Err(AppError::Forbidden),
    }
}

/// Contact persons are personal data: only party members and platform admins see them.
/// What a reader outside the parties sees: while an amendment is being prepared, the content
/// in force rather than the unsigned working copy, and never the contact persons.
async fn redact_for(conn: &mut Conn, actor: &Actor, mut a: Agreement) -> Result<Agreement, AppError> {
    if actor.is_platform_admin() || is_party_member(actor, &a.party_ids()) {
        return Ok(a);
    }
    if let (Some(_), Some(number)) = (&a.amendment, a.current_version) {
        if let Some(in_force) = repo::version(conn, a.id, number).await? {
            a.content = from_json(in_force.snapshot)?;
        }
        a.amendment = None;
    }
    a.content.parties.iter_mut().for_each(|p| p.contact_ids.clear());
    Ok(a)
}

// ---- reads ----

pub(super) async fn load(conn: &mut Conn, id: Uuid, for_update: bool) -> Result<Agreement, AppError> {
    let row = if for_update { repo::get_for_update(conn, id).await? } else { repo::get(conn, id).await? };
    let row = row.ok_or(AppError::NotFound)?;
    let parties = repo::parties_of(conn, &[id]).await?;
    from_rows(row, parties, today())
}

pub async fn get(conn: &mut Conn, actor: &Actor, id: Uuid) -> Result<Agreement, AppError> {
    let a = load(conn, id, false).await?;
    can_read(actor, &a)?;
    redact_for(conn, actor, a).await
}

#[derive(Clone, Debug, Default)]
pub struct AgreementQuery {
    pub party: Option<Uuid>,
    pub status: Option<Status>,
    pub valid_on: Option<NaiveDate>,
    pub ci_principles_complete: Option<bool>,
    pub review_due_before: Option<NaiveDate>,
    pub q: Option<String>,
    pub updated_since: Option<chrono::DateTime<Utc>>,
}

pub async fn list(
    conn: &mut Conn,
    actor: &Actor,
    query: AgreementQuery,
    page: PageRequest<Uuid>,
) -> Result<Page<Agreement, Uuid>, AppError> {
    let viewer_organizations = match &actor.principal {
        Principal::User { platform_admin: true, .. } => None,
        Principal::User { memberships, .. } => Some(memberships.iter().map(|m| m.organization_id).collect()),
        _ => Some(Vec::new()),
    };
    let day = today();
    let (statuses, ended_before) = match query.status {
        None => (None, None),
        Some(Status::Expired) => (Some(vec!["active"]), Some((day, true))),
        Some(Status::Active) => (Some(vec!["active"]), Some((day, false))),
        Some(s) => (Some(vec![s.stored()]), None),
    };
    let search =
        match query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            Some(q) => Some(search::prefix_query(q).ok_or_else(|| {
                AppError::invalid("q", "no_search_terms", "give at least one word of letters or digits")
            })?),
            None => None,
        };
    let filter = AgreementFilter {
        viewer_organizations,
        party: query.party,
        statuses,
        ended_before,
        valid_on: query.valid_on,
        ci_principles_complete: query.ci_principles_complete,
        review_due_before: query.review_due_before,
        search,
        updated_since: query.updated_since,
        after: page.after,
        limit: page.fetch_limit(),
    };
    let rows = repo::list(conn, &filter).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut parties = repo::parties_of(conn, &ids).await?;
    let page = Page::from_rows(rows, &page, |r| r.id);
    let mut items = Vec::with_capacity(page.items.len());
    for row in page.items {
        let (mine, rest): (Vec<_>, Vec<_>) = parties.into_iter().partition(|p| p.agreement_id == row.id);
        parties = rest;
        let agreement = from_rows(row, mine, day)?;
        items.push(redact_for(conn, actor, agreement).await?);
    }
    Ok(Page { items, next: page.next, limit: page.limit })
}

// ---- writes ----

pub async fn create(conn: &mut Conn, actor: &Actor, content: AgreementContent) -> Result<Agreement, AppError> {
    if actor.principal == Principal::Anonymous {
        return Err(AppError::unauthorized("Sign in to create agreements."));
    }
    let mut errors = content.validate();
    let coordinates_a_party =
        content.parties.iter().any(|p| actor.role_in(p.organization_id).is_some_and(|r| r >= Role::Coordinator));
    if !(actor.is_platform_admin() || coordinates_a_party) {
        return Err(AppError::Forbidden);
    }
    errors.extend(validate_contacts(conn, &content).await?);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    conn.transaction(async |tx| {
        let id = Uuid::now_v7();
        repo::insert(tx, id, &content.to_fields()?).await?;
        repo::replace_parties(tx, id, &content.party_rows(id)).await?;
        let created = load(tx, id, false).await?;
        audit::record(tx, actor, "create", Change::Created(&created)).await?;
        Ok(created)
    })
    .await
}

/// Applies a JSON Merge Patch to the content (draft and negotiation only).
pub async fn update(
    conn: &mut Conn,
    actor: &Actor,
    id: Uuid,
    expected_version: Option<i64>,
    patch: Value,
) -> Result<Agreement, AppError> {
    conn.transaction(async |tx| {
        let before = load(tx, id, true).await?;
        can_edit(actor, &before)?;
        crate::domain::check_version(expected_version, before.version)?;
        if !before.working_status().is_editable() {
            let hint = if before.status == Status::Active { "; open an amendment to change it" } else { "" };
            return Err(AppError::Conflict {
                detail: format!(
                    "the agreement is {}; content can be edited only in draft or negotiation{hint}",
                    before.working_status().as_str()
                ),
            });
        }
        let content = merge_patch::apply(&before.content, &patch)?;
        let mut errors = content.validate();
        errors.extend(validate_contacts(tx, &content).await?);
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        repo::update(tx, id, &content.to_fields()?).await?;
        repo::replace_parties(tx, id, &content.party_rows(id)).await?;
        let after = load(tx, id, false).await?;
        audit::record(tx, actor, "update", Change::updated(&before, &after)).await?;
        Ok(after)
    })
    .await
}

/// Moves the agreement, or its open amendment, to `to`. Entering `awaiting_signatures`
/// freezes a new version; cancelling an amendment restores the version in force.
pub async fn transition(
    conn: &mut Conn,
    actor: &Actor,
    id: Uuid,
    to: Status,
    comment: Option<String>,
) -> Result<Agreement, AppError> {
    conn.transaction(async |tx| {
        let before = load(tx, id, true).await?;
        can_edit(actor, &before)?;
        let amending = before.amendment.is_some() && to != Status::Terminated;
        let from = if amending { before.working_status() } else { before.status };
        let allowed = from.allowed_transitions();
        if !allowed.contains(&to) {
            let names: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
            return Err(AppError::Conflict {
                detail: format!(
                    "cannot go from {}{} to {}; allowed: {}",
                    if amending { "amendment " } else { "" },
                    from.as_str(),
                    to.as_str(),
                    if names.is_empty() { "none".to_owned() } else { names.join(", ") }
                ),
            });
        }
        let comment = comment.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
        if to == Status::Terminated && comment.is_none() {
            return Err(AppError::invalid("comment", "required", "give the reason for terminating"));
        }
        if to == Status::AwaitingSignatures {
            if !before.content.parties.iter().any(|p| p.must_sign) {
                return Err(AppError::Conflict { detail: "no party is marked to sign".into() });
            }
            let number = repo::latest_version_number(tx, id).await?.unwrap_or(0) + 1;
            let snapshot = serde_json::to_value(&before.content).map_err(AppError::internal)?;
            let content_hash = canonical_json::content_hash(&snapshot);
            let rationale =
                if amending { before.amendment.as_ref().map(|a| a.rationale.clone()) } else { comment.clone() };
            repo::insert_version(tx, &VersionRow { agreement_id: id, number, snapshot, content_hash, rationale })
                .await?;
        }
        match (amending, to) {
            (true, Status::Cancelled) => {
                // Back to the content in force.
                let number = before.current_version.ok_or_else(|| AppError::internal("amendment without a version"))?;
                let in_force = repo::version(tx, id, number)
                    .await?
                    .ok_or_else(|| AppError::internal("version in force missing"))?;
                let content: AgreementContent = from_json(in_force.snapshot)?;
                repo::update(tx, id, &content.to_fields()?).await?;
                repo::replace_parties(tx, id, &content.party_rows(id)).await?;
                repo::set_amendment(tx, id, None, None).await?;
            }
            (true, to) => {
                let rationale = before.amendment.as_ref().map(|a| a.rationale.as_str());
                repo::set_amendment(tx, id, Some(to.stored()), rationale).await?;
            }
            (false, to) => {
                if before.amendment.is_some() {
                    repo::set_amendment(tx, id, None, None).await?;
                }
                repo::set_status(tx, id, to.stored(), comment.as_deref(), before.current_version).await?;
            }
        }
        let after = load(tx, id, false).await?;
        audit::record(tx, actor, "transition", Change::updated(&before, &after)).await?;
        Ok(after)
    })
    .await
}

/// Opens an amendment of an active agreement: its content becomes editable again as a draft,
/// while the version in force stays in force until the amended version is signed by all.
pub async fn amend(conn: &mut Conn, actor: &Actor, id: Uuid, rationale: &str) -> Result<Agreement, AppError> {
    let rationale = rationale.trim();
    if rationale.is_empty() {
        return Err(AppError::invalid("rationale", "required", "say why the agreement is amended"));
    }
    conn.transaction(async |tx| {
        let before = load(tx, id, true).await?;
        can_edit(actor, &before)?;
        open_amendment(tx, actor, &before, rationale).await
    })
    .await
}

/// Opens an amendment inside the caller's transaction, on an agreement already loaded for
/// update and checked for the right to edit.
pub(super) async fn open_amendment(
    tx: &mut Conn,
    actor: &Actor,
    before: &Agreement,
    rationale: &str,
) -> Result<Agreement, AppError> {
    if !matches!(before.status, Status::Active | Status::Expired) {
        return Err(AppError::Conflict {
            detail: format!("only an active agreement is amended; this one is {}", before.status.as_str()),
        });
    }
    if let Some(open) = &before.amendment {
        return Err(AppError::Conflict {
            detail: format!("an amendment is already open ({}); finish or cancel it first", open.status.as_str()),
        });
    }
    repo::set_amendment(tx, before.id, Some(Status::Draft.stored()), Some(rationale)).await?;
    let after = load(tx, before.id, false).await?;
    audit::record(tx, actor, "amend", Change::updated(before, &after)).await?;
    Ok(after)
}

/// A frozen version with its signatures.
#[derive(Clone, Debug, Serialize)]
pub struct Version {
    pub agreement_id: Uuid,
    pub number: i32,
    pub content_hash: String,
    pub snapshot: Value,
    pub rationale: Option<String>,
    pub signatures: Vec<Signature>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
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
    pub signatory_name: String,
    pub signatory_title: String,
    pub method: String,
    pub decision_ref: Option<String>,
    pub signed_by: Option<Uuid>,
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

impl From<SignatureRow> for Signature {
    fn from(r: SignatureRow) -> Self {
        Signature {
            id: r.id,
            agreement_id: r.agreement_id,
            version: r.version,
            organization_id: r.organization_id,
            content_hash: r.content_hash,
            signatory_name: r.signatory_name,
            signatory_title: r.signatory_title,
            method: r.method,
            decision_ref: r.decision_ref,
            signed_by: r.signed_by,
        }
    }
}

fn version_of(id: Uuid, row: VersionRow, signatures: Vec<SignatureRow>) -> Version {
    Version {
        agreement_id: id,
        number: row.number,
        content_hash: row.content_hash,
        snapshot: row.snapshot,
        rationale: row.rationale,
        signatures: signatures.into_iter().map(Signature::from).collect(),
    }
}

/// Every version with its signatures, in two queries.
pub async fn versions(conn: &mut Conn, actor: &Actor, id: Uuid) -> Result<Vec<Version>, AppError> {
    let a = load(conn, id, false).await?;
    can_read(actor, &a)?;
    let rows = repo::versions(conn, id).await?;
    let mut signatures = repo::all_signatures(conn, id).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let (mine, rest): (Vec<_>, Vec<_>) = signatures.into_iter().partition(|s| s.version == row.number);
        signatures = rest;
        out.push(redact_version(actor, &a, version_of(id, row, mine)));
    }
    Ok(out)
}

pub async fn version(conn: &mut Conn, actor: &Actor, id: Uuid, number: i32) -> Result<Version, AppError> {
    let a = load(conn, id, false).await?;
    can_read(actor, &a)?;
    frozen(conn, actor, &a, number).await
}

/// Version `number` of an agreement the actor may read, redacted for the actor.
async fn frozen(conn: &mut Conn, actor: &Actor, a: &Agreement, number: i32) -> Result<Version, AppError> {
    let row = repo::version(conn, a.id, number).await?.ok_or(AppError::NotFound)?;
    let signatures = repo::signatures(conn, a.id, number).await?;
    Ok(redact_version(actor, a, version_of(a.id, row, signatures)))
}

fn redact_version(actor: &Actor, a: &Agreement, mut v: Version) -> Version {
    if !(actor.is_platform_admin() || is_party_member(actor, &a.party_ids())) {
        if let Some(Value::Array(parties)) = v.snapshot.get_mut("parties") {
            for p in parties {
                if let Some(ids) = p.get_mut("contact_ids") {
                    *ids = Value::Array(vec![]);
                }
            }
        }
        v.signatures.iter_mut().for_each(|s| s.signed_by = None);
    }
    v
}

/// What changed between two versions: an RFC 6902 JSON Patch that turns the first snapshot
/// into the second, and the same changes in plain words.
#[derive(Clone, Debug, Serialize)]
pub struct VersionDiff {
    pub from: i32,
    pub to: i32,
    pub patch: Vec<Value>,
    pub changes: Vec<String>,
}

pub async fn diff(conn: &mut Conn, actor: &Actor, id: Uuid, from: i32, to: i32) -> Result<VersionDiff, AppError> {
    let agreement = load(conn, id, false).await?;
    can_read(actor, &agreement)?;
    let a = frozen(conn, actor, &agreement, from).await?;
    let b = frozen(conn, actor, &agreement, to).await?;
    let patch = json_patch(&a.snapshot, &b.snapshot);
    let changes = patch.iter().map(describe_op).collect();
    Ok(VersionDiff { from, to, patch, changes })
}

/// An RFC 6902 patch from `from` to `to`. Objects are compared member by member; arrays
/// that differ are replaced whole (their elements have no stable identity to diff by).
pub fn json_patch(from: &Value, to: &Value) -> Vec<Value> {
    fn escape(key: &str) -> String {
        key.replace('~', "~0").replace('/', "~1")
    }
    fn walk(path: &str, a: &Value, b: &Value, ops: &mut Vec<Value>) {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                for key in x.keys().filter(|k| !y.contains_key(*k)) {
                    ops.push(serde_json::json!({"op": "remove", "path": format!("{path}/{}", escape(key))}));
                }
                for (key, value) in y {
                    let child = format!("{path}/{}", escape(key));
                    match x.get(key) {
                        None => ops.push(serde_json::json!({"op": "add", "path": child, "value": value})),
                        Some(old) => walk(&child, old, value, ops),
                    }
                }
            }
            _ if a == b => {}
            _ => ops.push(serde_json::json!({"op": "replace", "path": path, "value": b})),
        }
    }
    let mut ops = Vec::new();
    walk("", from, to, &mut ops);
    ops
}

fn describe_op(op: &Value) -> String {
    let path = op["path"].as_str().unwrap_or_default();
    let field = path
        .trim_start_matches('/')
        .split('/')
        .map(|p| p.replace("~1", "/").replace("~0", "~"))
        .collect::<Vec<_>>()
        .join(".");
    let verb = match op["op"].as_str() {
        Some("add") => "added",
        Some("remove") => "removed",
        _ => "changed",
    };
    format!("{} {verb}", if field.is_empty() { "everything".to_owned() } else { field })
}

/// A signature as submitted.
#[derive(Clone, Debug)]
pub struct NewSignature {
    /// The party signing; may be left out when the signer is org admin of one signing party.
    pub organization_id: Option<Uuid>,
    pub content_hash: String,
    pub signatory_name: String,
    pub signatory_title: String,
    pub method: SignatureMethod,
    pub decision_ref: Option<String>,
}

/// Records a party's signature on version `number`. When every signing party has signed it,
/// the agreement becomes active in the same transaction. The agreement row is locked first,
/// so two last signatures arriving together activate it once.
pub async fn sign(
    conn: &mut Conn,
    actor: &Actor,
    id: Uuid,
    number: i32,
    s: NewSignature,
) -> Result<(Signature, Agreement), AppError> {
    let mut errors = Vec::new();
    if s.signatory_name.trim().is_empty() {
        errors.push(FieldError::new("signatory_name", "missing_text", "give the signatory's name"));
    }
    if s.signatory_title.trim().is_empty() {
        errors.push(FieldError::new("signatory_title", "missing_text", "give the signatory's title"));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    conn.transaction(async |tx| {
        let before = load(tx, id, true).await?;
        can_read(actor, &before)?;
        let row = repo::version(tx, id, number).await?.ok_or(AppError::NotFound)?;
        let signing: Vec<Uuid> =
            before.content.parties.iter().filter(|p| p.must_sign).map(|p| p.organization_id).collect();
        let mine: Vec<Uuid> = signing.iter().copied().filter(|p| actor.role_in(*p) == Some(Role::OrgAdmin)).collect();
        let party = match (s.organization_id, mine.as_slice()) {
            (Some(org), _) if mine.contains(&org) => org,
            (None, [only]) => *only,
            (None, [_, _, ..]) => {
                return Err(AppError::invalid(
                    "organization_id",
                    "required",
                    "you administer several signing parties: say which one signs",
                ));
            }
            _ => {
                return Err(match actor.principal {
                    Principal::Anonymous => AppError::unauthorized("Sign in to sign agreements."),
                    _ => AppError::Forbidden,
                });
            }
        };
        let latest = repo::latest_version_number(tx, id).await?.unwrap_or(0);
        if before.working_status() != Status::AwaitingSignatures || number != latest {
            return Err(AppError::Conflict {
                detail: format!(
                    "version {number} is not awaiting signatures (the agreement is {})",
                    before.working_status().as_str()
                ),
            });
        }
        if s.content_hash != row.content_hash {
            return Err(AppError::Conflict {
                detail: "content_hash is not the hash of this version; read the version again and check what you sign"
                    .into(),
            });
        }
        let signature_row = SignatureRow {
            id: Uuid::now_v7(),
            agreement_id: id,
            version: number,
            organization_id: party,
            content_hash: s.content_hash.clone(),
            signatory_name: s.signatory_name.trim().to_owned(),
            signatory_title: s.signatory_title.trim().to_owned(),
            method: serde_json::to_value(&s.method)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            decision_ref: s.decision_ref.clone(),
            signed_by: actor.user_id(),
        };
        repo::insert_signature(tx, &signature_row).await?;
        let signature = Signature::from(signature_row);
        audit::record(tx, actor, "sign", Change::Created(&signature)).await?;
        let signed: HashSet<Uuid> = repo::signatures(tx, id, number).await?.iter().map(|r| r.organization_id).collect();
        let after = if signing.iter().all(|p| signed.contains(p)) {
            repo::put_in_force(tx, id, number).await?;
            let after = load(tx, id, false).await?;
            audit::record(tx, actor, "activate", Change::updated(&before, &after)).await?;
            after
        } else {
            before
        };
        Ok((signature, after))
    })
    .await
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
        assert_eq!(Status::from_row("active", d("2026-12-31"), d("2026-12-31")), Status::Active);
        assert_eq!(Status::from_row("active", d("2026-12-31"), d("2027-01-01")), Status::Expired);
        assert_eq!(Status::from_row("draft", d("2020-01-01"), d("2027-01-01")), Status::Draft);
    }

    /// Applies the subset of RFC 6902 that [`json_patch`] emits.
    fn apply(doc: &mut Value, ops: &[Value]) {
        for op in ops {
            let path: Vec<String> = op["path"]
                .as_str()
                .unwrap()
                .split('/')
                .skip(1)
                .map(|p| p.replace("~1", "/").replace("~0", "~"))
                .collect();
            if path.is_empty() {
                *doc = op["value"].clone();
                continue;
            }
            let (last, parents) = path.split_last().unwrap();
            let mut target = &mut *doc;
            for p in parents {
                target = target.get_mut(p.as_str()).unwrap();
            }
            let map = target.as_object_mut().unwrap();
            match op["op"].as_str().unwrap() {
                "remove" => {
                    map.remove(last.as_str());
                }
                _ => {
                    map.insert(last.clone(), op["value"].clone());
                }
            }
        }
    }

    #[test]
    fn json_patch_turns_one_snapshot_into_the_other() {
        let a: Value = serde_json::json!({"code": "K-1", "purpose": {"fi": "Vanha"}, "ground_rules": {"premises_use": {"fi": "x"}, "a/b": 1},
                                          "parties": [{"id": 1}], "tasks": []});
        let b: Value = serde_json::json!({"code": "K-1", "purpose": {"fi": "Uusi", "sv": "Ny"}, "ground_rules": {"a/b": 2},
                                          "parties": [{"id": 1}, {"id": 2}], "tasks": [], "review": {"cycle_months": 6}});
        let ops = json_patch(&a, &b);
        let mut patched = a.clone();
        apply(&mut patched, &ops);
        assert_eq!(patched, b);
        let words: Vec<String> = ops.iter().map(describe_op).collect();
        for expected in [
            "purpose.fi changed",
            "purpose.sv added",
            "ground_rules.premises_use removed",
            "ground_rules.a/b changed",
            "parties changed",
            "review added",
        ] {
            assert!(words.contains(&expected.to_owned()), "{expected} not in {words:?}");
        }
        assert!(json_patch(&a, &a).is_empty());
    }

    fn content(shares: Vec<(Uuid, &str)>) -> AgreementContent {
        let parties = shares
            .iter()
            .map(|(id, _)| Party {
                organization_id: *id,
                roles: vec![PartyRole::Partner],
                must_sign: true,
                contact_ids: vec![],
            })
            .collect();
        AgreementContent {
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
        assert!(content(vec![(a, "50"), (b, "50")]).validate().is_empty());
        assert!(content(vec![(a, "33.33"), (b, "33.33"), (c, "33.34")]).validate().is_empty());
        let errors = content(vec![(a, "33.33"), (b, "33.33"), (c, "33.33")]).validate();
        assert_eq!(errors[0].code, "percentages_not_100");
        assert!(errors[0].message.contains("99.99"));
    }
}
