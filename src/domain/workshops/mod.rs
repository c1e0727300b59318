//! Workshops (seeds 000, 003 and 004): phenomenon workshops (ilmiöpajat) around what lobbies
//! notice, a waste workshop (Hukkapaja) that lists obstacles to collaboration and prioritises
//! the biggest by vote, and a solution workshop (Ratkaisupaja) that works them out through
//! anonymised client cases — with the actions they set and their artefacts (client paths,
//! collaboration flowcharts) as steps a frontend can draw.

pub mod access;
pub mod artefacts;
pub mod challenges;
pub mod lifecycle;
pub mod model;
pub mod reads;

pub use lifecycle::{accept, add_action, create, delete, update};
pub use model::*;
pub use reads::{get, list};
