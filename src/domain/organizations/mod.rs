//! Organisations (organisaatiot): the counties, municipalities, NGOs, parishes and others
//! that collaborate. Organisation records are public directory data.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use diesel_async::AsyncConnection;

use crate::db::Conn;
use crate::domain::access::{self, Action, Actor, Resource};
use crate::domain::areas::{AreaKind, validate_code};
use crate::domain::audit::{self, Audited, Change};
use crate::domain::types::business_id;
use crate::domain::types::localized::LocalizedText;
use crate::domain::types::merge_patch;
use crate::domain::types::pagination::{Page, PageRequest};
use crate::domain::types::search;
use crate::error::{AppError, FieldError};
use crate::repo::organizations::{self as repo, NewOrganizationRow, OrganizationFilter, OrganizationRow};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrganizationKind {
    /// Hyvinvointialue.
    WellbeingServicesCounty,
    /// Kunta.
    Municipality,
    /// Järjestö, yhdistys (third sector).
    Ngo,
    /// Seurakunta.
    Parish,
    Company,
    /// Valtion virasto.
    StateAgency,
    Other,
}

impl OrganizationKind {
    pub const ALL: [OrganizationKind; 7] = [
        OrganizationKind::WellbeingServicesCounty,
        OrganizationKind::Municipality,
        OrganizationKind::Ngo,
        OrganizationKind::Parish,
        OrganizationKind::Company,
        OrganizationKind::StateAgency,
        OrganizationKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrganizationKind::WellbeingServicesCounty => "wellbeing_services_county",
            OrganizationKind::Municipality => "municipality",
            OrganizationKind::Ngo => "ngo",
            OrganizationKind::Parish => "parish",
            OrganizationKind::Company => "company",
            OrganizationKind::StateAgency => "state_agency",
            OrganizationKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<OrganizationKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Organization {
    pub id: Uuid,
    pub name: LocalizedText,
    pub kind: OrganizationKind,
    pub business_id: Option<String>,
    pub parent_id: Option<Uuid>,
    pub municipality_codes: Vec<String>,
    pub wellbeing_county_code: Option<String>,
    pub description: Option<LocalizedText>,
    pub website: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Identifiers in outside registers, e.g. `{"ptv": "...", "lahella": "..."}`.
    pub external_ids: BTreeMap<String, String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl TryFrom<OrganizationRow> for Organization {
    type Error = AppError;

    fn try_from(row: OrganizationRow) -> Result<Self, AppError> {
        Ok(Organization {
            id: row.id,
            name: serde_json::from_value(row.name).map_err(AppError::internal)?,
            kind: OrganizationKind::parse(&row.kind)
                .ok_or_else(|| AppError::internal(format!("organisation kind {}", row.kind)))?,
            business_id: row.business_id,
            parent_id: row.parent_id,
            municipality_codes: row.municipality_codes.into_iter().flatten().collect(),
            wellbeing_county_code: row.wellbeing_county_code,
            description: row.description.map(serde_json::from_value).transpose().map_err(AppError::internal)?,
            website: row.website,
            email: row.email,
            phone: row.phone,
            external_ids: serde_json::from_value(row.external_ids).map_err(AppError::internal)?,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: row.version,
        })
    }
}

impl Audited for Organization {
    const RESOURCE_TYPE: &'static str = "organization";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_organizations(&self) -> Vec<Uuid> {
        vec![self.id]
    }
}

/// List filters as the caller gave them; validated by [`list`].
#[derive(Clone, Debug, Default)]
pub struct OrganizationQuery {
    pub kind: Option<OrganizationKind>,
    /// Serves this municipality (three-digit code).
    pub municipality: Option<String>,
    /// Belongs to this wellbeing services county (two-digit code).
    pub wellbeing_county: Option<String>,
    pub parent: Option<Uuid>,
    pub business_id: Option<String>,
    /// Free text over the Finnish and Swedish names, prefix-matched.
    pub q: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
}

pub async fn list(
    conn: &mut Conn,
    actor: &Actor,
    query: OrganizationQuery,
    page: PageRequest<Uuid>,
) -> Result<Page<Organization, Uuid>, AppError> {
    access::can(actor, Action::Read, Resource::Organization(None))?;
    let mut errors: Vec<FieldError> = Vec::new();
    if let Some(code) = &query.municipality {
        errors.extend(validate_code(AreaKind::Municipality, "municipality", code).err());
    }
    if let Some(code) = &query.wellbeing_county {
        errors.extend(validate_code(AreaKind::WellbeingServicesCounty, "wellbeing_county", code).err());
    }
    let business_id = match query.business_id.as_deref() {
        Some(b) => {
            business_id::parse_field("business_id", b.trim()).map(|b| Some(b.into_string())).unwrap_or_else(|e| {
                errors.push(e);
                None
            })
        }
        None => None,
    };
    let search = match query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        Some(q) => search::prefix_query(q).or_else(|| {
            errors.push(FieldError::new("q", "no_search_terms", "give at least one word of letters or digits"));
            None
        }),
        None => None,
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let filter = OrganizationFilter {
        kind: query.kind.map(OrganizationKind::as_str),
        municipality_code: query.municipality,
        wellbeing_county_code: query.wellbeing_county,
        parent_id: query.parent,
        business_id,
        search,
        updated_since: query.updated_since,
        after: page.after,
        limit: page.fetch_limit(),
    };
    let rows = repo::list(conn, &filter).await?;
    Page::from_rows(rows, &page, |r| r.id).try_map(Organization::try_from)
}

pub async fn get(conn: &mut Conn, actor: &Actor, id: Uuid) -> Result<Organization, AppError> {
    access::can(actor, Action::Read, Resource::Organization(Some(id)))?;
    repo::get(conn, id).await?.ok_or(AppError::NotFound).and_then(Organization::try_from)
}

/// An organisation's editable fields: the body of a create, and what a merge patch edits.
/// The id is the server's to assign and is not part of the body.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = OrganizationFields, example = json!({
    "name": {"fi": "Laukaan Kohtaamispaikka ry"}, "kind": "ngo", "business_id": "2960667-1",
    "municipality_codes": ["410"], "wellbeing_county_code": "15",
    "description": {"fi": "Kohtaamispaikka kirjaston yhteydessä."}, "website": "https://kohtaamispaikka.example",
    "email": "info@kohtaamispaikka.example"}))]
