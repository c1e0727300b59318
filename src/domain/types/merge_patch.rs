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
    let current = serde_json::to_value(current).map_err(AppError::internal)?;
    // A member set to `null` that the resource does not have removes nothing, but it must
    // still be a member the type knows: read back with it kept, an unknown one is 422.
    let mut probe = current.clone();
    merge_keeping_absent_nulls(&mut probe, patch);
    if let Err(e) = serde_path_to_error::deserialize::<_, T>(probe)
        && e.inner().to_string().starts_with("unknown field")
    {
        return Err(super::validation::shape_error(e));
    }
    let mut merged = current;
    merge(&mut merged, patch);
    super::validation::from_json(merged)
}

/// [`merge`], except that a member set to `null` where the target has none is kept as `null`.
fn merge_keeping_absent_nulls(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(members) => {
            if !target.is_object() {
                *target = Value::Object(serde_json::Map::new());
            }
            if let Value::Object(t) = target {
                for (key, value) in members {
                    match (value.is_null(), t.contains_key(key)) {
                        (true, true) => {
                            t.remove(key);
                        }
                        (true, false) => {
                            t.insert(key.clone(), Value::Null);
                        }
                        (false, _) => merge_keeping_absent_nulls(t.entry(key.clone()).or_insert(Value::Null), value),
                    }
                }
            }
        }
        other => *target = other.clone(),
    }
}

/// Most operations one JSON Patch may carry.
pub const MAX_PATCH_OPERATIONS: usize = 100;

/// Longest JSON Pointer (`path`, `from`) an operation may carry.
pub const MAX_POINTER_LENGTH: usize = 1000;
/// Largest a document may grow to while a JSON Patch is applied (serialised bytes): `copy`
/// doubles what it copies, so a few operations could otherwise exhaust memory.
pub const MAX_PATCHED_SIZE: usize = 4 * 1024 * 1024;

/// A PATCH body of a resource that takes both patch formats: a JSON Merge Patch (RFC 7396),
/// or a JSON Patch (RFC 6902) whose `test` operations let a client change a field only if it
/// still holds the value the user saw. Both are kept as sent and judged in [`Patch::apply`],
/// after authorisation and `If-Match`.
#[derive(Clone, Debug)]
pub enum Patch {
    Merge(Value),
    Json(Value),
}

fn operation_error(i: usize, code: &str, message: impl Into<String>) -> AppError {
    AppError::invalid(format!("body[{i}]"), code, message)
}

/// The operations of a JSON Patch document; 422 naming the first malformed one.
fn operations(body: &Value) -> Result<Vec<json_patch::PatchOperation>, AppError> {
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
    for (i, operation) in operations.iter().enumerate() {
        let op: json_patch::PatchOperation = serde_json::from_value(operation.clone()).map_err(|e| {
            let message = e.to_string();
            operation_error(i, "invalid_operation", message.split(" at line ").next().unwrap_or_default())
        })?;
        let from = match &op {
            json_patch::PatchOperation::Move(m) => Some(m.from.as_str().len()),
            json_patch::PatchOperation::Copy(c) => Some(c.from.as_str().len()),
            _ => None,
        };
        if op.path().as_str().len() > MAX_POINTER_LENGTH || from.is_some_and(|n| n > MAX_POINTER_LENGTH) {
            return Err(operation_error(i, "too_long", format!("a path has at most {MAX_POINTER_LENGTH} characters")));
        }
        parsed.push(op);
    }
    Ok(parsed)
}

impl Patch {
    /// `current` with the patch applied, read back through the type's serde rules (422 naming
    /// the member). A JSON Patch applies all its operations or none; a failed `test` is 409:
    /// the resource no longer holds the value tested.
    pub fn apply<T: Serialize + DeserializeOwned>(&self, current: &T) -> Result<T, AppError> {
        match self {
            Patch::Merge(patch) => apply(current, patch),
            Patch::Json(body) => {
                let operations = operations(body)?;
                let mut doc = serde_json::to_value(current).map_err(AppError::internal)?;
                for (i, op) in operations.iter().enumerate() {
                    json_patch::patch(&mut doc, std::slice::from_ref(op)).map_err(|e| match e.kind {
                        json_patch::PatchErrorKind::TestFailed => AppError::Conflict {
                            detail: format!(
                                "The test of operation {i} failed: {} no longer holds the value you tested.",
                                e.path
                            ),
                        },
                        kind => operation_error(i, "inapplicable_operation", kind.to_string()),
                    })?;
                    let grows = matches!(op, json_patch::PatchOperation::Copy(_));
                    if grows && serde_json::to_vec(&doc).map_or(usize::MAX, |b| b.len()) > MAX_PATCHED_SIZE {
                        return Err(operation_error(i, "too_large", "the patch makes the resource too large"));
                    }
                }
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
        // Removing a member the type does not have is as unknown as setting it.
        let unknown = [serde_json::json!({"nmae": null}), serde_json::json!({"name": "b", "": null})];
        for patch in [serde_json::json!({"nmae": "b"}), serde_json::json!({"name": null})].into_iter().chain(unknown) {
            match apply(&thing, &patch) {
                Err(AppError::Validation(errors)) => assert_eq!(errors[0].code, "invalid_value"),
                other => panic!("{other:?}"),
            }
        }
        assert!(matches!(apply(&thing, &serde_json::json!([1])), Err(AppError::BadRequest { .. })));
        let bare = Thing { name: "a".into(), phone: None };
        assert_eq!(apply(&bare, &serde_json::json!({"phone": null})).unwrap(), bare);
    }

    #[test]
    fn json_patch_tests_guard_the_change() {
        let thing = Thing { name: "a".into(), phone: None };
        let ok = Patch::Json(serde_json::json!([
            {"op": "test", "path": "/name", "value": "a"}, {"op": "replace", "path": "/name", "value": "b"}]));
        assert_eq!(ok.apply(&thing).unwrap().name, "b");
        let stale = Patch::Json(serde_json::json!([
            {"op": "test", "path": "/name", "value": "x"}, {"op": "replace", "path": "/name", "value": "b"}]));
        assert!(matches!(stale.apply(&thing), Err(AppError::Conflict { .. })));
        let unknown = Patch::Json(serde_json::json!([{"op": "add", "path": "/nmae", "value": "b"}]));
        assert!(matches!(unknown.apply(&thing), Err(AppError::Validation(_))));
        assert!(matches!(Patch::Json(serde_json::json!([{"op": "jump"}])).apply(&thing), Err(AppError::Validation(_))));
        assert!(matches!(
            Patch::Json(serde_json::json!({"op": "add"})).apply(&thing),
            Err(AppError::BadRequest { .. })
        ));
    }

    #[test]
    fn a_patch_that_copies_a_value_into_itself_is_stopped_before_memory_runs_out() {
        #[derive(Debug, Serialize, serde::Deserialize)]
        struct Doc {
            items: Vec<serde_json::Value>,
        }
        let doc = Doc { items: vec![serde_json::json!("x".repeat(1000))] };
        let doubling: Vec<_> =
            (0..100).map(|_| serde_json::json!({"op": "copy", "from": "/items", "path": "/items/0"})).collect();
        match Patch::Json(serde_json::Value::Array(doubling)).apply(&doc) {
            Err(AppError::Validation(errors)) => assert_eq!(errors[0].code, "too_large"),
            other => panic!("{other:?}"),
        }
    }
}
