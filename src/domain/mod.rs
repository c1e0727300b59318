//! Domain layer: the rules of the service.
//!
//! Functions here take the request's `&mut Conn`, check authorisation through [`access`],
//! validate input, run transactions and return domain types or [`AppError`](crate::error::AppError).
//! Nothing here knows about HTTP. Value types that appear unchanged in the API
//! ([`LocalizedText`](localized::LocalizedText), kinds) derive serde and `ToSchema` so the HTTP
//! layer can use them directly instead of copying them.

pub mod access;
pub mod agreements;
pub mod areas;
pub mod audit;
pub mod contacts;
pub mod identity;
pub mod members;
pub mod organizations;
pub mod service_clients;
pub mod types;

/// The strong ETag of a row version: `"3"`. Every versioned resource uses this form, and
/// `If-Match` is parsed back from it.
pub fn version_etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// The `If-Match` precondition of a write: 412 carrying the current ETag when the caller's
/// version is not the row's.
pub fn check_version(expected: Option<i64>, current: i64) -> Result<(), crate::error::AppError> {
    match expected {
        Some(v) if v != current => {
            Err(crate::error::AppError::PreconditionFailed { current_etag: Some(version_etag(current)) })
        }
        _ => Ok(()),
    }
}
