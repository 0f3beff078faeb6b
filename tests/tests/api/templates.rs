//! The permissions catalogue and RBAC templates: who manages templates, their value set, allowed
//! movements, and that a template in use cannot be deleted.

use aws_sdk_dynamodb::types::AttributeValue;
use orgs_tests::TestApi;
use serde_json::{json, Value};
use shared::model::user::Role;

fn tpl(id: &str, allow: &[&str]) -> Value {
    json!({"template_id": id, "display_name": format!("T {id}"),
           "parent_visibility": {"user_mgmt": "read_only", "org_data": "full_access"},
           "child_visibility": {"org_data": "no_access"}, "org_visibility": {"org_data": "full_access"},
           "allowlist": allow})
}

#[tokio::test]
async fn permissions_catalogue() {
    let api = TestApi::new().await;
    let plain = api.create_user(&api.root_org, Role::User).await;
    let r = api.get("/permissions").as_user(&plain, &api.root_org).send().await;
    r.expect(200);
    // R17: roles, activities and organization requests are catalogue features too.
    assert_eq!(r.body["total"], 36);
    assert!(r
        .data()
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["permission_id"] == "users:create" && p["name"] == "Create users"));
    api.get("/permissions").without_header("user-id").send().await.expect_error(401, "unauthenticated");
}

