//! The integration-test binary: every test talks to a real PostgreSQL through the same
//! route table the server uses, each on its own database cloned from a migrated template.

mod mail_sink;
mod receiver;
mod support;

mod agreements;
mod areas;
mod audit;
mod auth;
mod contacts;
mod coordination_documents;
mod demo;
mod directory;
mod errors;
mod event_series;
mod faults;
mod health;
mod indicator_sources;
mod indicators;
mod meetings;
mod members;
mod migrations;
mod networks;
mod openapi;
mod organizations;
mod phenomena;
mod replica;
mod resources;
mod scaling;
mod security;
mod server;
mod service_clients;
mod shape;
mod venues;
mod webhooks;
mod workshops;
