//! Contact persons (yhdyshenkilöt) of an organisation.
//!
//! A contact is visible to the organisation's members and to members of organisations that
//! collaborate with it (parties to a live agreement together), or to everyone when it is a
//! public role contact (a shared mailbox, say). Erasure (GDPR) anonymises the contact in place so
//! references to it still resolve, and scrubs its snapshots from the audit log.

use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::Conn;
use crate::domain::access::{self, Action, Actor, Principal, Resource};
use crate::domain::audit::{self, Audited, Change};
use crate::domain::identity::users::validate_email;
use crate::domain::organizations::ensure_exists;
use crate::domain::types::merge_patch;
use crate::domain::types::pagination::{Page, PageRequest};
use crate::error::{AppError, FieldError};
use crate::repo::agreements as agreement_repo;
use crate::repo::contacts::{self as repo, ContactFields, ContactRow};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    #[default]
    /// Members of the organisation and of organisations collaborating with it (parties to a
    /// live agreement together).
    Members,
    /// Anyone, including anonymous callers: for role contacts such as shared mailboxes.
    Public,
}

impl Visibility {
    fn as_str(self) -> &'static str {
        match self {
            Visibility::Members => "members",
            Visibility::Public => "public",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Contact {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: Option<String>,
    pub title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub topics: Vec<String>,
    pub languages: Vec<String>,
    pub user_id: Option<Uuid>,
    pub visibility: Visibility,
    pub erased_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl TryFrom<ContactRow> for Contact {
    type Error = AppError;
    fn try_from(r: ContactRow) -> Result<Self, AppError> {
        Ok(Contact {
            id: r.id,
            organization_id: r.organization_id,
            name: r.name,
            title: r.title,
            email: r.email,
            phone: r.phone,
            topics: r.topics.into_iter().flatten().collect(),
            languages: r.languages.into_iter().flatten().collect(),
            user_id: r.user_id,
            visibility: if r.visibility == "public" { Visibility::Public } else { Visibility::Members },
            erased_at: r.erased_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        })
    }
}

impl Contact {
    fn resource(&self, collaborator: bool) -> Resource {
        Resource::Contact {
            organization_id: self.organization_id,
            public: self.visibility == Visibility::Public,
            collaborator,
        }
    }

    fn fields(&self) -> ContactDetails {
        ContactDetails {
            name: self.name.clone().unwrap_or_default(),
            title: self.title.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            topics: self.topics.clone(),
            languages: self.languages.clone(),
            user_id: self.user_id,
            visibility: self.visibility,
        }
    }
}

impl Audited for Contact {
    const RESOURCE_TYPE: &'static str = "contact";
    fn audit_id(&self) -> String {
        self.id.to_string()
    }
    fn audit_organizations(&self) -> Vec<Uuid> {
        vec![self.organization_id]
    }
}

/// The editable details of a contact: the body of a create, and what a merge patch edits.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Aino Esimerkki", "title": "Toiminnanjohtaja",
    "email": "aino@seniorikammari.example", "topics": ["ngo-collaboration"], "languages": ["fi"]}))]
pub struct ContactDetails {
    pub name: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    /// Free tags such as `ngo-collaboration` or `premises`.
    #[serde(default)]
    pub topics: Vec<String>,
    /// Languages the person serves in (e.g. `fi`, `sv`, `en`).
    #[serde(default)]
    pub languages: Vec<String>,
    /// The person's user account, if they have one.
    #[serde(default)]
    pub user_id: Option<Uuid>,
    /// Default `members`.
    #[serde(default)]
    pub visibility: Visibility,
}

