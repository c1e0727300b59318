//! Users, memberships as seen from a user, signing keys and refresh tokens.

pub mod tokens;
pub mod users;
