//! Venues: meeting places (kohtaamispaikat), collaboration lobbies (yhteistyöaulat), libraries,
//! parish halls and other premises where event series are held. Venue records are public
//! directory data; the owner organisation's coordinators keep them. Naming an operator is
//! information only: it gives the operator no rights over the venue, nor the owner any over it.

pub mod access;
pub mod bookings;
pub mod lifecycle;
pub mod model;
pub mod reads;

pub use lifecycle::{create, delete, update};
pub use model::*;
pub use reads::{get, list};
