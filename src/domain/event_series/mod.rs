//! Event series (tapahtumasarjat): a single event, a recurring activity, or an umbrella over
//! child series, run by one publisher with other organisers, at a venue or online. The
//! schedule is expanded into occurrences for a rolling horizon ([`occurrences`]); calendars are
//! written from the same schedule ([`calendar`]); cost items are shared between organisers
//! ([`costs`]).
//!
//! Naming is not consent: an organisation listed as organiser is shown as one, edits, and
//! carries cost shares only after its own coordinator or org admin has accepted. Drafts exist
//! only for members of the named organisations.

pub mod access;
pub mod calendar;
pub mod costs;
pub mod lifecycle;
pub mod model;
pub mod occurrences;
pub mod reads;
pub mod schedule;

pub use lifecycle::{accept, create, delete, extend_horizons, update};
pub use model::*;
pub use reads::{get, list};
