//! Contact persons (yhdyshenkilöt) of an organisation.
//!
//! A contact is visible to the organisation's members and to members of organisations that
//! collaborate with it (parties to a live agreement together), or to everyone when it is a
//! public role contact (a shared mailbox, say). Erasure (GDPR) anonymises the contact in place so
//! references to it still resolve, and scrubs its snapshots from the audit log.

pub mod access;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::db::Conn;
use crate::domain::access::Actor;
use crate::domain::audit::{self, Audited, Change};
use crate::domain::context::Cx;
use crate::domain::organizations::ensure_exists;
use crate::domain::types::formats;
use crate::domain::types::merge_patch;
use crate::domain::types::names::{from_stored, name_of};
use crate::domain::types::pagination::{ListQuery, Page};
use crate::domain::types::precondition::IfMatch;
use crate::domain::types::validation;
use crate::error::AppError;
use crate::repo::agreements as agreement_repo;
use crate::repo::contacts::{self as repo, ContactRow, ContactWrite};
use crate::repo::members as member_repo;

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
            name: r.written.name,
            title: r.written.title,
            email: r.written.email,
            phone: r.written.phone,
            topics: r.written.topics.into_iter().flatten().collect(),
            languages: r.written.languages.into_iter().flatten().collect(),
            user_id: r.written.user_id,
            visibility: from_stored("contact visibility", &r.written.visibility)?,
            erased_at: r.erased_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        })
    }
}

impl Contact {
    fn fields(&self) -> ContactFields {
        ContactFields {
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
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Aino Esimerkki", "title": "Toiminnanjohtaja",
    "email": "aino@seniorikammari.example", "topics": ["ngo-collaboration"], "languages": ["fi"]}))]
pub struct ContactFields {
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(max = 200), custom(function = "formats::not_blank"))]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    #[validate(length(max = 200))]
    pub title: Option<String>,
    #[serde(default)]
    #[schema(max_length = 254, pattern = "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$")]
    #[validate(custom(function = "formats::email"))]
    pub email: Option<String>,
    #[serde(default)]
    #[schema(max_length = 21, pattern = "^\\+?[0-9 ()-]{5,20}$")]
    #[validate(custom(function = "formats::phone"))]
    pub phone: Option<String>,
    /// Free tags such as `ngo-collaboration` or `premises` (at most 20, each 1–64 characters).
    #[serde(default)]
    #[schema(max_items = 20, value_type = Vec<formats::schema::Tag>)]
    #[validate(length(max = 20), custom(function = "formats::tags"))]
    pub topics: Vec<String>,
    /// Languages the person serves in (e.g. `fi`, `sv`, `en`; at most 10).
    #[serde(default)]
    #[schema(max_items = 10, value_type = Vec<formats::schema::Tag>)]
    #[validate(length(max = 10), custom(function = "formats::tags"))]
    pub languages: Vec<String>,
    /// The person's user account, if they have one.
    #[serde(default)]
    pub user_id: Option<Uuid>,
    /// Default `members`.
    #[serde(default)]
    pub visibility: Visibility,
}

impl ContactFields {
    fn into_row(self) -> ContactWrite {
        ContactWrite {
            name: Some(self.name.trim().to_owned()),
            title: self.title,
            email: self.email,
            phone: self.phone,
            topics: self.topics.into_iter().map(Some).collect(),
            languages: self.languages.into_iter().map(Some).collect(),
            user_id: self.user_id,
            visibility: name_of(&self.visibility),
        }
    }
}

/// Whether the actor belongs to an organisation that collaborates with `organization_id`
/// (is party to a live agreement with it).
async fn collaborates(conn: &mut Conn, actor: &Actor, organization_id: Uuid) -> Result<bool, AppError> {
    let mine = actor.reading_organizations(crate::domain::access::Scope::ContactsRead);
    if mine.is_empty() {
        return Ok(false);
    }
    Ok(agreement_repo::collaborates(conn, organization_id, &mine).await?)
}

/// The contacts the actor may see: all for members of the organisation and of organisations
/// collaborating with it, public ones for everyone else.
pub async fn list(cx: &mut Cx<'_>, organization_id: Uuid, list: &ListQuery) -> Result<Page<Contact, Uuid>, AppError> {
    let page = list.page::<Uuid>()?;
    let (conn, actor) = cx.parts().await?;
    ensure_exists(conn, organization_id).await?;
    let collaborator = collaborates(conn, actor, organization_id).await?;
    let sees_all = access::can_read(actor, organization_id, false, collaborator).is_ok();
    let filter = repo::ContactFilter {
        organization_id,
        public_only: !sees_all,
        updated_since: list.updated_since,
        after: page.after,
        limit: page.fetch_limit(),
    };
    let rows = repo::list(conn, &filter).await?;
    Page::from_rows(rows, &page, |r| r.id).try_map(Contact::try_from)
}

/// The contact as its reader may see it: 404 when it is not theirs to know of.
async fn visible(conn: &mut Conn, actor: &Actor, contact: Contact) -> Result<Contact, AppError> {
    let collaborator = collaborates(conn, actor, contact.organization_id).await?;
    access::can_read(actor, contact.organization_id, contact.visibility == Visibility::Public, collaborator)?;
    Ok(contact)
}

