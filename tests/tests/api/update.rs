//! PATCH /organizations/{organization_identifier}: R4, optimistic locking, template movements.

use orgs_tests::TestApi;
use serde_json::{json, Value};
use shared::model::user::Role;

#[tokio::test]
async fn superadmin_updates_fields_and_clears_with_null() {
    let api = TestApi::new().await;
    let org =
        api.create_org(&api.root_org, json!({"code": "upd", "updates_email": "u@x.io", "metadata": {"a": "1"}})).await;
    let r = api
        .patch(
            &format!("/organizations/{org}"),
            json!({
                "name": "Renamed", "updates_email": null, "metadata": {"b": "2"}, "enable_metabase": true,
                "updates_email_for_escalations_from_parent": ["p@x.io"],
                "sso_configuration": {"sso_config_source": "self", "sso_url": "https://idp.x.io"},
                "darryl_configuration": {"darryl_config_source": "self", "name": "Bot"}
            }),
        )
        .send()
        .await;
    r.expect(200);
    let d = r.data();
    assert_eq!(d["name"], "Renamed");
    assert!(d["updates_email"].is_null());
    assert_eq!(d["metadata"], json!({"b": "2"}));
    assert_eq!(d["updates_email_for_escalations_from_parent"], json!(["p@x.io"]));
    assert_eq!(d["configuration"]["metabase_configuration"]["enabled"], true);
    assert_eq!(d["configuration"]["sso_configuration"]["sso_url"], "https://idp.x.io");
    assert_eq!(d["version"], 2);
    assert!(d["modified_at"].as_i64().unwrap() >= d["created_at"].as_i64().unwrap());
    // the same by code, and the activity trail
    let r = api.patch("/organizations/upd", json!({"contact_email": "new@x.io"})).send().await;
    r.expect(200);
    assert_eq!(r.data()["version"], 3);
    let acts = api.activities(&org).await;
    assert_eq!(acts.len(), 3);
    assert_eq!(acts[1]["type"], "organization.updated");
    assert_eq!(acts[1]["changes"]["name"]["to"], "Renamed");
    assert_eq!(acts[2]["changes"]["contact_email"]["to"], "new@x.io");
    // the stored item matches what GET says
    let g = api.get(&format!("/organizations/{org}")).send().await;
    assert_eq!(g.data(), r.data());
}

#[tokio::test]
async fn a_noop_update_writes_nothing() {
    let api = TestApi::new().await;
    let org = api.create_org(&api.root_org, json!({})).await;
    let current = api.get(&format!("/organizations/{org}")).send().await;
    let before = api.item_count().await;
    let r = api.patch(&format!("/organizations/{org}"), json!({"name": current.data()["name"]})).send().await;
    r.expect(200);
    assert_eq!(r.data()["version"], 1);
    assert_eq!(api.item_count().await, before);
}

#[tokio::test]
async fn only_superadmins_of_accessible_orgs_update_r4() {
    let api = TestApi::new().await;
    let a = api.create_org(&api.root_org, json!({})).await;
    let b = api.create_org(&api.root_org, json!({})).await;
    let before = api.item_count().await;
    for role in [Role::Admin, Role::User] {
        let u = api.create_user(&a, role).await;
        api.patch(&format!("/organizations/{a}"), json!({"name": "x"}))
            .as_user(&u, &a)
            .send()
            .await
            .expect_error(403, "forbidden");
    }
    let sa = api.create_user(&a, Role::Superadmin).await;
    api.patch(&format!("/organizations/{b}"), json!({"name": "x"}))
        .as_user(&sa, &a)
        .send()
        .await
        .expect_error(404, "organization_not_found");
    api.patch(&format!("/organizations/{}", api.root_org), json!({"name": "x"}))
        .as_user(&sa, &a)
        .send()
        .await
        .expect_error(404, "organization_not_found");
    assert_eq!(api.item_count().await, before + 9, "only the three seeded users (3 items each)");
}

#[tokio::test]
async fn if_match_guards_against_lost_updates() {
    let api = TestApi::new().await;
    let org = api.create_org(&api.root_org, json!({})).await;
    let path = format!("/organizations/{org}");
    api.patch(&path, json!({"name": "first"})).header("if-match", "1").send().await.expect(200);
    let before = api.item_count().await;
    api.patch(&path, json!({"name": "stale"}))
        .header("if-match", "1")
        .send()
        .await
        .expect_error(409, "version_conflict");
    api.patch(&path, json!({"name": "x"})).header("if-match", "abc").send().await.expect_error(400, "invalid_if_match");
    assert_eq!(api.item_count().await, before);
    assert_eq!(api.get(&path).send().await.data()["name"], "first");
}

