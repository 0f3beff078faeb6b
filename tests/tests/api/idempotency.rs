//! Idempotent POSTs (API.md: same caller + same X-Request-ID + same body ⇒ the first result is
//! replayed and nothing is written twice; same key, other body ⇒ 409). See shared/src/edge/idempotency/.

use aws_sdk_dynamodb::types::AttributeValue;
use orgs_tests::{FaultKind, TestApi};
use serde_json::{json, Value};
use shared::model::user::Role;

fn org_body(api: &TestApi, name: &str) -> Value {
    json!({"name": name, "contact_email": "a@b.io", "parent_organization_id": api.root_org,
           "can_have_child_organizations": true, "rbac_template_id": "default"})
}

async fn idempotency_records(api: &TestApi) -> Vec<std::collections::HashMap<String, AttributeValue>> {
    api.all_items()
        .await
        .into_iter()
        .filter(|i| i.get("PK").and_then(|v| v.as_s().ok()).is_some_and(|pk| pk.starts_with("IDEMP#")))
        .collect()
}

async fn org_count(api: &TestApi) -> usize {
    api.all_items().await.iter().filter(|i| i.get("SK").and_then(|v| v.as_s().ok()).is_some_and(|s| s == "ORG")).count()
}

#[tokio::test]
async fn a_retried_post_replays_the_first_response_and_writes_nothing() {
    let api = TestApi::new().await;
    let first = api.post("/organizations", org_body(&api, "Once")).header("x-request-id", "create-once-1").send().await;
    first.expect(201);
    assert!(!first.headers.contains_key("idempotent-replayed"));
    let items = api.item_count().await;
    api.calls.reset();
    let again = api.post("/organizations", org_body(&api, "Once")).header("x-request-id", "create-once-1").send().await;
    again.expect(201);
    assert_eq!(again.body, first.body, "the first response, byte for byte");
    assert_eq!(again.headers.get("idempotent-replayed").map(String::as_str), Some("true"));
    assert_eq!(again.headers.get("x-request-id").map(String::as_str), Some("create-once-1"));
    assert_eq!(again.headers.get("content-type").map(String::as_str), Some("application/json"));
    // a replay is one conditional PutItem that returns the record: no caller resolution, no write
    assert_eq!(api.calls.take(), [("PutItem".to_string(), 1)].into());
    assert_eq!(api.item_count().await, items);
    assert_eq!(org_count(&api).await, 2, "root + one");
    let rec = &idempotency_records(&api).await[0];
    assert_eq!(rec["state"].as_s().unwrap(), "done");
    assert_eq!(rec["status"].as_n().unwrap(), "201");
    let expires: i64 = rec["expires_at"].as_n().unwrap().parse().unwrap();
    let now = shared::model::now_ms() / 1000;
    assert!((now + 23 * 3600..=now + 25 * 3600).contains(&expires), "TTL about 24 h, in epoch seconds");
}

#[tokio::test]
async fn same_key_with_another_body_path_or_context_is_409() {
    let api = TestApi::new().await;
    let child = api.create_org(&api.root_org, json!({})).await;
    api.post("/organizations", org_body(&api, "A")).header("x-request-id", "k1").send().await.expect(201);
    let before = api.item_count().await;
    api.post("/organizations", org_body(&api, "B"))
        .header("x-request-id", "k1")
        .send()
        .await
        .expect_error(409, "idempotency_key_reused");
    api.post("/users", json!({"email": "x@y.io", "organization_id": child}))
        .header("x-request-id", "k1")
        .send()
        .await
        .expect_error(409, "idempotency_key_reused");
    api.post("/organizations", org_body(&api, "A"))
        .header("x-request-id", "k1")
        .header("organization-id", &child)
        .send()
        .await
        .expect_error(409, "idempotency_key_reused");
    assert_eq!(api.item_count().await, before);
}

#[tokio::test]
async fn keys_belong_to_their_caller() {
    let api = TestApi::new().await;
    let other = api.create_user(&api.root_org, Role::Superadmin).await;
    let a = api.post("/organizations", org_body(&api, "Same")).header("x-request-id", "shared-key").send().await;
    a.expect(201);
    // another user with the same X-Request-ID and body: an unrelated request, never a replay
    let b = api
        .post("/organizations", org_body(&api, "Same"))
        .as_user(&other, &api.root_org)
        .header("x-request-id", "shared-key")
        .send()
        .await;
    b.expect(201);
    assert!(!b.headers.contains_key("idempotent-replayed"));
    assert_ne!(a.data()["organization_id"], b.data()["organization_id"]);
    assert_eq!(b.data()["created_by"], other.as_str());
    assert_eq!(idempotency_records(&api).await.len(), 2);
}

