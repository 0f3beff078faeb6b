//! GET /organizations, GET /organizations/{id|code}, POST /organizations/filter: R2, R10, R15, R16.

use std::collections::BTreeSet;

use orgs_tests::TestApi;
use serde_json::{json, Value};
use shared::model::user::Role;

fn ids(v: &Value) -> BTreeSet<String> {
    v.as_array().unwrap().iter().map(|o| o["organization_id"].as_str().unwrap().to_string()).collect()
}

fn set(items: &[&String]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// root ─ a ─ a1 (parent_has_access=false) ─ a1x
///        │ └ a2 (parent_has_access_to_descendants=false) ─ a2x ─ a2xx
///        b
struct Tree {
    a: String,
    a1: String,
    a1x: String,
    a2: String,
    a2x: String,
    a2xx: String,
    b: String,
}

async fn tree(api: &TestApi) -> Tree {
    let a = api.create_org(&api.root_org, json!({"code": "top-a"})).await;
    let a1 = api.create_org(&a, json!({"code": "a1", "parent_has_access": false})).await;
    // Hidden subtrees are built by their own superadmins: root cannot reach into them (R3).
    let sa1 = api.create_user(&a1, Role::Superadmin).await;
    let a1x = api.create_org_as(&sa1, &a1, &a1, json!({"code": "a1x"})).await;
    let a2 = api.create_org(&a, json!({"code": "a2", "parent_has_access_to_descendants": false})).await;
    let a2x = api.create_org(&a2, json!({"code": "a2x"})).await;
    let sa2 = api.create_user(&a2, Role::Superadmin).await;
    let a2xx = api.create_org_as(&sa2, &a2, &a2x, json!({"code": "a2xx"})).await;
    let b = api.create_org(&api.root_org, json!({"code": "top-b", "can_have_child_organizations": false})).await;
    Tree { a, a1, a1x, a2, a2x, a2xx, b }
}

#[tokio::test]
async fn accessible_sets_follow_r2_from_every_vantage_point() {
    let api = TestApi::new().await;
    let t = tree(&api).await;
    let root = api.root_org.clone();
    let cases: Vec<(&String, BTreeSet<String>)> = vec![
        (&root, set(&[&root, &t.a, &t.a2, &t.b])),
        (&t.a, set(&[&t.a, &t.a2])),
        (&t.a1, set(&[&t.a1, &t.a1x])),
        (&t.a2, set(&[&t.a2, &t.a2x, &t.a2xx])),
        (&t.a2x, set(&[&t.a2x, &t.a2xx])),
        (&t.b, set(&[&t.b])),
    ];
    for (home, expected) in cases {
        let u = api.create_user(home, Role::User).await;
        let r = api.get("/organizations").as_user(&u, home).send().await;
        r.expect(200);
        assert_eq!(ids(r.data()), expected, "GET /organizations from {home}");
        assert!(r.body["next_cursor"].is_null());
        // Every org outside the set is a 404 on GET, every org inside is a 200.
        for other in [&root, &t.a, &t.a1, &t.a1x, &t.a2, &t.a2x, &t.a2xx, &t.b] {
            let r = api.get(&format!("/organizations/{other}")).as_user(&u, home).send().await;
            if expected.contains(other.as_str()) {
                r.expect(200);
            } else {
                r.expect_error(404, "organization_not_found");
            }
        }
    }
}

#[tokio::test]
async fn get_by_code_and_by_id_agree() {
    let api = TestApi::new().await;
    let t = tree(&api).await;
    let by_id = api.get(&format!("/organizations/{}", t.a2)).send().await;
    let by_code = api.get("/organizations/A2").send().await;
    by_id.expect(200);
    by_code.expect(200);
    assert_eq!(by_id.data(), by_code.data());
    assert_eq!(by_id.data()["parent_organization"]["code"], "top-a");
    assert!(by_id.data()["configuration"].is_object(), "GET returns the configuration");
    api.get("/organizations/no-such-code").send().await.expect_error(404, "organization_not_found");
    api.get(&format!("/organizations/{}", uuid::Uuid::new_v4()))
        .send()
        .await
        .expect_error(404, "organization_not_found");
}

#[tokio::test]
async fn filter_flags_r15() {
    let api = TestApi::new().await;
    let t = tree(&api).await;
    let u = api.create_user(&t.a, Role::Admin).await;
    let filter = |body: Value| api.post("/organizations/filter", body).as_user(&u, &t.a);
    // default: accessible only
    let r = filter(json!({})).send().await;
    r.expect(200);
    assert_eq!(ids(r.data()), set(&[&t.a, &t.a2]));
    assert!(r.data()[0].get("configuration").is_none(), "no configuration unless asked");
    // with no-access orgs: a1 appears (its own flag hides it), a1x does not (behind it)
    let r = filter(json!({"include_organizations_with_no_access": true})).send().await;
    assert_eq!(ids(r.data()), set(&[&t.a, &t.a1, &t.a2]));
    let a1 = r.data().as_array().unwrap().iter().find(|o| o["organization_id"] == t.a1.as_str()).unwrap();
    assert!(a1.get("permissions").is_none() && a1.get("version").is_none(), "listed-only orgs are summaries (R27)");
    // but its data stays closed
    api.get(&format!("/organizations/{}", t.a1))
        .as_user(&u, &t.a)
        .send()
        .await
        .expect_error(404, "organization_not_found");
    // drop orgs that hide their descendants
    let r = filter(json!({"include_organizations_with_inaccessible_descendants": false})).send().await;
    assert_eq!(ids(r.data()), set(&[&t.a]));
    // configuration on request
    let r = filter(json!({"include_organization_configuration": true})).send().await;
    assert!(r.data()[0]["configuration"]["rbac_configuration"]["template_id"].is_string());
}

#[tokio::test]
async fn parent_organization_id_lists_direct_children_only() {
    let api = TestApi::new().await;
    let t = tree(&api).await;
    let children = |parent: &str| api.post("/organizations/filter", json!({"parent_organization_id": parent}));
    // root's children: a and b, not a2 (a grandchild)
    let r = children(&api.root_org).send().await;
    r.expect(200);
    assert_eq!(ids(r.data()), set(&[&t.a, &t.b]));
    // by code; a1 hides itself unless listed-only organizations are asked for (R15, R27)
    assert_eq!(ids(children("top-a").send().await.data()), set(&[&t.a2]));
    let r = api
        .post(
            "/organizations/filter",
            json!({"parent_organization_id": t.a, "include_organizations_with_no_access": true}),
        )
        .send()
        .await;
    assert_eq!(ids(r.data()), set(&[&t.a1, &t.a2]));
    // a2 hides its descendants from root; seen from a2, a2x is its only child
    assert_eq!(ids(children(&t.a2).send().await.data()), BTreeSet::new());
    let u = api.create_user(&t.a2, Role::User).await;
    let r = children(&t.a2).as_user(&u, &t.a2).send().await;
    assert_eq!(ids(r.data()), set(&[&t.a2x]));
    // pages: one child per page, the cursor goes on after it
    let first =
        api.post("/organizations/filter", json!({"parent_organization_id": api.root_org, "limit": 1})).send().await;
    let cursor = first.body["next_cursor"].as_str().expect("a cursor after a full page").to_string();
    let second = api
        .post("/organizations/filter", json!({"parent_organization_id": api.root_org, "limit": 1, "cursor": cursor}))
        .send()
        .await;
    let both: BTreeSet<String> = ids(first.data()).union(&ids(second.data())).cloned().collect();
    assert_eq!(both, set(&[&t.a, &t.b]));
    // with root_organization_id: one or the other; an inaccessible parent is a 404
    api.post("/organizations/filter", json!({"parent_organization_id": t.a, "root_organization_id": t.a}))
        .send()
        .await
        .expect_error(400, "validation_failed");
    children(&t.a1).send().await.expect_error(404, "organization_not_found");
}

#[tokio::test]
async fn filter_by_root_children_flag_and_permissions() {
    let api = TestApi::new().await;
    let t = tree(&api).await;
    // descendants of a, seen from root: a2 only (a1 hides itself); root's view of a2's
    // subtree is blocked by a2's descendants flag.
    let r = api.post("/organizations/filter", json!({"root_organization_id": t.a})).send().await;
    r.expect(200);
    assert_eq!(ids(r.data()), set(&[&t.a2]));
    let r = api.post("/organizations/filter", json!({"root_organization_id": "a2"})).send().await;
    assert_eq!(ids(r.data()), BTreeSet::new(), "a2's descendants are hidden from root");
    // seen from a2 itself, its descendants are there
    let u = api.create_user(&t.a2, Role::User).await;
    let r = api.post("/organizations/filter", json!({"root_organization_id": t.a2})).as_user(&u, &t.a2).send().await;
    assert_eq!(ids(r.data()), set(&[&t.a2x, &t.a2xx]));
    // an inaccessible root is a 404
    api.post("/organizations/filter", json!({"root_organization_id": t.a1}))
        .send()
        .await
        .expect_error(404, "organization_not_found");
    // can_have_child_organizations
    let r = api.post("/organizations/filter", json!({"can_have_child_organizations": false})).send().await;
    assert_eq!(ids(r.data()), set(&[&t.b]));
    // user_permissions: a plain user holds no organizations:update anywhere
    let r = api
        .post("/organizations/filter", json!({"user_permissions": ["organizations:update"]}))
        .as_user(&u, &t.a2)
        .send()
        .await;
    assert_eq!(ids(r.data()), BTreeSet::new());
    let r = api
        .post("/organizations/filter", json!({"user_permissions": ["organizations:read"], "feature": "cases"}))
        .as_user(&u, &t.a2)
        .send()
        .await;
    assert_eq!(ids(r.data()), set(&[&t.a2, &t.a2x, &t.a2xx]));
    let r = api.post("/organizations/filter", json!({"user_permissions": ["organizations:fly"]})).send().await;
    r.expect_error(400, "validation_failed");
    assert_eq!(r.body["error"]["details"][0]["field"], "user_permissions[0]");
    api.post("/organizations/filter", json!({"feature": "teleport"}))
        .send()
        .await
        .expect_error(400, "validation_failed");
}

#[tokio::test]
async fn lists_paginate_with_cursors() {
    let api = TestApi::new().await;
    let mut all = BTreeSet::from([api.root_org.clone()]);
    for _ in 0..7 {
        all.insert(api.create_org(&api.root_org, json!({})).await);
    }
    let mut seen = BTreeSet::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/organizations?limit=3&cursor={c}"),
            None => "/organizations?limit=3".to_string(),
        };
        let r = api.get(&path).send().await;
        r.expect(200);
        assert!(r.data().as_array().unwrap().len() <= 3);
        for id in ids(r.data()) {
            assert!(seen.insert(id), "no organization twice");
        }
        pages += 1;
        cursor = r.body["next_cursor"].as_str().map(str::to_string);
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(seen, all);
    assert!(pages >= 3);
    api.get("/organizations?limit=0").send().await.expect_error(400, "validation_failed");
    api.get("/organizations?limit=101").send().await.expect_error(400, "validation_failed");
    api.get("/organizations?cursor=bm9wZQ").send().await.expect_error(400, "invalid_cursor");
    api.get("/organizations?limit=abc").send().await.expect_error(400, "invalid_query");
    api.get("/organizations?colour=red").send().await.expect_error(400, "invalid_query");
}

