//! Who reads the audit log: platform admins all of it, org admins the entries about their
//! organisations' resources, nobody else.

use uuid::Uuid;

use crate::domain::access::{Actor, admin_or};
use crate::error::AppError;

/// The organisations whose entries the actor reads (`None`: all of them).
pub fn readable_organizations(actor: &Actor) -> Result<Option<Vec<Uuid>>, AppError> {
    let administered = actor.admin_organizations();
    admin_or(actor, !administered.is_empty())?;
    Ok((!actor.is_platform_admin()).then_some(administered))
}