#[tokio::test]
async fn without_a_client_request_id_nothing_changes() {
    let api = TestApi::new().await;
    api.calls.reset();
    // the local gateway (like API Gateway) gives every event a request id; it must not count
    let a = api.post("/organizations", org_body(&api, "Twice")).send().await;
    a.expect(201);
    assert!(!a.headers["x-request-id"].is_empty(), "a generated id is still echoed");
    let calls = api.calls.take();
    assert!(!calls.contains_key("PutItem") && !calls.contains_key("UpdateItem"), "{calls:?}");
    api.post("/organizations", org_body(&api, "Twice")).send().await.expect(201);
    assert_eq!(org_count(&api).await, 3, "two creates without a key are two organizations");
    // an id the service would not accept (too long) is replaced by a generated one: no record
    api.post("/organizations", org_body(&api, "Long"))
        .header("x-request-id", &"k".repeat(129))
        .send()
        .await
        .expect(201);
    assert!(idempotency_records(&api).await.is_empty());
}

#[tokio::test]
async fn read_only_posts_and_other_methods_are_not_recorded() {
    let api = TestApi::new().await;
    let child = api.create_org(&api.root_org, json!({})).await;
    api.calls.reset();
    api.post("/organizations/filter", json!({})).header("x-request-id", "r1").send().await.expect(200);
    api.post("/users/filter?page=0&size=10", json!({})).header("x-request-id", "r2").send().await.expect(200);
    api.post("/users/verify", json!({"email_ids": ["a@b.io"]})).header("x-request-id", "r3").send().await.expect(200);
    api.patch(&format!("/organizations/{child}"), json!({"name": "p"}))
        .header("x-request-id", "r4")
        .send()
        .await
        .expect(200);
    let calls = api.calls.take();
    assert!(!calls.contains_key("PutItem"), "{calls:?}");
    assert!(idempotency_records(&api).await.is_empty());
}

#[tokio::test]
async fn client_errors_are_replayed_server_errors_are_not() {
    let api = TestApi::new().await;
    // a 400 is the final answer to that request: replayed
    let bad = json!({"name": "", "contact_email": "a@b.io", "parent_organization_id": api.root_org,
                     "can_have_child_organizations": true, "rbac_template_id": "default"});
    let r1 = api.post("/organizations", bad.clone()).header("x-request-id", "e1").send().await;
    r1.expect_error(400, "validation_failed");
    let r2 = api.post("/organizations", bad).header("x-request-id", "e1").send().await;
    r2.expect_error(400, "validation_failed");
    assert_eq!(r2.headers.get("idempotent-replayed").map(String::as_str), Some("true"));
    // a 503 (the store throttled every attempt) releases the key: the retry runs again
    api.faults.inject("TransactWriteItems", FaultKind::ThroughputExceeded, 3);
    let before = api.item_count().await;
    api.post("/organizations", org_body(&api, "Later"))
        .header("x-request-id", "e2")
        .send()
        .await
        .expect_error(503, "service_unavailable");
    assert_eq!(api.item_count().await, before, "no record, no write");
    let ok = api.post("/organizations", org_body(&api, "Later")).header("x-request-id", "e2").send().await;
    ok.expect(201);
    assert!(!ok.headers.contains_key("idempotent-replayed"));
    // an unknown caller (401) is not recorded either
    api.post("/organizations", org_body(&api, "Nobody"))
        .as_user("00000000-0000-4000-8000-00000000dead", &api.root_org)
        .header("x-request-id", "e3")
        .send()
        .await
        .expect_error(401, "unauthenticated");
    assert_eq!(idempotency_records(&api).await.len(), 2, "e1 and e2 only");
}

#[tokio::test]
async fn concurrent_duplicates_write_once() {
    let api = TestApi::new().await;
    let body = org_body(&api, "Racer");
    let events = (0..20).map(|_| api.post("/organizations", body.clone()).header("x-request-id", "race-1").event());
    let results = orgs_tests::send_all(&api.state, events.collect()).await;
    let created: Vec<_> = results.iter().filter(|r| r.status == 201).collect();
    let first = created.iter().find(|r| !r.headers.contains_key("idempotent-replayed")).expect("one real create");
    assert_eq!(created.iter().filter(|r| !r.headers.contains_key("idempotent-replayed")).count(), 1);
    for r in &results {
        match r.status {
            201 => assert_eq!(r.body, first.body, "replays carry the first response"),
            409 => {
                assert_eq!(r.code(), "request_in_progress");
                assert_eq!(r.headers.get("retry-after").map(String::as_str), Some("1"));
            }
            s => panic!("unexpected {s}: {}", r.body),
        }
    }
    assert_eq!(org_count(&api).await, 2, "root + exactly one");
}

