//! JSON Merge Patch (RFC 7396), the one way every resource is PATCHed: the patch is merged
//! into the resource's editable fields as JSON and read back through the same serde rules as a
//! create, so unknown members are rejected and required ones cannot be removed.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::AppError;

/// Merges `patch` into `target`: members set to `null` are removed, objects merge recursively,
/// anything else replaces.
pub fn merge(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(members) => {
            if !target.is_object() {
                *target = Value::Object(serde_json::Map::new());
            }
            if let Value::Object(t) = target {
                for (key, value) in members {
                    if value.is_null() {
                        t.remove(key);
                    } else {
                        merge(t.entry(key.clone()).or_insert(Value::Null), value);
                    }
                }
            }
        }
        other => *target = other.clone(),
    }
}

/// `current` with `patch` applied. A patch that is not an object is 400; a result that does not
/// read back (unknown member, wrong type, required member removed) is 422 naming the member.
pub fn apply<T: Serialize + DeserializeOwned>(current: &T, patch: &Value) -> Result<T, AppError> {
    if !patch.is_object() {
        return Err(AppError::bad_request("A merge patch is a JSON object."));
    }
    let mut merged = serde_json::to_value(current).map_err(AppError::internal)?;
    merge(&mut merged, patch);
    super::validation::from_json(merged)
}

/// Most operations one JSON Patch may carry.
pub const MAX_PATCH_OPERATIONS: usize = 100;

/// A PATCH body of a resource that takes both patch formats: a JSON Merge Patch (RFC 7396),
/// or a JSON Patch (RFC 6902) whose `test` operations let a client change a field only if it
/// still holds the value the user saw.
#[derive(Clone, Debug)]
pub enum Patch {
    Merge(Value),
    Json(json_patch::Patch),
}

impl Patch {
    /// Reads a JSON Patch document (an array of operations); 422 naming the operation when
    /// one is malformed.
    pub fn json_patch(body: Value) -> Result<Patch, AppError> {
        let Value::Array(operations) = body else {
            return Err(AppError::bad_request("A JSON Patch is a JSON array of operations."));
        };
        if operations.len() > MAX_PATCH_OPERATIONS {
            return Err(AppError::invalid(
                "body",
                "too_many_operations",
                format!("send at most {MAX_PATCH_OPERATIONS} operations"),
            ));
        }
        let mut parsed = Vec::with_capacity(operations.len());
        for (i, operation) in operations.into_iter().enumerate() {
            let op: json_patch::PatchOperation = serde_json::from_value(operation).map_err(|e| {
                let message = e.to_string();
                let message = message.split(" at line ").next().unwrap_or_default().to_owned();
                AppError::invalid(format!("body[{i}]"), "invalid_operation", message)
            })?;
            parsed.push(op);
        }
        Ok(Patch::Json(json_patch::Patch(parsed)))
    }

    /// `current` with the patch applied, read back through the type's serde rules (422 naming
    /// the member). A failed `test` is 409: the resource no longer holds the value tested.
    pub fn apply<T: Serialize + DeserializeOwned>(&self, current: &T) -> Result<T, AppError> {
        match self {
            Patch::Merge(patch) => apply(current, patch),
            Patch::Json(operations) => {
                let mut doc = serde_json::to_value(current).map_err(AppError::internal)?;
                json_patch::patch(&mut doc, &operations.0).map_err(|e| match e.kind {
                    json_patch::PatchErrorKind::TestFailed => AppError::Conflict {
                        detail: format!(
                            "The test of operation {} failed: {} no longer holds the value you tested.",
                            e.operation, e.path
                        ),
                    },
                    kind => {
                        AppError::invalid(format!("body[{}]", e.operation), "inapplicable_operation", kind.to_string())
                    }
                })?;
                super::validation::from_json(doc)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_rfc7396() {
        // RFC 7396 appendix A, a few of its cases.
        for (target, patch, result) in [
            (r#"{"a":"b"}"#, r#"{"a":"c"}"#, r#"{"a":"c"}"#),
            (r#"{"a":"b"}"#, r#"{"b":"c"}"#, r#"{"a":"b","b":"c"}"#),
            (r#"{"a":"b"}"#, r#"{"a":null}"#, r#"{}"#),
            (r#"{"a":[{"b":"c"}]}"#, r#"{"a":[1]}"#, r#"{"a":[1]}"#),
            (r#"{"e":null}"#, r#"{"a":1}"#, r#"{"e":null,"a":1}"#),
            (r#"{}"#, r#"{"a":{"bb":{"ccc":null}}}"#, r#"{"a":{"bb":{}}}"#),
        ] {
            let mut t: Value = serde_json::from_str(target).unwrap();
            merge(&mut t, &serde_json::from_str(patch).unwrap());
            assert_eq!(t, serde_json::from_str::<Value>(result).unwrap(), "{target} + {patch}");
        }
    }

    #[derive(Debug, PartialEq, Serialize, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Thing {
        name: String,
        phone: Option<String>,
    }

    #[test]
    fn unknown_and_removed_required_members_are_422() {
        let thing = Thing { name: "a".into(), phone: Some("1".into()) };
        let patched = apply(&thing, &serde_json::json!({"phone": null})).unwrap();
        assert_eq!(patched, Thing { name: "a".into(), phone: None });
        for patch in [serde_json::json!({"nmae": "b"}), serde_json::json!({"name": null})] {
            match apply(&thing, &patch) {
                Err(AppError::Validation(errors)) => assert_eq!(errors[0].code, "invalid_value"),
                other => panic!("{other:?}"),
            }
        }
        assert!(matches!(apply(&thing, &serde_json::json!([1])), Err(AppError::BadRequest { .. })));
    }

    #[test]
    fn json_patch_tests_guard_the_change() {
        let thing = Thing { name: "a".into(), phone: None };
        let ok = Patch::json_patch(serde_json::json!([
            {"op": "test", "path": "/name", "value": "a"}, {"op": "replace", "path": "/name", "value": "b"}]))
        .unwrap();
        assert_eq!(ok.apply(&thing).unwrap().name, "b");
        let stale = Patch::json_patch(serde_json::json!([
            {"op": "test", "path": "/name", "value": "x"}, {"op": "replace", "path": "/name", "value": "b"}]))
        .unwrap();
        assert!(matches!(stale.apply(&thing), Err(AppError::Conflict { .. })));
        let unknown = Patch::json_patch(serde_json::json!([{"op": "add", "path": "/nmae", "value": "b"}])).unwrap();
        assert!(matches!(unknown.apply(&thing), Err(AppError::Validation(_))));
        assert!(matches!(Patch::json_patch(serde_json::json!([{"op": "jump"}])), Err(AppError::Validation(_))));
    }
}
