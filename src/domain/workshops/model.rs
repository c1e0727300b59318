//! A workshop: kind, title, date, venue, organising and participating organisations (each
//! takes its place by its own act), its network, the phenomena it takes up, the workshop it
//! follows, anonymised client cases, and how many votes each person has.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::domain::audit::Audited;
use crate::domain::types::localized::LocalizedText;
use crate::domain::types::names::{from_stored, name_of};
use crate::domain::types::stored::{from_json, to_json};
use crate::error::{AppError, FieldError};
use crate::repo::workshops::{WorkshopOrganizationRow, WorkshopRow, WorkshopWrite};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkshopKind {
    /// Ilmiöpaja: residents, parishes, NGOs and municipalities around a phenomenon.
    PhenomenonWorkshop,
    /// Hukkapaja: obstacles to collaboration, the biggest prioritised by vote.
    WasteWorkshop,
    /// Ratkaisupaja: the prioritised obstacles worked out through client cases.
    SolutionWorkshop,
    Other,
}

/// A client case discussed, anonymised: no names, identity codes or contact details.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": {"fi": "Asiakas A"}, "description": {"fi": "Iäkäs asukas, jonka asiointi katkeaa palveluiden väliin."}}))]
pub struct ClientCase {
    #[validate(nested)]
    pub title: LocalizedText,
    #[validate(nested)]
    pub description: LocalizedText,
}

/// A workshop as its organisers write it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "waste_workshop", "date": "2026-11-01", "title": {"fi": "Hukkapaja"},
    "organizer_ids": ["01930000-0000-7000-8000-000000000002"],
    "participant_organization_ids": ["01930000-0000-7000-8000-000000000003", "01930000-0000-7000-8000-000000000004"],
    "votes_per_person": 3}))]
pub struct WorkshopFields {
    pub kind: WorkshopKind,
    #[validate(nested)]
    pub title: LocalizedText,
    #[serde(default)]
    #[validate(nested)]
    pub description: Option<LocalizedText>,
    #[validate(custom(function = "crate::domain::types::formats::plausible_date"))]
    pub date: NaiveDate,
    #[serde(default)]
    pub venue_id: Option<Uuid>,
    /// The network it is held in (you coordinate it): its members read the workshop.
    #[serde(default)]
    pub network_id: Option<Uuid>,
    /// The workshop it follows (a solution workshop follows a waste workshop).
    #[serde(default)]
    pub follows_workshop_id: Option<Uuid>,
    /// Phenomenon reports it takes up.
    #[serde(default)]
    #[schema(max_items = 50)]
    #[validate(length(max = 50))]
    pub phenomenon_ids: Vec<Uuid>,
    #[serde(default)]
    #[schema(max_items = 10)]
    #[validate(length(max = 10), nested)]
    pub client_cases: Vec<ClientCase>,
    /// How many challenges each person may vote for (default 3).
    #[serde(default = "three", deserialize_with = "crate::domain::types::integers::int32")]
    #[schema(minimum = 1, maximum = 20)]
    #[validate(range(min = 1, max = 20))]
    pub votes_per_person: i32,
    /// Organising organisations; you coordinate one. The others take their place when their
    /// coordinators accept.
    #[schema(min_items = 1, max_items = 20)]
    #[validate(length(min = 1, max = 20))]
    pub organizer_ids: Vec<Uuid>,
    /// Participating organisations; each takes its place when its coordinators accept.
    #[serde(default)]
    #[schema(max_items = 50)]
    #[validate(length(max = 50))]
    pub participant_organization_ids: Vec<Uuid>,
}

fn three() -> i32 {
    3
}

impl WorkshopFields {
    /// Rules between fields, each a field error.
    pub fn rules(&self) -> Vec<FieldError> {
        let mut errors = self.title.line_breaks("title");
        let mut seen = std::collections::HashSet::new();
        for (i, o) in self.organizer_ids.iter().enumerate() {
            if !seen.insert(*o) {
                errors.push(FieldError::new(format!("organizer_ids[{i}]"), "duplicate", "each organisation once"));
            }
        }
        for (i, o) in self.participant_organization_ids.iter().enumerate() {
            if !seen.insert(*o) {
                errors.push(FieldError::new(
                    format!("participant_organization_ids[{i}]"),
                    "duplicate",
                    "each organisation once, as an organiser or a participant",
                ));
            }
        }
        let mut phenomena = std::collections::HashSet::new();
        if self.phenomenon_ids.iter().any(|p| !phenomena.insert(*p)) {
            errors.push(FieldError::new("phenomenon_ids", "duplicate", "each report once"));
        }
        for (i, case) in self.client_cases.iter().enumerate() {
            for (field, text) in [("title", &case.title), ("description", &case.description)] {
                errors.extend(crate::domain::types::personal_data::errors_in(
                    &format!("client_cases[{i}].{field}"),
                    text,
                ));
            }
        }
        errors
    }

    pub fn to_row(&self) -> Result<WorkshopWrite, AppError> {
        Ok(WorkshopWrite {
            kind: name_of(&self.kind),
            title: to_json(&self.title)?,
            description: self.description.as_ref().map(to_json).transpose()?,
            date: self.date,
            venue_id: self.venue_id,
            network_id: self.network_id,
            follows_workshop_id: self.follows_workshop_id,
            client_cases: to_json(&self.client_cases)?,
            votes_per_person: self.votes_per_person,
        })
    }

