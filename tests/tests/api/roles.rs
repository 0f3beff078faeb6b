//! Custom roles (R17–R20) through the real roles function: the role record, its members, the
//! permissions it adds to every decision of the service (R18) at once, no escalation (R19),
//! the default set and the permission index (R20), and nothing left dangling when a role, a
//! user or an organization goes.

use std::collections::BTreeSet;

use orgs_tests::TestApi;
use serde_json::{json, Value};
use shared::model::user::Role;

fn roles_path(org: &str) -> String {
    format!("/organizations/{org}/roles")
}

async fn create_role(api: &TestApi, as_user: (&str, &str), org: &str, body: Value) -> Value {
    let r = api.post(&roles_path(org), body).as_user(as_user.0, as_user.1).send().await;
    r.expect(201);
    r.data().clone()
}

async fn assign(api: &TestApi, as_user: (&str, &str), org: &str, user: &str, role: &str) -> orgs_tests::Resp {
    api.req("PUT", &format!("/organizations/{org}/users/{user}/roles/{role}"))
        .as_user(as_user.0, as_user.1)
        .send()
        .await
}

fn email() -> String {
    format!("{}@roles.io", uuid::Uuid::new_v4().simple())
}

async fn role_items(api: &TestApi, org: &str) -> Vec<String> {
    let (items, _) = api
        .state
        .store()
        .query_prefix(&shared::store::keys::org_pk(org), shared::store::keys::ROLE_ITEMS_PREFIX, 1000, None, true)
        .await
        .unwrap();
    items.iter().map(|i| i["SK"].as_s().unwrap().clone()).collect()
}

