//! POST /organizations: R1, R3, code uniqueness, closure edges and the activity item.

use orgs_tests::TestApi;
use serde_json::json;
use shared::model::user::Role;

fn body(parent: &str) -> serde_json::Value {
    json!({
        "name": "Acme",
        "code": "acme",
        "contact_email": "ops@acme.io",
        "updates_email": "updates@acme.io",
        "parent_organization_id": parent,
        "updates_email_for_escalations_from_parent": ["esc@acme.io"],
        "updates_email_for_escalations_from_children": ["kids@acme.io"],
        "can_have_child_organizations": true,
        "logo_url": "https://cdn.example.com/acme.png",
        "sso_configuration": {"sso_config_source": "self", "identity_provider_name": "Okta", "entity_id": "urn:acme",
                              "certificate": "MIIC...", "sso_url": "https://acme.okta.com/sso", "logout_url": "https://acme.okta.com/out"},
        "darryl_configuration": {"darryl_config_source": "self", "name": "Acme bot", "color": "#ff0000"},
        "rbac_template_id": "default",
        "metadata": {"tier": "gold"}
    })
}

#[tokio::test]
async fn superadmin_creates_child_with_every_field() {
    let api = TestApi::new().await;
    let r = api.post("/organizations", body(&api.root_org)).send().await;
    r.expect(201);
    let d = r.data();
    assert_eq!(r.body["message"], "Organization created.");
    assert!(uuid::Uuid::parse_str(d["organization_id"].as_str().unwrap()).is_ok());
    assert_eq!(d["name"], "Acme");
    assert_eq!(d["code"], "acme");
    assert_eq!(d["contact_email"], "ops@acme.io");
    assert_eq!(d["updates_email"], "updates@acme.io");
    assert_eq!(d["parent_organization_id"], api.root_org.as_str());
    assert_eq!(d["parent_organization"]["organization_id"], api.root_org.as_str());
    assert_eq!(d["parent_organization"]["code"], "root");
    assert_eq!(d["parent_organization"]["sso_enabled"], false);
    assert_eq!(d["updates_email_for_escalations_from_parent"], json!(["esc@acme.io"]));
    assert_eq!(d["updates_email_for_escalations_from_children"], json!(["kids@acme.io"]));
    assert_eq!(d["can_have_child_organizations"], true);
    assert_eq!(d["parent_has_access"], true, "defaults to true");
    assert_eq!(d["parent_has_access_to_descendants"], true, "defaults to true");
    assert_eq!(d["host_url"], "https://acme.orgs.test");
    assert_eq!(d["logo_url"], "https://cdn.example.com/acme.png");
    assert_eq!(d["metadata"], json!({"tier": "gold"}));
    assert_eq!(d["created_by"], api.superadmin.as_str());
    assert!(d["created_at"].as_i64().unwrap() > 1_700_000_000_000, "epoch milliseconds");
    assert_eq!(d["created_at"], d["modified_at"]);
    assert!(d["features"].as_array().unwrap().iter().any(|f| f["feature_id"] == "organizations"));
    assert!(d["permissions"].as_array().unwrap().iter().any(|p| p["permission_id"] == "organizations:create"));
    let c = &d["configuration"];
    assert_eq!(c["sso_configuration"]["sso_url"], "https://acme.okta.com/sso");
    assert_eq!(c["darryl_configuration"]["name"], "Acme bot");
    assert_eq!(c["rbac_configuration"]["template_id"], "default");
    assert_eq!(c["rbac_configuration"]["parent_visibility"]["user_mgmt"], "full_access");
    assert_eq!(c["metabase_configuration"]["enabled"], false);
    assert!(c["case_configuration"]["severity_options"].as_array().unwrap().len() >= 3);
    assert!(r.headers.contains_key("x-request-id"));
}