impl ContactDetails {
    fn validate(&self) -> Result<(), AppError> {
        let mut errors: Vec<FieldError> = Vec::new();
        if self.name.trim().is_empty() {
            errors.push(FieldError::new("name", "missing_text", "give the contact's name"));
        }
        if let Some(email) = &self.email {
            errors.extend(validate_email("email", email).err());
        }
        for (field, list) in [("topics", &self.topics), ("languages", &self.languages)] {
            if list.iter().any(|t| t.trim().is_empty() || t.len() > 64) {
                errors.push(FieldError::new(field, "invalid_value", "use non-empty tags of at most 64 characters"));
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(AppError::Validation(errors)) }
    }

    fn into_fields(self) -> ContactFields {
        ContactFields {
            name: Some(self.name.trim().to_owned()),
            title: self.title,
            email: self.email,
            phone: self.phone,
            topics: self.topics.into_iter().map(Some).collect(),
            languages: self.languages.into_iter().map(Some).collect(),
            user_id: self.user_id,
            visibility: self.visibility.as_str().to_owned(),
        }
    }
}

/// Whether the actor belongs to an organisation that collaborates with `organization_id`
/// (is party to a live agreement with it).
async fn collaborates(conn: &mut Conn, actor: &Actor, organization_id: Uuid) -> Result<bool, AppError> {
    let Principal::User { memberships, .. } = &actor.principal else { return Ok(false) };
    let mine: Vec<Uuid> = memberships.iter().map(|m| m.organization_id).collect();
    Ok(agreement_repo::collaborates(conn, organization_id, &mine).await?)
}

/// The contacts the actor may see: all for members of the organisation and of organisations
/// collaborating with it, public ones for everyone else.
pub async fn list(
    conn: &mut Conn,
    actor: &Actor,
    organization_id: Uuid,
    page: PageRequest<Uuid>,
) -> Result<Page<Contact, Uuid>, AppError> {
    ensure_exists(conn, organization_id).await?;
    let collaborator = collaborates(conn, actor, organization_id).await?;
    let sees_all =
        access::can(actor, Action::Read, Resource::Contact { organization_id, public: false, collaborator }).is_ok();
    let rows = repo::list(conn, organization_id, !sees_all, page.after, page.fetch_limit()).await?;
    Page::from_rows(rows, &page, |r| r.id).try_map(Contact::try_from)
}

pub async fn get(conn: &mut Conn, actor: &Actor, organization_id: Uuid, id: Uuid) -> Result<Contact, AppError> {
    let contact = Contact::try_from(repo::get(conn, organization_id, id).await?.ok_or(AppError::NotFound)?)?;
    let collaborator = collaborates(conn, actor, organization_id).await?;
    access::can(actor, Action::Read, contact.resource(collaborator))?;
    Ok(contact)
}

pub async fn create(
    conn: &mut Conn,
    actor: &Actor,
    organization_id: Uuid,
    details: ContactDetails,
) -> Result<Contact, AppError> {
    ensure_exists(conn, organization_id).await?;
    access::can(actor, Action::Create, Resource::Contact { organization_id, public: false, collaborator: false })?;
    details.validate()?;
    conn.transaction(async |tx| {
        let created =
            Contact::try_from(repo::insert(tx, Uuid::now_v7(), organization_id, &details.into_fields()).await?)?;
        audit::record(tx, actor, "create", Change::Created(&created)).await?;
        Ok(created)
    })
    .await
}

async fn load_for_write(conn: &mut Conn, actor: &Actor, organization_id: Uuid, id: Uuid) -> Result<Contact, AppError> {
    let contact = Contact::try_from(repo::get_for_update(conn, organization_id, id).await?.ok_or(AppError::NotFound)?)?;
    // Existence first as a reader would see it, then the right to change it.
    let collaborator = collaborates(conn, actor, organization_id).await?;
    access::can(actor, Action::Read, contact.resource(collaborator))?;
    access::can(actor, Action::Update, contact.resource(collaborator))?;
    Ok(contact)
}

pub async fn update(
    conn: &mut Conn,
    actor: &Actor,
    organization_id: Uuid,
    id: Uuid,
    expected_version: Option<i64>,
    patch: serde_json::Value,
) -> Result<Contact, AppError> {
    conn.transaction(async |tx| {
        let before = load_for_write(tx, actor, organization_id, id).await?;
        if before.erased_at.is_some() {
            return Err(AppError::Conflict { detail: "the contact was erased".into() });
        }
        crate::domain::check_version(expected_version, before.version)?;
        let details = merge_patch::apply(&before.fields(), &patch)?;
        details.validate()?;
        let after = Contact::try_from(repo::update(tx, id, &details.into_fields()).await?)?;
        audit::record(tx, actor, "update", Change::updated(&before, &after)).await?;
        Ok(after)
    })
    .await
}

/// Erases the contact's personal data (GDPR): the row stays as "erased contact".
pub async fn erase(
    conn: &mut Conn,
    actor: &Actor,
    organization_id: Uuid,
    id: Uuid,
    expected_version: Option<i64>,
) -> Result<(), AppError> {
    conn.transaction(async |tx| {
        let before = load_for_write(tx, actor, organization_id, id).await?;
        if before.erased_at.is_some() {
            return Ok(());
        }
        crate::domain::check_version(expected_version, before.version)?;
        let after = Contact::try_from(repo::erase(tx, id).await?)?;
        audit::scrub(tx, &after).await?;
        audit::record(tx, actor, "erase", Change::Created(&after)).await?;
        Ok(())
    })
    .await
}
