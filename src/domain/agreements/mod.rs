//! Partnership agreements (kumppanuussopimukset): who does what, on which ground rules
//! (pelisäännöt), under which collective-impact principles and cost sharing (jyvitys).
//!
//! Lifecycle: `draft` ⇄ `negotiation` → `awaiting_signatures` (freezes an immutable version
//! with the SHA-256 of its RFC 8785 canonical JSON) → `active` once every signing party has
//! signed that hash → `expired` (derived from the end date) or `terminated`; `cancelled` from
//! any state before `active`. Content is editable only in `draft` and `negotiation`.
//!
//! The parts are layered: [`model`] (types, field rules, loading) → [`access`] (the policy) →
//! the operations [`reads`], [`lifecycle`], [`versions`] and [`reviews`].

pub mod access;
pub mod lifecycle;
pub mod model;
pub mod reads;
pub mod reviews;
pub mod versions;

pub use lifecycle::{AmendmentInput, TransitionInput, amend, create, transition, update};
pub use model::*;
pub use reads::{AgreementQuery, Completeness, get, list};
pub use versions::{SignatureInput, VersionDiff, diff, sign, version, versions};
