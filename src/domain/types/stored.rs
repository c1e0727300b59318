//! JSON columns: a nested part of a resource written as `jsonb` and read back. What the
//! service wrote always reads back, so a mismatch is an internal error, not the client's.
//! Timestamps the service sets itself are cut to what a column keeps, so a write answers
//! what every later read answers.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::AppError;

/// Now, to the microsecond a `timestamptz` column keeps.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 6)
}

pub fn from_json<T: DeserializeOwned>(value: Value) -> Result<T, AppError> {
    serde_json::from_value(value).map_err(AppError::internal)
}

pub fn to_json<T: Serialize>(value: &T) -> Result<Value, AppError> {
    serde_json::to_value(value).map_err(AppError::internal)
}