pub struct NewOrganization {
    #[serde(skip)]
    pub id: Uuid,
    pub name: LocalizedText,
    pub kind: OrganizationKind,
    /// Finnish business ID (Y-tunnus); the check digit is validated.
    #[serde(default)]
    pub business_id: Option<String>,
    #[serde(default)]
    pub parent_id: Option<Uuid>,
    /// Municipalities served (three-digit codes).
    #[serde(default)]
    pub municipality_codes: Vec<String>,
    #[serde(default)]
    pub wellbeing_county_code: Option<String>,
    #[serde(default)]
    pub description: Option<LocalizedText>,
    #[serde(default)]
    pub website: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub external_ids: BTreeMap<String, String>,
}

impl NewOrganization {
    /// Field rules that do not need the database (area existence and uniqueness are
    /// enforced by constraints).
    pub fn validate(&self) -> Result<(), AppError> {
        let mut errors: Vec<FieldError> = Vec::new();
        errors.extend(self.name.validate("name").err());
        if let Some(d) = &self.description {
            errors.extend(d.validate("description").err());
        }
        if let Some(b) = &self.business_id {
            errors.extend(business_id::parse_field("business_id", b).err());
        }
        for (i, code) in self.municipality_codes.iter().enumerate() {
            errors.extend(validate_code(AreaKind::Municipality, &format!("municipality_codes[{i}]"), code).err());
        }
        if let Some(code) = &self.wellbeing_county_code {
            errors.extend(validate_code(AreaKind::WellbeingServicesCounty, "wellbeing_county_code", code).err());
        }
        if errors.is_empty() { Ok(()) } else { Err(AppError::Validation(errors)) }
    }

    fn into_row(self) -> Result<NewOrganizationRow, AppError> {
        Ok(NewOrganizationRow {
            id: self.id,
            name: serde_json::to_value(&self.name).map_err(AppError::internal)?,
            kind: self.kind.as_str().to_owned(),
            business_id: self.business_id,
            parent_id: self.parent_id,
            municipality_codes: self.municipality_codes.into_iter().map(Some).collect(),
            wellbeing_county_code: self.wellbeing_county_code,
            description: self.description.map(|d| serde_json::to_value(&d)).transpose().map_err(AppError::internal)?,
            website: self.website,
            email: self.email,
            phone: self.phone,
            external_ids: serde_json::to_value(&self.external_ids).map_err(AppError::internal)?,
        })
    }
}

