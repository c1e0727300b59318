//! Domain layer: the rules of the service.
//!
//! Functions here take the request's `&mut Conn`, check authorisation through [`access`],
//! validate input, run transactions and return domain types or [`AppError`](crate::error::AppError).
//! Nothing here knows about HTTP. Value types that appear unchanged in the API
//! ([`LocalizedText`](localized::LocalizedText), kinds) derive serde and `ToSchema` so the HTTP
//! layer can use them directly instead of copying them.

pub mod access;
pub mod areas;
pub mod business_id;
pub mod localized;
pub mod organizations;
pub mod pagination;
pub mod search;
