//! Who hears of a removal: everyone of what was public; the organisations it concerned of
//! what was theirs only (a draft deleted, a partner indicator's value withdrawn); platform
//! admins of all. A service client hears of its organisation's as far as its scopes read:
//! with `indicators:read`, of indicators and values.

use uuid::Uuid;

use crate::domain::access::{Actor, Principal, Scope};
use crate::domain::directory::DirectoryResource;

/// The non-public removals an actor hears of.
pub struct BeyondPublic {
    /// Of these organisations (`None`: of all).
    pub organizations: Option<Vec<Uuid>>,
    /// Of these resource types only (`None`: of every type).
    pub types: Option<Vec<DirectoryResource>>,
}

pub fn beyond_public(actor: &Actor) -> BeyondPublic {
    match &actor.principal {
        _ if actor.is_platform_admin() => BeyondPublic { organizations: None, types: None },
        Principal::Client { organization_id, scopes, .. } if scopes.contains(&Scope::IndicatorsRead) => BeyondPublic {
            organizations: Some(vec![*organization_id]),
            types: Some(vec![DirectoryResource::Indicator, DirectoryResource::Observation]),
        },
        _ => BeyondPublic { organizations: Some(actor.organizations()), types: None },
    }
}
