//! Webhooks: an organisation's subscriptions to the directory's change feed, delivered as
//! signed POSTs from a durable outbox in PostgreSQL, so that a partner learns of a change
//! without polling and misses none, also across crashes and with several instances.

pub mod access;
pub mod delivery;
pub mod lifecycle;
pub mod model;
pub mod reads;

pub use lifecycle::{create, delete, update};
pub use model::*;
pub use reads::{deliveries, get, list};
