//! RBAC templates in access decisions (issue 6, docs/DECISIONS.md "RBAC visibility"): what a
//! template's values change for a parent organization's admins, for the organization's own
//! members, for group grants and for R16 inheritance — and that a refused request writes nothing.

use std::collections::BTreeSet;

use orgs_tests::{multipart, TestApi};
use serde_json::{json, Value};
use shared::edge::logo::png_header;
use shared::model::user::Role;

fn tpl(id: &str, parent_users: &str, parent_data: &str, child_data: &str, own_data: &str) -> Value {
    json!({"template_id": id, "display_name": format!("T {id}"),
           "parent_visibility": {"user_mgmt": parent_users, "org_data": parent_data},
           "child_visibility": {"org_data": child_data}, "org_visibility": {"org_data": own_data},
           "allowlist": ["default"]})
}

/// Creates template `id` and lets organizations on `default` move to it.
async fn install(api: &TestApi, t: Value) {
    let id = t["template_id"].as_str().unwrap().to_string();
    api.post("/rbac-templates", t).send().await.expect(201);
    let default = api.get("/rbac-templates/default").send().await.data().clone();
    let mut allow = default["allowlist"].as_array().unwrap().clone();
    allow.push(json!(id));
    let body = json!({"template_id": "default", "display_name": default["display_name"],
        "parent_visibility": default["parent_visibility"], "child_visibility": default["child_visibility"],
        "org_visibility": default["org_visibility"], "allowlist": allow});
    api.req("PUT", "/rbac-templates/default").json(body).send().await.expect(200);
}

/// Replaces the values of template `id` (as the platform superadmin).
async fn set_values(api: &TestApi, t: Value) {
    let id = t["template_id"].as_str().unwrap().to_string();
    api.req("PUT", &format!("/rbac-templates/{id}")).json(t).send().await.expect(200);
}

fn ids(v: &Value, key: &str) -> BTreeSet<String> {
    v.as_array().unwrap().iter().map(|o| o[key].as_str().unwrap().to_string()).collect()
}

fn perms(v: &Value) -> BTreeSet<String> {
    ids(&v["permissions"], "permission_id")
}

/// root ─ p (admin, superadmin) ─ c (its own superadmin and a user)
struct Tree {
    p: String,
    p_admin: String,
    p_super: String,
    c: String,
    c_super: String,
    c_user: String,
}

async fn tree(api: &TestApi) -> Tree {
    let p = api.create_org(&api.root_org, json!({})).await;
    let c = api.create_org(&p, json!({})).await;
    Tree {
        p_admin: api.create_user(&p, Role::Admin).await,
        p_super: api.create_user(&p, Role::Superadmin).await,
        c_super: api.create_user(&c, Role::Superadmin).await,
        c_user: api.create_user(&c, Role::User).await,
        p,
        c,
    }
}

async fn users_seen(api: &TestApi, user: &str, org: &str) -> BTreeSet<String> {
    let r = api.post("/users/filter?page=0&size=100", json!({})).as_user(user, org).send().await;
    r.expect(200);
    ids(r.data(), "user_id")
}

async fn orgs_seen(api: &TestApi, user: &str, org: &str) -> BTreeSet<String> {
    let r = api.get("/organizations").as_user(user, org).send().await;
    r.expect(200);
    ids(r.data(), "organization_id")
}

