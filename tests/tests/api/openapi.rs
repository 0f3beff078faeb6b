//! The committed OpenAPI document (`docs/openapi.json`) is the one generated from the code, it
//! describes exactly the routes the functions serve, and the local gateway serves it.

use std::collections::BTreeSet;

use orgs_local::functions::FUNCTIONS;
use orgs_local::openapi::{to_json, DOCUMENT_PATH};
use serde_json::Value;

const REGENERATE: &str = "cargo run -q -p orgs-local --features openapi --bin orgs-openapi > docs/openapi.json";

fn committed_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(DOCUMENT_PATH)
}

#[test]
fn committed_document_is_current() {
    let generated = to_json();
    let committed = std::fs::read_to_string(committed_path()).unwrap_or_default();
    assert!(committed == generated, "{DOCUMENT_PATH} is not the document generated from the code: run `{REGENERATE}`");
}

#[test]
fn every_route_is_documented_and_nothing_else() {
    let doc: Value = serde_json::from_str(&to_json()).unwrap();
    assert_eq!(doc["openapi"].as_str().map(|v| v.starts_with("3.1")), Some(true));
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if !["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                continue;
            }
            documented.insert((method.to_uppercase(), path.clone()));
            let responses = op["responses"].as_object().unwrap();
            assert!(responses.keys().any(|s| s.starts_with('2')), "{method} {path} has no success response");
            assert!(responses.contains_key("4XX"), "{method} {path} does not document its errors");
        }
    }
    let served: BTreeSet<(String, String)> =
        FUNCTIONS.iter().flat_map(|f| f.routes.iter().map(|r| (r.method.to_string(), r.path.to_string()))).collect();
    let missing: Vec<_> = served.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&served).collect();
    assert!(missing.is_empty(), "routes missing from the OpenAPI document: {missing:?}");
    assert!(extra.is_empty(), "documented operations no function serves: {extra:?}");
}

#[test]
fn operation_ids_are_unique_and_links_resolve() {
    let doc: Value = serde_json::from_str(&to_json()).unwrap();
    let ops: Vec<&Value> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|i| i.as_object().unwrap().values())
        .filter(|o| o.get("operationId").is_some())
        .collect();
    let ids: BTreeSet<&str> = ops.iter().map(|o| o["operationId"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), ops.len(), "operationIds repeat");
    for op in &ops {
        for resp in op["responses"].as_object().unwrap().values() {
            for link in resp.get("links").and_then(Value::as_object).into_iter().flat_map(|l| l.values()) {
                assert!(ids.contains(link["operationId"].as_str().unwrap()), "link to an unknown operation: {link}");
            }
        }
    }
}

#[test]
fn local_gateway_serves_the_committed_document() {
    assert_eq!(orgs_local::gateway::OPENAPI_JSON, std::fs::read_to_string(committed_path()).unwrap());
}