#[tokio::test]
async fn a_role_is_created_read_listed_replaced_patched_and_deleted() {
    let api = TestApi::new().await;
    let org = api.create_org(&api.root_org, json!({})).await;
    let admin = api.create_user(&org, Role::Admin).await;
    let me = (admin.as_str(), org.as_str());
    let r = create_role(
        &api,
        me,
        &org,
        json!({"name": "Support lead", "namespace": "support", "description": "d",
               "permissions": ["users:update", "users:read", "users:read"]}),
    )
    .await;
    let id = r["role_id"].as_str().unwrap().to_string();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "no id asked: a UUID");
    assert_eq!(r["stage"], "GA", "the default stage");
    assert_eq!(r["permissions"], json!(["users:read", "users:update"]), "catalogue order, once each");
    assert_eq!(r["organization_id"], org.as_str());
    assert_eq!(r["version"], 1);
    // names are unique per organization, case-insensitively
    api.post(&roles_path(&org), json!({"name": "SUPPORT LEAD"}))
        .as_user(&admin, &org)
        .send()
        .await
        .expect_error(409, "role_name_taken");
    // ...but another organization may use it
    let other = api.create_org(&api.root_org, json!({})).await;
    api.post(&roles_path(&other), json!({"name": "Support lead"})).send().await.expect(201);
    // a chosen id is used; a taken one gives a new id (seed 001); a malformed one is a 400
    let chosen = create_role(&api, me, &org, json!({"id": "auditor", "name": "Auditor"})).await;
    assert_eq!(chosen["role_id"], "auditor");
    let again = create_role(&api, me, &org, json!({"id": "auditor", "name": "Auditor 2"})).await;
    assert_ne!(again["role_id"], "auditor");
    api.post(&roles_path(&org), json!({"id": "Not A Slug", "name": "x"}))
        .as_user(&admin, &org)
        .send()
        .await
        .expect_error(400, "validation_failed");
    // read and list (query on the name, pages)
    let got = api.get(&format!("{}/{id}", roles_path(&org))).as_user(&admin, &org).send().await;
    got.expect(200);
    assert_eq!(got.data(), &r);
    let list = api.get(&format!("{}?query=AUDIT&size=1&page=1", roles_path(&org))).as_user(&admin, &org).send().await;
    list.expect(200);
    assert_eq!(list.body["total"], 2);
    assert_eq!(list.data().as_array().unwrap().len(), 1);
    // PUT replaces every field; If-Match guards it
    let put = |body: Value, v: &str| {
        api.req("PUT", &format!("{}/{id}", roles_path(&org))).json(body).header("if-match", v).as_user(&admin, &org)
    };
    put(json!({"name": "Lead"}), "7").send().await.expect_error(409, "version_conflict");
    let p = put(json!({"name": "Lead", "stage": "BETA"}), "1").send().await;
    p.expect(200);
    assert_eq!(p.data()["permissions"], json!([]), "PUT leaves out what it does not send");
    assert_eq!(p.data()["namespace"], Value::Null);
    assert_eq!(p.data()["version"], 2);
    // the old name is free again, the new one is taken
    create_role(&api, me, &org, json!({"name": "support lead"})).await;
    api.post(&roles_path(&org), json!({"name": "lead"}))
        .as_user(&admin, &org)
        .send()
        .await
        .expect_error(409, "role_name_taken");
    // PATCH changes what it sends
    let pa = api
        .patch(&format!("{}/{id}", roles_path(&org)), json!({"description": "new", "permissions": ["users:read"]}))
        .as_user(&admin, &org)
        .send()
        .await;
    pa.expect(200);
    assert_eq!(pa.data()["name"], "Lead");
    assert_eq!(pa.data()["stage"], "BETA");
    assert_eq!(pa.data()["permissions"], json!(["users:read"]));
    // delete
    api.req("DELETE", &format!("{}/{id}", roles_path(&org))).as_user(&admin, &org).send().await.expect(200);
    api.get(&format!("{}/{id}", roles_path(&org)))
        .as_user(&admin, &org)
        .send()
        .await
        .expect_error(404, "role_not_found");
    let kinds: Vec<String> = api
        .activities(&org)
        .await
        .iter()
        .filter(|a| a["target_id"] == id.as_str())
        .map(|a| a["type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kinds, ["role.created", "role.updated", "role.updated", "role.deleted"]);
}

#[tokio::test]
async fn bad_role_input_names_the_field_and_writes_nothing() {
    let api = TestApi::new().await;
    let org = api.create_org(&api.root_org, json!({})).await;
    let before = api.item_count().await;
    for (body, field) in [
        (json!({"permissions": ["users:read"]}), "name"),
        (json!({"name": "x", "permissions": ["users:read", "users:fly"]}), "permissions[1]"),
        (json!({"name": "x", "stage": "SOON"}), "stage"),
        (json!({"name": "x".repeat(101)}), "name"),
    ] {
        let r = api.post(&roles_path(&org), body).send().await;
        r.expect_error(400, "validation_failed");
        assert_eq!(r.body["error"]["details"][0]["field"], field, "{}", r.body);
    }
    let r = api.post(&format!("{}/x/members/bulk", roles_path(&org)), json!({"members": []})).send().await;
    r.expect(400);
    assert_eq!(api.item_count().await, before);
}

#[tokio::test]
async fn a_custom_role_adds_its_permissions_at_once_and_stops_when_disabled_removed_or_deleted() {
    let api = TestApi::new().await;
    let org = api.create_org(&api.root_org, json!({})).await;
    let child = api.create_org(&org, json!({})).await;
    let admin = api.create_user(&org, Role::Admin).await;
    let user = api.create_user(&org, Role::User).await;
    let create_user =
        |target: &str| api.post("/users", json!({"email": email(), "organization_id": target})).as_user(&user, &org);
    create_user(&org).send().await.expect_error(403, "forbidden");
    let role =
        create_role(&api, (&admin, &org), &org, json!({"name": "Creators", "permissions": ["users:create"]})).await;
    let rid = role["role_id"].as_str().unwrap();
    assign(&api, (&admin, &org), &org, &user, rid).await.expect(200);
    // R18: the very next request may create users, here and wherever the built-in role applies
    create_user(&org).send().await.expect(201);
    create_user(&child).send().await.expect(201);
    // ...but never a built-in role above their own
    api.post("/users", json!({"email": email(), "organization_id": org, "role": "admin"}))
        .as_user(&user, &org)
        .send()
        .await
        .expect(403);
    // DISABLED grants nothing; GA again grants again
    let stage = |s: &str| api.patch(&format!("{}/{rid}", roles_path(&org)), json!({"stage": s})).as_user(&admin, &org);
    stage("DISABLED").send().await.expect(200);
    create_user(&org).send().await.expect_error(403, "forbidden");
    stage("DEPRECATED").send().await.expect(200);
    create_user(&org).send().await.expect(201);
    // the caller sees their own roles
    let mine = api.get(&format!("/organizations/{org}/user/roles")).as_user(&user, &org).send().await;
    mine.expect(200);
    assert_eq!(mine.data()[0]["role_id"], rid);
    // removing the assignment takes it away at once
    api.req("DELETE", &format!("/organizations/{org}/users/{user}/roles/{rid}"))
        .as_user(&admin, &org)
        .send()
        .await
        .expect(200);
    create_user(&org).send().await.expect_error(403, "forbidden");
    // so does deleting the role, and nothing of it is left on the user
    assign(&api, (&admin, &org), &org, &user, rid).await.expect(200);
    create_user(&org).send().await.expect(201);
    api.req("DELETE", &format!("{}/{rid}", roles_path(&org))).as_user(&admin, &org).send().await.expect(200);
    create_user(&org).send().await.expect_error(403, "forbidden");
    let item = api.state.store().get_user(&user).await.unwrap().unwrap();
    assert!(item.role_ids.is_empty());
    assert!(role_items(&api, &org).await.iter().all(|sk| !sk.starts_with("ROLEMEM#")));
}

#[tokio::test]
async fn no_escalation_through_roles() {
    let api = TestApi::new().await;
    let org = api.create_org(&api.root_org, json!({})).await;
    let child = api.create_org(&org, json!({})).await;
    let admin = api.create_user(&org, Role::Admin).await;
    let sup = api.create_user(&org, Role::Superadmin).await;
    let user = api.create_user(&org, Role::User).await;
    let child_user = api.create_user(&child, Role::User).await;
    let me = (admin.as_str(), org.as_str());
    // an admin does not hold organizations:delete: no role of theirs may hold it
    let r = api
        .post(&roles_path(&org), json!({"name": "Wreckers", "permissions": ["organizations:delete"]}))
        .as_user(&admin, &org)
        .send()
        .await;
    r.expect_error(403, "permission_not_held");
    assert!(r.body["message"].as_str().unwrap().contains("organizations:delete"));
    let mild = create_role(&api, me, &org, json!({"name": "Mild", "permissions": ["users:read"]})).await;
    let mild_id = mild["role_id"].as_str().unwrap();
    api.patch(&format!("{}/{mild_id}", roles_path(&org)), json!({"permissions": ["organizations:delete"]}))
        .as_user(&admin, &org)
        .send()
        .await
        .expect_error(403, "permission_not_held");
    // a superadmin's role holding more than an admin holds: the admin can neither assign nor remove it
    let strong = create_role(
        &api,
        (&sup, &org),
        &org,
        json!({"name": "Strong", "permissions": ["organizations:delete", "users:read"]}),
    )
    .await;
    let strong_id = strong["role_id"].as_str().unwrap();
    assign(&api, me, &org, &user, strong_id).await.expect_error(403, "permission_not_held");
    assign(&api, (&sup, &org), &org, &user, strong_id).await.expect(200);
    api.req("DELETE", &format!("/organizations/{org}/users/{user}/roles/{strong_id}"))
        .as_user(&admin, &org)
        .send()
        .await
        .expect_error(403, "permission_not_held");
    // a user given roles:update alone may assign only roles within what they hold
    let assigner =
        create_role(&api, me, &org, json!({"name": "Assigner", "permissions": ["roles:update", "roles:read"]})).await;
    assign(&api, me, &org, &user, assigner["role_id"].as_str().unwrap()).await.expect(200);
    let creator = create_role(&api, me, &org, json!({"name": "Creator", "permissions": ["users:create"]})).await;
    let victim = api.create_user(&org, Role::User).await;
    assign(&api, (&user, &org), &org, &victim, creator["role_id"].as_str().unwrap())
        .await
        .expect_error(403, "permission_not_held");
    // ...nor to themself
    assign(&api, (&user, &org), &org, &user, creator["role_id"].as_str().unwrap())
        .await
        .expect_error(403, "permission_not_held");
    // members must be users of the role's organization, all or none
    let before = api.item_count().await;
    let r = api
        .post(&format!("{}/{mild_id}/members/bulk", roles_path(&org)), json!({"members": [user, child_user]}))
        .as_user(&admin, &org)
        .send()
        .await;
    r.expect_error(400, "validation_failed");
    assert_eq!(r.body["error"]["details"][0]["field"], "members[1]");
    assert_eq!(api.item_count().await, before, "nothing written");
    // another tenant's admin cannot see or touch the roles
    let other = api.create_org(&api.root_org, json!({})).await;
    let stranger = api.create_user(&other, Role::Admin).await;
    api.get(&format!("{}/{mild_id}", roles_path(&org))).as_user(&stranger, &other).send().await.expect(404);
    assign(&api, (&stranger, &other), &org, &user, mild_id).await.expect(404);
    // a plain user without roles:read is refused before anything is read
    let plain = api.create_user(&org, Role::User).await;
    api.get(&roles_path(&org)).as_user(&plain, &org).send().await.expect_error(403, "forbidden");
}

#[tokio::test]
async fn members_assignments_and_a_users_roles() {
    let api = TestApi::new().await;
    let org = api.create_org(&api.root_org, json!({})).await;
    let admin = api.create_user(&org, Role::Admin).await;
    let me = (admin.as_str(), org.as_str());
    let role = create_role(&api, me, &org, json!({"name": "Readers", "permissions": ["users:read"]})).await;
    let rid = role["role_id"].as_str().unwrap().to_string();
    let mut users = Vec::new();
    for _ in 0..60 {
        users.push(api.create_user(&org, Role::User).await);
    }
    // more members than one transaction holds: still all of them, once each, even when repeated
    let bulk = |members: &[String]| {
        api.post(&format!("{}/{rid}/members/bulk", roles_path(&org)), json!({"members": members})).as_user(&admin, &org)
    };
    bulk(&users).send().await.expect(200);
    bulk(&users[..10]).send().await.expect(200);
    assign(&api, me, &org, &users[0], &rid).await.expect(200);
    let a = api
        .get(&format!("{}/{rid}/assignments?start=50&limit=100", roles_path(&org)))
        .as_user(&admin, &org)
        .send()
        .await;
    a.expect(200);
    assert_eq!(a.body["total"], 60);
    assert_eq!(a.data().as_array().unwrap().len(), 10);
    let all = api.get(&format!("{}/{rid}/assignments", roles_path(&org))).as_user(&admin, &org).send().await;
    let holders: BTreeSet<String> =
        all.data().as_array().unwrap().iter().map(|x| x["user_id"].as_str().unwrap().to_string()).collect();
    assert_eq!(holders, users.iter().cloned().collect());
    // members: pages and a query on email
    let email0 = api.state.store().get_user(&users[0]).await.unwrap().unwrap().email;
    let m = api
        .get(&format!("{}/{rid}/members?query={}", roles_path(&org), &email0[..8]))
        .as_user(&admin, &org)
        .send()
        .await;
    m.expect(200);
    assert_eq!(m.body["total"], 1);
    assert_eq!(m.data()[0]["user_id"], users[0].as_str());
    let one = api.get(&format!("{}/{rid}/members/{}", roles_path(&org), users[1])).as_user(&admin, &org).send().await;
    one.expect(200);
    assert_eq!(one.data()["role"], "user");
    // a user's roles, and POST of several
    let second = create_role(&api, me, &org, json!({"name": "Second"})).await;
    let sid = second["role_id"].as_str().unwrap();
    let r = api
        .post(&format!("/organizations/{org}/users/{}/roles", users[2]), json!([sid, rid]))
        .as_user(&admin, &org)
        .send()
        .await;
    r.expect(200);
    assert_eq!(r.data().as_array().unwrap().len(), 2);
    api.post(&format!("/organizations/{org}/users/{}/roles", users[2]), json!(["nope"]))
        .as_user(&admin, &org)
        .send()
        .await
        .expect_error(400, "validation_failed");
    let mine = api.get(&format!("/organizations/{org}/users/{}/roles", users[2])).as_user(&admin, &org).send().await;
    assert_eq!(mine.data().as_array().unwrap().len(), 2);
    // removing a member; removing again is a 404
    let path = format!("{}/{rid}/members/{}", roles_path(&org), users[1]);
    api.req("DELETE", &path).as_user(&admin, &org).send().await.expect(200);
    api.req("DELETE", &path).as_user(&admin, &org).send().await.expect(404);
    api.get(&path).as_user(&admin, &org).send().await.expect(404);
    // deleting a user takes their assignments with them
    api.req("DELETE", &format!("/users/{}", users[2])).as_user(&admin, &org).send().await.expect(200);
    let left = api.get(&format!("{}/{rid}/assignments", roles_path(&org))).as_user(&admin, &org).send().await;
    assert_eq!(left.body["total"], 58);
    let sk = shared::store::keys::role_member_sk(sid, &users[2]);
    assert!(!role_items(&api, &org).await.contains(&sk));
    // a role with many members goes with all of them
    api.req("DELETE", &format!("{}/{rid}", roles_path(&org))).as_user(&admin, &org).send().await.expect(200);
    for u in &users[3..] {
        let item = api.state.store().get_user(u).await.unwrap().unwrap();
        assert!(!item.role_ids.contains(&rid), "{u} still holds the deleted role");
    }
    assert!(role_items(&api, &org).await.iter().all(|sk| !sk.contains(&rid)));
}

#[tokio::test]
async fn generate_is_idempotent_and_the_permission_index_names_the_roles() {
    let api = TestApi::new().await;
    let org = api.create_org(&api.root_org, json!({})).await;
    let admin = api.create_user(&org, Role::Admin).await;
    let gen = |who: &str| {
        api.post(&format!("{}/generate", roles_path(&org)), json!({"namespace": "acme"})).as_user(who, &org)
    };
    // an admin gets the roles within what they hold (no organizations:delete manager)
    let first = gen(&admin).send().await;
    first.expect(200);
    let names: Vec<&str> = first.data().as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"acme:users:manager"));
    assert!(!names.contains(&"acme:organizations:manager"));
    let n = names.len();
    // a superadmin then completes the set; a second call creates nothing new
    let sup = api.create_user(&org, Role::Superadmin).await;
    let full = gen(&sup).send().await;
    assert_eq!(full.data().as_array().unwrap().len(), 27);
    let before = api.item_count().await;
    let again = gen(&sup).send().await;
    again.expect(200);
    assert_eq!(again.data(), full.data());
    assert_eq!(api.item_count().await, before);
    assert!(n < 27);
    // the index: which roles hold users:delete
    let idx = api.get(&format!("{}/permissions", roles_path(&org))).as_user(&admin, &org).send().await;
    idx.expect(200);
    let entry = idx.data().as_array().unwrap().iter().find(|p| p["permission_id"] == "users:delete").unwrap().clone();
    let holders: Vec<&str> = entry["roles"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(holders, ["acme:users:manager"]);
    // DELETE on roles removes every role
    api.req("DELETE", &roles_path(&org)).as_user(&sup, &org).send().await.expect(200);
    let list = api.get(&roles_path(&org)).as_user(&admin, &org).send().await;
    assert_eq!(list.body["total"], 0);
    assert!(role_items(&api, &org).await.iter().all(|sk| sk == "ROLES"));
}

