//! API tokens (R13) and the authorizer: a token acts with exactly its creator's current rights,
//! the secret is shown once and stored only hashed, identity headers cannot be forged.

use orgs_local::gateway::{apply_authorizer, HeaderIdentity};
use orgs_tests::TestApi;
use serde_json::json;
use shared::model::user::Role;

async fn token_for(api: &TestApi, user: &str, org: &str, name: &str) -> (String, String) {
    let r = api.post("/api-tokens", json!({"name": name})).as_user(user, org).send().await;
    r.expect(201);
    (r.data()["token_id"].as_str().unwrap().to_string(), r.data()["token"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn create_list_delete_and_the_secret_is_shown_once() {
    let api = TestApi::new().await;
    let admin = api.create_user(&api.root_org, Role::Admin).await;
    let r = api.post("/api-tokens", json!({"name": "ci"})).as_user(&admin, &api.root_org).send().await;
    r.expect(201);
    let d = r.data();
    let secret = d["token"].as_str().unwrap().to_string();
    let id = d["token_id"].as_str().unwrap().to_string();
    assert!(shared::token::well_formed(&secret));
    assert_eq!(d["name"], "ci");
    assert!(d["last_used_at"].is_null());
    assert!(d["created_at"].as_i64().unwrap() > 0);
    // listed without the secret
    let l = api.get("/api-tokens").as_user(&admin, &api.root_org).send().await;
    l.expect(200);
    assert_eq!(l.body["total"], 1);
    assert_eq!(l.data()[0]["token_id"], id.as_str());
    assert!(l.data()[0].get("token").is_none());
    // no usable secret anywhere in the table
    let dump = format!("{:?}", api.all_items().await);
    assert!(!dump.contains(&secret), "the secret is never stored");
    assert!(!dump.contains(&secret[5..20]), "not even a part of it");
    // the creator deletes it; it stops working at once here (deployed: within the 30 s cache)
    api.get("/organizations").bearer(&secret).send().await.expect(200);
    api.req("DELETE", &format!("/api-tokens/{id}")).as_user(&admin, &api.root_org).send().await.expect(200);
    let r = api.get("/organizations").bearer(&secret).send().await;
    assert_eq!((r.status, r.body["message"].as_str()), (403, Some("Forbidden")));
    api.req("DELETE", &format!("/api-tokens/{id}"))
        .as_user(&admin, &api.root_org)
        .send()
        .await
        .expect_error(404, "token_not_found");
    let acts = api.activities(&api.root_org).await;
    assert!(acts.iter().any(|a| a["type"] == "api_token.created"));
    assert!(acts.iter().any(|a| a["type"] == "api_token.deleted"));
}

#[tokio::test]
async fn only_admins_hold_tokens_and_only_their_own() {
    let api = TestApi::new().await;
    let plain = api.create_user(&api.root_org, Role::User).await;
    let a = api.create_user(&api.root_org, Role::Admin).await;
    let b = api.create_user(&api.root_org, Role::Admin).await;
    let before = api.item_count().await;
    api.post("/api-tokens", json!({"name": "x"}))
        .as_user(&plain, &api.root_org)
        .send()
        .await
        .expect_error(403, "forbidden");
    api.get("/api-tokens").as_user(&plain, &api.root_org).send().await.expect_error(403, "forbidden");
    api.post("/api-tokens", json!({})).as_user(&a, &api.root_org).send().await.expect_error(400, "validation_failed");
    api.post("/api-tokens", json!({"name": "  "}))
        .as_user(&a, &api.root_org)
        .send()
        .await
        .expect_error(400, "validation_failed");
    api.post("/api-tokens", json!({"name": "x", "user_id": b}))
        .as_user(&a, &api.root_org)
        .send()
        .await
        .expect_error(400, "validation_failed");
    api.post("/api-tokens?return_active_token_if_exists=maybe", json!({"name": "x"}))
        .as_user(&a, &api.root_org)
        .send()
        .await
        .expect_error(400, "invalid_query");
    assert_eq!(api.item_count().await, before);
    let (a_id, _) = token_for(&api, &a, &api.root_org, "a-token").await;
    let l = api.get("/api-tokens").as_user(&b, &api.root_org).send().await;
    assert_eq!(l.body["total"], 0, "b sees none of a's tokens");
    api.req("DELETE", &format!("/api-tokens/{a_id}"))
        .as_user(&b, &api.root_org)
        .send()
        .await
        .expect_error(404, "token_not_found");
    api.get("/api-tokens").as_user(&a, &api.root_org).send().await.expect(200);
}

#[tokio::test]
async fn return_active_token_if_exists_and_the_limit() {
    let api = TestApi::new().await;
    let a = api.create_user(&api.root_org, Role::Admin).await;
    let (id, secret) = token_for(&api, &a, &api.root_org, "deploy").await;
    let again = api
        .post("/api-tokens?return_active_token_if_exists=true", json!({"name": "deploy"}))
        .as_user(&a, &api.root_org)
        .send()
        .await;
    again.expect(200);
    assert_eq!(again.data()["token_id"], id.as_str());
    assert_eq!(again.data()["token"], secret.as_str(), "the same usable secret, unsealed");
    let other = api
        .post("/api-tokens?return_active_token_if_exists=true", json!({"name": "other"}))
        .as_user(&a, &api.root_org)
        .send()
        .await;
    other.expect(201);
    let fresh = api
        .post("/api-tokens?return_active_token_if_exists=false", json!({"name": "deploy"}))
        .as_user(&a, &api.root_org)
        .send()
        .await;
    fresh.expect(201);
    assert_ne!(fresh.data()["token_id"], id.as_str());
    for i in 3..20 {
        token_for(&api, &a, &api.root_org, &format!("t{i}")).await;
    }
    api.post("/api-tokens", json!({"name": "one too many"}))
        .as_user(&a, &api.root_org)
        .send()
        .await
        .expect_error(409, "token_limit_reached");
}

#[tokio::test]
async fn a_token_alone_uses_the_api_and_forged_headers_change_nothing() {
    let api = TestApi::new().await;
    let child = api.create_org(&api.root_org, json!({})).await;
    let admin = api.create_user(&child, Role::Admin).await;
    let (_, secret) = token_for(&api, &admin, &child, "t").await;
    // the token alone: identity comes from the authorizer
    let r = api.get("/organizations").bearer(&secret).send().await;
    r.expect(200);
    let seen: Vec<_> =
        r.data().as_array().unwrap().iter().map(|o| o["organization_id"].as_str().unwrap().to_string()).collect();
    assert_eq!(seen, vec![child.clone()]);
    // forged identity headers next to the token: still the token's owner
    let forged = api
        .get("/organizations")
        .bearer(&secret)
        .header("user-id", &api.superadmin)
        .header("organization-id", &api.root_org)
        .send()
        .await;
    forged.expect(200);
    assert_eq!(forged.data().as_array().unwrap().len(), 1, "not the superadmin's view");
    api.post(
        "/organizations",
        json!({"name": "x", "contact_email": "a@b.io", "parent_organization_id": child,
        "can_have_child_organizations": false, "rbac_template_id": "default"}),
    )
    .bearer(&secret)
    .header("user-id", &api.superadmin)
    .send()
    .await
    .expect_error(403, "forbidden");
    // users created with the token record the token's owner and an api actor
    let r =
        api.post("/users", json!({"email": "via-token@x.io", "organization_id": child})).bearer(&secret).send().await;
    r.expect(201);
    assert_eq!(r.data()["created_by"], admin.as_str());
    let acts = api.activities(&child).await;
    let a = acts.iter().find(|a| a["type"] == "user.created").unwrap();
    assert_eq!(a["actor_type"], "api");
    assert_eq!(a["actor_id"], admin.as_str());
    // use is recorded
    let stored = api.state.store().tokens_of(&admin).await.unwrap();
    assert!(stored[0].last_used_at.is_some());
    assert!(api.state.store().get_user(&admin).await.unwrap().unwrap().last_login.is_some());
}

#[tokio::test]
async fn rights_follow_the_creator_at_once() {
    let api = TestApi::new().await;
    let admin = api.create_user(&api.root_org, Role::Admin).await;
    let (_, secret) = token_for(&api, &admin, &api.root_org, "t").await;
    api.post("/users", json!({"email": "one@x.io", "organization_id": api.root_org}))
        .bearer(&secret)
        .send()
        .await
        .expect(201);
    // demoted: the very next request with the token is denied, since a user may not hold
    // tokens (R28; tokens_r28.rs)
    api.patch(&format!("/users/{admin}"), json!({"role": "user"})).send().await.expect(200);
    let r =
        api.post("/users", json!({"email": "two@x.io", "organization_id": api.root_org})).bearer(&secret).send().await;
    assert_eq!((r.status, r.body.clone()), (403, json!({"message": "Forbidden"})));
    // deleted: the token is gone with the user
    api.req("DELETE", &format!("/users/{admin}")).send().await.expect(200);
    let r = api.get("/organizations").bearer(&secret).send().await;
    assert_eq!(r.status, 403);
    assert!(api.state.store().tokens_of(&admin).await.unwrap().is_empty(), "tokens deleted with their user");
    assert!(api.state.store().token_by_secret(&secret).await.unwrap().is_none());
}

#[tokio::test]
async fn malformed_missing_and_unknown_tokens_are_denied_alike() {
    let api = TestApi::new().await;
    let unknown = shared::token::generate().unwrap();
    for auth in [
        format!("Bearer {unknown}"),
        "Bearer orgs_short".into(),
        format!("Basic {unknown}"),
        "Bearer".into(),
        "".into(),
    ] {
        let r = api.get("/organizations").header("authorization", &auth).send().await;
        assert_eq!((r.status, r.body.clone()), (403, json!({"message": "Forbidden"})), "{auth:?}");
    }
    // a deployed API has no header identity: no token is a 401 from the gateway
    let mut event = api.get("/organizations").event();
    let resp = apply_authorizer(&api.state, &mut event, HeaderIdentity::Refused).await.expect("stopped at the gateway");
    assert_eq!(resp.status(), 401);
}

/// A busy token costs no writes: `last_login` and the token's `last_used_at` are written on the
/// first use and not attempted again while the items read show them recent.
#[tokio::test]
async fn a_recent_login_is_not_written_again() {
    let api = TestApi::new().await;
    let admin = api.create_user(&api.root_org, Role::Admin).await;
    let (_, secret) = token_for(&api, &admin, &api.root_org, "busy").await;
    api.calls.reset();
    api.get("/organizations").bearer(&secret).send().await.expect(200);
    assert_eq!(api.calls.take().get("UpdateItem"), Some(&2), "first use: token and login");
    let first = api.state.store().get_user(&admin).await.unwrap().unwrap().last_login;
    assert!(first.is_some());
    api.calls.reset();
    api.get("/organizations").bearer(&secret).send().await.expect(200);
    assert_eq!(api.calls.take().get("UpdateItem"), None, "again: no write at all");
    assert_eq!(api.state.store().get_user(&admin).await.unwrap().unwrap().last_login, first);
}
