//! Enum ⇄ text, one mechanism for every enum: the serde name is the wire name, the stored
//! name and the name in messages. A stored value that no variant has is an error, never a
//! silent default.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// The serde name of a unit variant (`OrgAdmin` → `org_admin`).
pub fn name_of<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// The variant stored as `name` in column `column`; a name no variant has is an internal
/// error (the database holds something this code does not know).
pub fn from_stored<T: DeserializeOwned>(column: &str, name: &str) -> Result<T, AppError> {
    serde_json::from_value(serde_json::Value::String(name.to_owned()))
        .map_err(|_| AppError::internal(format!("unknown {column} '{name}' in the database")))
}

/// Every stored name of a list column, each checked like [`from_stored`].
pub fn all_from_stored<T: DeserializeOwned>(column: &str, names: &[Option<String>]) -> Result<Vec<T>, AppError> {
    names.iter().flatten().map(|n| from_stored(column, n)).collect()
}

/// The names in a comma-separated query parameter (`types=venue,event_series`), as stored
/// names; one no variant has is a 422 naming `field`.
pub fn comma_separated<T: DeserializeOwned + Serialize>(field: &str, text: &str) -> Result<Vec<String>, AppError> {
    text.split(',')
        .map(|name| {
            serde_json::from_value::<T>(serde_json::Value::String(name.trim().to_owned()))
                .map(|value| name_of(&value))
                .map_err(|_| AppError::invalid(field, "unknown_value", format!("unknown value '{}'", name.trim())))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, serde::Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Role {
        OrgAdmin,
    }

    #[test]
    fn names_round_trip_and_unknown_is_an_error() {
        assert_eq!(name_of(&Role::OrgAdmin), "org_admin");
        assert_eq!(from_stored::<Role>("role", "org_admin").unwrap(), Role::OrgAdmin);
        assert!(matches!(from_stored::<Role>("role", "owner"), Err(AppError::Internal(_))));
    }
}
