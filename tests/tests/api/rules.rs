//! Security rules R24–R27 (shared/design/API.md; docs/DECISIONS.md "R24: ancestors keep the template
//! and delete" and after). Every refusal writes nothing: item count and target are read back.

use std::collections::BTreeSet;

use orgs_tests::TestApi;
use serde_json::{json, Value};
use shared::model::user::Role;

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

fn set(words: &str) -> BTreeSet<String> {
    words.split_whitespace().map(str::to_string).collect()
}

fn entry<'a>(list: &'a Value, key: &str, id: &str) -> &'a Value {
    list.as_array().unwrap().iter().find(|o| o[key] == id).unwrap_or_else(|| panic!("{id} not in {list}"))
}

/// Installs template `id` (parents see `parent` for both aspects; `allowlist` as given) and lets
/// organizations on `default` move to it.
async fn install(api: &TestApi, id: &str, parent: &str, allowlist: Value) {
    let t = json!({"template_id": id, "display_name": id,
        "parent_visibility": {"user_mgmt": parent, "org_data": parent},
        "child_visibility": {"org_data": "full_access"}, "org_visibility": {"org_data": "full_access"},
        "allowlist": allowlist});
    api.post("/rbac-templates", t).send().await.expect(201);
    let mut d = api.get("/rbac-templates/default").send().await.data().clone();
    d["allowlist"].as_array_mut().unwrap().push(json!(id));
    let fields = set("template_id display_name allowlist parent_visibility child_visibility org_visibility");
    let body: serde_json::Map<String, Value> = fields.into_iter().map(|k| (k.clone(), d[&k].clone())).collect();
    api.req("PUT", "/rbac-templates/default").json(body.into()).send().await.expect(200);
}

/// root ─ p (superadmin) ─ c (superadmin), c moved by its own superadmin to `template`.
struct R24 {
    path: String,
    p: String,
    p_super: String,
    c: String,
    c_super: String,
}

async fn r24_world(api: &TestApi, template: &str) -> R24 {
    let p = api.create_org(&api.root_org, json!({})).await;
    let c = api.create_org(&p, json!({"code": format!("tenant-{template}")})).await;
    let (p_super, c_super) = (api.create_user(&p, Role::Superadmin).await, api.create_user(&c, Role::Superadmin).await);
    let path = format!("/organizations/{c}");
    api.patch(&path, json!({"rbac_template_id": template})).as_user(&c_super, &c).send().await.expect(200);
    R24 { path, p, p_super, c, c_super }
}

/// `c`'s template as its own superadmin reads it.
async fn template_of(api: &TestApi, w: &R24) -> Value {
    let r = api.get(&w.path).as_user(&w.c_super, &w.c).send().await;
    r.expect(200).data()["configuration"]["rbac_configuration"]["template_id"].clone()
}

#[tokio::test]
async fn r24_parent_superadmin_moves_a_parent_read_only_org_back() {
    let api = TestApi::new().await;
    let w = r24_world(&api, "parent_read_only").await;
    let r = api.patch(&w.path, json!({"rbac_template_id": "default"})).as_user(&w.p_super, &w.p).send().await;
    r.expect(200);
    assert_eq!(r.data()["configuration"]["rbac_configuration"]["template_id"], "default");
    assert_eq!(template_of(&api, &w).await, "default");
    let acts = api.activities(&w.c).await;
    let moved = acts.iter().find(|a| a["actor_id"] == w.p_super.as_str()).expect("the move is in the tenant's own log");
    assert_eq!(moved["type"], "organization.updated");
    assert_eq!(moved["changes"]["rbac_template_id"], json!({"from": "parent_read_only", "to": "default"}));
}

#[tokio::test]
async fn r24_root_superadmin_moves_an_org_hidden_from_parents() {
    let api = TestApi::new().await;
    install(&api, "private", "no_access", json!(["default"])).await;
    let w = r24_world(&api, "private").await;
    api.get(&w.path).send().await.expect_error(404, "organization_not_found");
    // the root is a strict ancestor two levels up; the code works as an identifier too
    api.patch("/organizations/tenant-private", json!({"rbac_template_id": "default"})).send().await.expect(200);
    assert_eq!(template_of(&api, &w).await, "default");
    api.get(&w.path).send().await.expect(200);
}

