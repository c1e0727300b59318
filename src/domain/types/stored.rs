//! JSON columns: a nested part of a resource written as `jsonb` and read back. What the
//! service wrote always reads back, so a mismatch is an internal error, not the client's.
//! Timestamps the service sets itself are cut to what a column keeps, so a write answers
//! what every later read answers.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::AppError;
use crate::repo::JsonColumn;

/// Now, to the microsecond a `timestamptz` column keeps.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 6)
}

/// A column read into its type; the column is text or a tree as the row says (`repo::json`).
pub fn from_json<T: DeserializeOwned, C: JsonColumn>(column: C) -> Result<T, AppError> {
    column.parse().map_err(AppError::internal)
}

pub fn to_json<T: Serialize, C: JsonColumn>(value: &T) -> Result<C, AppError> {
    C::of(value).map_err(AppError::internal)
}