#[tokio::test]
async fn create_writes_org_guard_edges_and_activity_in_one_go() {
    let api = TestApi::new().await;
    let child = api.create_org(&api.root_org, json!({"code": "child"})).await;
    let before = api.item_count().await;
    let grandchild = api.create_org(&child, json!({"code": "grand"})).await;
    // org + code guard + 3 edges (self, child, root) + activity
    assert_eq!(api.item_count().await - before, 6);
    let acts = api.activities(&grandchild).await;
    assert_eq!(acts.len(), 1);
    let a = &acts[0];
    assert_eq!(a["type"], "organization.created");
    assert_eq!(a["actor_id"], api.superadmin.as_str());
    assert_eq!(a["actor_type"], "user");
    assert_eq!(a["actor_ip_address"], "203.0.113.7");
    assert_eq!(a["target_id"], grandchild.as_str());
    assert!(a["request_id"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(a["changes"]["parent_organization_id"]["to"], child.as_str());
}

#[tokio::test]
async fn parent_may_be_named_by_code() {
    let api = TestApi::new().await;
    let r = api
        .post(
            "/organizations",
            json!({"name": "By code", "contact_email": "a@b.io", "parent_organization_id": "root",
        "can_have_child_organizations": false, "rbac_template_id": "default"}),
        )
        .send()
        .await;
    r.expect(201);
    assert_eq!(r.data()["parent_organization_id"], api.root_org.as_str());
}

#[tokio::test]
async fn only_superadmins_create_r1_r3() {
    let api = TestApi::new().await;
    for role in [Role::Admin, Role::User] {
        let u = api.create_user(&api.root_org, role).await;
        let before = api.item_count().await;
        api.post("/organizations", body(&api.root_org))
            .as_user(&u, &api.root_org)
            .send()
            .await
            .expect_error(403, "forbidden");
        assert_eq!(api.item_count().await, before, "a denied create writes nothing");
    }
}

#[tokio::test]
async fn codes_are_unique_case_insensitively() {
    let api = TestApi::new().await;
    api.create_org(&api.root_org, json!({"code": "Dup"})).await;
    let before = api.item_count().await;
    let mut b = body(&api.root_org);
    b["code"] = json!("dUP");
    api.post("/organizations", b).send().await.expect_error(409, "organization_code_taken");
    assert_eq!(api.item_count().await, before);
}

#[tokio::test]
async fn concurrent_creates_with_one_code_yield_one_org() {
    let api = TestApi::new().await;
    let before = api.item_count().await;
    let mut tasks = Vec::new();
    for i in 0..20 {
        let mut b = body(&api.root_org);
        b["code"] = json!(if i % 2 == 0 { "race" } else { "RACE" });
        let ev = api.post("/organizations", b).event();
        let state = api.state.clone();
        tasks.push(tokio::spawn(async move { orgs_tests::invoke(&state, &ev).await }));
    }
    let mut created = 0;
    for t in tasks {
        let r = t.await.unwrap();
        match r.status {
            201 => created += 1,
            409 => assert!(["organization_code_taken", "concurrent_modification"].contains(&r.code()), "{}", r.body),
            s => panic!("unexpected {s}: {}", r.body),
        }
    }
    assert_eq!(created, 1);
    assert_eq!(api.item_count().await - before, 5, "exactly one org: item, guard, 2 edges, activity");
}

#[tokio::test]
async fn parent_must_be_accessible_and_accept_children() {
    let api = TestApi::new().await;
    let leaf = api.create_org(&api.root_org, json!({"can_have_child_organizations": false})).await;
    let before = api.item_count().await;
    let mut b = body(&leaf);
    b["code"] = json!("underleaf");
    api.post("/organizations", b).send().await.expect_error(409, "parent_cannot_have_children");
    let mut b = body(&uuid::Uuid::new_v4().to_string());
    b["code"] = json!("nowhere");
    api.post("/organizations", b).send().await.expect_error(404, "parent_organization_not_found");

    // A superadmin of a sibling subtree cannot create under another subtree.
    let a = api.create_org(&api.root_org, json!({})).await;
    let b_org = api.create_org(&api.root_org, json!({})).await;
    let sa = api.create_user(&a, Role::Superadmin).await;
    let mut b = body(&b_org);
    b["code"] = json!("intruder");
    api.post("/organizations", b).as_user(&sa, &a).send().await.expect_error(404, "parent_organization_not_found");
    // ... nor under a child that hides itself from its parent (R2).
    let hidden = api.create_org(&a, json!({"parent_has_access": false})).await;
    let mut b = body(&hidden);
    b["code"] = json!("intruder2");
    api.post("/organizations", b).as_user(&sa, &a).send().await.expect_error(404, "parent_organization_not_found");
    // a and b_org: item + 2 edges + activity each; the user: item + email guard + org entry;
    // hidden: item + 3 edges + activity. The refused creates wrote nothing.
    assert_eq!(api.item_count().await, before + 4 + 4 + 3 + 5);
}

#[tokio::test]
async fn unknown_template_is_refused_and_nothing_written() {
    let api = TestApi::new().await;
    let before = api.item_count().await;
    let mut b = body(&api.root_org);
    b["rbac_template_id"] = json!("nope");
    let r = api.post("/organizations", b).send().await;
    r.expect_error(400, "validation_failed");
    assert_eq!(r.body["error"]["details"][0]["field"], "rbac_template_id");
    assert_eq!(api.item_count().await, before);
}