/// Inserts the organisations whose ids do not exist yet, leaving existing ones untouched
/// (idempotent seeding). Returns how many were inserted.
pub async fn insert_missing(conn: &mut Conn, organizations: Vec<NewOrganization>) -> Result<usize, AppError> {
    let rows = organizations
        .into_iter()
        .map(|o| {
            o.validate()?;
            o.into_row()
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(repo::insert_missing(conn, &rows).await?)
}

impl Organization {
    /// The editable fields of this organisation (what a merge patch applies to).
    fn fields(&self) -> NewOrganization {
        NewOrganization {
            id: self.id,
            name: self.name.clone(),
            kind: self.kind,
            business_id: self.business_id.clone(),
            parent_id: self.parent_id,
            municipality_codes: self.municipality_codes.clone(),
            wellbeing_county_code: self.wellbeing_county_code.clone(),
            description: self.description.clone(),
            website: self.website.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            external_ids: self.external_ids.clone(),
        }
    }
}

/// 404 unless the organisation exists (for resources nested under it).
pub async fn ensure_exists(conn: &mut Conn, id: Uuid) -> Result<(), AppError> {
    repo::get(conn, id).await?.map(|_| ()).ok_or(AppError::NotFound)
}

/// A parent must exist and must not be the organisation itself or one of its descendants.
async fn check_parent(conn: &mut Conn, id: Uuid, parent: Option<Uuid>) -> Result<(), AppError> {
    let Some(parent) = parent else { return Ok(()) };
    let chain = repo::ancestry(conn, parent).await?;
    if chain.is_empty() {
        return Err(AppError::invalid("parent_id", "not_found", "no such organisation"));
    }
    if chain.contains(&id) {
        return Err(AppError::invalid("parent_id", "cycle", "an organisation cannot be under itself"));
    }
    Ok(())
}

pub async fn create(conn: &mut Conn, actor: &Actor, new: NewOrganization) -> Result<Organization, AppError> {
    access::can(actor, Action::Create, Resource::Organization(None))?;
    new.validate()?;
    conn.transaction(async |tx| {
        check_parent(tx, new.id, new.parent_id).await?;
        let created = Organization::try_from(repo::insert(tx, &new.into_row()?).await?)?;
        audit::record(tx, actor, "create", Change::Created(&created)).await?;
        Ok(created)
    })
    .await
}

pub async fn update(
    conn: &mut Conn,
    actor: &Actor,
    id: Uuid,
    expected_version: Option<i64>,
    patch: serde_json::Value,
) -> Result<Organization, AppError> {
    conn.transaction(async |tx| {
        let before = Organization::try_from(repo::get_for_update(tx, id).await?.ok_or(AppError::NotFound)?)?;
        access::can(actor, Action::Update, Resource::Organization(Some(id)))?;
        crate::domain::check_version(expected_version, before.version)?;
        let mut changed = merge_patch::apply(&before.fields(), &patch)?;
        changed.id = id;
        changed.validate()?;
        if changed.parent_id != before.parent_id {
            check_parent(tx, id, changed.parent_id).await?;
        }
        let saved = repo::update_if_version(tx, &changed.into_row()?, before.version).await?.ok_or_else(|| {
            AppError::PreconditionFailed { current_etag: Some(crate::domain::version_etag(before.version)) }
        })?;
        let after = Organization::try_from(saved)?;
        audit::record(tx, actor, "update", Change::updated(&before, &after)).await?;
        Ok(after)
    })
    .await
}

pub async fn delete(conn: &mut Conn, actor: &Actor, id: Uuid, expected_version: Option<i64>) -> Result<(), AppError> {
    conn.transaction(async |tx| {
        let before = Organization::try_from(repo::get_for_update(tx, id).await?.ok_or(AppError::NotFound)?)?;
        access::can(actor, Action::Delete, Resource::Organization(Some(id)))?;
        crate::domain::check_version(expected_version, before.version)?;
        if repo::has_children(tx, id).await? {
            return Err(AppError::Conflict {
                detail: "the organisation has sub-organisations; move or delete them first".into(),
            });
        }
        repo::delete(tx, id).await?;
        audit::record(tx, actor, "delete", Change::Deleted(&before)).await?;
        Ok(())
    })
    .await
}
