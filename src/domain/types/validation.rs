//! Field rules: `validator` derives on request and field types, and the one adapter that turns
//! their [`ValidationErrors`] into the 422 `errors[]` with JSON paths such as
//! `parties[0].roles`. Rules that span fields or need the database stay in each resource.
//!
//! Limits are written twice on a field, `#[validate(length(max = N))]` for the server and
//! `#[schema(max_length = N)]` (or `max_items`) for the contract; the contract tests check that
//! every string and array of a request body carries a bound.

use std::borrow::Cow;

use validator::{Validate, ValidationError, ValidationErrors, ValidationErrorsKind};

use crate::error::{AppError, FieldError};

/// Key under which a type reports an error about itself rather than one of its fields (the
/// `validator` convention); the adapter reports it at the type's own path.
pub const SELF: &str = "__all__";

/// Runs the field rules of `value`: 422 listing every broken rule with its path.
pub fn check(value: &impl Validate) -> Result<(), AppError> {
    value.validate().map_err(|e| AppError::Validation(field_errors(&e)))
}

/// Every field rule of `value` and every rule between its fields (`rules`, computed by the
/// resource) that the body breaks, in one 422, so a frontend shows all of them at once.
/// References to other records are judged after this passes.
pub fn check_with(value: &impl Validate, rules: Vec<FieldError>) -> Result<(), AppError> {
    let mut errors = match value.validate() {
        Ok(()) => Vec::new(),
        Err(e) => field_errors(&e),
    };
    errors.extend(rules);
    if errors.is_empty() {
        return Ok(());
    }
    errors.sort_by(|a, b| a.field.cmp(&b.field));
    errors.dedup();
    Err(AppError::Validation(errors))
}

/// The rules broken in `errors`, each with its dotted/indexed path, sorted by path.
pub fn field_errors(errors: &ValidationErrors) -> Vec<FieldError> {
    let mut out = Vec::new();
    collect("", errors, &mut out);
    out.sort_by(|a, b| a.field.cmp(&b.field));
    out
}

fn join(prefix: &str, name: &str) -> String {
    match (prefix.is_empty(), name == SELF) {
        (_, true) => prefix.to_owned(),
        (true, false) => name.to_owned(),
        (false, false) => format!("{prefix}.{name}"),
    }
}

fn collect(prefix: &str, errors: &ValidationErrors, out: &mut Vec<FieldError>) {
    for (name, kind) in errors.errors() {
        let path = join(prefix, name);
        match kind {
            ValidationErrorsKind::Field(list) => out.extend(list.iter().map(|e| describe(&path, e))),
            ValidationErrorsKind::Struct(inner) => collect(&path, inner, out),
            ValidationErrorsKind::List(items) => {
                for (i, inner) in items {
                    collect(&format!("{path}[{i}]"), inner, out);
                }
            }
        }
    }
}

fn describe(path: &str, e: &ValidationError) -> FieldError {
    let param = |name: &str| e.params.get(name).and_then(serde_json::Value::as_u64);
    let actual = match e.params.get("value") {
        Some(serde_json::Value::String(s)) => Some(s.chars().count() as u64),
        Some(serde_json::Value::Array(a)) => Some(a.len() as u64),
        _ => None,
    };
    let (code, message): (Cow<'_, str>, String) = match e.code.as_ref() {
        "length" => match (param("min"), param("max")) {
            (Some(min), _) if actual.is_some_and(|n| n < min) => ("too_short".into(), format!("give at least {min}")),
            (_, Some(max)) => ("too_long".into(), format!("at most {max} characters or items")),
            _ => ("invalid_length".into(), "the length is out of bounds".into()),
        },
        "range" => ("out_of_range".into(), range_message(e)),
        code => (code.into(), e.message.as_deref().unwrap_or("invalid value").to_owned()),
    };
    FieldError::new(path, code, message)
}

fn range_message(e: &ValidationError) -> String {
    match (e.params.get("min"), e.params.get("max")) {
        (Some(min), Some(max)) => format!("use {min} to {max}"),
        (Some(min), None) => format!("use at least {min}"),
        (None, Some(max)) => format!("use at most {max}"),
        _ => "out of range".into(),
    }
}

/// A JSON body that does not read as the type it should (an unknown or missing member, a
/// wrong type): 422 naming the member by its JSON path, e.g. `cost_sharing[0].shares[0].amount`.
pub fn shape_error(e: serde_path_to_error::Error<serde_json::Error>) -> AppError {
    let path = e.path().to_string();
    let path = if path == "." { String::new() } else { path };
    let message = e.inner().to_string();
    let message = message.split(" at line ").next().unwrap_or_default().to_owned();
    // The path of an unknown member ends in it; a missing one is named only in the message.
    let missing = message.starts_with("missing field");
    let field = match message.split('`').nth(1).filter(|_| missing) {
        Some(member) if path.is_empty() => member.to_owned(),
        Some(member) => format!("{path}.{member}"),
        None if path.is_empty() => "body".to_owned(),
        None => path,
    };
    AppError::invalid(field, "invalid_value", message)
}

/// Reads `value` as a `T`, reporting a mismatch with [`shape_error`].
pub fn from_json<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, AppError> {
    serde_path_to_error::deserialize(value).map_err(shape_error)
}

/// A rule broken by a custom validator: a stable code and a message in plain words.
pub fn rule(code: &'static str, message: impl Into<Cow<'static, str>>) -> ValidationError {
    ValidationError::new(code).with_message(message.into())
}

#[cfg(test)]
mod tests {
    use validator::Validate;

    use super::*;

    #[derive(Validate)]
    struct Party {
        #[validate(length(min = 1, max = 2))]
        roles: Vec<String>,
    }

    #[derive(Validate)]
    struct Body {
        #[validate(length(max = 3))]
        name: String,
        #[validate(nested)]
        parties: Vec<Party>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Share {
        amount: u32,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Item {
        shares: Vec<Share>,
    }

    #[test]
    fn shape_errors_name_the_json_path() {
        let field = |v: serde_json::Value| match from_json::<Item>(v) {
            Err(AppError::Validation(e)) => e[0].field.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(field(serde_json::json!({"shares": [{"amount": 1}, {"amount": "x"}]})), "shares[1].amount");
        assert_eq!(field(serde_json::json!({"shares": [{"amonut": 1}]})), "shares[0].amonut");
        assert_eq!(field(serde_json::json!({"shares": [{}]})), "shares[0].amount");
        assert_eq!(field(serde_json::json!({})), "shares");
    }

    #[test]
    fn paths_name_nested_list_items() {
        let body = Body {
            name: "liian pitkä".into(),
            parties: vec![Party { roles: vec!["a".into()] }, Party { roles: vec![] }],
        };
        let errors = field_errors(&body.validate().unwrap_err());
        let fields: Vec<(&str, &str)> = errors.iter().map(|e| (e.field.as_str(), e.code.as_str())).collect();
        assert_eq!(fields, vec![("name", "too_long"), ("parties[1].roles", "too_short")]);
    }
}
