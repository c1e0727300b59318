//! Organisations (organisaatiot): the counties, municipalities, NGOs, parishes and others
//! that collaborate. Organisation records are public directory data.

pub mod access;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::db::Conn;
use crate::domain::audit::{self, Audited, Change};
use crate::domain::context::Cx;
use crate::domain::types::business_id::BusinessId;
use crate::domain::types::formats;
use crate::domain::types::localized::LocalizedText;
use crate::domain::types::merge_patch;
use crate::domain::types::names::{from_stored, name_of};
use crate::domain::types::pagination::{ListQuery, Page};
use crate::domain::types::precondition::IfMatch;
use crate::domain::types::search::TextSearch;
use crate::domain::types::stored::{from_json, to_json};
use crate::domain::types::validation;
use crate::error::AppError;
use crate::repo::organizations::{self as repo, OrganizationFilter, OrganizationRow, OrganizationWrite};

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
            id: row.written.id,
            name: from_json(row.written.name)?,
            kind: from_stored("organisation kind", &row.written.kind)?,
            business_id: row.written.business_id,
            parent_id: row.written.parent_id,
            municipality_codes: row.written.municipality_codes.into_iter().flatten().collect(),
            wellbeing_county_code: row.written.wellbeing_county_code,
            description: row.written.description.map(from_json).transpose()?,
            website: row.written.website,
            email: row.written.email,
            phone: row.written.phone,
            external_ids: from_json(row.written.external_ids)?,
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

/// The display names (Finnish first) of the organisations with these ids that exist, read in
/// one query (each id once).
pub async fn names(
    conn: &mut Conn,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<std::collections::HashMap<Uuid, String>, AppError> {
    let mut ids: Vec<Uuid> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    repo::names(conn, &ids)
        .await?
        .into_iter()
        .map(|(id, name)| {
            let name: LocalizedText = from_json(name)?;
            Ok((id, name.display(crate::domain::types::localized::Lang::Fi).to_owned()))
        })
        .collect()
}

/// Filters of the organisation list.
#[derive(Clone, Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrganizationQuery {
    /// Only organisations of this kind.
    pub kind: Option<OrganizationKind>,
    /// Only organisations serving this municipality (three-digit code).
    #[param(example = "179", pattern = "^[0-9]{3}$")]
    #[validate(custom(function = "formats::municipality_code"))]
    pub municipality: Option<String>,
    /// Only organisations of this wellbeing services county (two-digit code).
    #[param(example = "15", pattern = "^[0-9]{2}$")]
    #[validate(custom(function = "formats::county_code"))]
    pub wellbeing_county: Option<String>,
    /// Only direct sub-organisations of this organisation.
    pub parent: Option<Uuid>,
    /// The organisation with this business ID (Y-tunnus). An ID whose check digit is wrong
    /// matches no organisation.
    #[param(example = "0208201-1", pattern = "^[0-9]{7}-[0-9]$")]
    #[validate(custom(function = "formats::business_id_shape"))]
    pub business_id: Option<String>,
    /// Words to look for in the Finnish and Swedish names; each word matches as a prefix.
    #[param(example = "tampe", max_length = 200)]
    #[validate(length(max = 200))]
    pub q: Option<String>,
}

pub async fn list(
    cx: &mut Cx<'_>,
    query: OrganizationQuery,
    list: &ListQuery,
) -> Result<Page<Organization, Uuid>, AppError> {
    let page = list.page::<Uuid>()?;
    validation::check(&query)?;
    let search = match TextSearch::from_param(query.q.as_deref()) {
        TextSearch::All => None,
        TextSearch::Terms(terms) => Some(terms),
        TextSearch::Nothing => return Ok(Page::empty(page.limit)),
    };
    // A business id whose check digit is wrong belongs to no organisation.
    if query.business_id.as_deref().is_some_and(|b| BusinessId::parse(b).is_err()) {
        return Ok(Page::empty(page.limit));
    }
    let filter = OrganizationFilter {
        kind: query.kind.map(|k| name_of(&k)),
        municipality_code: query.municipality,
        wellbeing_county_code: query.wellbeing_county,
        parent_id: query.parent,
        business_id: query.business_id,
        search,
        updated_since: list.updated_since,
        after: page.after,
        limit: page.fetch_limit(),
    };
    let rows = repo::list(cx.conn().await?, &filter).await?;
    Page::from_rows(rows, &page, |r| r.written.id).try_map(Organization::try_from)
}

