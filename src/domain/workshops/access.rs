//! Who reads and runs a workshop. Its listed organisations and its network's members read it
//! (others 404). Coordinators of organisers that accepted run it: edit it, prioritise
//! challenges, set actions, keep artefacts. People of organisations that accepted (organisers
//! and participants) name challenges and vote. Listing an organisation grants nothing until
//! its own coordinators accept.

use uuid::Uuid;

use super::model::{Workshop, WorkshopFields, WorkshopRole};
use crate::domain::access::{Actor, Role, admin_or, allow};
use crate::error::AppError;

pub fn can_read(actor: &Actor, w: &Workshop) -> Result<(), AppError> {
    let reads = actor.is_platform_admin() || actor.organizations().iter().any(|o| w.readers.contains(o));
    if reads { Ok(()) } else { Err(AppError::NotFound) }
}

pub fn can_edit(actor: &Actor, w: &Workshop) -> Result<(), AppError> {
    can_read(actor, w)?;
    admin_or(actor, actor.has_role_in_any(&w.accepted(Some(WorkshopRole::Organizer)), Role::Coordinator))
}

/// A new workshop: you coordinate one of its organisers.
pub fn can_create(actor: &Actor, fields: &WorkshopFields) -> Result<(), AppError> {
    allow(actor, actor.has_role_in_any(&fields.organizer_ids, Role::Coordinator))
}

/// Name challenges and vote: a person of an organisation that has taken its place.
pub fn can_contribute(actor: &Actor, w: &Workshop) -> Result<(), AppError> {
    can_read(actor, w)?;
    allow(actor, actor.user_id().is_some() && actor.has_role_in_any(&w.accepted(None), Role::Member))
}

/// Take a listed organisation's place: its own coordinators.
pub fn can_accept(actor: &Actor, w: &Workshop, organization: Uuid) -> Result<(), AppError> {
    can_read(actor, w)?;
    crate::domain::access::can_accept_listing(actor, organization)
}
