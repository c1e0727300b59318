//! Domain layer: the rules of the service.
//!
//! One folder per resource. Each resource's operations take the request context
//! ([`context::Cx`]: the request's one connection and its actor), check the resource's policy
//! (`<resource>/access.rs`, built on the primitives in [`access`]) before validating anything,
//! run their transaction with its audit record ([`audit`]) and return domain types or
//! [`AppError`](crate::error::AppError). Value types every resource uses are in [`types`].
//! Nothing here knows about HTTP. Request bodies and list filters are domain types (`…Fields`
//! for a resource's editable field set, `…Query` for its filters) deriving serde, `validator`
//! and utoipa, so the HTTP layer uses them directly instead of copying them.

pub mod access;
pub mod agreements;
pub mod areas;
pub mod audit;
pub mod contacts;
pub mod context;
pub mod coordination_documents;
pub mod event_series;
pub mod idempotency;
pub mod identity;
pub mod mail;
pub mod members;
pub mod organizations;
pub mod removals;
pub mod service_clients;
pub mod types;
pub mod venues;