#[tokio::test]
async fn templates_are_managed_by_platform_superadmins() {
    let api = TestApi::new().await;
    let child = api.create_org(&api.root_org, json!({})).await;
    let child_sa = api.create_user(&child, Role::Superadmin).await;
    let root_admin = api.create_user(&api.root_org, Role::Admin).await;
    let before = api.item_count().await;
    api.post("/rbac-templates", tpl("t1", &[])).as_user(&child_sa, &child).send().await.expect_error(403, "forbidden");
    api.post("/rbac-templates", tpl("t1", &[]))
        .as_user(&root_admin, &api.root_org)
        .send()
        .await
        .expect_error(403, "forbidden");
    let mut bad = tpl("t1", &[]);
    bad["child_visibility"]["org_data"] = json!("sometimes");
    api.post("/rbac-templates", bad).send().await.expect_error(400, "validation_failed");
    api.post("/rbac-templates", tpl("bad id!", &[])).send().await.expect_error(400, "validation_failed");
    assert_eq!(api.item_count().await, before);
    let r = api.post("/rbac-templates", tpl("t1", &["default"])).send().await;
    r.expect(201);
    assert_eq!(r.data()["parent_visibility"]["user_mgmt"], "read_only");
    api.post("/rbac-templates", tpl("t1", &[])).send().await.expect_error(409, "rbac_template_exists");
    // anyone reads them
    let list = api.get("/rbac-templates").as_user(&child_sa, &child).send().await;
    let ids: Vec<_> =
        list.data().as_array().unwrap().iter().map(|t| t["template_id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids, vec!["default", "parent_read_only", "t1"]);
    let opts = api.get("/rbac-templates/permissions").send().await;
    assert_eq!(opts.data()["parent_visibility"]["user_mgmt"], json!(["full_access", "read_only", "no_access"]));
    let mv = api.get("/rbac-templates/movements").send().await;
    assert!(mv
        .data()
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["template_id"] == "t1" && m["allowlist"] == json!(["default"])));
    // replace
    let mut next = tpl("t1", &["default", "parent_read_only"]);
    next["display_name"] = json!("Renamed");
    let r = api.req("PUT", "/rbac-templates/t1").json(next.clone()).send().await;
    r.expect(200);
    assert_eq!(r.data()["display_name"], "Renamed");
    assert_eq!(r.data()["version"], 2);
    api.req("PUT", "/rbac-templates/other").json(next).send().await.expect_error(400, "template_id_mismatch");
    api.get("/rbac-templates/nope").send().await.expect_error(404, "rbac_template_not_found");
}

#[tokio::test]
async fn a_template_in_use_cannot_be_deleted() {
    let api = TestApi::new().await;
    api.req("DELETE", "/rbac-templates/default").send().await.expect_error(409, "rbac_template_builtin");
    api.req("DELETE", "/rbac-templates/parent_read_only").send().await.expect_error(409, "rbac_template_builtin");
    api.post("/rbac-templates", tpl("t2", &["default"])).send().await.expect(201);
    let org = api.create_org(&api.root_org, json!({"rbac_template_id": "t2"})).await;
    let other = api.create_org(&api.root_org, json!({"rbac_template_id": "t2"})).await;
    api.req("DELETE", "/rbac-templates/t2").send().await.expect_error(409, "rbac_template_in_use");
    // one moves away, the other is deleted: the template is free
    api.patch(&format!("/organizations/{org}"), json!({"rbac_template_id": "default"})).send().await.expect(200);
    api.req("DELETE", "/rbac-templates/t2").send().await.expect_error(409, "rbac_template_in_use");
    api.req("DELETE", &format!("/organizations/{other}")).send().await.expect(200);
    api.req("DELETE", "/rbac-templates/t2").send().await.expect(200);
    api.get("/rbac-templates/t2").send().await.expect_error(404, "rbac_template_not_found");
    // and a deleted template cannot be used
    let r = api
        .post(
            "/organizations",
            json!({"name": "n", "contact_email": "a@b.io", "parent_organization_id": api.root_org,
        "can_have_child_organizations": false, "rbac_template_id": "t2"}),
        )
        .send()
        .await;
    r.expect_error(400, "validation_failed");
    let d = api.state.store().get_template("default").await.unwrap().unwrap();
    assert_eq!(d.refs, 2, "root and the moved organization");
}

/// The code's guard stored for `code`.
async fn code_guard(api: &TestApi, code: &str) -> std::collections::HashMap<String, AttributeValue> {
    let key = [
        ("PK".to_string(), AttributeValue::S(format!("ORGCODE#{code}"))),
        ("SK".to_string(), AttributeValue::S("GUARD".into())),
    ];
    let got = api.state.dynamo.get_item().table_name(&api.state.config.table_name).set_key(Some(key.into())).send();
    got.await.expect("get guard").item.expect("the code's guard")
}

#[tokio::test]
async fn a_codes_guard_names_the_path_and_follows_the_template() {
    let api = TestApi::new().await;
    api.post("/rbac-templates", tpl("t2", &["default"])).send().await.expect(201);
    let parent =
        api.create_org(&api.root_org, json!({"code": "guard-parent", "can_have_child_organizations": true})).await;
    let org = api.create_org(&parent, json!({"code": "guard-child"})).await;
    let guard = code_guard(&api, "guard-child").await;
    let path: Vec<&str> = guard["path"].as_l().unwrap().iter().map(|v| v.as_s().unwrap().as_str()).collect();
    assert_eq!(path, [api.root_org.as_str(), parent.as_str(), org.as_str()]);
    assert_eq!(guard["template_id"].as_s().unwrap(), "default");
    // A template move keeps the hint in step, in the organization's transaction.
    api.patch(&format!("/organizations/{org}"), json!({"rbac_template_id": "t2"})).send().await.expect(200);
    assert_eq!(code_guard(&api, "guard-child").await["template_id"].as_s().unwrap(), "t2");
    let by_id = api.get(&format!("/organizations/{org}")).send().await;
    let by_code = api.get("/organizations/guard-child").send().await;
    by_code.expect(200);
    assert_eq!(by_id.data(), by_code.data());
    // A stale hint, or a guard written before guards named anything, answers the same.
    let mut legacy = code_guard(&api, "guard-child").await;
    legacy.insert("template_id".into(), AttributeValue::S("default".into()));
    let table = &api.state.config.table_name;
    api.state.dynamo.put_item().table_name(table).set_item(Some(legacy.clone())).send().await.unwrap();
    assert_eq!(api.get("/organizations/guard-child").send().await.data(), by_id.data());
    legacy.remove("template_id");
    legacy.remove("path");
    api.state.dynamo.put_item().table_name(table).set_item(Some(legacy)).send().await.unwrap();
    assert_eq!(api.get("/organizations/guard-child").send().await.data(), by_id.data());
    api.patch(&format!("/organizations/{org}"), json!({"rbac_template_id": "default"})).send().await.expect(200);
    let by_id = api.get(&format!("/organizations/{org}")).send().await;
    assert_eq!(api.get("/organizations/guard-child").send().await.data(), by_id.data());
}