#[tokio::test]
async fn configuration_resolves_through_parents_r16() {
    let api = TestApi::new().await;
    let sso = json!({"sso_config_source": "self", "identity_provider_name": "Okta", "sso_url": "https://idp.example.com/sso"});
    let top = api
        .create_org(
            &api.root_org,
            json!({"sso_configuration": sso,
        "darryl_configuration": {"darryl_config_source": "self", "name": "Top bot", "color": "#123456"}}),
        )
        .await;
    let mid = api
        .create_org(
            &top,
            json!({"sso_configuration": {"sso_config_source": "parent"},
        "darryl_configuration": {"darryl_config_source": "parent"}}),
        )
        .await;
    let leaf = api.create_org(&mid, json!({"sso_configuration": {"sso_config_source": "parent"}})).await;
    let r = api.get(&format!("/organizations/{leaf}")).send().await;
    r.expect(200);
    let c = &r.data()["configuration"];
    assert_eq!(c["sso_configuration"]["sso_config_source"], "parent");
    assert_eq!(
        c["sso_configuration"]["sso_url"], "https://idp.example.com/sso",
        "nearest ancestor with its own config"
    );
    assert!(c["darryl_configuration"].is_null(), "leaf has no darryl configuration");
    assert_eq!(r.data()["parent_organization"]["sso_enabled"], true, "mid inherits SSO, so it is enabled");
    let r = api.get(&format!("/organizations/{mid}")).send().await;
    assert_eq!(r.data()["configuration"]["darryl_configuration"]["name"], "Top bot");
    assert_eq!(r.data()["configuration"]["darryl_configuration"]["darryl_config_source"], "parent");
    // With no ancestor configured, "parent" resolves to empty values.
    let lone = api.create_org(&api.root_org, json!({"sso_configuration": {"sso_config_source": "parent"}})).await;
    let r = api.get(&format!("/organizations/{lone}")).send().await;
    assert!(r.data()["configuration"]["sso_configuration"]["sso_url"].is_null());
}

#[tokio::test]
async fn organization_context_must_be_accessible() {
    let api = TestApi::new().await;
    let t = tree(&api).await;
    let u = api.create_user(&t.a, Role::Admin).await;
    // acting in an accessible descendant is fine
    api.get("/organizations").as_user(&u, &t.a2).send().await.expect(200);
    // acting in the parent, a sibling, or a hidden child is not
    for ctx in [&api.root_org, &t.b, &t.a1] {
        api.get("/organizations").as_user(&u, ctx).send().await.expect_error(403, "organization_context_forbidden");
    }
    // no context header: the caller's own organization
    api.get("/organizations").header("user-id", &u).without_header("organization-id").send().await.expect(200);
    // unknown or missing user
    api.get("/organizations")
        .as_user(&uuid::Uuid::new_v4().to_string(), &t.a)
        .send()
        .await
        .expect_error(401, "unauthenticated");
    api.get("/organizations").without_header("user-id").send().await.expect_error(401, "unauthenticated");
    api.get("/organizations").header("user-id", "../../etc/passwd").send().await.expect_error(401, "unauthenticated");
}
