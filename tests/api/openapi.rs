//! The committed OpenAPI document must match the code. Regenerate it with
//! `UPDATE_OPENAPI=1 cargo test openapi` (or `cargo run -- openapi > openapi/openapi.json`).

#[test]
fn committed_spec_matches_the_code() {
    let generated = yhdyspinta::routes::openapi_json();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json is out of date: run `UPDATE_OPENAPI=1 cargo test openapi` and commit the file"
    );
}

#[test]
fn every_operation_documents_errors_and_every_schema_exists() {
    let spec: serde_json::Value = serde_json::from_str(&yhdyspinta::routes::openapi_json()).unwrap();
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    for name in ["Problem", "ValidationError", "LocalizedText", "ListMeta"] {
        assert!(schemas.contains_key(name), "missing shared schema {name}");
    }
    let mut operation_ids = std::collections::HashSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or_default();
            assert!(operation_ids.insert(id.to_owned()), "{method} {path}: operationId '{id}' missing or reused");
            let responses = op["responses"].as_object().unwrap();
            assert!(responses.keys().any(|s| s.starts_with('2')), "{method} {path}: no success response");
            // OpenAPI 3.1 requires every response to say what it means.
            for (status, response) in responses {
                let described = response["description"].as_str().is_some_and(|d| !d.trim().is_empty());
                assert!(described, "{method} {path}: response {status} has no description");
            }
            if path.starts_with("/api/") {
                assert!(responses.contains_key("503"), "{method} {path}: 503 undocumented");
                assert!(op["tags"].is_array(), "{method} {path}: untagged");
            }
        }
    }
    // Every $ref resolves.
    let text = spec.to_string();
    for part in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = &part[..part.find('"').unwrap()];
        assert!(schemas.contains_key(name), "dangling $ref {name}");
    }
}

/// Every string and array a client can send in a body has an upper bound in the contract, and
/// every list references its item schema instead of copying it.
#[test]
fn request_bodies_are_bounded_and_lists_reference_their_items() {
    use serde_json::Value;
    let spec: Value = serde_json::from_str(&yhdyspinta::routes::openapi_json()).unwrap();
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    fn walk(
        schema: &Value,
        path: &str,
        schemas: &serde_json::Map<String, Value>,
        seen: &mut Vec<String>,
        out: &mut Vec<String>,
    ) {
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let name = r.trim_start_matches("#/components/schemas/").to_owned();
            if !seen.contains(&name) {
                seen.push(name.clone());
                walk(&schemas[&name], &format!("{path}<{name}>"), schemas, seen, out);
            }
            return;
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            for part in schema.get(key).and_then(Value::as_array).into_iter().flatten() {
                walk(part, path, schemas, seen, out);
            }
        }
        let types: Vec<&str> = match &schema["type"] {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let bounded_format =
            schema.get("format").is_some() || schema.get("enum").is_some() || schema.get("pattern").is_some();
        if types.contains(&"string") && schema.get("maxLength").is_none() && !bounded_format {
            out.push(format!("{path}: string without maxLength"));
        }
        if types.contains(&"array") {
            if schema.get("maxItems").is_none() {
                out.push(format!("{path}: array without maxItems"));
            }
            if let Some(items) = schema.get("items") {
                walk(items, &format!("{path}[]"), schemas, seen, out);
            }
        }
        if let Some(values) = schema.get("additionalProperties").filter(|v| v.is_object()) {
            if schema.get("maxProperties").is_none() {
                out.push(format!("{path}: map without maxProperties"));
            }
            walk(values, &format!("{path}{{}}"), schemas, seen, out);
        }
        for (name, property) in schema.get("properties").and_then(Value::as_object).into_iter().flatten() {
            walk(property, &format!("{path}.{name}"), schemas, seen, out);
        }
    }
    let mut unbounded = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (media, content) in op["requestBody"]["content"].as_object().into_iter().flatten() {
                if media.contains("json") {
                    walk(&content["schema"], &format!("{method} {path}"), schemas, &mut Vec::new(), &mut unbounded);
                }
            }
        }
    }
    assert!(unbounded.is_empty(), "unbounded request fields:\n{}", unbounded.join("\n"));
    for (name, schema) in schemas.iter().filter(|(n, _)| n.starts_with("ListResponse_")) {
        assert!(schema["properties"]["data"]["items"]["$ref"].is_string(), "{name} copies its item schema");
    }
}

/// A merge patch of a type is documented as its own schema: nothing required, optional members
/// nullable (null removes them).
#[test]
fn merge_patch_bodies_have_their_own_schemas() {
    let spec: serde_json::Value = serde_json::from_str(&yhdyspinta::routes::openapi_json()).unwrap();
    let mut patches = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        let Some(body) = item.pointer("/patch/requestBody/content/application~1merge-patch+json/schema") else {
            continue;
        };
        let name = body["$ref"].as_str().unwrap_or_default().trim_start_matches("#/components/schemas/");
        assert!(name.ends_with("Patch"), "PATCH {path} documents {name}");
        let schema = &spec["components"]["schemas"][name];
        assert!(schema.get("required").is_none(), "{name} requires members");
        patches += 1;
    }
    assert!(patches >= 4);
    let organization = &spec["components"]["schemas"]["OrganizationFieldsPatch"]["properties"];
    assert_eq!(organization["phone"]["type"], serde_json::json!(["string", "null"]));
}