#[tokio::test]
async fn deleting_an_organization_takes_its_roles_and_assignments() {
    let api = TestApi::new().await;
    let org = api.create_org(&api.root_org, json!({})).await;
    let user = api.create_user(&org, Role::User).await;
    let role = create_role(&api, (&api.superadmin, &api.root_org), &org, json!({"name": "R"})).await;
    assign(&api, (&api.superadmin, &api.root_org), &org, &user, role["role_id"].as_str().unwrap()).await.expect(200);
    assert!(!role_items(&api, &org).await.is_empty());
    let r = api.req("DELETE", &format!("/organizations/{org}")).send().await;
    assert!(r.status == 200 || r.status == 202, "{}", r.body);
    shared::jobs::purge::resume_all(&api.state, std::time::Duration::from_secs(30)).await.unwrap();
    assert!(role_items(&api, &org).await.is_empty());
}

#[tokio::test]
async fn a_token_of_a_user_holding_tokens_through_a_role_works_until_the_role_goes() {
    let api = TestApi::new().await;
    let org = api.create_org(&api.root_org, json!({})).await;
    let admin = api.create_user(&org, Role::Admin).await;
    let user = api.create_user(&org, Role::User).await;
    let role = create_role(
        &api,
        (&admin, &org),
        &org,
        json!({"name": "Tokens", "permissions": ["api_tokens:create", "api_tokens:read", "api_tokens:delete"]}),
    )
    .await;
    let rid = role["role_id"].as_str().unwrap();
    api.post("/api-tokens", json!({"name": "t"})).as_user(&user, &org).send().await.expect_error(403, "forbidden");
    assign(&api, (&admin, &org), &org, &user, rid).await.expect(200);
    let t = api.post("/api-tokens", json!({"name": "t"})).as_user(&user, &org).send().await;
    t.expect(201);
    let secret = t.data()["token"].as_str().unwrap().to_string();
    // the authorizer reads the owner's roles too (R18, R28)
    api.get("/organizations").bearer(&secret).send().await.expect(200);
    api.req("DELETE", &format!("/organizations/{org}/users/{user}/roles/{rid}"))
        .as_user(&admin, &org)
        .send()
        .await
        .expect(200);
    let r = api.get("/organizations").bearer(&secret).send().await;
    assert!(r.status == 401 || r.status == 403, "{} {}", r.status, r.body);
}
