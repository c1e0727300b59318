//! Yhdyspinta: an open REST/JSON API for cross-sector collaboration in Finnish health and
//! social services.
//!
//! Layers, dependencies pointing down only: [`http`] (handlers, DTOs) → [`domain`] (rules,
//! authorisation, transactions) → [`repo`] (queries). [`routes`] mounts everything once.

pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod http;
pub mod mail;
pub mod repo;
pub mod routes;
pub mod server;
pub mod telemetry;
