//! The agreements policy. Public agreements are readable by anyone; the others exist only for
//! members of the party organisations (404 for everyone else). Coordinators and org admins of
//! the parties create and edit; org admins of signing parties sign. Contact persons and the
//! parties' internal records (reviews, acknowledgements) are for party members only.

use uuid::Uuid;

use super::model::{Agreement, AgreementFields, AgreementVisibility};
use crate::domain::access::{Actor, Role, Scope, admin_or, allow, denied};
use crate::error::AppError;

/// Whether the actor sees everything of the agreement: a platform admin, a member of a party,
/// or a party's service client holding `agreements:read`.
pub fn is_insider(actor: &Actor, a: &Agreement) -> bool {
    let parties = a.concerned_organizations();
    actor.is_platform_admin() || actor.reading_organizations(Scope::AgreementsRead).iter().any(|o| parties.contains(o))
}

/// 404 unless the agreement is public or the actor is an insider.
pub fn can_read(actor: &Actor, a: &Agreement) -> Result<(), AppError> {
    if is_insider(actor, a) || a.content.visibility == AgreementVisibility::Public {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Coordinators and org admins of a party (and platform admins) edit, move and amend.
pub fn can_edit(actor: &Actor, a: &Agreement) -> Result<(), AppError> {
    can_read(actor, a)?;
    admin_or(actor, actor.has_role_in_any(&a.party_ids(), Role::Coordinator))
}

/// A new agreement: the creator must coordinate one of the parties it names.
pub fn can_create(actor: &Actor, content: &AgreementFields) -> Result<(), AppError> {
    let parties: Vec<Uuid> = content.parties.iter().map(|p| p.organization_id).collect();
    admin_or(actor, actor.has_role_in_any(&parties, Role::Coordinator))
}

/// Removing a party is that organisation's own act: its coordinators and org admins remove it,
/// or before anyone has signed anything, the organisation that created the agreement. Not
/// even a platform admin removes an organisation from what it agreed to.
pub fn can_remove_party(actor: &Actor, a: &Agreement, party: Uuid, anything_signed: bool) -> Result<(), AppError> {
    let by_creator = !anything_signed
        && a.created_by_organization_id.is_some_and(|creator| actor.has_role(creator, Role::Coordinator));
    allow(actor, actor.has_role(party, Role::Coordinator) || by_creator)
}

/// Terminating an agreement in force is for an org admin of an organisation that signed the
/// version in force.
pub fn can_terminate(actor: &Actor, signed_in_force: &[Uuid]) -> Result<(), AppError> {
    allow(actor, actor.has_role_in_any(signed_in_force, Role::OrgAdmin))
}

/// Reviews and acknowledgements are the parties' internal records: insiders only, even for
/// public agreements.
pub fn can_see_records(actor: &Actor, a: &Agreement) -> Result<(), AppError> {
    can_read(actor, a)?;
    allow(actor, is_insider(actor, a))
}

/// The organisation the actor signs for: one whose signature the version requires and whose
/// org admin the actor is; `requested` names it when the actor administers several.
pub fn signing_party(
    actor: &Actor,
    a: &Agreement,
    required: &[Uuid],
    requested: Option<Uuid>,
) -> Result<Uuid, AppError> {
    can_read(actor, a)?;
    let mine: Vec<Uuid> = required.iter().copied().filter(|p| actor.has_role(*p, Role::OrgAdmin)).collect();
    match (requested, mine.as_slice()) {
        (Some(org), _) if mine.contains(&org) => Ok(org),
        (None, [only]) => Ok(*only),
        (None, [_, _, ..]) => Err(AppError::invalid(
            "organization_id",
            "required",
            "you administer several signing parties: say which one signs",
        )),
        _ => Err(denied(actor)),
    }
}