#[tokio::test]
async fn r24_ancestor_moving_an_org_out_of_sight_gets_a_summary() {
    let api = TestApi::new().await;
    install(&api, "private", "no_access", json!(["default"])).await;
    let w = r24_world(&api, "default").await;
    let r = api.patch(&w.path, json!({"rbac_template_id": "private"})).as_user(&w.p_super, &w.p).send().await;
    r.expect(200);
    assert_eq!(r.data()["organization_id"], w.c.as_str());
    for hidden in ["configuration", "contact_email", "metadata", "features", "permissions", "logo_url", "version"] {
        assert!(r.data().get(hidden).is_none(), "{hidden} shown after hiding the organization: {}", r.body);
    }
    api.get(&w.path).as_user(&w.p_super, &w.p).send().await.expect_error(404, "organization_not_found");
    assert_eq!(template_of(&api, &w).await, "private");
}

#[tokio::test]
async fn r24_ancestor_is_not_bound_by_the_allowlist_the_tenant_is() {
    let api = TestApi::new().await;
    install(&api, "island", "read_only", json!([])).await;
    let w = r24_world(&api, "island").await;
    let before = api.item_count().await;
    let own = |t: &str| api.patch(&w.path, json!({"rbac_template_id": t})).as_user(&w.c_super, &w.c);
    own("default").send().await.expect_error(409, "rbac_move_not_allowed");
    assert_eq!((api.item_count().await, template_of(&api, &w).await), (before, json!("island")));
    api.patch(&w.path, json!({"rbac_template_id": "default"})).as_user(&w.p_super, &w.p).send().await.expect(200);
    assert_eq!(template_of(&api, &w).await, "default");
    // the tenant's own superadmin still moves within the (new) allowlist
    own("no_such").send().await.expect_error(409, "rbac_move_not_allowed");
    own("parent_read_only").send().await.expect(200);
}

#[tokio::test]
async fn r24_ancestor_move_to_a_missing_template_is_refused() {
    let api = TestApi::new().await;
    let w = r24_world(&api, "parent_read_only").await;
    let before = api.item_count().await;
    let r = api.patch(&w.path, json!({"rbac_template_id": "no_such"})).as_user(&w.p_super, &w.p).send().await;
    r.expect_error(400, "validation_failed");
    assert_eq!(r.body["error"]["details"][0]["field"], "rbac_template_id");
    assert_eq!((api.item_count().await, template_of(&api, &w).await), (before, json!("parent_read_only")));
}

#[tokio::test]
async fn r24_other_fields_in_the_same_patch_stay_subject_to_the_template() {
    let api = TestApi::new().await;
    let w = r24_world(&api, "parent_read_only").await;
    let name = api.get(&w.path).as_user(&w.p_super, &w.p).send().await.data()["name"].clone();
    let before = api.item_count().await;
    // even a field sent back unchanged: a hidden value must not be probed through the override
    for body in [
        json!({"rbac_template_id": "default", "name": "Mine now"}),
        json!({"rbac_template_id": "default", "name": name}),
    ] {
        let r = api.patch(&w.path, body).as_user(&w.p_super, &w.p).send().await;
        r.expect_error(403, "rbac_read_only");
    }
    assert_eq!((api.item_count().await, template_of(&api, &w).await), (before, json!("parent_read_only")));
    assert_eq!(api.get(&w.path).send().await.data()["name"], name);
}

#[tokio::test]
async fn r24_ancestor_deletes_whatever_the_template_says() {
    let api = TestApi::new().await;
    install(&api, "private", "no_access", json!(["default"])).await;
    for template in ["parent_read_only", "private"] {
        let w = r24_world(&api, template).await;
        api.req("DELETE", &w.path).as_user(&w.p_super, &w.p).send().await.expect(200);
        assert!(api.state.store().get_org(&w.c, true).await.unwrap().is_none(), "{template}");
    }
}

