//! Who hears of a removal: everyone of what was public; the organisations it concerned of
//! what was theirs only (a draft deleted); platform admins of all.

use uuid::Uuid;

use crate::domain::access::Actor;

/// The organisations whose non-public removals the actor hears of (`None`: all of them).
pub fn beyond_public(actor: &Actor) -> Option<Vec<Uuid>> {
    if actor.is_platform_admin() { None } else { Some(actor.organizations()) }
}
