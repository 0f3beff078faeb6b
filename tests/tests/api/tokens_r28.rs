//! R28 (API tokens hardened) and R29 (reserved codes, the local gateway's exposure): a token
//! caller never receives a secret, tokens expire, a token dies with its owner's right to hold
//! one, token responses are never cached; reserved organization codes; the local gateway answers
//! only loopback hosts.

use orgs_local::gateway::{bind_addr, handle, host_is_local, HeaderIdentity};
use orgs_tests::{system_permit, Resp, TestApi};
use serde_json::{json, Value};
use shared::model::{now_ms, user::Role};
use shared::store::keys;
use shared::store::tokens::TokenItem;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

async fn token_for(api: &TestApi, user: &str, name: &str) -> (String, String) {
    let r = api.post("/api-tokens", json!({"name": name})).as_user(user, &api.root_org).send().await;
    r.expect(201);
    (r.data()["token_id"].as_str().unwrap().to_string(), r.data()["token"].as_str().unwrap().to_string())
}

#[track_caller]
fn expect_field(r: &Resp, status: u16, field: &str) {
    r.expect_error(status, "validation_failed");
    let fields: Vec<&str> =
        r.body["error"]["details"].as_array().unwrap().iter().filter_map(|d| d["field"].as_str()).collect();
    assert_eq!(fields, vec![field], "{}", r.body);
}

#[tokio::test]
async fn a_token_caller_gets_the_active_tokens_metadata_without_its_secret() {
    let api = TestApi::new().await;
    let admin = api.create_user(&api.root_org, Role::Admin).await;
    let (id, secret) = token_for(&api, &admin, "ci").await;
    let ask = || api.post("/api-tokens?return_active_token_if_exists=true", json!({"name": "ci"}));
    let before = api.item_count().await;
    let r = ask().bearer(&secret).send().await;
    r.expect(200);
    assert_eq!(r.data()["token_id"], id.as_str());
    assert!(r.data().get("token").is_none(), "no secret for a token caller: {}", r.body);
    assert!(!r.body.to_string().contains(&secret));
    assert!(r.data()["expires_at"].as_i64().is_some());
    assert_eq!(api.item_count().await, before, "nothing created");
    // the same request with the identity headers (an interactive caller) gets the secret
    let h = ask().as_user(&admin, &api.root_org).send().await;
    h.expect(200);
    assert_eq!(h.data()["token"], secret.as_str());
}

#[tokio::test]
async fn expires_at_is_checked_and_a_refusal_writes_nothing() {
    let api = TestApi::new().await;
    let admin = api.create_user(&api.root_org, Role::Admin).await;
    let before = api.item_count().await;
    let iso = |ms: i64| {
        let t = time_iso(ms);
        Value::String(t)
    };
    for bad in [
        iso(now_ms() - DAY_MS),
        iso(now_ms() + 400 * DAY_MS),
        json!("tomorrow"),
        json!("2030-01-01"),
        json!(now_ms() + DAY_MS),
    ] {
        let r = api
            .post("/api-tokens", json!({"name": "x", "expires_at": bad}))
            .as_user(&admin, &api.root_org)
            .send()
            .await;
        expect_field(&r, 400, "expires_at");
    }
    assert_eq!(api.item_count().await, before, "nothing written");
    // a valid one is stored (on both items) and shown in epoch milliseconds
    let at = (now_ms() / 1000 + 30 * 86_400) * 1000;
    let r = api
        .post("/api-tokens", json!({"name": "x", "expires_at": iso(at)}))
        .as_user(&admin, &api.root_org)
        .send()
        .await;
    r.expect(201);
    assert_eq!(r.data()["expires_at"], at);
    let secret = r.data()["token"].as_str().unwrap();
    assert_eq!(api.state.store().token_by_secret(secret).await.unwrap().unwrap().expires_at, Some(at));
    // without it: the longest lifetime (365 days by default)
    let d = api.post("/api-tokens", json!({"name": "y"})).as_user(&admin, &api.root_org).send().await;
    let (created, expires) = (d.data()["created_at"].as_i64().unwrap(), d.data()["expires_at"].as_i64().unwrap());
    assert_eq!(expires - created, 365 * DAY_MS);
    let l = api.get("/api-tokens").as_user(&admin, &api.root_org).send().await;
    assert!(l.data().as_array().unwrap().iter().all(|t| t["expires_at"].is_i64()));
}