/// A group grant is not R2: a superadmin who reaches the organization only through a grant
/// stays under its template, and a superadmin outside the tree never reaches it.
#[tokio::test]
async fn r24_a_group_grant_or_a_foreign_tree_does_not_count() {
    let api = TestApi::new().await;
    let p = api.create_org(&api.root_org, json!({})).await;
    let h = api.create_org(&p, json!({"parent_has_access": false})).await;
    let (p_super, h_super) = (api.create_user(&p, Role::Superadmin).await, api.create_user(&h, Role::Superadmin).await);
    let grant = json!({"name": "g", "parent_organization_id": p, "user_ids": [p_super],
        "accessible_organizations": [{"organization_id": h, "include_current_organization": true}]});
    api.post("/user-groups", grant).send().await.expect(201);
    let path = format!("/organizations/{h}");
    api.patch(&path, json!({"rbac_template_id": "parent_read_only"})).as_user(&h_super, &h).send().await.expect(200);
    let b = api.create_org(&api.root_org, json!({})).await;
    let b_super = api.create_user(&b, Role::Superadmin).await;
    let before = api.item_count().await;
    let move_back = || api.patch(&path, json!({"rbac_template_id": "default"}));
    move_back().as_user(&p_super, &p).send().await.expect_error(403, "rbac_read_only");
    api.req("DELETE", &path).as_user(&p_super, &p).send().await.expect_error(403, "rbac_read_only");
    move_back().as_user(&b_super, &b).send().await.expect_error(404, "organization_not_found");
    api.req("DELETE", &path).as_user(&b_super, &b).send().await.expect_error(404, "organization_not_found");
    assert_eq!(api.item_count().await, before);
    let r = api.get(&path).as_user(&h_super, &h).send().await;
    assert_eq!(r.data()["configuration"]["rbac_configuration"]["template_id"], "parent_read_only");
}

/// root ─ a (admin, superadmin, user): children a1 (parent_has_access = false) ─ a1x,
/// a2 (parent_has_access_to_descendants = false) ─ a2x, and a3 ─ a3x.
struct R25 {
    a: String,
    a1: String,
    a1x: String,
    a2: String,
    a2x: String,
    a3: String,
    admin: String,
    a_super: String,
    member: String,
}

async fn r25_world(api: &TestApi) -> R25 {
    let a = api.create_org(&api.root_org, json!({})).await;
    let a1 = api.create_org(&a, json!({"parent_has_access": false})).await;
    let a1_super = api.create_user(&a1, Role::Superadmin).await;
    let a1x = api.create_org_as(&a1_super, &a1, &a1, json!({})).await;
    let a2 = api.create_org(&a, json!({"parent_has_access_to_descendants": false})).await;
    let a2x = api.create_org(&a2, json!({})).await;
    let a3 = api.create_org(&a, json!({})).await;
    api.create_org(&a3, json!({})).await;
    let admin = api.create_user(&a, Role::Admin).await;
    let a_super = api.create_user(&a, Role::Superadmin).await;
    let member = api.create_user(&a, Role::User).await;
    R25 { a, a1, a1x, a2, a2x, a3, admin, a_super, member }
}

fn group(parent: &str, members: &[&str], org: &str, all: bool, current: bool) -> Value {
    json!({"name": "ops", "parent_organization_id": parent, "user_ids": members,
        "accessible_organizations": [{"organization_id": org, "select_all_child_orgs": all, "include_current_organization": current}]})
}

/// An admin's group create is refused with 403 naming the grant, and writes nothing.
async fn admin_create_refused(api: &TestApi, w: &R25, body: Value) {
    let before = api.item_count().await;
    let r = api.post("/user-groups", body).as_user(&w.admin, &w.a).send().await;
    r.expect_error(403, "grant_crosses_closed_edge");
    assert_eq!(r.body["error"]["details"][0]["field"], "accessible_organizations[0].organization_id");
    assert_eq!(api.item_count().await, before, "nothing written");
    assert!(api.state.store().get_user(&w.admin).await.unwrap().unwrap().group_ids.is_empty());
}

#[tokio::test]
async fn r25_admin_cannot_open_a_hidden_subtree_and_create_superadmins_there() {
    let api = TestApi::new().await;
    let w = r25_world(&api).await;
    admin_create_refused(&api, &w, group(&w.a, &[&w.admin], &w.a1, true, true)).await;
    let su = json!({"email": "boss@a1.io", "organization_id": w.a1, "role": "superadmin"});
    api.post("/users", su).as_user(&w.admin, &w.a).send().await.expect_error(404, "organization_not_found");
}

#[tokio::test]
async fn r25_admin_cannot_grant_below_an_org_closed_to_its_parent() {
    let api = TestApi::new().await;
    let w = r25_world(&api).await;
    admin_create_refused(&api, &w, group(&w.a, &[], &w.a1x, false, true)).await;
}

