//! Meetings (seeds 001 and 003): a network's meetings and info sessions, and an agreement's
//! yearly collaboration meeting of its parties — agenda, venue (booked through the venue's own
//! bookings), attendance per organisation, minutes and decisions that become follow-up actions.

pub mod access;
pub mod lifecycle;
pub mod model;
pub mod reads;

pub use lifecycle::{add_action, create, delete, update};
pub use model::*;
pub use reads::{calendar, get, list};
