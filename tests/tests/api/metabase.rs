//! Metabase (issue 6): session JWTs and the idempotent recreate, against a local recording
//! stand-in for Metabase's HTTP API.

use aws_lc_rs::hmac;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use orgs_tests::metabase_stub::MetabaseStub;
use orgs_tests::{TestApi, METABASE_SECRET};
use serde_json::{json, Value};
use shared::model::user::Role;

async fn setup() -> (TestApi, MetabaseStub, String) {
    let stub = MetabaseStub::start().await;
    let api = TestApi::new().await.with_metabase(&stub.url, vec![11, 12]);
    let org = api.create_org(&api.root_org, json!({"name": "Acme"})).await;
    api.patch(&format!("/organizations/{org}"), json!({"enable_metabase": true})).send().await.expect(200);
    (api, stub, org)
}

fn claims(jwt: &str) -> Value {
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3);
    let key = hmac::Key::new(hmac::HMAC_SHA256, METABASE_SECRET.as_bytes());
    let sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    hmac::verify(&key, format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig).expect("signed with the secret");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap()
}

#[tokio::test]
async fn recreate_provisions_then_replaces_idempotently() {
    let (api, stub, org) = setup().await;
    let path = format!("/organizations/{org}/metabase/recreate");
    let r = api.post(&path, json!({})).send().await;
    r.expect(200);
    assert_eq!(r.data()["dashboards"].as_array().unwrap().len(), 2);
    let first = r.data()["collection_id"].as_u64().unwrap();
    let calls = stub.calls();
    assert_eq!(
        calls.iter().map(|c| format!("{} {}", c.method, c.path)).collect::<Vec<_>>(),
        vec![
            "POST /api/collection".to_string(),
            "POST /api/dashboard/11/copy".into(),
            "POST /api/dashboard/12/copy".into(),
            "GET /api/collection".into()
        ]
    );
    assert!(calls.iter().all(|c| c.api_key.as_deref() == Some("mb-test-key")));
    assert_eq!(calls[1].body["collection_id"], first);
    let marker = format!("[orgs:{org}]");
    assert_eq!(stub.live_collections(&marker).len(), 1);
    // the organization records them, with an activity item
    let g = api.get(&format!("/organizations/{org}")).send().await;
    assert_eq!(g.data()["configuration"]["metabase_configuration"]["collection_id"], first);
    assert!(api.activities(&org).await.iter().any(|a| a["type"] == "organization.metabase_recreated"));
    // again: a fresh collection, the old one archived, still exactly one live
    let r = api.post(&path, json!({})).send().await;
    r.expect(200);
    let second = r.data()["collection_id"].as_u64().unwrap();
    assert_ne!(first, second);
    let live = stub.live_collections(&marker);
    assert_eq!(live.len(), 1);
    assert_eq!(live[0]["id"], second);
}

#[tokio::test]
async fn a_failed_metabase_call_is_502_and_changes_nothing() {
    let (api, stub, org) = setup().await;
    let path = format!("/organizations/{org}/metabase/recreate");
    api.post(&path, json!({})).send().await.expect(200);
    let before = api.all_items().await;
    let marker = format!("[orgs:{org}]");
    let live_before = stub.live_collections(&marker);
    stub.fail(Some("POST /api/dashboard/12"));
    api.post(&path, json!({})).send().await.expect_error(502, "metabase_unavailable");
    assert_eq!(api.all_items().await, before, "the table is untouched");
    assert_eq!(stub.live_collections(&marker), live_before, "the half-made collection was archived again");
    stub.fail(Some("POST /api/collection"));
    api.post(&path, json!({})).send().await.expect_error(502, "metabase_unavailable");
    assert_eq!(api.all_items().await, before);
    // Metabase down altogether
    let down = api.with_metabase("http://127.0.0.1:9", vec![11]);
    down.post(&path, json!({})).send().await.expect_error(502, "metabase_unavailable");
}

#[tokio::test]
async fn sessions_are_signed_for_the_callers_organization() {
    let (api, _stub, org) = setup().await;
    let user = api.create_user(&org, Role::User).await;
    // not provisioned yet
    api.get("/metabase/session").as_user(&user, &org).send().await.expect_error(409, "metabase_not_provisioned");
    api.post(&format!("/organizations/{org}/metabase/recreate"), json!({})).send().await.expect(200);
    let r = api.get("/metabase/session").as_user(&user, &org).send().await;
    r.expect(200);
    let jwt = r.body["jwt"].as_str().unwrap();
    assert_eq!(r.data()["jwt"], jwt);
    let c = claims(jwt);
    assert_eq!(c["organization_id"], org.as_str());
    assert_eq!(c["sub"], user.as_str());
    assert_eq!(c["dashboards"].as_array().unwrap().len(), 2);
    assert_eq!(c["params"]["organization_id"], org.as_str());
    assert!(c["resource"]["dashboard"].is_u64());
    assert_eq!(c["exp"].as_u64().unwrap() - c["iat"].as_u64().unwrap(), 600, "short-lived");
    // an organization without Metabase
    api.get("/metabase/session").send().await.expect_error(409, "metabase_disabled");
}

#[tokio::test]
async fn who_may_recreate_and_when() {
    let (api, stub, org) = setup().await;
    let path = format!("/organizations/{org}/metabase/recreate");
    let admin = api.create_user(&org, Role::Admin).await;
    api.post(&path, json!({})).as_user(&admin, &org).send().await.expect_error(403, "forbidden");
    let other = api.create_org(&api.root_org, json!({})).await;
    api.post(&format!("/organizations/{other}/metabase/recreate"), json!({}))
        .send()
        .await
        .expect_error(409, "metabase_disabled");
    api.post("/organizations/nope-nope/metabase/recreate", json!({}))
        .send()
        .await
        .expect_error(404, "organization_not_found");
    assert!(stub.calls().is_empty(), "refusals never reach Metabase");
    // without Metabase configured
    let bare = TestApi::new().await;
    bare.get("/metabase/session").send().await.expect_error(503, "metabase_not_configured");
}