#[tokio::test]
async fn r25_admin_cannot_grant_behind_a_closed_descendants_flag() {
    let api = TestApi::new().await;
    let w = r25_world(&api).await;
    admin_create_refused(&api, &w, group(&w.a, &[], &w.a2x, false, true)).await;
}

/// `select_all_child_orgs` on an organization that closes its descendants to its parent (a2)
/// gives a2's children, which a does not reach: crossing, even without a2 itself.
#[tokio::test]
async fn r25_admin_select_all_below_a_closed_descendants_flag_crosses() {
    let api = TestApi::new().await;
    let w = r25_world(&api).await;
    admin_create_refused(&api, &w, group(&w.a, &[&w.member], &w.a2, true, false)).await;
    // grants within a's reach still work: a2 itself, a3 and all a3's descendants
    for (org, all) in [(&w.a2, false), (&w.a3, true)] {
        let r = api.post("/user-groups", group(&w.a, &[&w.member], org, all, true)).as_user(&w.admin, &w.a);
        r.send().await.expect(201);
    }
}

#[tokio::test]
async fn r25_superadmin_may_open_a_closed_edge() {
    let api = TestApi::new().await;
    let w = r25_world(&api).await;
    let r = api.post("/user-groups", group(&w.a, &[&w.member], &w.a1, true, true)).as_user(&w.a_super, &w.a);
    r.send().await.expect(201);
    api.get(&format!("/organizations/{}", w.a1)).as_user(&w.member, &w.a).send().await.expect(200);
}

#[tokio::test]
async fn r25_admin_cannot_patch_a_crossing_grant_in() {
    let api = TestApi::new().await;
    let w = r25_world(&api).await;
    let r = api.post("/user-groups", group(&w.a, &[&w.admin], &w.a3, false, true)).as_user(&w.admin, &w.a).send().await;
    let path = format!("/user-groups/{}", r.data()["user_group_id"].as_str().unwrap());
    let before = api.item_count().await;
    let grants = json!({"accessible_organizations": [
        {"organization_id": w.a3, "include_current_organization": true},
        {"organization_id": w.a1, "select_all_child_orgs": true}]});
    let r = api.patch(&path, grants).as_user(&w.admin, &w.a).send().await;
    r.expect_error(403, "grant_crosses_closed_edge");
    assert_eq!(r.body["error"]["details"][0]["field"], "accessible_organizations[1].organization_id");
    assert_eq!(api.item_count().await, before);
    let g = api.get(&path).as_user(&w.admin, &w.a).send().await.data().clone();
    assert_eq!((g["version"].as_u64(), g["accessible_organizations"].as_array().map(Vec::len)), (Some(1), Some(1)));
}

/// A superadmin's crossing group: an admin may not add members to it (that would extend the
/// opening to them), but may rename it, remove members and drop the crossing grant.
#[tokio::test]
async fn r25_admin_cannot_join_a_group_that_crosses() {
    let api = TestApi::new().await;
    let w = r25_world(&api).await;
    let body = group(&w.a, &[&w.member], &w.a1, true, true);
    let r = api.post("/user-groups", body).as_user(&w.a_super, &w.a).send().await;
    let path = format!("/user-groups/{}", r.data()["user_group_id"].as_str().unwrap());
    let before = api.item_count().await;
    let r = api.patch(&path, json!({"user_ids": [w.member, w.admin]})).as_user(&w.admin, &w.a).send().await;
    r.expect_error(403, "grant_crosses_closed_edge");
    assert_eq!(r.body["error"]["details"][0]["field"], "user_ids");
    assert_eq!(api.item_count().await, before);
    assert!(api.state.store().get_user(&w.admin).await.unwrap().unwrap().group_ids.is_empty());
    api.get(&format!("/organizations/{}", w.a1)).as_user(&w.admin, &w.a).send().await.expect(404);
    let admin_patch = |b: Value| api.patch(&path, b).as_user(&w.admin, &w.a);
    admin_patch(json!({"name": "renamed"})).send().await.expect(200);
    admin_patch(json!({"user_ids": []})).send().await.expect(200);
    admin_patch(json!({"accessible_organizations": []})).send().await.expect(200);
    admin_patch(json!({"user_ids": [w.admin]})).send().await.expect(200);
}