    /// The listed organisations with their roles, in order.
    pub fn listed(&self) -> Vec<(Uuid, WorkshopRole)> {
        let organizers = self.organizer_ids.iter().map(|o| (*o, WorkshopRole::Organizer));
        organizers.chain(self.participant_organization_ids.iter().map(|o| (*o, WorkshopRole::Participant))).collect()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkshopRole {
    Organizer,
    Participant,
}

/// A listed organisation and whether it has taken its place.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct WorkshopOrganization {
    pub organization_id: Uuid,
    pub role: WorkshopRole,
    /// Its coordinators have accepted; until then it is only named.
    pub accepted: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Workshop {
    pub id: Uuid,
    pub fields: WorkshopFields,
    pub organizations: Vec<WorkshopOrganization>,
    /// Who reads it: the listed organisations and the network's members.
    #[serde(skip)]
    pub readers: Vec<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl Workshop {
    /// Organisers and participants that have accepted.
    pub fn accepted(&self, role: Option<WorkshopRole>) -> Vec<Uuid> {
        self.organizations
            .iter()
            .filter(|o| o.accepted && role.is_none_or(|r| r == o.role))
            .map(|o| o.organization_id)
            .collect()
    }
}

impl Audited for Workshop {
    const RESOURCE_TYPE: &'static str = "workshop";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_organizations(&self) -> Vec<Uuid> {
        self.organizations.iter().map(|o| o.organization_id).collect()
    }
}

/// The workshops of these rows with their organisations and phenomena; `readers` is filled for
/// one workshop at a time by [`load`] (lists filter by reader in the query).
pub async fn assemble(conn: &mut crate::db::Conn, rows: Vec<WorkshopRow>) -> Result<Vec<Workshop>, AppError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut organizations: HashMap<Uuid, Vec<WorkshopOrganizationRow>> = HashMap::new();
    for o in crate::repo::workshops::organizations(conn, &ids).await? {
        organizations.entry(o.workshop_id).or_default().push(o);
    }
    let mut phenomena: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (w, p) in crate::repo::workshops::phenomena(conn, &ids).await? {
        phenomena.entry(w).or_default().push(p);
    }
    rows.into_iter()
        .map(|r| {
            let listed = organizations.remove(&r.id).unwrap_or_default();
            let orgs = listed
                .iter()
                .map(|o| {
                    Ok(WorkshopOrganization {
                        organization_id: o.organization_id,
                        role: from_stored("workshop role", &o.role)?,
                        accepted: o.accepted,
                    })
                })
                .collect::<Result<Vec<_>, AppError>>()?;
            let of = |role| orgs.iter().filter(|o| o.role == role).map(|o| o.organization_id).collect::<Vec<_>>();
            let w = r.written;
            Ok(Workshop {
                id: r.id,
                fields: WorkshopFields {
                    kind: from_stored("workshop kind", &w.kind)?,
                    title: from_json(w.title)?,
                    description: w.description.map(from_json).transpose()?,
                    date: w.date,
                    venue_id: w.venue_id,
                    network_id: w.network_id,
                    follows_workshop_id: w.follows_workshop_id,
                    phenomenon_ids: phenomena.remove(&r.id).unwrap_or_default(),
                    client_cases: from_json(w.client_cases)?,
                    votes_per_person: w.votes_per_person,
                    organizer_ids: of(WorkshopRole::Organizer),
                    participant_organization_ids: of(WorkshopRole::Participant),
                },
                readers: orgs.iter().map(|o| o.organization_id).collect(),
                organizations: orgs,
                created_at: r.created_at,
                updated_at: r.updated_at,
                version: r.version,
            })
        })
        .collect()
}

/// The workshop with its readers, or 404.
pub async fn load(conn: &mut crate::db::Conn, id: Uuid, for_update: bool) -> Result<Workshop, AppError> {
    let row = if for_update {
        crate::repo::workshops::lock(conn, id).await?
    } else {
        crate::repo::workshops::get(conn, id).await?
    };
    let mut workshop = assemble(conn, vec![row.ok_or(AppError::NotFound)?]).await?.pop().ok_or(AppError::NotFound)?;
    workshop.readers = crate::repo::workshops::reader_ids(conn, id).await?;
    Ok(workshop)
}

/// Filters of the workshop list.
#[derive(Clone, Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WorkshopQuery {
    pub kind: Option<WorkshopKind>,
    /// Workshops listing this organisation.
    pub organization: Option<Uuid>,
    pub network: Option<Uuid>,
    /// Workshops taking up this phenomenon report.
    pub phenomenon: Option<Uuid>,
    /// Workshops following this one.
    pub follows: Option<Uuid>,
    /// Held on or after this day.
    #[validate(custom(function = "crate::domain::types::formats::plausible_date"))]
    pub from: Option<NaiveDate>,
    /// Held before this day.
    #[validate(custom(function = "crate::domain::types::formats::plausible_date"))]
    pub to: Option<NaiveDate>,
}