#[tokio::test]
async fn a_template_changes_what_a_parent_organizations_admins_may_read_and_write() {
    let api = TestApi::new().await;
    let t = tree(&api).await;
    let (pa, ps) = (|| (t.p_admin.as_str(), t.p.as_str()), || (t.p_super.as_str(), t.p.as_str()));
    let c_path = format!("/organizations/{}", t.c);
    let u_path = format!("/users/{}", t.c_user);

    // On `default`, p's admins manage c's users and p's superadmins c itself.
    api.patch(&u_path, json!({"first_name": "A"})).as_user(pa().0, pa().1).send().await.expect(200);
    api.patch(&c_path, json!({"name": "C1"})).as_user(ps().0, ps().1).send().await.expect(200);
    let all = perms(api.get(&c_path).as_user(ps().0, ps().1).send().await.data());
    assert!(all.contains("organizations:update") && all.contains("users:create"));

    // The platform moves c to a template where parents only read.
    install(&api, tpl("managed", "read_only", "read_only", "full_access", "full_access")).await;
    api.patch(&c_path, json!({"rbac_template_id": "managed"})).send().await.expect(200);
    let before = api.item_count().await;
    // reads still work, with read-only permissions shown
    let r = api.get(&c_path).as_user(ps().0, ps().1).send().await;
    r.expect(200);
    let shown = perms(r.data());
    assert!(shown.contains("organizations:read") && shown.contains("users:read"), "{shown:?}");
    assert!(!shown.iter().any(|p| p.ends_with(":update") && !p.starts_with("api_tokens")), "{shown:?}");
    api.get(&u_path).as_user(pa().0, pa().1).send().await.expect(200);
    assert!(users_seen(&api, pa().0, pa().1).await.contains(&t.c_user));
    // every write is refused
    api.patch(&u_path, json!({"first_name": "B"}))
        .as_user(pa().0, pa().1)
        .send()
        .await
        .expect_error(403, "rbac_read_only");
    api.req("DELETE", &u_path).as_user(pa().0, pa().1).send().await.expect_error(403, "rbac_read_only");
    api.post("/users/bulk-delete", json!({"user_id_list": [t.c_user]}))
        .as_user(pa().0, pa().1)
        .send()
        .await
        .expect_error(403, "forbidden");
    api.post("/users", json!({"email": "new@c.io", "organization_id": t.c, "role": "user"}))
        .as_user(pa().0, pa().1)
        .send()
        .await
        .expect_error(403, "rbac_read_only");
    api.post("/user-groups", json!({"name": "g", "parent_organization_id": t.c}))
        .as_user(pa().0, pa().1)
        .send()
        .await
        .expect_error(403, "rbac_read_only");
    api.patch(&c_path, json!({"name": "C2"})).as_user(ps().0, ps().1).send().await.expect_error(403, "rbac_read_only");
    let (body, ct) = multipart(&[("usage_type", "login")], &[("logo", "l.png", &png_header(10, 10))]);
    api.req("POST", &format!("{c_path}/logo"))
        .raw(body, &ct)
        .as_user(ps().0, ps().1)
        .send()
        .await
        .expect_error(403, "rbac_read_only");
    let child = json!({"name": "n", "contact_email": "a@b.io", "parent_organization_id": t.c,
        "can_have_child_organizations": false, "rbac_template_id": "default"});
    api.post("/organizations", child.clone()).as_user(ps().0, ps().1).send().await.expect_error(403, "rbac_read_only");
    // (DELETE and a template-only PATCH by p's superadmin are R24's: rules::r24_*)
    assert_eq!(api.item_count().await, before, "refusals write nothing");
    // c's own superadmin is not a parent: it still writes its organization
    api.patch(&c_path, json!({"name": "C3"})).as_user(&t.c_super, &t.c).send().await.expect(200);

    // The same template, now hiding c from parents: as if c did not exist.
    set_values(&api, tpl("managed", "no_access", "no_access", "full_access", "full_access")).await;
    let before = api.item_count().await;
    api.get(&c_path).as_user(ps().0, ps().1).send().await.expect_error(404, "organization_not_found");
    api.get(&u_path).as_user(pa().0, pa().1).send().await.expect_error(404, "user_not_found");
    api.patch(&u_path, json!({"first_name": "C"}))
        .as_user(pa().0, pa().1)
        .send()
        .await
        .expect_error(404, "user_not_found");
    assert!(!orgs_seen(&api, ps().0, ps().1).await.contains(&t.c));
    assert!(!users_seen(&api, pa().0, pa().1).await.contains(&t.c_user));
    let v = api.post("/users/verify", json!({"email_ids": [format!("{}@example.com", &t.c_user[..8])]}));
    assert!(v.as_user(pa().0, pa().1).send().await.data()[0]["user"].is_null());
    assert_eq!(api.item_count().await, before);
    // a template change applies on the very next request, both ways
    set_values(&api, tpl("managed", "full_access", "full_access", "full_access", "full_access")).await;
    api.patch(&u_path, json!({"first_name": "D"})).as_user(pa().0, pa().1).send().await.expect(200);
    assert!(orgs_seen(&api, ps().0, ps().1).await.contains(&t.c));
}

