//! JSON columns: a nested part of a resource written as `jsonb` and read back. What the
//! service wrote always reads back, so a mismatch is an internal error, not the client's.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::AppError;

pub fn from_json<T: DeserializeOwned>(value: Value) -> Result<T, AppError> {
    serde_json::from_value(value).map_err(AppError::internal)
}

pub fn to_json<T: Serialize>(value: &T) -> Result<Value, AppError> {
    serde_json::to_value(value).map_err(AppError::internal)
}
