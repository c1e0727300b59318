//! Authorisation: the one place that answers "may this actor do this to that resource".
//!
//! Handlers never check roles themselves; domain functions call [`can`] after loading the
//! resource. Where revealing that a resource exists would leak information, the answer is
//! `NotFound` rather than `Forbidden`.

use crate::error::AppError;

/// Who is calling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    /// No credentials were presented.
    Anonymous,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Read,
}

/// What an action is performed on.
#[derive(Clone, Copy, Debug)]
pub enum Resource {
    /// The area register is public reference data.
    AreaRegister,
    /// Organisation records are public directory data (names, kinds, served areas).
    Organization,
}

pub fn can(actor: &Actor, action: Action, resource: Resource) -> Result<(), AppError> {
    match (actor, action, resource) {
        (_, Action::Read, Resource::AreaRegister | Resource::Organization) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_registers_are_readable_anonymously() {
        assert!(can(&Actor::Anonymous, Action::Read, Resource::AreaRegister).is_ok());
        assert!(can(&Actor::Anonymous, Action::Read, Resource::Organization).is_ok());
    }
}
