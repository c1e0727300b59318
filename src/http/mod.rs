//! HTTP layer: handlers, request/response DTOs, extractors and `#[utoipa::path]` docs.
//!
//! A handler extracts and shapes input, takes the request's one pooled connection, calls one
//! domain function and maps the result to a status, headers and a DTO. No diesel here, and
//! no error bodies built by hand: errors are [`AppError`](crate::error::AppError)s, rendered
//! by [`middleware::request_context`].

pub mod actions;
pub mod admission;
pub mod agreements;
pub mod areas;
pub mod audit;
pub mod common;
pub mod contacts;
pub mod context;
pub mod coordination_documents;
pub mod directory;
pub mod event_series;
pub mod framework;
pub mod head_guard;
pub mod health;
pub mod idempotency;
pub mod identity;
pub mod indicators;
pub mod meetings;
pub mod members;
pub mod middleware;
pub mod networks;
pub mod organizations;
pub mod phenomena;
pub mod removals;
pub mod service_clients;
pub mod venues;
pub mod webhooks;
pub mod workshops;
