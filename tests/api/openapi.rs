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
