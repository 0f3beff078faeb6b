//! User groups (R11, R12): who manages them, who may be a member, what grants give, and that
//! membership and grants take effect (and are revoked) on the very next request.

use std::collections::BTreeSet;

use orgs_tests::TestApi;
use serde_json::{json, Value};
use shared::model::user::Role;

fn ids(v: &Value, key: &str) -> BTreeSet<String> {
    v.as_array().unwrap().iter().map(|o| o[key].as_str().unwrap().to_string()).collect()
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
    sa2: String,
}

async fn tree(api: &TestApi) -> Tree {
    let a = api.create_org(&api.root_org, json!({})).await;
    let a1 = api.create_org(&a, json!({"parent_has_access": false})).await;
    let sa1 = api.create_user(&a1, Role::Superadmin).await;
    let a1x = api.create_org_as(&sa1, &a1, &a1, json!({})).await;
    let a2 = api.create_org(&a, json!({"parent_has_access_to_descendants": false})).await;
    let a2x = api.create_org(&a2, json!({})).await;
    let sa2 = api.create_user(&a2, Role::Superadmin).await;
    let a2xx = api.create_org_as(&sa2, &a2, &a2x, json!({})).await;
    let b = api.create_org(&api.root_org, json!({})).await;
    Tree { a, a1, a1x, a2, a2x, a2xx, b, sa2 }
}

async fn visible(api: &TestApi, user: &str, org: &str) -> BTreeSet<String> {
    let r = api.get("/organizations").as_user(user, org).send().await;
    r.expect(200);
    ids(r.data(), "organization_id")
}

#[tokio::test]
async fn grants_give_exactly_what_they_say_and_go_at_once() {
    let api = TestApi::new().await;
    let t = tree(&api).await;
    let admin = api.create_user(&t.a, Role::Admin).await;
    // the grants cross closed edges (a1's own flag, a2's descendants flag): a superadmin's (R25)
    let sup = api.create_user(&t.a, Role::Superadmin).await;
    let member = api.create_user(&t.a, Role::User).await;
    assert_eq!(visible(&api, &member, &t.a).await, set(&[&t.a, &t.a2]), "R2 alone");
    let r = api
        .post(
            "/user-groups",
            json!({"name": "SOC", "parent_organization_id": t.a, "user_ids": [member],
            "accessible_organizations": [
                {"organization_id": t.a1, "select_all_child_orgs": false, "include_current_organization": true},
                {"organization_id": t.a2, "select_all_child_orgs": true, "include_current_organization": false}],
            "can_assign_cases": true, "case_categories": ["Incident"]}),
        )
        .as_user(&sup, &t.a)
        .send()
        .await;
    r.expect(201);
    let g = r.data()["user_group_id"].as_str().unwrap().to_string();
    assert_eq!(r.data()["type"], "default");
    assert_eq!(r.data()["users"][0]["user_id"], member.as_str());
    assert_eq!(r.data()["accessible_organizations"][0]["organization_id"], t.a1.as_str());
    assert!(r.data()["accessible_organizations"][0]["name"].is_string());
    assert_eq!(r.data()["parent_organization"]["organization_id"], t.a.as_str());
    // the member now sees a1 (not what is behind it) and a2's descendants, present...
    assert_eq!(visible(&api, &member, &t.a).await, set(&[&t.a, &t.a1, &t.a2, &t.a2x, &t.a2xx]));
    api.get(&format!("/organizations/{}", t.a1x))
        .as_user(&member, &t.a)
        .send()
        .await
        .expect_error(404, "organization_not_found");
    api.get(&format!("/organizations/{}", t.a1)).as_user(&member, &t.a).send().await.expect(200);
    // ... and future
    let later = api.create_org_as(&t.sa2, &t.a2, &t.a2xx, json!({})).await;
    api.get(&format!("/organizations/{later}")).as_user(&member, &t.a).send().await.expect(200);
    // the member's own view of users and groups says so
    let me = api.get(&format!("/users/{member}")).as_user(&member, &t.a).send().await;
    assert_eq!(me.data()["user_groups"][0]["user_group_id"], g.as_str());
    assert_eq!(me.data()["user_groups"][0]["name"], "SOC");
    // a non-member of the same organization gets nothing of it
    assert_eq!(visible(&api, &admin, &t.a).await, set(&[&t.a, &t.a2]));
    // removing the member revokes on the next request
    api.patch(&format!("/user-groups/{g}"), json!({"user_ids": []})).as_user(&admin, &t.a).send().await.expect(200);
    assert_eq!(visible(&api, &member, &t.a).await, set(&[&t.a, &t.a2]));
    api.get(&format!("/organizations/{}", t.a1))
        .as_user(&member, &t.a)
        .send()
        .await
        .expect_error(404, "organization_not_found");
    assert_eq!(
        api.get(&format!("/users/{member}")).as_user(&member, &t.a).send().await.data()["user_groups"],
        json!([])
    );
    // back in (adding members to a crossing group is a superadmin's too), then the grant is
    // narrowed (by the admin: the grant kept is not new), then the group deleted
    api.patch(&format!("/user-groups/{g}"), json!({"user_ids": [member]})).as_user(&sup, &t.a).send().await.expect(200);
    assert!(visible(&api, &member, &t.a).await.contains(&t.a1));
    api.patch(
        &format!("/user-groups/{g}"),
        json!({"accessible_organizations": [
        {"organization_id": t.a2, "select_all_child_orgs": true, "include_current_organization": false}]}),
    )
    .as_user(&admin, &t.a)
    .send()
    .await
    .expect(200);
    assert_eq!(visible(&api, &member, &t.a).await, set(&[&t.a, &t.a2, &t.a2x, &t.a2xx, &later]));
    api.req("DELETE", &format!("/user-groups/{g}")).as_user(&admin, &t.a).send().await.expect(200);
    assert_eq!(visible(&api, &member, &t.a).await, set(&[&t.a, &t.a2]));
    api.get(&format!("/user-groups/{g}")).as_user(&admin, &t.a).send().await.expect_error(404, "user_group_not_found");
    let stored = api.state.store().get_user(&member).await.unwrap().unwrap();
    assert!(stored.group_ids.is_empty(), "membership removed from the user in the same change");
}