pub async fn get(cx: &mut Cx<'_>, id: Uuid) -> Result<Organization, AppError> {
    repo::get(cx.conn().await?, id).await?.ok_or(AppError::NotFound).and_then(Organization::try_from)
}

/// An organisation's editable fields: the body of a create, and what a merge patch edits.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": {"fi": "Laukaan Kohtaamispaikka ry"}, "kind": "ngo", "business_id": "2960667-1",
    "municipality_codes": ["410"], "wellbeing_county_code": "15",
    "description": {"fi": "Kohtaamispaikka kirjaston yhteydessä."}, "website": "https://kohtaamispaikka.example",
    "email": "info@kohtaamispaikka.example"}))]
pub struct OrganizationFields {
    #[validate(nested)]
    pub name: LocalizedText,
    pub kind: OrganizationKind,
    /// Finnish business ID (Y-tunnus); the check digit is validated.
    #[serde(default)]
    #[schema(pattern = "^[0-9]{7}-[0-9]$")]
    #[validate(custom(function = "formats::business_id"))]
    pub business_id: Option<String>,
    #[serde(default)]
    pub parent_id: Option<Uuid>,
    /// Municipalities served (three-digit codes).
    #[serde(default)]
    #[schema(max_items = 400, value_type = Vec<formats::schema::MunicipalityCode>)]
    #[validate(length(max = 400), custom(function = "formats::municipality_codes"))]
    pub municipality_codes: Vec<String>,
    #[serde(default)]
    #[schema(pattern = "^[0-9]{2}$")]
    #[validate(custom(function = "formats::county_code"))]
    pub wellbeing_county_code: Option<String>,
    #[serde(default)]
    #[validate(nested)]
    pub description: Option<LocalizedText>,
    #[serde(default)]
    #[schema(max_length = 2000, pattern = "^https?://\\S+$")]
    #[validate(length(max = 2000), custom(function = "formats::http_url"))]
    pub website: Option<String>,
    #[serde(default)]
    #[schema(max_length = 254, pattern = "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$")]
    #[validate(custom(function = "formats::email"))]
    pub email: Option<String>,
    #[serde(default)]
    #[schema(max_length = 21, pattern = "^\\+?[0-9 ()-]{5,20}$")]
    #[validate(custom(function = "formats::phone"))]
    pub phone: Option<String>,
    /// Identifiers in outside registers, e.g. `{"ptv": "..."}`: at most 20, names of 1–64 and
    /// values of 1–128 characters.
    #[serde(default)]
    #[schema(value_type = formats::schema::ExternalIds)]
    #[validate(custom(function = "formats::external_ids"))]
    pub external_ids: BTreeMap<String, String>,
}

impl OrganizationFields {
    fn into_row(self, id: Uuid) -> Result<OrganizationWrite, AppError> {
        Ok(OrganizationWrite {
            id,
            name: to_json(&self.name)?,
            kind: name_of(&self.kind),
            business_id: self.business_id.map(|b| BusinessId::parse(&b).map(BusinessId::into_string).unwrap_or(b)),
            parent_id: self.parent_id,
            municipality_codes: self.municipality_codes.into_iter().map(Some).collect(),
            wellbeing_county_code: self.wellbeing_county_code,
            description: self.description.as_ref().map(to_json).transpose()?,
            website: self.website,
            email: self.email,
            phone: self.phone,
            external_ids: to_json(&self.external_ids)?,
        })
    }
}

