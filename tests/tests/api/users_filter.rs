//! POST /users/filter and /users/logged-in/filter: R10 and every ListUserFilter field.

use std::collections::BTreeSet;

use orgs_tests::TestApi;
use serde_json::{json, Value};

fn ids(v: &Value) -> BTreeSet<String> {
    v.as_array().unwrap().iter().map(|u| u["user_id"].as_str().unwrap().to_string()).collect()
}

fn set(items: &[&String]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

struct World {
    a: String,
    hidden: String,
    a_kid: String,
    admin_a: String,
    u_a: String,
    u_kid: String,
    u_hidden: String,
    u_root: String,
}

/// root ─ a ─ a_kid
///        └ hidden (parent_has_access=false)
async fn world(api: &TestApi) -> World {
    let a = api.create_org(&api.root_org, json!({"code": "fa"})).await;
    let hidden = api.create_org(&a, json!({"parent_has_access": false})).await;
    let a_kid = api.create_org(&a, json!({})).await;
    let mk = |org: &str, email: &str, first: &str, role: &str| json!({"email": email, "first_name": first, "last_name": "Smith", "organization_id": org, "role": role});
    let create = |body: Value| async move {
        let r = api.post("/users", body).send().await;
        r.expect(201);
        r.data()["user_id"].as_str().unwrap().to_string()
    };
    let admin_a = create(mk(&a, "admin@a.io", "Zed", "admin")).await;
    let u_a = create(mk(&a, "alice@a.io", "Alice", "user")).await;
    let u_kid = create(mk(&a_kid, "bob@kid.io", "Bob", "user")).await;
    // Root cannot reach into the hidden organization (R2), so its user is seeded directly.
    let u_hidden = api.create_user(&hidden, shared::model::user::Role::User).await;
    let u_root = create(mk(&api.root_org, "dave@root.io", "Dave", "user")).await;
    World { a, hidden, a_kid, admin_a, u_a, u_kid, u_hidden, u_root }
}

#[tokio::test]
async fn no_filter_means_every_accessible_user_r10() {
    let api = TestApi::new().await;
    let w = world(&api).await;
    let r = api.post("/users/filter?page=0&size=100", json!({})).as_user(&w.admin_a, &w.a).send().await;
    r.expect(200);
    assert_eq!(ids(r.data()), set(&[&w.admin_a, &w.u_a, &w.u_kid]), "not the hidden org's users, not the parent's");
    assert_eq!(r.body["total"], 3);
    // Acting in a child organization changes nothing: reach is from the caller's own
    // organization, not from the context (whose edges a filter reads ahead only when it is the
    // caller's own).
    for path in ["/users/filter?page=0&size=100", "/users/logged-in/filter?page=0&size=100"] {
        let r = api.post(path, json!({})).as_user(&w.admin_a, &w.a_kid).send().await;
        r.expect(200);
        assert!(ids(r.data()).is_subset(&set(&[&w.admin_a, &w.u_a, &w.u_kid])), "{path}");
    }
    let r = api.post("/users/filter?page=0&size=100", json!({})).as_user(&w.admin_a, &w.a_kid).send().await;
    assert_eq!(ids(r.data()), set(&[&w.admin_a, &w.u_a, &w.u_kid]));
    let r = api.post("/user-groups/filter?page=0&size=100", json!({})).as_user(&w.admin_a, &w.a_kid).send().await;
    r.expect(200);
    // from the root: everything but the hidden subtree
    let r = api.post("/users/filter?page=0&size=100", json!({})).send().await;
    assert_eq!(ids(r.data()), set(&[&api.superadmin, &w.admin_a, &w.u_a, &w.u_kid, &w.u_root]));
    assert!(!ids(r.data()).contains(&w.u_hidden));
    // an empty body is no filter
    let r = api.req("POST", "/users/filter?page=0&size=100").send().await;
    assert_eq!(r.body["total"], 5);
}

#[tokio::test]
async fn every_filter_field() {
    let api = TestApi::new().await;
    let w = world(&api).await;
    let q = |f: Value| api.post("/users/filter?page=0&size=100", json!({"filter": f}));
    let got = |r: orgs_tests::Resp| ids(r.data());
    assert_eq!(got(q(json!({"organization_id_list": [w.a]})).send().await), set(&[&w.admin_a, &w.u_a]));
    assert_eq!(
        got(q(json!({"organization_id_list": [w.a], "include_child_users_with_org_context_access": true}))
            .send()
            .await),
        set(&[&w.admin_a, &w.u_a, &w.u_kid])
    );
    assert_eq!(
        got(q(json!({"organization_id_list": [w.hidden]})).send().await),
        set(&[]),
        "inaccessible orgs are ignored"
    );
    assert_eq!(got(q(json!({"search": "ali"})).send().await), set(&[&w.u_a]));
    assert_eq!(got(q(json!({"search": "KID.IO"})).send().await), set(&[&w.u_kid]));
    assert_eq!(got(q(json!({"search": "smith", "role_list": ["admin"]})).send().await), set(&[&w.admin_a]));
    assert_eq!(got(q(json!({"user_id_list": [w.u_a, w.u_hidden]})).send().await), set(&[&w.u_a]));
    assert_eq!(got(q(json!({"email_id_list": ["BOB@kid.io"]})).send().await), set(&[&w.u_kid]));
    assert_eq!(got(q(json!({"status_list": ["inactive"]})).send().await), set(&[]));
    assert_eq!(got(q(json!({"created_by": [api.superadmin]})).send().await).len(), 4);
    assert_eq!(got(q(json!({"exclude_system_users": true})).send().await).len(), 4, "bootstrap admin is a system user");
    // logins
    let now = shared::model::now_ms();
    api.state.store().record_login(&w.u_kid, now, 0).await.unwrap();
    assert_eq!(got(q(json!({"only_logged_in_users": true})).send().await), set(&[&w.u_kid]));
    assert_eq!(got(q(json!({"never_logged_in": true})).send().await).len(), 4);
    q(json!({"never_logged_in": true, "only_logged_in_users": true}))
        .send()
        .await
        .expect_error(400, "validation_failed");
    // users who can access a_kid: its own users and those of its accessible ancestors
    assert_eq!(
        got(q(json!({"accessible_organization_list": [w.a_kid]})).send().await),
        set(&[&w.u_kid, &w.admin_a, &w.u_a, &w.u_root, &api.superadmin])
    );
    assert_eq!(
        got(q(json!({"accessible_organization_list": [w.a_kid], "organization_id_list": [w.a]})).send().await),
        set(&[&w.admin_a, &w.u_a])
    );
    q(json!({"colour": "red"})).send().await.expect_error(400, "validation_failed");
    q(json!({"role_list": ["king"]})).send().await.expect_error(400, "validation_failed");
}

#[tokio::test]
async fn sorting_paging_and_total() {
    let api = TestApi::new().await;
    let w = world(&api).await;
    let page = |p: u32, size: u32, sort: Value| {
        api.post(&format!("/users/filter?page={p}&size={size}"), json!({"sort": sort}))
    };
    let r = page(0, 100, json!([{"field": "first_name", "sort_order": 1}])).send().await;
    let names: Vec<_> =
        r.data().as_array().unwrap().iter().map(|u| u["first_name"].as_str().unwrap().to_string()).collect();
    assert_eq!(names, vec!["Admin", "Alice", "Bob", "Dave", "Zed"]);
    let r = page(0, 100, json!([{"field": "first_name", "sort_order": -1}])).send().await;
    let first = r.data()[0]["first_name"].clone();
    assert_eq!(first, "Zed");
    let r =
        page(0, 100, json!([{"field": "role", "sort_order": -1}, {"field": "email", "sort_order": 1}])).send().await;
    assert_eq!(r.data()[0]["role"], "superadmin");
    assert_eq!(r.data()[1]["email"], "admin@a.io");
    // pages
    let mut seen = BTreeSet::new();
    for p in 0..3 {
        let r = page(p, 2, json!([{"field": "email", "sort_order": 1}])).send().await;
        r.expect(200);
        assert_eq!(r.body["total"], 5);
        for id in ids(r.data()) {
            assert!(seen.insert(id));
        }
    }
    assert_eq!(seen.len(), 5);
    assert_eq!(page(3, 2, json!([])).send().await.data().as_array().unwrap().len(), 0);
    let _ = w;
    // bad pages and sorts
    api.post("/users/filter", json!({})).send().await.expect_error(400, "invalid_query");
    api.post("/users/filter?page=0&size=0", json!({})).send().await.expect_error(400, "validation_failed");
    api.post("/users/filter?page=0&size=101", json!({})).send().await.expect_error(400, "validation_failed");
    api.post("/users/filter?page=-1&size=10", json!({})).send().await.expect_error(400, "invalid_query");
    page(0, 10, json!([{"field": "password_hash", "sort_order": 1}]))
        .send()
        .await
        .expect_error(400, "validation_failed");
    page(0, 10, json!([{"field": "email", "sort_order": 0}])).send().await.expect_error(400, "validation_failed");
}

#[tokio::test]
async fn logged_in_filter() {
    let api = TestApi::new().await;
    let w = world(&api).await;
    let now = shared::model::now_ms();
    let store = api.state.store();
    store.record_login(&w.u_a, now - 10_000, 0).await.unwrap();
    store.record_login(&w.u_kid, now, 0).await.unwrap();
    store.record_login(&w.u_hidden, now, 0).await.unwrap();
    let r = api.post("/users/logged-in/filter?page=0&size=10", json!({})).send().await;
    r.expect(200);
    let order: Vec<_> =
        r.data().as_array().unwrap().iter().map(|u| u["user_id"].as_str().unwrap().to_string()).collect();
    assert_eq!(order, vec![w.u_kid.clone(), w.u_a.clone()], "most recent first, hidden org excluded");
    assert_eq!(r.body["total"], 2);
    let r =
        api.post("/users/logged-in/filter?page=0&size=10", json!({"accessible_organization_list": [w.a]})).send().await;
    assert_eq!(ids(r.data()), set(&[&w.u_a]));
    // record_login writes at most once per interval
    let before = store.get_user(&w.u_a).await.unwrap().unwrap().last_login;
    store.record_login(&w.u_a, now, 60_000).await.unwrap();
    assert_eq!(store.get_user(&w.u_a).await.unwrap().unwrap().last_login, before);
    let _ = (w.admin_a, w.u_root);
}