#[tokio::test]
async fn user_management_and_organization_data_are_separate() {
    let api = TestApi::new().await;
    let t = tree(&api).await;
    // parents may manage c's users but not see its organization data
    install(&api, tpl("users_only", "full_access", "no_access", "full_access", "full_access")).await;
    api.patch(&format!("/organizations/{}", t.c), json!({"rbac_template_id": "users_only"})).send().await.expect(200);
    api.get(&format!("/organizations/{}", t.c))
        .as_user(&t.p_super, &t.p)
        .send()
        .await
        .expect_error(404, "organization_not_found");
    api.patch(&format!("/users/{}", t.c_user), json!({"last_name": "Z"}))
        .as_user(&t.p_admin, &t.p)
        .send()
        .await
        .expect(200);
    api.post("/users", json!({"email": "ok@c.io", "organization_id": t.c, "role": "user"}))
        .as_user(&t.p_admin, &t.p)
        .send()
        .await
        .expect(201);
}

#[tokio::test]
async fn org_visibility_governs_the_organizations_own_members() {
    let api = TestApi::new().await;
    let t = tree(&api).await;
    install(&api, tpl("locked", "full_access", "full_access", "full_access", "read_only")).await;
    let c_path = format!("/organizations/{}", t.c);
    api.patch(&c_path, json!({"rbac_template_id": "locked"})).send().await.expect(200);
    let before = api.item_count().await;
    // its own superadmin reads it but cannot change it or add children; its parent still can
    let r = api.get(&c_path).as_user(&t.c_super, &t.c).send().await;
    r.expect(200);
    assert!(!perms(r.data()).contains("organizations:update"));
    api.patch(&c_path, json!({"name": "mine"}))
        .as_user(&t.c_super, &t.c)
        .send()
        .await
        .expect_error(403, "rbac_read_only");
    let child = json!({"name": "n", "contact_email": "a@b.io", "parent_organization_id": t.c,
        "can_have_child_organizations": false, "rbac_template_id": "default"});
    api.post("/organizations", child).as_user(&t.c_super, &t.c).send().await.expect_error(403, "rbac_read_only");
    assert_eq!(api.item_count().await, before);
    api.patch(&c_path, json!({"name": "managed by p"})).as_user(&t.p_super, &t.p).send().await.expect(200);
    // user management in one's own organization is a matter of roles only
    api.post("/users", json!({"email": "own@c.io", "organization_id": t.c, "role": "user"}))
        .as_user(&t.c_super, &t.c)
        .send()
        .await
        .expect(201);
    // no_access: the own organization's record is closed to its members (they know it exists)
    set_values(&api, tpl("locked", "full_access", "full_access", "full_access", "no_access")).await;
    api.get(&c_path).as_user(&t.c_user, &t.c).send().await.expect_error(403, "rbac_no_access");
    assert!(!orgs_seen(&api, &t.c_user, &t.c).await.contains(&t.c));
}