/// Inserts the organisations whose ids do not exist yet, leaving existing ones untouched
/// (idempotent seeding). Returns how many were inserted.
pub async fn insert_missing(
    conn: &mut Conn,
    organizations: Vec<(Uuid, OrganizationFields)>,
) -> Result<usize, AppError> {
    let rows = organizations
        .into_iter()
        .map(|(id, o)| {
            validation::check(&o)?;
            o.into_row(id)
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(repo::insert_missing(conn, &rows).await?)
}

impl Organization {
    /// The editable fields of this organisation (what a merge patch applies to).
    fn fields(&self) -> OrganizationFields {
        OrganizationFields {
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
    if repo::exists(conn, id).await? { Ok(()) } else { Err(AppError::NotFound) }
}

/// The position in `ids` of the first organisation that does not exist (one query, for
/// resources that name several).
pub async fn first_missing(conn: &mut Conn, ids: &[Uuid]) -> Result<Option<usize>, AppError> {
    let found = existing(conn, ids).await?;
    Ok(ids.iter().position(|id| !found.contains(id)))
}

/// Which of `ids` are organisations, in one query.
pub async fn existing(conn: &mut Conn, ids: &[Uuid]) -> Result<std::collections::HashSet<Uuid>, AppError> {
    Ok(repo::names(conn, ids).await?.into_iter().map(|(id, _)| id).collect())
}

/// A parent must exist and must not be the organisation itself or one of its descendants:
/// both depend on the other organisations as they are now (409).
async fn check_parent(conn: &mut Conn, id: Uuid, parent: Option<Uuid>) -> Result<(), AppError> {
    let Some(parent) = parent else { return Ok(()) };
    let chain = repo::ancestry(conn, parent).await?;
    if chain.is_empty() {
        return Err(AppError::Conflict { detail: "parent_id: no such organisation".into() });
    }
    if chain.contains(&id) {
        return Err(AppError::Conflict { detail: "parent_id: an organisation cannot be under itself".into() });
    }
    Ok(())
}

pub async fn create(cx: &mut Cx<'_>, fields: OrganizationFields) -> Result<Organization, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        access::can_create(actor)?;
        validation::check(&fields)?;
        let id = Uuid::now_v7();
        check_parent(tx, id, fields.parent_id).await?;
        let created = Organization::try_from(repo::insert(tx, &fields.into_row(id)?).await?)?;
        audit::record(tx, actor, "create", Change::Created(&created)).await?;
        Ok(created)
    })
    .await
}

/// The write template every update follows: lock the row, authorise, check `If-Match`, apply
/// the merge patch, validate, `UPDATE … RETURNING`, audit, all in one transaction.
pub async fn update(
    cx: &mut Cx<'_>,
    id: Uuid,
    if_match: IfMatch,
    patch: serde_json::Value,
) -> Result<Organization, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = Organization::try_from(repo::lock(tx, id).await?.ok_or(AppError::NotFound)?)?;
        access::can_update(actor, id)?;
        if_match.check_required(before.version)?;
        let fields = merge_patch::apply(&before.fields(), &patch)?;
        let registry_changed = fields.kind != before.kind
            || fields.business_id != before.business_id
            || fields.parent_id != before.parent_id;
        if registry_changed {
            access::can_change_registry_facts(actor)?;
        }
        validation::check(&fields)?;
        if fields.parent_id != before.parent_id {
            check_parent(tx, id, fields.parent_id).await?;
        }
        let after = Organization::try_from(repo::update(tx, &fields.into_row(id)?).await?)?;
        audit::record(tx, actor, "update", Change::updated(&before, &after)).await?;
        Ok(after)
    })
    .await
}

pub async fn delete(cx: &mut Cx<'_>, id: Uuid, if_match: IfMatch) -> Result<(), AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = Organization::try_from(repo::lock(tx, id).await?.ok_or(AppError::NotFound)?)?;
        access::can_delete(actor)?;
        if_match.check_required(before.version)?;
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