#[tokio::test]
async fn a_stale_claim_is_taken_over_and_a_live_one_is_409() {
    let api = TestApi::new().await;
    let body = org_body(&api, "Stale");
    let bytes = serde_json::to_vec(&body).unwrap();
    let fp =
        shared::edge::idempotency::fingerprint("POST", "/organizations", &api.root_org, "application/json", &bytes);
    let put = |key: &str, lease_until: i64| {
        let item = std::collections::HashMap::from([
            ("PK".to_string(), AttributeValue::S(shared::store::keys::idempotency_pk(&api.superadmin, key))),
            ("SK".to_string(), AttributeValue::S(shared::store::keys::IDEMPOTENCY_SK.into())),
            ("fingerprint".to_string(), AttributeValue::S(fp.clone())),
            ("state".to_string(), AttributeValue::S("pending".into())),
            ("owner".to_string(), AttributeValue::S("crashed-attempt".into())),
            ("lease_until".to_string(), AttributeValue::N(lease_until.to_string())),
        ]);
        api.state.dynamo.put_item().table_name(&api.state.config.table_name).set_item(Some(item)).send()
    };
    let now = shared::model::now_ms();
    put("live", now + 20_000).await.unwrap();
    put("stale", now - 1).await.unwrap();
    let r = api.post("/organizations", body.clone()).header("x-request-id", "live").send().await;
    r.expect_error(409, "request_in_progress");
    // a first attempt that died (lease over) without writing: the retry runs the request
    let r = api.post("/organizations", body).header("x-request-id", "stale").send().await;
    r.expect(201);
    assert_eq!(org_count(&api).await, 2);
}

#[tokio::test]
async fn a_lost_response_after_the_commit_is_never_written_twice() {
    let api = TestApi::new().await;
    // every attempt's TransactWriteItems reaches DynamoDB (the first commits, the SDK's retries
    // reuse its ClientRequestToken), then the response is lost: the client gets a 503
    api.faults.inject_after_send("TransactWriteItems", FaultKind::InternalServerError, 3);
    api.post("/organizations", org_body(&api, "Lost"))
        .header("x-request-id", "lost-1")
        .send()
        .await
        .expect_error(503, "service_unavailable");
    assert_eq!(api.faults.take_injected().get("TransactWriteItems"), Some(&3), "three attempts, then give up");
    assert_eq!(org_count(&api).await, 2, "committed once despite three attempts");
    // the client retries with the same X-Request-ID: the handler runs again (new ids), but its
    // transaction carries the same token, so DynamoDB refuses to commit a second organization
    let r = api.post("/organizations", org_body(&api, "Lost")).header("x-request-id", "lost-1").send().await;
    r.expect_error(409, "request_already_processed");
    assert_eq!(org_count(&api).await, 2);
    // and that answer is final for the key
    let r = api.post("/organizations", org_body(&api, "Lost")).header("x-request-id", "lost-1").send().await;
    r.expect_error(409, "request_already_processed");
    assert_eq!(r.headers.get("idempotent-replayed").map(String::as_str), Some("true"));
}

#[tokio::test]
async fn token_secrets_are_replayed_but_stored_sealed() {
    let api = TestApi::new().await;
    let a = api.post("/api-tokens", json!({"name": "ci"})).header("x-request-id", "tok-1").send().await;
    a.expect(201);
    let secret = a.data()["token"].as_str().unwrap().to_string();
    let b = api.post("/api-tokens", json!({"name": "ci"})).header("x-request-id", "tok-1").send().await;
    b.expect(201);
    assert_eq!(b.data()["token"].as_str(), Some(secret.as_str()), "the same token, not a second one");
    let listed = api.get("/api-tokens").send().await;
    assert_eq!(listed.data().as_array().unwrap().len(), 1);
    // the table never holds the secret in clear
    for item in api.all_items().await {
        let text = format!("{item:?}");
        assert!(!text.contains(&secret), "secret stored in clear: {text}");
    }
    let rec = &idempotency_records(&api).await[0];
    assert!(rec.contains_key("sealed_body") && !rec.contains_key("body"));
}

#[tokio::test]
async fn other_write_posts_are_idempotent_too() {
    let api = TestApi::new().await;
    let child = api.create_org(&api.root_org, json!({})).await;
    let u = json!({"email": "idem@x.io", "organization_id": child, "first_name": "I"});
    let a = api.post("/users", u.clone()).header("x-request-id", "u-1").send().await;
    a.expect(201);
    let b = api.post("/users", u).header("x-request-id", "u-1").send().await;
    b.expect(201);
    assert_eq!(a.body, b.body);
    let user = a.data()["user_id"].as_str().unwrap().to_string();
    let g = json!({"name": "g", "parent_organization_id": child, "user_ids": [user]});
    let a = api.post("/user-groups", g.clone()).header("x-request-id", "g-1").send().await;
    a.expect(201);
    let b = api.post("/user-groups", g).header("x-request-id", "g-1").send().await;
    assert_eq!((b.status, &b.body), (201, &a.body));
    let before = api.item_count().await;
    let del = json!({"user_id_list": [user]});
    let x = api.post("/users/bulk-delete", del.clone()).header("x-request-id", "d-1").send().await;
    x.expect(200);
    let after_first = api.item_count().await;
    assert!(after_first < before);
    // without the key the retry would be a 404 (the user is gone); with it, the same 200
    let y = api.post("/users/bulk-delete", del).header("x-request-id", "d-1").send().await;
    assert_eq!((y.status, &y.body), (200, &x.body));
    assert_eq!(api.item_count().await, after_first);
}
