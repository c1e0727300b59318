//! Who keeps an organisation's webhooks: its org admins, and its own service clients that
//! hold `webhooks:manage`. Others do not learn that a subscription exists (404).

use uuid::Uuid;

use crate::domain::access::{Actor, Principal, Role, Scope, allow};
use crate::error::AppError;

/// Whether the actor keeps `organization`'s subscriptions.
pub fn keeps(actor: &Actor, organization: Uuid) -> bool {
    actor.has_role(organization, Role::OrgAdmin)
        || matches!(&actor.principal, Principal::Client { organization_id, scopes, .. }
            if *organization_id == organization && scopes.contains(&Scope::WebhooksManage))
}

/// Create a subscription for `organization`.
pub fn can_create(actor: &Actor, organization: Uuid) -> Result<(), AppError> {
    allow(actor, keeps(actor, organization))
}

/// Anonymous callers learn nothing, not even whether a subscription exists: 401 before it is
/// looked up.
pub fn signed_in(actor: &Actor) -> Result<(), AppError> {
    if actor.is_anonymous() { Err(crate::domain::access::denied(actor)) } else { Ok(()) }
}

/// Read or change an existing subscription: 404 to those who do not keep it, so that its
/// existence is not revealed; 401 to the anonymous.
pub fn visible(actor: &Actor, organization: Uuid) -> Result<(), AppError> {
    if actor.is_anonymous() {
        return Err(crate::domain::access::denied(actor));
    }
    if keeps(actor, organization) { Ok(()) } else { Err(AppError::NotFound) }
}

/// The organisations whose subscriptions the actor lists.
pub fn listed_organizations(actor: &Actor) -> Result<Vec<Uuid>, AppError> {
    match &actor.principal {
        Principal::Anonymous => Err(crate::domain::access::denied(actor)),
        Principal::Client { organization_id, scopes, .. } if scopes.contains(&Scope::WebhooksManage) => {
            Ok(vec![*organization_id])
        }
        Principal::Client { .. } => Err(AppError::Forbidden),
        Principal::User { .. } => Ok(actor.admin_organizations()),
    }
}