#[tokio::test]
async fn concurrent_updates_lose_nothing() {
    let api = TestApi::new().await;
    let org = api.create_org(&api.root_org, json!({})).await;
    let path = format!("/organizations/{org}");
    // 8 concurrent writers of different fields, each pinned to version 1: exactly one wins.
    let mut tasks = Vec::new();
    for i in 0..8 {
        let ev = api.patch(&path, json!({"metadata": {"writer": i.to_string()}})).header("if-match", "1").event();
        let state = api.state.clone();
        tasks.push(tokio::spawn(async move { orgs_tests::invoke(&state, &ev).await }));
    }
    let mut ok = 0;
    for t in tasks {
        let r = t.await.unwrap();
        match r.status {
            200 => ok += 1,
            409 => {}
            s => panic!("unexpected {s}: {}", r.body),
        }
    }
    assert_eq!(ok, 1);
    let g = api.get(&path).send().await;
    assert_eq!(g.data()["version"], 2);
    assert_eq!(api.activities(&org).await.len(), 2, "one create, one winning update");
}

#[tokio::test]
async fn template_moves_follow_the_allowlist() {
    let api = TestApi::new().await;
    let org = api.create_org(&api.root_org, json!({})).await;
    let own_super = api.create_user(&org, Role::Superadmin).await;
    let path = format!("/organizations/{org}");
    let r = api.patch(&path, json!({"rbac_template_id": "parent_read_only"})).send().await;
    r.expect(200);
    assert_eq!(r.data()["configuration"]["rbac_configuration"]["template_id"], "parent_read_only");
    assert_eq!(r.data()["configuration"]["rbac_configuration"]["parent_visibility"]["org_data"], "read_only");
    // The parent now only reads it; the organization's own superadmin still writes it.
    api.patch(&path, json!({"name": "x"})).send().await.expect_error(403, "rbac_read_only");
    let own = |body: Value| api.patch(&path, body).as_user(&own_super, &org);
    own(json!({"rbac_template_id": "no_such"})).send().await.expect_error(409, "rbac_move_not_allowed");
    own(json!({"rbac_template_id": null})).send().await.expect_error(400, "validation_failed");
    own(json!({"rbac_template_id": "default"})).send().await.expect(200);
    api.patch(&path, json!({"name": "x"})).send().await.expect(200);
}

#[tokio::test]
async fn parent_and_flags_are_immutable() {
    let api = TestApi::new().await;
    let org = api.create_org(&api.root_org, json!({})).await;
    let before = api.item_count().await;
    for body in [
        json!({"parent_organization_id": org}),
        json!({"parent_has_access": false}),
        json!({"parent_has_access_to_descendants": false}),
        json!({"can_have_child_organizations": false}),
        json!({"code": "newcode"}),
        json!({"version": 9}),
        json!({"organization_id": "x"}),
        json!({"name": null}),
    ] {
        api.patch(&format!("/organizations/{org}"), body).send().await.expect_error(400, "validation_failed");
    }
    assert_eq!(api.item_count().await, before);
}

/// The organization item as stored.
async fn stored_org(
    api: &TestApi,
    org: &str,
) -> std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue> {
    let key = shared::store::key(shared::store::keys::org_pk(org), shared::store::keys::ORG_SK);
    let got = api.state.dynamo.get_item().table_name(&api.state.config.table_name).set_key(Some(key)).send().await;
    got.expect("get_item").item.expect("stored organization")
}

/// Empty fields are not stored (docs/DATA.md), clearing a field removes its attribute, and an
/// item written with `NULL` attributes (before that rule) reads the same.
#[tokio::test]
async fn empty_fields_are_not_stored_and_null_attributes_still_read() {
    use aws_sdk_dynamodb::types::AttributeValue;
    let api = TestApi::new().await;
    let org = api.create_org(&api.root_org, json!({"updates_email": "u@x.io"})).await;
    let item = stored_org(&api, &org).await;
    for absent in ["code", "logo_url", "sso_configuration", "metadata", "domains", "metabase_configuration"] {
        assert!(!item.contains_key(absent), "{absent} stored: {item:?}");
    }
    assert!(item.values().all(|v| !v.is_null()), "{item:?}");
    assert!(item.contains_key("updates_email") && item.contains_key("ancestors"));

    api.patch(&format!("/organizations/{org}"), json!({"updates_email": null})).send().await.expect(200);
    assert!(!stored_org(&api, &org).await.contains_key("updates_email"));

    // An item as the earlier format wrote it: every empty field a NULL attribute.
    let mut legacy = stored_org(&api, &org).await;
    for null in ["code", "updates_email", "logo_url", "sso_configuration", "darryl_configuration", "created_by"] {
        legacy.insert(null.into(), AttributeValue::Null(true));
    }
    legacy.insert("metadata".into(), AttributeValue::M(Default::default()));
    let table = &api.state.config.table_name;
    api.state.dynamo.put_item().table_name(table).set_item(Some(legacy)).send().await.expect("put legacy item");
    let r = api.get(&format!("/organizations/{org}")).send().await;
    r.expect(200);
    assert!(r.data()["code"].is_null() && r.data()["updates_email"].is_null());
    assert_eq!(r.data()["metadata"], json!({}));
    let listed = api.get("/organizations").send().await;
    listed.expect(200);
    assert!(listed.data().as_array().unwrap().iter().any(|o| o["organization_id"] == org.as_str()));
    // The next write stores it without them again.
    api.patch(&format!("/organizations/{org}"), json!({"name": "Again"})).send().await.expect(200);
    assert!(stored_org(&api, &org).await.values().all(|v| !v.is_null()));
}