/// `2027-01-01T00:00:00Z` for epoch milliseconds (whole seconds).
fn time_iso(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // civil-from-days (H. Hinnant)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[tokio::test]
async fn an_expired_token_is_denied_by_the_authorizer() {
    let api = TestApi::new().await;
    let admin = api.create_user(&api.root_org, Role::Admin).await;
    let store = api.state.store();
    let mut seeded = Vec::new();
    for (name, expires_at) in [("expired", now_ms() - 1000), ("live", now_ms() + DAY_MS)] {
        let secret = shared::token::generate().unwrap();
        let t = TokenItem {
            pk: keys::user_pk(&admin),
            sk: keys::token_sk(name),
            token_id: name.into(),
            name: name.into(),
            user_id: admin.clone(),
            created_at: now_ms() - 2 * DAY_MS,
            last_used_at: None,
            secret_sha256: shared::token::hash(&secret),
            secret_sealed: None,
            expires_at: Some(expires_at),
        };
        store.transact(store.create_token_actions(&system_permit(), &t).unwrap()).await.unwrap();
        seeded.push(secret);
    }
    let r = api.get("/organizations").bearer(&seeded[0]).send().await;
    assert_eq!((r.status, r.body.clone()), (403, json!({"message": "Forbidden"})));
    api.get("/organizations").bearer(&seeded[1]).send().await.expect(200);
    // an expired token is no longer "active": asking for it creates a new one
    let again = api
        .post("/api-tokens?return_active_token_if_exists=true", json!({"name": "expired"}))
        .as_user(&admin, &api.root_org)
        .send()
        .await;
    again.expect(201);
    assert_ne!(again.data()["token_id"], "expired");
}

#[tokio::test]
async fn a_demoted_users_token_is_denied_on_the_next_request() {
    let api = TestApi::new().await;
    let admin = api.create_user(&api.root_org, Role::Admin).await;
    let (_, secret) = token_for(&api, &admin, "t").await;
    api.get("/organizations").bearer(&secret).send().await.expect(200);
    api.patch(&format!("/users/{admin}"), json!({"role": "user"})).send().await.expect(200);
    let r = api.get("/organizations").bearer(&secret).send().await;
    assert_eq!((r.status, r.body.clone()), (403, json!({"message": "Forbidden"})), "a user may not hold tokens");
    // promoted again, the same token works again (it was never deleted)
    api.patch(&format!("/users/{admin}"), json!({"role": "admin"})).send().await.expect(200);
    api.get("/organizations").bearer(&secret).send().await.expect(200);
}

#[tokio::test]
async fn every_token_response_is_never_cached() {
    let api = TestApi::new().await;
    let admin = api.create_user(&api.root_org, Role::Admin).await;
    let plain = api.create_user(&api.root_org, Role::User).await;
    let created = api
        .post("/api-tokens", json!({"name": "c"}))
        .as_user(&admin, &api.root_org)
        .header("x-request-id", "r28-1")
        .send()
        .await;
    let id = created.data()["token_id"].as_str().unwrap().to_string();
    let secret = created.data()["token"].as_str().unwrap().to_string();
    let mut answers = vec![(201, created)];
    let replay = api
        .post("/api-tokens", json!({"name": "c"}))
        .as_user(&admin, &api.root_org)
        .header("x-request-id", "r28-1")
        .send()
        .await;
    answers.push((201, replay));
    let ask = json!({"name": "c"});
    let path = "/api-tokens?return_active_token_if_exists=true";
    answers.push((200, api.post(path, ask.clone()).as_user(&admin, &api.root_org).send().await));
    answers.push((200, api.post(path, ask).bearer(&secret).send().await));
    answers.push((200, api.get("/api-tokens").as_user(&admin, &api.root_org).send().await));
    answers.push((400, api.post("/api-tokens", json!({})).as_user(&admin, &api.root_org).send().await));
    answers.push((403, api.get("/api-tokens").as_user(&plain, &api.root_org).send().await));
    answers.push((404, api.req("DELETE", "/api-tokens/nope").as_user(&admin, &api.root_org).send().await));
    answers.push((405, api.req("PUT", "/api-tokens").as_user(&admin, &api.root_org).send().await));
    answers.push((200, api.req("DELETE", &format!("/api-tokens/{id}")).as_user(&admin, &api.root_org).send().await));
    for (i, (status, r)) in answers.iter().enumerate() {
        assert_eq!(r.status, *status, "answer {i}: {}", r.body);
        assert_eq!(r.headers.get("cache-control").map(String::as_str), Some("no-store"), "answer {i}: {:?}", r.headers);
    }
}

#[tokio::test]
async fn reserved_organization_codes_are_refused_whatever_their_case() {
    let api = TestApi::new().await;
    let before = api.item_count().await;
    for code in ["www", "Admin", "API", "root", "localhost", "Status"] {
        let r = api
            .post(
                "/organizations",
                json!({"name": "Reserved", "code": code, "contact_email": "ops@x.io",
                       "parent_organization_id": api.root_org, "can_have_child_organizations": false,
                       "rbac_template_id": "default"}),
            )
            .send()
            .await;
        expect_field(&r, 400, "code");
    }
    assert_eq!(api.item_count().await, before, "nothing written");
    api.create_org(&api.root_org, json!({"code": "www2"})).await;
}

#[tokio::test]
async fn the_local_gateway_binds_loopback_and_answers_local_hosts_only() {
    assert_eq!(bind_addr(None, 3000).unwrap().to_string(), "127.0.0.1:3000");
    assert_eq!(bind_addr(Some(""), 3000).unwrap().to_string(), "127.0.0.1:3000");
    assert_eq!(bind_addr(Some("0.0.0.0"), 8080).unwrap().to_string(), "0.0.0.0:8080");
    assert_eq!(bind_addr(Some("::1"), 1).unwrap().to_string(), "[::1]:1");
    assert!(bind_addr(Some("example.com"), 1).is_err());
    for ok in ["127.0.0.1", "127.0.0.1:3000", "localhost", "LocalHost:80", "[::1]", "[::1]:3000"] {
        assert!(host_is_local(Some(ok)), "{ok}");
    }
    for bad in [
        "evil.example",
        "evil.example:3000",
        "localhost.evil.example",
        "127.0.0.1.nip.io",
        "127.0.0.2",
        "[::2]:3000",
        "localhost:",
        "localhost:x",
        "[::1]x",
        "",
    ] {
        assert!(!host_is_local(Some(bad)), "{bad}");
    }
    assert!(!host_is_local(None));
    // through the gateway's handler: a rebound name is refused before anything runs
    let api = TestApi::new().await;
    let peer: std::net::SocketAddr = "127.0.0.1:55555".parse().unwrap();
    let req = |host: &str| {
        axum::extract::Request::builder()
            .uri("/organizations")
            .header("host", host)
            .header("user-id", &api.superadmin)
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let refused = handle(api.state.clone(), HeaderIdentity::Allowed, peer, req("rebound.evil.example:3000")).await;
    assert_eq!(refused.status(), 403);
    let body = axum::body::to_bytes(refused.into_body(), usize::MAX).await.unwrap();
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["error"]["details"][0]["field"], "Host", "{body}");
    let served = handle(api.state.clone(), HeaderIdentity::Allowed, peer, req("localhost:3000")).await;
    assert_eq!(served.status(), 200);
}
