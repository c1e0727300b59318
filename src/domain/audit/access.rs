//! Who reads the audit log: platform admins all of it, org admins the entries about their
//! organisations' resources, nobody else.

use serde_json::Value;
use uuid::Uuid;

use crate::domain::access::{Actor, admin_or};
use crate::error::AppError;

/// The organisations whose entries the actor reads (`None`: all of them).
pub fn readable_organizations(actor: &Actor) -> Result<Option<Vec<Uuid>>, AppError> {
    let administered = actor.admin_organizations();
    admin_or(actor, !administered.is_empty())?;
    Ok((!actor.is_platform_admin()).then_some(administered))
}

/// An entry's snapshots as the reader may see them: what the resource's own view hides from
/// the reader is hidden here too. A booking's occurrence is its booking organisation's (the
/// series may be a draft the venue's owner cannot see).
pub fn redact(actor: &Actor, resource_type: &str, mut diff: Value) -> Value {
    if resource_type == <crate::domain::venues::Booking as super::Audited>::RESOURCE_TYPE {
        for side in ["before", "after"] {
            let Some(snapshot) = diff.get_mut(side).and_then(Value::as_object_mut) else { continue };
            let organization = snapshot.get("organization_id").and_then(Value::as_str).and_then(|o| o.parse().ok());
            if !organization.is_some_and(|o| crate::domain::venues::access::sees_booked_occurrence(actor, o)) {
                snapshot.remove("occurrence_id");
            }
        }
    }
    diff
}