#[tokio::test]
async fn group_grants_never_bypass_a_template() {
    let api = TestApi::new().await;
    let p = api.create_org(&api.root_org, json!({})).await;
    // hidden from p by its flag: only a grant gives it to p's members
    let c = api.create_org(&p, json!({"parent_has_access": false})).await;
    let c_user = api.create_user(&c, Role::User).await;
    let admin = api.create_user(&p, Role::Admin).await;
    let r = api
        .post(
            "/user-groups",
            json!({"name": "SOC", "parent_organization_id": p, "user_ids": [admin],
            "accessible_organizations": [
                {"organization_id": c, "select_all_child_orgs": false, "include_current_organization": true}]}),
        )
        .send()
        .await;
    r.expect(201); // by the root's superadmin: opening c's closed edge is a superadmin's act (R25)
    api.get(&format!("/users/{c_user}")).as_user(&admin, &p).send().await.expect(200);
    install(&api, tpl("private", "no_access", "no_access", "full_access", "full_access")).await;
    // c's own superadmin moves it (the root does not reach c either)
    let c_super = api.create_user(&c, Role::Superadmin).await;
    api.patch(&format!("/organizations/{c}"), json!({"rbac_template_id": "private"}))
        .as_user(&c_super, &c)
        .send()
        .await
        .expect(200);
    api.get(&format!("/users/{c_user}")).as_user(&admin, &p).send().await.expect_error(404, "user_not_found");
    api.get(&format!("/organizations/{c}"))
        .as_user(&admin, &p)
        .send()
        .await
        .expect_error(404, "organization_not_found");
    assert!(!users_seen(&api, &admin, &p).await.contains(&c_user));
    assert!(!orgs_seen(&api, &admin, &p).await.contains(&c));
}

#[tokio::test]
async fn child_visibility_decides_what_descendants_inherit() {
    let api = TestApi::new().await;
    let sso = json!({"sso_config_source": "self", "identity_provider_name": "Okta", "sso_url": "https://idp.example.com/sso"});
    let top = api.create_org(&api.root_org, json!({"sso_configuration": sso})).await;
    let leaf = api.create_org(&top, json!({"sso_configuration": {"sso_config_source": "parent"}})).await;
    let sso_url = |r: &Value| r["configuration"]["sso_configuration"]["sso_url"].clone();
    let r = api.get(&format!("/organizations/{leaf}")).send().await;
    assert_eq!(sso_url(r.data()), "https://idp.example.com/sso");
    install(&api, tpl("keeps_to_itself", "full_access", "full_access", "no_access", "full_access")).await;
    api.patch(&format!("/organizations/{top}"), json!({"rbac_template_id": "keeps_to_itself"}))
        .send()
        .await
        .expect(200);
    let r = api.get(&format!("/organizations/{leaf}")).send().await;
    assert!(sso_url(r.data()).is_null(), "top no longer shares its configuration with its children");
    assert_eq!(r.data()["configuration"]["sso_configuration"]["sso_config_source"], "parent");
    assert_eq!(r.data()["parent_organization"]["organization_id"], top.as_str(), "the summary still names it");
}

#[tokio::test]
async fn builtin_templates_keep_their_values_and_changes_are_logged() {
    let api = TestApi::new().await;
    let mut d = tpl("default", "read_only", "full_access", "full_access", "full_access");
    api.req("PUT", "/rbac-templates/default").json(d.clone()).send().await.expect_error(409, "rbac_template_builtin");
    d["parent_visibility"]["user_mgmt"] = json!("full_access");
    d["display_name"] = json!("Everything");
    let r = api.req("PUT", "/rbac-templates/default").json(d).send().await;
    r.expect(200);
    assert_eq!(r.data()["display_name"], "Everything");
    let acts = api.activities(&api.root_org).await;
    let upd = acts.iter().find(|a| a["type"] == "rbac_template.updated").expect("activity for the update");
    assert_eq!(upd["changes"]["display_name"]["to"], "Everything");
    assert!(upd["changes"].get("parent_visibility").is_none(), "only what changed");
}

#[tokio::test]
async fn templates_cost_a_read_only_when_not_built_in() {
    let api = TestApi::new().await;
    let t = tree(&api).await;
    let path = format!("/users/{}", t.c_user);
    api.calls.reset();
    api.get(&path).as_user(&t.p_admin, &t.p).send().await.expect(200);
    let builtin: usize = api.calls.take().values().sum();
    install(&api, tpl("custom", "full_access", "full_access", "full_access", "full_access")).await;
    api.patch(&format!("/organizations/{}", t.c), json!({"rbac_template_id": "custom"})).send().await.expect(200);
    api.calls.reset();
    api.get(&path).as_user(&t.p_admin, &t.p).send().await.expect(200);
    let custom: usize = api.calls.take().values().sum();
    assert_eq!(custom, builtin + 1, "one consistent read of the custom template");
}

