//! Phenomenon reports (ilmiöraportit, seeds 000, 003 and 004): what staff at collaboration
//! lobbies and meeting places notice in their area, reported by any organisation's members so
//! that the responsible organisation can react, and counted for maps with small counts
//! suppressed.

pub mod access;
pub mod lifecycle;
pub mod model;
pub mod reads;

pub use lifecycle::{create, create_theme, delete, transition, update};
pub use model::*;
pub use reads::{get, list, summary, themes};
