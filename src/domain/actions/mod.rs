//! Follow-up actions (toimenpiteet): what a meeting decided or a workshop set out to do, who
//! is responsible and by when, followed up in one list across networks and workshops. The
//! responsible organisation takes an action on by its own act.

pub mod access;
pub mod lifecycle;
pub mod model;
pub mod reads;

pub use lifecycle::{accept, delete, update};
pub use model::*;
pub use reads::{get, list};
