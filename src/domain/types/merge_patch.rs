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
}
