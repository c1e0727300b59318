//! The coordination-documents policy. A document exists only for members of the organisations
//! it lists as editors (and platform admins, who read for support); to everyone else it is a
//! 404. Listing an organisation grants it reading; its coordinators and org admins edit only
//! once their organisation has accepted. Adding organisations is for editors; removing one is
//! for that organisation itself or the owner. The owner's coordinators delete; its org admins
//! restore.

use uuid::Uuid;

use super::model::CoordinationDocument;
use crate::domain::access::{Actor, Role, allow, can_accept_listing, denied};
use crate::error::AppError;

/// Listing needs an account: a document is never public.
pub fn can_list(actor: &Actor) -> Result<(), AppError> {
    allow(actor, actor.user_id().is_some())
}

pub fn can_read(actor: &Actor, doc: &CoordinationDocument) -> Result<(), AppError> {
    if actor.is_anonymous() {
        return Err(denied(actor));
    }
    let member = doc.editors.iter().any(|e| actor.role_in(e.organization_id).is_some());
    if member || actor.is_platform_admin() { Ok(()) } else { Err(AppError::NotFound) }
}

/// Changing the content (title, sections, entries): a coordinator or org admin of an
/// organisation that has accepted.
pub fn can_edit(actor: &Actor, doc: &CoordinationDocument) -> Result<(), AppError> {
    can_read(actor, doc)?;
    allow(actor, actor.has_role_in_any(&doc.accepted_editors(), Role::Coordinator))
}

/// Changing the document's own fields at all: an editor, or a coordinator of a listed
/// organisation (which may only take its own organisation off the list).
pub fn can_edit_or_leave(actor: &Actor, doc: &CoordinationDocument) -> Result<(), AppError> {
    can_read(actor, doc)?;
    allow(actor, actor.has_role_in_any(&doc.editor_ids(), Role::Coordinator))
}

/// The change a patch makes: content and added organisations need an editor; each removed
/// organisation needs its own coordinator or the owner's.
pub fn can_change(
    actor: &Actor,
    doc: &CoordinationDocument,
    content_changed: bool,
    added: &[Uuid],
    removed: &[Uuid],
) -> Result<(), AppError> {
    let editor = actor.has_role_in_any(&doc.accepted_editors(), Role::Coordinator);
    if (content_changed || !added.is_empty()) && !editor {
        return Err(denied(actor));
    }
    let owner = actor.has_role(doc.owner_organization_id, Role::Coordinator);
    allow(actor, removed.iter().all(|o| owner || actor.has_role(*o, Role::Coordinator)))
}

pub fn can_create(actor: &Actor, owner: Uuid) -> Result<(), AppError> {
    allow(actor, actor.has_role(owner, Role::Coordinator))
}

/// Accepting is the organisation's own act (whether the document lists it is judged after
/// `If-Match`, as the state it is).
pub fn can_accept(actor: &Actor, doc: &CoordinationDocument, organization_id: Uuid) -> Result<(), AppError> {
    can_read(actor, doc)?;
    can_accept_listing(actor, organization_id)
}

pub fn can_delete(actor: &Actor, doc: &CoordinationDocument) -> Result<(), AppError> {
    can_read(actor, doc)?;
    allow(actor, actor.has_role(doc.owner_organization_id, Role::Coordinator))
}

/// A deleted document exists only for the owner's org admins, and only while restorable. A
/// live one: its owner's org admins pass (the state is judged after `If-Match`: 409), other
/// readers are refused.
pub fn can_undelete(actor: &Actor, doc: &CoordinationDocument, restorable: bool) -> Result<(), AppError> {
    if actor.is_anonymous() {
        return Err(denied(actor));
    }
    let owner_admin = actor.has_role(doc.owner_organization_id, Role::OrgAdmin);
    match doc.deleted_at {
        Some(_) if restorable && owner_admin => Ok(()),
        Some(_) => Err(AppError::NotFound),
        None => {
            can_read(actor, doc)?;
            allow(actor, owner_admin)
        }
    }
}

/// The document, if the actor may read it (404 when not).
pub fn visible(actor: &Actor, doc: CoordinationDocument) -> Result<CoordinationDocument, AppError> {
    can_read(actor, &doc)?;
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::access::{Membership, Principal};
    use crate::domain::coordination_documents::{DocumentScope, Editor};

    fn user(memberships: &[(Uuid, Role)]) -> Actor {
        Actor {
            principal: Principal::User {
                id: Uuid::now_v7(),
                platform_admin: false,
                memberships: memberships.iter().map(|(o, r)| Membership { organization_id: *o, role: *r }).collect(),
            },
            request_id: None,
        }
    }

    fn doc(owner: Uuid, invited: Uuid) -> CoordinationDocument {
        CoordinationDocument {
            id: Uuid::now_v7(),
            owner_organization_id: owner,
            title: "t".into(),
            timezone: "Europe/Helsinki".into(),
            scope: DocumentScope::Organizations,
            sections: vec![],
            editors: vec![
                Editor { organization_id: owner, accepted: true },
                Editor { organization_id: invited, accepted: false },
            ],
            revision: 1,
            updated_by: None,
            author: None,
            deleted_at: None,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
            version: 1,
        }
    }

    #[test]
    fn an_invited_organisation_reads_but_edits_only_after_accepting() {
        let (owner, invited, other) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let d = doc(owner, invited);
        let invited_coordinator = user(&[(invited, Role::Coordinator)]);
        assert!(can_read(&invited_coordinator, &d).is_ok());
        assert!(matches!(can_edit(&invited_coordinator, &d), Err(AppError::Forbidden)));
        assert!(can_accept(&invited_coordinator, &d, invited).is_ok());
        assert!(matches!(can_accept(&invited_coordinator, &d, owner), Err(AppError::Forbidden)));
        assert!(can_edit(&user(&[(owner, Role::Coordinator)]), &d).is_ok());
        assert!(matches!(can_edit(&user(&[(owner, Role::Member)]), &d), Err(AppError::Forbidden)));
        assert!(matches!(can_read(&user(&[(other, Role::OrgAdmin)]), &d), Err(AppError::NotFound)));
        assert!(matches!(can_read(&Actor::anonymous(), &d), Err(AppError::Unauthorized { .. })));
    }

    #[test]
    fn an_organisation_is_removed_by_itself_or_the_owner() {
        let (owner, invited) = (Uuid::now_v7(), Uuid::now_v7());
        let d = doc(owner, invited);
        assert!(can_change(&user(&[(invited, Role::Coordinator)]), &d, false, &[], &[invited]).is_ok());
        assert!(can_change(&user(&[(owner, Role::Coordinator)]), &d, false, &[], &[invited]).is_ok());
        assert!(can_change(&user(&[(invited, Role::Coordinator)]), &d, true, &[], &[]).is_err());
        assert!(can_change(&user(&[(invited, Role::Coordinator)]), &d, false, &[Uuid::now_v7()], &[]).is_err());
    }
}