/// Whether the contact exists, is not erased, and the actor may see it (for references to
/// contacts from other resources).
pub async fn is_visible(conn: &mut Conn, actor: &Actor, id: Uuid) -> Result<bool, AppError> {
    Ok(visible_among(conn, actor, &[id]).await?.contains(&id))
}

/// Which of these contacts exist, are not erased, and the actor may see: one query for the
/// contacts and one per organisation they belong to.
pub async fn visible_among(
    conn: &mut Conn,
    actor: &Actor,
    ids: &[Uuid],
) -> Result<std::collections::HashSet<Uuid>, AppError> {
    let mut seen = std::collections::HashSet::new();
    if ids.is_empty() {
        return Ok(seen);
    }
    let mut collaborating: std::collections::HashMap<Uuid, bool> = std::collections::HashMap::new();
    for row in repo::get_many(conn, ids).await? {
        let contact = Contact::try_from(row)?;
        let org = contact.organization_id;
        let collaborator = match collaborating.get(&org) {
            Some(c) => *c,
            None => {
                let c = collaborates(conn, actor, org).await?;
                collaborating.insert(org, c);
                c
            }
        };
        if access::can_read(actor, org, contact.visibility == Visibility::Public, collaborator).is_ok() {
            seen.insert(contact.id);
        }
    }
    Ok(seen)
}

/// Whether every one of `ids` is a contact of `organization` (for resources where an
/// organisation names its own contact persons: a network member, an action's contact).
pub async fn belong_to(conn: &mut Conn, organization: Uuid, ids: &[Uuid]) -> Result<bool, AppError> {
    let owners = repo::owners(conn, ids).await?;
    Ok(ids.iter().all(|id| owners.iter().any(|(contact, owner)| contact == id && *owner == organization)))
}

pub async fn get(cx: &mut Cx<'_>, organization_id: Uuid, id: Uuid) -> Result<Contact, AppError> {
    let (conn, actor) = cx.parts().await?;
    let contact = Contact::try_from(repo::get(conn, organization_id, id).await?.ok_or(AppError::NotFound)?)?;
    visible(conn, actor, contact).await
}

pub async fn create(cx: &mut Cx<'_>, organization_id: Uuid, fields: ContactFields) -> Result<Contact, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        ensure_exists(tx, organization_id).await?;
        access::can_edit(actor, organization_id)?;
        validation::check(&fields)?;
        account_is_a_member(tx, organization_id, fields.user_id).await?;
        let created = Contact::try_from(repo::insert(tx, Uuid::now_v7(), organization_id, &fields.into_row()).await?)?;
        audit::record(tx, actor, "create", Change::Created(&created)).await?;
        Ok(created)
    })
    .await
}

/// A contact is linked only to an account of the organisation's own member (422).
async fn account_is_a_member(conn: &mut Conn, organization_id: Uuid, user_id: Option<Uuid>) -> Result<(), AppError> {
    match user_id {
        Some(user) if member_repo::get(conn, organization_id, user).await?.is_none() => {
            Err(AppError::invalid("user_id", "not_a_member", "link only an account of the organisation's member"))
        }
        _ => Ok(()),
    }
}

/// The contact locked for a write: as a reader would see it first, then the right to change it.
async fn lock_for_write(conn: &mut Conn, actor: &Actor, organization_id: Uuid, id: Uuid) -> Result<Contact, AppError> {
    let contact = Contact::try_from(repo::lock(conn, organization_id, id).await?.ok_or(AppError::NotFound)?)?;
    let contact = visible(conn, actor, contact).await?;
    access::can_edit(actor, organization_id)?;
    Ok(contact)
}

pub async fn update(
    cx: &mut Cx<'_>,
    organization_id: Uuid,
    id: Uuid,
    if_match: IfMatch,
    patch: serde_json::Value,
) -> Result<Contact, AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = lock_for_write(tx, actor, organization_id, id).await?;
        if_match.check_required(before.version)?;
        if before.erased_at.is_some() {
            return Err(AppError::Conflict { detail: "the contact was erased".into() });
        }
        let fields = merge_patch::apply(&before.fields(), &patch)?;
        validation::check(&fields)?;
        if fields.user_id != before.user_id {
            account_is_a_member(tx, organization_id, fields.user_id).await?;
        }
        let after = Contact::try_from(repo::update(tx, id, &fields.into_row()).await?)?;
        audit::record(tx, actor, "update", Change::updated(&before, &after)).await?;
        Ok(after)
    })
    .await
}

/// Erases the contact's personal data (GDPR): the row stays as "erased contact".
pub async fn erase(cx: &mut Cx<'_>, organization_id: Uuid, id: Uuid, if_match: IfMatch) -> Result<(), AppError> {
    cx.write(async |cx| {
        let (tx, actor) = cx.parts().await?;
        let before = lock_for_write(tx, actor, organization_id, id).await?;
        if_match.check_required(before.version)?;
        if before.erased_at.is_some() {
            return Ok(());
        }
        let after = Contact::try_from(repo::erase(tx, id).await?)?;
        audit::scrub(tx, &after).await?;
        audit::record(tx, actor, "erase", Change::Created(&after)).await?;
        Ok(())
    })
    .await
}
