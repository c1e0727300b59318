//! Users, memberships as seen from a user, signing keys, refresh tokens and rate-limit
//! windows.

pub mod rate_limits;
pub mod tokens;
pub mod users;
