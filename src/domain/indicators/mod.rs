//! Collective-impact indicators (yhteinen mittaaminen, seed 002's shared measurement):
//! definitions partners agree on, the values they report per period, area and organisation,
//! the owner's approval, and time series of approved values.

pub mod access;
pub mod chart;
pub mod derived;
pub mod exports;
pub mod lifecycle;
pub mod model;
pub mod observations;
pub mod reads;
pub mod sotkanet;

pub use lifecycle::{create, delete, update};
pub use model::*;
pub use reads::{get, list, series, versions};