#[tokio::test]
async fn who_may_manage_and_join_groups_r11() {
    let api = TestApi::new().await;
    let t = tree(&api).await;
    let admin = api.create_user(&t.a, Role::Admin).await;
    let plain = api.create_user(&t.a, Role::User).await;
    let in_a2 = api.create_user(&t.a2, Role::User).await;
    let b_admin = api.create_user(&t.b, Role::Admin).await;
    let before = api.item_count().await;
    let post = |body: Value, who: &str, org: &str| api.post("/user-groups", body).as_user(who, org);
    let base = |extra: Value| {
        let mut b = json!({"name": "G", "parent_organization_id": t.a});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    post(base(json!({})), &plain, &t.a).send().await.expect_error(403, "forbidden");
    post(base(json!({})), &b_admin, &t.b).send().await.expect_error(404, "organization_not_found");
    let r = post(base(json!({"user_ids": [in_a2]})), &admin, &t.a).send().await;
    r.expect_error(400, "validation_failed");
    assert_eq!(r.body["error"]["details"][0]["field"], "user_ids[0]");
    for bad in [&t.b, &t.a, &api.root_org] {
        let r = post(
            base(json!({"accessible_organizations": [{"organization_id": bad, "select_all_child_orgs": true}]})),
            &admin,
            &t.a,
        )
        .send()
        .await;
        r.expect_error(400, "validation_failed");
        assert_eq!(r.body["error"]["details"][0]["field"], "accessible_organizations[0].organization_id");
    }
    for bad in [
        json!({"name": ""}),
        json!({"accessible_organizations": [{"organization_id": t.a1, "select_all_child_orgs": false, "include_current_organization": false}]}),
        json!({"user_ids": [plain, plain]}),
        json!({"type": "admin"}),
        json!({"user_ids": (0..51).map(|_| uuid::Uuid::new_v4().to_string()).collect::<Vec<_>>()}),
    ] {
        post(base(bad), &admin, &t.a).send().await.expect_error(400, "validation_failed");
    }
    assert_eq!(api.item_count().await, before, "refusals write nothing");
    // a hidden descendant may be granted by a superadmin (explicit delegation), not an admin (R25)
    let hidden = base(
        json!({"user_ids": [plain], "accessible_organizations": [{"organization_id": t.a1x, "select_all_child_orgs": true}]}),
    );
    post(hidden.clone(), &admin, &t.a).send().await.expect_error(403, "grant_crosses_closed_edge");
    assert_eq!(api.item_count().await, before, "refusals write nothing");
    let sup = api.create_user(&t.a, Role::Superadmin).await;
    let r = post(hidden, &sup, &t.a).send().await;
    r.expect(201);
    let g = r.data()["user_group_id"].as_str().unwrap().to_string();
    assert!(visible(&api, &plain, &t.a).await.contains(&t.a1x), "the delegation gives the hidden organization");
    // others cannot see or change it
    api.get(&format!("/user-groups/{g}"))
        .as_user(&b_admin, &t.b)
        .send()
        .await
        .expect_error(404, "user_group_not_found");
    api.get(&format!("/user-groups/{g}")).as_user(&plain, &t.a).send().await.expect_error(403, "forbidden");
    api.patch(&format!("/user-groups/{g}"), json!({"name": "x"}))
        .as_user(&b_admin, &t.b)
        .send()
        .await
        .expect_error(404, "user_group_not_found");
    api.req("DELETE", &format!("/user-groups/{g}"))
        .as_user(&b_admin, &t.b)
        .send()
        .await
        .expect_error(404, "user_group_not_found");
    // If-Match
    api.patch(&format!("/user-groups/{g}"), json!({"name": "x"}))
        .header("if-match", "7")
        .as_user(&admin, &t.a)
        .send()
        .await
        .expect_error(409, "version_conflict");
    let r = api
        .patch(&format!("/user-groups/{g}"), json!({"name": "Renamed", "description": "d"}))
        .header("if-match", "1")
        .as_user(&admin, &t.a)
        .send()
        .await;
    r.expect(200);
    assert_eq!(r.data()["version"], 2);
    // the root's superadmin reaches it too (a is below root)
    api.get(&format!("/user-groups/{g}")).send().await.expect(200);
}

#[tokio::test]
async fn deleting_users_and_organizations_cleans_groups() {
    let api = TestApi::new().await;
    let t = tree(&api).await;
    let admin = api.create_user(&t.a, Role::Admin).await;
    let m1 = api.create_user(&t.a, Role::User).await;
    let m2 = api.create_user(&t.a, Role::User).await;
    let r = api
        .post(
            "/user-groups",
            json!({"name": "G", "parent_organization_id": t.a, "user_ids": [m1, m2],
            "accessible_organizations": [{"organization_id": t.a2x, "select_all_child_orgs": true}]}),
        )
        .send()
        .await;
    r.expect(201); // by the root's superadmin: the grant crosses a2's descendants flag (R25)
    let g = r.data()["user_group_id"].as_str().unwrap().to_string();
    // a deleted member leaves the group in the same transaction
    api.req("DELETE", &format!("/users/{m1}")).as_user(&admin, &t.a).send().await.expect(200);
    let r = api.get(&format!("/user-groups/{g}")).as_user(&admin, &t.a).send().await;
    assert_eq!(ids(&r.data()["users"], "user_id"), set(&[&m2]));
    // a group inside a deleted subtree goes with it; grants into it are removed from groups outside
    let a2_admin = api.create_user(&t.a2, Role::Admin).await;
    let inner = api
        .post(
            "/user-groups",
            json!({"name": "Inner", "parent_organization_id": t.a2, "user_ids": [a2_admin],
            "accessible_organizations": [{"organization_id": t.a2x, "include_current_organization": true}]}),
        )
        .as_user(&a2_admin, &t.a2)
        .send()
        .await;
    inner.expect(201);
    let inner = inner.data()["user_group_id"].as_str().unwrap().to_string();
    api.req("DELETE", &format!("/organizations/{}", t.a2)).send().await.expect(200);
    let r = api.get(&format!("/user-groups/{g}")).as_user(&admin, &t.a).send().await;
    r.expect(200);
    assert_eq!(r.data()["accessible_organizations"], json!([]), "grant into the deleted subtree removed");
    assert!(api.state.store().get_group(&inner).await.unwrap().is_none());
    for item in api.all_items().await {
        let text = format!("{item:?}");
        for gone in [&t.a2, &t.a2x, &t.a2xx, &inner] {
            if text.contains(gone.as_str()) {
                // Allowed: deletion job records, and the history kept in surviving organizations'
                // activity logs (a deleted organization's own log is gone).
                let pk = item.get("PK").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
                let surviving_log =
                    pk.starts_with("ACT#") && ![&t.a2, &t.a2x, &t.a2xx].iter().any(|o| pk.ends_with(o.as_str()));
                assert!(pk.starts_with("DELETION#") || surviving_log, "orphan: {text}");
            }
        }
    }
}

#[tokio::test]
async fn filtering_groups_r10() {
    let api = TestApi::new().await;
    let t = tree(&api).await;
    let a_admin = api.create_user(&t.a, Role::Admin).await;
    let m = api.create_user(&t.a, Role::User).await;
    let mk = |name: &str, parent: &String, extra: Value| {
        let mut b = json!({"name": name, "parent_organization_id": parent});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        api.post("/user-groups", b)
    };
    let id = |r: orgs_tests::Resp| r.data()["user_group_id"].as_str().unwrap().to_string();
    let g1 = id(mk("Alpha team", &t.a, json!({"user_ids": [m], "case_categories": ["Incident"]})).send().await);
    let g2 = id(mk(
        "Beta",
        &t.a2,
        json!({"accessible_organizations": [{"organization_id": t.a2x, "select_all_child_orgs": true}]}),
    )
    .send()
    .await);
    let g3 = id(mk("Root ops", &api.root_org, json!({})).send().await);
    let q = |f: Value| api.post("/user-groups/filter?page=0&size=50", json!({"filter": f}));
    let got = |r: orgs_tests::Resp| ids(r.data(), "user_group_id");
    assert_eq!(got(q(json!({})).send().await), set(&[&g1, &g2, &g3]));
    assert_eq!(got(q(json!({})).as_user(&a_admin, &t.a).send().await), set(&[&g1, &g2]), "not the root's groups");
    assert_eq!(got(q(json!({"search": "alpha"})).send().await), set(&[&g1]));
    assert_eq!(got(q(json!({"user_id_list": [m]})).send().await), set(&[&g1]));
    assert_eq!(got(q(json!({"no_user_present": true})).send().await), set(&[&g2, &g3]));
    assert_eq!(got(q(json!({"no_organization_linked": true})).send().await), set(&[&g1, &g3]));
    assert_eq!(got(q(json!({"accessible_organization_list": [{"organization_id": t.a2x}]})).send().await), set(&[&g2]));
    assert_eq!(got(q(json!({"parent_organization_id_list": [t.a]})).send().await), set(&[&g1]));
    assert_eq!(got(q(json!({"category_names": ["Incident"]})).send().await), set(&[&g1]));
    assert_eq!(got(q(json!({"user_group_types": ["default"]})).send().await).len(), 3);
    q(json!({"user_group_types": ["custom"]})).send().await.expect_error(400, "validation_failed");
    q(json!({"permissions": ["nope"]})).send().await.expect_error(400, "validation_failed");
    let r = api
        .post("/user-groups/filter?page=0&size=2", json!({"sort": [{"field": "name", "sort_order": -1}]}))
        .send()
        .await;
    assert_eq!(r.body["total"], 3);
    assert_eq!(r.data()[0]["name"], "Root ops");
    assert_eq!(r.data().as_array().unwrap().len(), 2);
    api.post("/user-groups/filter?page=0&size=2", json!({}))
        .as_user(&m, &t.a)
        .send()
        .await
        .expect_error(403, "forbidden");
    let _ = (t.a1, t.b);
}
