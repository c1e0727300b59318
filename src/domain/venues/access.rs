//! Who may keep venue records and book venues. Venues are public directory data; the owner
//! organisation's coordinators and org admins keep the record. An organisation books only
//! for itself, and a booking is cancelled by the booking organisation or the venue's owner.
//! Platform admins act for an organisation only through a membership in it, here as on series,
//! documents and bookings.

use uuid::Uuid;

use crate::domain::access::{Actor, Role, allow};
use crate::error::AppError;

/// Create, change or delete a venue record owned by `owner`.
pub fn can_keep(actor: &Actor, owner: Uuid) -> Result<(), AppError> {
    allow(actor, actor.has_role(owner, Role::Coordinator))
}

/// Book for `organization`: its own coordinators and org admins.
pub fn can_book(actor: &Actor, organization: Uuid) -> Result<(), AppError> {
    allow(actor, actor.has_role(organization, Role::Coordinator))
}

/// Cancel a booking: the booking organisation's or the owner's coordinators.
pub fn can_cancel(actor: &Actor, organization: Uuid, owner: Uuid) -> Result<(), AppError> {
    allow(actor, actor.has_role(organization, Role::Coordinator) || actor.has_role(owner, Role::Coordinator))
}

/// Who booked, the rent and the note are for the booking organisation and the venue's owner;
/// everyone else sees the times only (free/busy). The occurrence a booking is for is the
/// booking organisation's (its series may be a draft the owner cannot see).
pub fn sees_booking_details(actor: &Actor, organization: Uuid, owner: Uuid) -> bool {
    actor.is_platform_admin() || actor.has_role(organization, Role::Member) || actor.has_role(owner, Role::Member)
}

pub fn sees_booked_occurrence(actor: &Actor, organization: Uuid) -> bool {
    actor.is_platform_admin() || actor.has_role(organization, Role::Member)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::access::{Membership, Principal};

    fn user(memberships: Vec<Membership>) -> Actor {
        Actor {
            principal: Principal::User { id: Uuid::now_v7(), platform_admin: false, memberships },
            request_id: None,
        }
    }

    #[test]
    fn only_the_owners_coordinators_keep_a_venue_and_organisations_book_for_themselves() {
        let (owner, ngo) = (Uuid::now_v7(), Uuid::now_v7());
        let coordinator = user(vec![Membership { organization_id: owner, role: Role::Coordinator }]);
        let member = user(vec![Membership { organization_id: owner, role: Role::Member }]);
        let ngo_coordinator = user(vec![Membership { organization_id: ngo, role: Role::Coordinator }]);
        assert!(can_keep(&coordinator, owner).is_ok());
        let platform_admin = Actor {
            principal: Principal::User { id: Uuid::now_v7(), platform_admin: true, memberships: vec![] },
            request_id: None,
        };
        assert!(matches!(can_keep(&platform_admin, owner), Err(AppError::Forbidden)));
        assert!(matches!(can_keep(&member, owner), Err(AppError::Forbidden)));
        assert!(matches!(can_keep(&Actor::anonymous(), owner), Err(AppError::Unauthorized { .. })));
        assert!(can_book(&ngo_coordinator, ngo).is_ok());
        assert!(matches!(can_book(&ngo_coordinator, owner), Err(AppError::Forbidden)));
        assert!(can_cancel(&coordinator, ngo, owner).is_ok());
        assert!(!sees_booking_details(&Actor::anonymous(), ngo, owner));
        assert!(sees_booking_details(&member, ngo, owner));
    }
}