/// root ─ a (an admin, `me` and a peer: plain users in a group, all logged in)
async fn r26_world(api: &TestApi) -> (String, String, String, String) {
    let a = api.create_org(&api.root_org, json!({})).await;
    let (admin, me, peer) = (
        api.create_user(&a, Role::Admin).await,
        api.create_user(&a, Role::User).await,
        api.create_user(&a, Role::User).await,
    );
    let g = json!({"name": "team", "parent_organization_id": a, "user_ids": [me, peer]});
    api.post("/user-groups", g).send().await.expect(201);
    let now = shared::model::now_ms();
    for u in [&me, &peer, &admin] {
        api.state.store().record_login(u, now, 0).await.unwrap();
    }
    (a, admin, me, peer)
}

/// The fields of the directory view (R26).
const DIRECTORY: &str =
    "user_id first_name last_name preferred_name email organization_id parent_organization role status";

#[tokio::test]
async fn r26_plain_user_gets_the_directory_view_of_others() {
    let api = TestApi::new().await;
    let (a, admin, me, peer) = r26_world(&api).await;
    let r = api.post("/users/filter?page=0&size=100", json!({})).as_user(&me, &a).send().await;
    for other in [&peer, &admin] {
        let u = entry(r.data(), "user_id", other);
        assert_eq!(keys(u), set(DIRECTORY), "{u}");
    }
    assert_eq!(entry(r.data(), "user_id", &peer)["parent_organization"]["organization_id"], a.as_str());
    // the caller appears in full to themself
    let mine = entry(r.data(), "user_id", &me);
    for field in ["user_groups", "permissions", "features", "last_login", "created_at", "version"] {
        assert!(mine.get(field).is_some(), "{field} missing from my own record: {mine}");
    }
}

#[tokio::test]
async fn r26_logged_in_filter_gives_plain_users_the_directory_view() {
    let api = TestApi::new().await;
    let (a, _, me, peer) = r26_world(&api).await;
    let r = api.post("/users/logged-in/filter?page=0&size=100", json!({})).as_user(&me, &a).send().await;
    r.expect(200);
    assert_eq!(keys(entry(r.data(), "user_id", &peer)), set(DIRECTORY));
    assert!(entry(r.data(), "user_id", &me)["last_login"].is_i64());
}

#[tokio::test]
async fn r26_admins_still_get_full_records() {
    let api = TestApi::new().await;
    let (a, admin, _, peer) = r26_world(&api).await;
    let r = api.post("/users/filter?page=0&size=100", json!({})).as_user(&admin, &a).send().await;
    let u = entry(r.data(), "user_id", &peer);
    assert!(u["user_groups"][0]["name"] == "team" && u["last_login"].is_i64() && u["version"].is_u64(), "{u}");
}

#[tokio::test]
async fn r26_plain_user_cannot_list_user_groups() {
    let api = TestApi::new().await;
    let (a, _, me, _) = r26_world(&api).await;
    let r = api.post("/user-groups/filter?page=0&size=10", json!({})).as_user(&me, &a).send().await;
    r.expect_error(403, "forbidden");
}

#[tokio::test]
async fn r27_orgs_listed_only_for_no_access_are_summaries() {
    let api = TestApi::new().await;
    let a = api.create_org(&api.root_org, json!({})).await;
    let data = json!({"parent_has_access": false, "code": "hidden-a1", "metadata": {"tier": "gold"}, "domains": ["a1.io"],
        "logo_url": "https://cdn.example.com/a1.png", "sso_configuration": {"sso_config_source": "self", "sso_url": "https://idp.example.com"}});
    let a1 = api.create_org(&a, data).await;
    let admin = api.create_user(&a, Role::Admin).await;
    let body = json!({"include_organizations_with_no_access": true, "include_organization_configuration": true});
    let r = api.post("/organizations/filter", body).as_user(&admin, &a).send().await;
    let listed = entry(r.expect(200).data(), "organization_id", &a1);
    let summary = "organization_id name code parent_organization_id parent_organization \
        can_have_child_organizations parent_has_access parent_has_access_to_descendants created_at";
    assert_eq!(keys(listed), set(summary), "{listed}");
    assert_eq!((listed["code"].as_str(), listed["parent_has_access"].as_bool()), (Some("hidden-a1"), Some(false)));
    assert_eq!(listed["parent_organization"]["organization_id"], a.as_str());
    // the caller's own, fully reached organization stays a full record
    let own = entry(r.data(), "organization_id", &a);
    assert!(own["configuration"].is_object() && own["features"].is_array() && own["version"].is_u64(), "{own}");
}
