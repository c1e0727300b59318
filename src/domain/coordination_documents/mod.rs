//! Shared coordination documents (yhteinen koordinaatiodokumentti): the "shared file that every
//! key person can edit" of the meeting-place model, with dates, contents and responsible
//! persons.
//!
//! A document lists editor organisations. Listing one is an invitation: its members read the
//! document at once, and its coordinators and org admins edit once one of them has accepted.
//! Every change takes the document's row lock, checks `If-Match` against the changed row, and
//! appends a revision in the same transaction, so no acknowledged edit is ever lost or
//! reordered and any earlier state can be rebuilt (`history`). Entries carry their own
//! versions: people editing different rows never conflict.

pub mod access;
pub mod entries;
pub mod exports;
pub mod history;
pub mod lifecycle;
pub mod live;
pub mod model;
pub mod positions;
pub mod reads;

pub use lifecycle::{accept, create, delete, deleted, purge_expired, undelete, update};
pub use model::*;
pub use reads::{get, list};