/// `feature → access_type → [entities]` of a `GET /permissions/disabled` answer.
fn disabled_map(v: &Value) -> std::collections::BTreeMap<(String, String), Vec<Value>> {
    let mut out = std::collections::BTreeMap::new();
    for f in v["disabled_permissions"].as_array().unwrap() {
        for a in f["access_list"].as_array().unwrap() {
            out.insert(
                (f["feature"].as_str().unwrap().to_string(), a["access_type"].as_str().unwrap().to_string()),
                a["entities"].as_array().unwrap().clone(),
            );
        }
    }
    out
}

#[tokio::test]
async fn disabled_permissions_come_from_the_role_and_the_templates() {
    let api = TestApi::new().await;
    let t = tree(&api).await;
    let leaf = api.create_org_as(&t.c_super, &t.c, &t.c, json!({})).await;
    let leaf_super = api.create_user(&leaf, Role::Superadmin).await;
    let key = |f: &str, a: &str| (f.to_string(), a.to_string());
    // on built-in `default` everywhere, only the role disables anything
    let r = api.get("/permissions/disabled").as_user(&t.p_admin, &t.p).send().await;
    r.expect(200);
    let d = disabled_map(r.data());
    let create_orgs = &d[&key("organizations", "Create")];
    assert_eq!(create_orgs.len(), 1);
    assert_eq!(create_orgs[0]["scope"], 0);
    assert_eq!(create_orgs[0]["org_hierarchy"], "all_orgs");
    assert_eq!(create_orgs[0]["metadata"]["reason"], "role");
    assert!(!d.contains_key(&key("users", "Update")), "admins manage users");
    let r = api.get("/permissions/disabled").send().await;
    assert!(r.data()["disabled_permissions"].as_array().unwrap().is_empty(), "a root superadmin may do everything");

    // a template reading-only for parents and hiding c's data from its children
    install(&api, tpl("managed", "read_only", "no_access", "no_access", "read_only")).await;
    api.patch(&format!("/organizations/{}", t.c), json!({"rbac_template_id": "managed"})).send().await.expect(200);
    let d = disabled_map(api.get("/permissions/disabled").as_user(&t.p_admin, &t.p).send().await.data());
    let users_update = &d[&key("users", "Update")];
    assert_eq!(users_update.len(), 1);
    assert_eq!(users_update[0]["scope"], 1);
    assert_eq!(users_update[0]["org_hierarchy"], "child_orgs");
    assert_eq!(users_update[0]["organization_ids"], json!([t.c]));
    assert_eq!(users_update[0]["metadata"]["template_id"], "managed");
    assert_eq!(users_update[0]["metadata"]["visibility"], "read_only");
    assert!(!d.contains_key(&key("users", "Read")), "read_only keeps reads");
    let cases_read = &d[&key("cases", "Read")];
    assert_eq!(cases_read[0]["organization_ids"], json!([t.c]));
    assert_eq!(cases_read[0]["metadata"]["visibility"], "no_access");
    // c's own members: their organization's data is read-only, its parent's is not theirs
    let d = disabled_map(api.get("/permissions/disabled").as_user(&t.c_super, &t.c).send().await.data());
    let own = &d[&key("organizations", "Update")];
    assert_eq!(own[0]["org_hierarchy"], "current_org");
    assert_eq!(own[0]["organization_ids"], json!([t.c]));
    assert!(!d.contains_key(&key("organizations", "Read")));
    // below c: c's child_visibility (no_access) disables everything of c for them
    let d = disabled_map(api.get("/permissions/disabled").as_user(&leaf_super, &leaf).send().await.data());
    let above = &d[&key("cases", "Read")];
    assert_eq!(above[0]["org_hierarchy"], "parent_orgs");
    assert_eq!(above[0]["organization_ids"], json!([t.c]));
    api.get("/permissions/disabled").without_header("user-id").send().await.expect_error(401, "unauthenticated");
}
