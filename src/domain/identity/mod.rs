//! Identity: accounts, passwords, access tokens and their signing keys, the token endpoint's
//! grants and the login rate limiter.

pub mod auth;
pub mod passwords;
pub mod rate_limit;
pub mod tokens;
pub mod users;
