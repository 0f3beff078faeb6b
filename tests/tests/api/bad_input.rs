//! Hostile and malformed input: every case is a 4xx in the error envelope and writes nothing.

use orgs_tests::TestApi;
use serde_json::json;

fn valid(parent: &str) -> serde_json::Value {
    json!({"name": "N", "contact_email": "a@b.io", "parent_organization_id": parent,
           "can_have_child_organizations": true, "rbac_template_id": "default"})
}

#[tokio::test]
async fn malformed_bodies_are_4xx_and_write_nothing() {
    let api = TestApi::new().await;
    let before = api.item_count().await;
    let root = api.root_org.clone();
    let post = |body: Vec<u8>, ct: &str| api.req("POST", "/organizations").raw(body, ct);
    post(b"{not json".to_vec(), "application/json").send().await.expect_error(400, "invalid_json");
    post(b"".to_vec(), "application/json").send().await.expect_error(400, "invalid_json");
    post(vec![0xff, 0xfe, b'{', b'}'], "application/json").send().await.expect_error(400, "invalid_json");
    post(b"[]".to_vec(), "application/json").send().await.expect_error(400, "validation_failed");
    post(serde_json::to_vec(&valid(&root)).unwrap(), "text/plain")
        .send()
        .await
        .expect_error(415, "unsupported_media_type");
    post(serde_json::to_vec(&valid(&root)).unwrap(), "application/x-www-form-urlencoded")
        .send()
        .await
        .expect_error(415, "unsupported_media_type");
    // wrong types
    for (field, value) in [
        ("name", json!(5)),
        ("can_have_child_organizations", json!("yes")),
        ("metadata", json!({"k": 1})),
        ("updates_email_for_escalations_from_parent", json!("a@b.io")),
        ("sso_configuration", json!({"sso_config_source": "elsewhere"})),
    ] {
        let mut b = valid(&root);
        b[field] = value;
        api.post("/organizations", b).send().await.expect_error(400, "validation_failed");
    }
    // missing required fields: all reported together
    let r = api.post("/organizations", json!({})).send().await;
    r.expect_error(400, "validation_failed");
    assert!(r.body["error"]["details"].as_array().unwrap().len() >= 5);
    // bad values
    for (field, value) in [
        ("name", json!("   ")),
        ("name", json!("x".repeat(201))),
        ("name", json!("bell\u{7}")),
        ("contact_email", json!("not-an-email")),
        ("code", json!("has space")),
        ("code", json!("00000000-0000-4000-8000-000000000000")),
        ("logo_url", json!("javascript:alert(1)")),
        ("parent_organization_id", json!("../../etc")),
        ("updates_email_for_escalations_from_parent", json!(vec!["a@b.io"; 51])),
        (
            "metadata",
            json!((0..51).map(|i| (i.to_string(), "v".to_string())).collect::<std::collections::HashMap<_, _>>()),
        ),
    ] {
        let mut b = valid(&root);
        b[field] = value;
        let r = api.post("/organizations", b).send().await;
        r.expect_error(400, "validation_failed");
        assert_eq!(
            r.body["error"]["details"][0]["field"].as_str().map(|f| f.split(['[', '.']).next().unwrap()),
            Some(field)
        );
    }
    // mass assignment: fields the client may not set
    for field in ["organization_id", "version", "created_by", "created_at", "ancestors"] {
        let mut b = valid(&root);
        b[field] = json!("x");
        api.post("/organizations", b).send().await.expect_error(400, "validation_failed");
    }
    // deep nesting, at the top and inside a field
    let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    post(deep.clone().into_bytes(), "application/json").send().await.expect_error(400, "validation_failed");
    post(format!("{{\"metadata\": {deep}}}").into_bytes(), "application/json")
        .send()
        .await
        .expect_error(400, "validation_failed");
    // oversize body
    let mut b = valid(&root);
    b["metadata"] = json!({"big": "x".repeat(70 * 1024)});
    api.post("/organizations", b).send().await.expect_error(413, "payload_too_large");
    assert_eq!(api.item_count().await, before);
}

#[tokio::test]
async fn unknown_routes_methods_and_identifiers() {
    let api = TestApi::new().await;
    api.get("/nope").send().await.expect_error(404, "route_not_found");
    api.req("PUT", "/organizations").send().await.expect_error(405, "method_not_allowed");
    // Encoded slashes and dot segments never reach a lookup: the path is refused or unrouted.
    for path in ["/organizations/a%2Fb", "/organizations/..", "/organizations/%2e%2e", "/organizations/a%20b"] {
        let r = api.get(path).send().await;
        assert!(
            (r.status == 400 && r.code() == "invalid_identifier") || (r.status == 404 && r.code() == "route_not_found"),
            "{path}: {} {}",
            r.status,
            r.body
        );
    }
    api.get(&format!("/organizations/{}", "x".repeat(65))).send().await.expect_error(400, "invalid_identifier");
    api.get("/organizations/%00").send().await.expect_error(400, "invalid_identifier");
}

#[tokio::test]
async fn request_id_is_echoed() {
    let api = TestApi::new().await;
    let r = api.get("/organizations").header("x-request-id", "trace-123").send().await;
    assert_eq!(r.headers.get("x-request-id").map(String::as_str), Some("trace-123"));
    let r = api.get("/nope").header("x-request-id", "trace-456").send().await;
    assert_eq!(r.headers.get("x-request-id").map(String::as_str), Some("trace-456"));
}

/// One truth for the organization lists' page size (issue 23): 1 to 100, as the document says.
#[tokio::test]
async fn organization_pages_hold_one_to_a_hundred() {
    let api = TestApi::new().await;
    for ok in ["/organizations?limit=1", "/organizations?limit=100"] {
        api.get(ok).send().await.expect(200);
    }
    for bad in ["/organizations?limit=0", "/organizations?limit=101", "/organizations?limit=500"] {
        let r = api.get(bad).send().await;
        r.expect_error(400, "validation_failed");
        assert_eq!(r.body["error"]["details"][0]["field"], "limit", "{bad}");
    }
    api.post("/organizations/filter", json!({"limit": 100})).send().await.expect(200);
    let r = api.post("/organizations/filter", json!({"limit": 500})).send().await;
    r.expect_error(400, "validation_failed");
    assert_eq!(r.body["error"]["details"][0]["field"], "limit");
}
