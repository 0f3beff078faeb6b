//! The users routes: R1, R6–R9, R14, email uniqueness, by-email, verify, domains.

use aws_sdk_dynamodb::types::AttributeValue;
use orgs_tests::TestApi;
use serde_json::json;
use shared::model::user::Role;

fn new_user(org: &str, email: &str, role: &str) -> serde_json::Value {
    json!({"first_name": "Ada", "last_name": "Lovelace", "preferred_name": "Ada L", "email": email,
           "password": "correct horse battery", "organization_id": org, "role": role})
}

#[tokio::test]
async fn admin_creates_user_and_password_is_write_only_r14() {
    let api = TestApi::new().await;
    let admin = api.create_user(&api.root_org, Role::Admin).await;
    let r = api
        .post("/users", new_user(&api.root_org, "Ada@Example.COM", "user"))
        .as_user(&admin, &api.root_org)
        .send()
        .await;
    r.expect(201);
    let d = r.data();
    let id = d["user_id"].as_str().unwrap().to_string();
    assert_eq!(d["email"], "ada@example.com", "emails are stored lower-cased");
    assert_eq!(d["first_name"], "Ada");
    assert_eq!(d["preferred_name"], "Ada L");
    assert!(d["password"].is_null(), "password is never returned");
    assert_eq!(d["role"], "user");
    assert_eq!(d["status"], "active");
    assert_eq!(d["created_by"], admin.as_str());
    assert_eq!(d["parent_organization"]["organization_id"], api.root_org.as_str());
    assert_eq!(d["parent_organization"]["code"], "root");
    assert_eq!(d["user_groups"], json!([]));
    assert!(d["last_login"].is_null());
    assert_eq!(d["is_internal"], false);
    assert!(d["permissions"].as_array().unwrap().iter().any(|p| p["permission_id"] == "organizations:read"));
    assert!(!d["permissions"].as_array().unwrap().iter().any(|p| p["permission_id"] == "users:create"));
    // stored as an argon2id hash, never in clear
    let item = api.state.store().get_user(&id).await.unwrap().unwrap();
    let hash = item.password_hash.unwrap();
    assert!(hash.starts_with("$argon2id$") && !hash.contains("correct horse"));
    assert!(shared::password::verify("correct horse battery", &hash));
    let dump = format!("{:?}", api.all_items().await);
    assert!(!dump.contains("correct horse"), "the clear password is nowhere in the table");
    // every read path keeps it null
    let g = api.get(&format!("/users/{id}")).send().await;
    assert!(g.data()["password"].is_null());
    assert!(g.data().get("password_hash").is_none());
    let acts = api.activities(&api.root_org).await;
    let a = acts.iter().find(|a| a["type"] == "user.created").unwrap();
    assert_eq!(a["target_id"], id.as_str());
    assert_eq!(a["changes"]["password"]["to"], "(set)");
}

#[tokio::test]
async fn who_may_create_whom_r6() {
    let api = TestApi::new().await;
    let child = api.create_org(&api.root_org, json!({})).await;
    let sibling_parent = api.create_org(&api.root_org, json!({})).await;
    let admin = api.create_user(&api.root_org, Role::Admin).await;
    let plain = api.create_user(&api.root_org, Role::User).await;
    let child_admin = api.create_user(&child, Role::Admin).await;
    let before = api.item_count().await;
    api.post("/users", new_user(&api.root_org, "a1@x.io", "user"))
        .as_user(&plain, &api.root_org)
        .send()
        .await
        .expect_error(403, "forbidden");
    api.post("/users", new_user(&api.root_org, "a2@x.io", "superadmin"))
        .as_user(&admin, &api.root_org)
        .send()
        .await
        .expect_error(403, "cannot_create_superadmin_here");
    api.post("/users", new_user(&sibling_parent, "a3@x.io", "user"))
        .as_user(&child_admin, &child)
        .send()
        .await
        .expect_error(404, "organization_not_found");
    api.post("/users", new_user(&api.root_org, "a4@x.io", "user"))
        .as_user(&child_admin, &child)
        .send()
        .await
        .expect_error(404, "organization_not_found");
    assert_eq!(api.item_count().await, before, "refusals write nothing");
    // an admin may create a superadmin in another accessible organization
    let r = api.post("/users", new_user(&child, "a5@x.io", "superadmin")).as_user(&admin, &api.root_org).send().await;
    r.expect(201);
    assert_eq!(r.data()["role"], "superadmin");
    // a superadmin may in their own
    api.post("/users", new_user(&api.root_org, "a6@x.io", "superadmin")).send().await.expect(201);
    // role defaults to user; password is optional; organization by code
    let r = api.post("/users", json!({"email": "a7@x.io", "organization_id": "root"})).send().await;
    r.expect(201);
    assert_eq!(r.data()["role"], "user");
}

#[tokio::test]
async fn bad_user_bodies_are_refused() {
    let api = TestApi::new().await;
    let before = api.item_count().await;
    for body in [
        json!({}),
        json!({"email": "nope", "organization_id": api.root_org}),
        json!({"email": "a@b.io", "organization_id": api.root_org, "password": "short"}),
        json!({"email": "a@b.io", "organization_id": api.root_org, "password": "x".repeat(129)}),
        json!({"email": "a@b.io", "organization_id": api.root_org, "role": "owner"}),
        json!({"email": "a@b.io", "organization_id": api.root_org, "status": "inactive"}),
        json!({"email": "a@b.io", "organization_id": api.root_org, "user_id": "mine"}),
        json!({"email": "a@b.io", "organization_id": api.root_org, "first_name": ""}),
        json!({"email": "a@b.io", "organization_id": "../x"}),
    ] {
        api.post("/users", body).send().await.expect_error(400, "validation_failed");
    }
    api.post("/users", json!({"email": "a@b.io", "organization_id": uuid::Uuid::new_v4()}))
        .send()
        .await
        .expect_error(404, "organization_not_found");
    assert_eq!(api.item_count().await, before);
}

#[tokio::test]
async fn emails_are_unique_case_insensitively_even_under_races() {
    let api = TestApi::new().await;
    api.post("/users", new_user(&api.root_org, "dup@x.io", "user")).send().await.expect(201);
    api.post("/users", new_user(&api.root_org, "DUP@X.IO", "user")).send().await.expect_error(409, "email_taken");
    let before = api.item_count().await;
    let mut tasks = Vec::new();
    for i in 0..20 {
        let email = if i % 2 == 0 { "Race@Example.com" } else { "race@EXAMPLE.com" };
        let mut body = new_user(&api.root_org, email, "user");
        body.as_object_mut().unwrap().remove("password");
        let ev = api.post("/users", body).event();
        let state = api.state.clone();
        tasks.push(tokio::spawn(async move { orgs_tests::invoke(&state, &ev).await }));
    }
    let mut created = 0;
    for t in tasks {
        let r = t.await.unwrap();
        match r.status {
            201 => created += 1,
            409 => assert!(["email_taken", "concurrent_modification"].contains(&r.code()), "{}", r.body),
            s => panic!("unexpected {s}: {}", r.body),
        }
    }
    assert_eq!(created, 1, "exactly one user");
    assert_eq!(api.item_count().await - before, 4, "user, email guard, org entry, activity");
}

#[tokio::test]
async fn who_may_read_whom_r7() {
    let api = TestApi::new().await;
    let child = api.create_org(&api.root_org, json!({})).await;
    let other = api.create_org(&api.root_org, json!({})).await;
    let plain = api.create_user(&child, Role::User).await;
    let peer = api.create_user(&child, Role::User).await;
    let child_admin = api.create_user(&child, Role::Admin).await;
    let other_admin = api.create_user(&other, Role::Admin).await;
    let get = |who: &str, org: &str, target: &str| api.get(&format!("/users/{target}")).as_user(who, org);
    get(&plain, &child, &plain).send().await.expect(200);
    get(&plain, &child, &peer).send().await.expect_error(403, "forbidden");
    get(&child_admin, &child, &peer).send().await.expect(200);
    get(&other_admin, &other, &peer).send().await.expect_error(404, "user_not_found");
    get(&child_admin, &child, &api.superadmin).send().await.expect_error(404, "user_not_found");
    api.get(&format!("/users/{peer}")).send().await.expect(200);
    api.get(&format!("/users/{}", uuid::Uuid::new_v4())).send().await.expect_error(404, "user_not_found");
    api.get("/users/bad%20id").send().await.expect_error(400, "invalid_identifier");
}

#[tokio::test]
async fn who_may_update_what_r8() {
    let api = TestApi::new().await;
    let child = api.create_org(&api.root_org, json!({})).await;
    let plain = api.create_user(&child, Role::User).await;
    let peer = api.create_user(&child, Role::User).await;
    let admin = api.create_user(&child, Role::Admin).await;
    let sa = api.create_user(&child, Role::Superadmin).await;
    let patch = |who: &str, target: &str, body: serde_json::Value| {
        api.patch(&format!("/users/{target}"), body).as_user(who, &child)
    };
    // own names
    let r = patch(&plain, &plain, json!({"first_name": "Me", "preferred_name": null})).send().await;
    r.expect(200);
    assert_eq!(r.data()["first_name"], "Me");
    assert!(r.data()["preferred_name"].is_null());
    assert_eq!(r.data()["version"], 2);
    // not someone else's, not one's own role
    patch(&plain, &peer, json!({"first_name": "X"})).send().await.expect_error(403, "forbidden");
    patch(&plain, &plain, json!({"role": "admin"})).send().await.expect_error(403, "forbidden");
    patch(&sa, &sa, json!({"role": "user"})).send().await.expect_error(403, "cannot_change_own_role");
    // admins manage users but never superadmins
    patch(&admin, &peer, json!({"role": "admin", "last_name": "Promoted"})).send().await.expect(200);
    patch(&admin, &peer, json!({"role": "superadmin"})).send().await.expect_error(403, "cannot_manage_superadmin");
    patch(&admin, &sa, json!({"role": "user"})).send().await.expect_error(403, "cannot_manage_superadmin");
    patch(&sa, &peer, json!({"role": "superadmin"})).send().await.expect(200);
    // bad bodies
    for body in [
        json!({"role": null}),
        json!({"email": "x@y.io"}),
        json!({"password": "abcdefghij"}),
        json!({"organization_id": "x"}),
        json!({"role": "god"}),
    ] {
        patch(&sa, &plain, body).send().await.expect_error(400, "validation_failed");
    }
    // If-Match
    let v = api.get(&format!("/users/{plain}")).send().await.data()["version"].as_u64().unwrap();
    patch(&sa, &plain, json!({"last_name": "A"}))
        .header("if-match", &(v - 1).to_string())
        .send()
        .await
        .expect_error(409, "version_conflict");
    patch(&sa, &plain, json!({"last_name": "A"})).header("if-match", &v.to_string()).send().await.expect(200);
    // the role change applies on the very next request
    let promoted = api.get(&format!("/users/{peer}")).send().await;
    assert_eq!(promoted.data()["role"], "superadmin");
    api.post(
        "/organizations",
        json!({"name": "By promoted", "contact_email": "a@b.io", "parent_organization_id": child,
        "can_have_child_organizations": false, "rbac_template_id": "default"}),
    )
    .as_user(&peer, &child)
    .send()
    .await
    .expect(201);
}

#[tokio::test]
async fn who_may_delete_whom_r9() {
    let api = TestApi::new().await;
    let child = api.create_org(&api.root_org, json!({})).await;
    let plain = api.create_user(&child, Role::User).await;
    let admin = api.create_user(&child, Role::Admin).await;
    let sa = api.create_user(&child, Role::Superadmin).await;
    let victim = api.post("/users", new_user(&child, "victim@x.io", "user")).send().await.data()["user_id"]
        .as_str()
        .unwrap()
        .to_string();
    let del = |who: &str, target: &str| api.req("DELETE", &format!("/users/{target}")).as_user(who, &child);
    del(&plain, &victim).send().await.expect_error(403, "forbidden");
    del(&admin, &admin).send().await.expect_error(403, "cannot_delete_self");
    del(&sa, &sa).send().await.expect_error(403, "cannot_delete_self");
    del(&admin, &sa).send().await.expect_error(403, "cannot_manage_superadmin");
    del(&admin, &api.superadmin).send().await.expect_error(404, "user_not_found");
    let before = api.item_count().await;
    let r = del(&admin, &victim).send().await;
    r.expect(200);
    assert_eq!(r.body["message"], "User deleted.");
    assert_eq!(api.item_count().await, before - 3 + 1, "user, guard and org entry gone, activity added");
    api.get(&format!("/users/{victim}")).send().await.expect_error(404, "user_not_found");
    // the deleted user is no longer a caller, and the email is free again
    api.get("/organizations").as_user(&victim, &child).send().await.expect_error(401, "unauthenticated");
    api.post("/users", new_user(&child, "VICTIM@x.io", "user")).send().await.expect(201);
}

#[tokio::test]
async fn bulk_delete_is_all_or_nothing() {
    let api = TestApi::new().await;
    let child = api.create_org(&api.root_org, json!({})).await;
    let admin = api.create_user(&child, Role::Admin).await;
    let a = api.create_user(&child, Role::User).await;
    let b = api.create_user(&child, Role::User).await;
    let sa = api.create_user(&child, Role::Superadmin).await;
    let bulk =
        |ids: serde_json::Value| api.post("/users/bulk-delete", json!({"user_id_list": ids})).as_user(&admin, &child);
    let before = api.item_count().await;
    let r = bulk(json!([a, b, sa])).send().await;
    r.expect_error(403, "forbidden");
    assert_eq!(r.body["error"]["details"][0]["field"], "user_id_list[2]");
    let r = bulk(json!([a, uuid::Uuid::new_v4().to_string()])).send().await;
    r.expect_error(404, "user_not_found");
    bulk(json!([a, a])).send().await.expect_error(400, "validation_failed");
    bulk(json!([])).send().await.expect_error(400, "validation_failed");
    bulk(json!((0..26).map(|_| uuid::Uuid::new_v4().to_string()).collect::<Vec<_>>()))
        .send()
        .await
        .expect_error(400, "validation_failed");
    bulk(json!([admin])).send().await.expect_error(403, "forbidden");
    assert_eq!(api.item_count().await, before, "nothing deleted by refused bulks");
    let r = bulk(json!([a, b])).send().await;
    r.expect(200);
    assert_eq!(r.data()["user_id_list"], json!([a, b]));
    for id in [&a, &b] {
        api.get(&format!("/users/{id}")).send().await.expect_error(404, "user_not_found");
    }
    assert_eq!(api.item_count().await, before - 6 + 2);
}

#[tokio::test]
async fn by_email_and_verify_respect_tenants() {
    let api = TestApi::new().await;
    let acme = api.create_org(&api.root_org, json!({"domains": ["Acme.io"]})).await;
    let globex = api.create_org(&api.root_org, json!({"domains": ["globex.com"]})).await;
    let acme_admin = api.create_user(&acme, Role::Admin).await;
    let ada = api.post("/users", new_user(&acme, "ada@acme.io", "user")).send().await.data()["user_id"]
        .as_str()
        .unwrap()
        .to_string();
    let hank = api.post("/users", new_user(&globex, "hank@globex.com", "user")).send().await.data()["user_id"]
        .as_str()
        .unwrap()
        .to_string();
    // by email, case-insensitive and URL-encoded; acme's admin finds acme's user only
    let acme_view = || async {
        let r = api.get("/users/by-email/ADA%40acme.io").as_user(&acme_admin, &acme).send().await;
        r.expect(200);
        assert_eq!(r.data()["user_id"], ada.as_str());
        let r = api.get("/users/by-email/hank%40globex.com").as_user(&acme_admin, &acme).send().await;
        r.expect_error(404, "user_not_found");
    };
    acme_view().await;
    api.get("/users/by-email/not-an-email").send().await.expect_error(400, "invalid_identifier");
    // A guard written before guards carried the user's organization path answers the same,
    // with the same access decision (the path only chooses what is read ahead).
    let table = &api.state.config.table_name;
    let key = |email: &str| {
        [
            ("PK".to_string(), AttributeValue::S(format!("EMAIL#{email}"))),
            ("SK".to_string(), AttributeValue::S("GUARD".into())),
        ]
        .into_iter()
        .collect::<std::collections::HashMap<_, _>>()
    };
    for (email, id) in [("ada@acme.io", &ada), ("hank@globex.com", &hank)] {
        let guard = api.state.dynamo.get_item().table_name(table).set_key(Some(key(email))).send().await.unwrap();
        let mut guard = guard.item.expect("the email's guard");
        assert!(guard.remove("org_path").is_some(), "new guards carry the user's organization path");
        api.state.dynamo.put_item().table_name(table).set_item(Some(guard)).send().await.unwrap();
        let r = api.get(&format!("/users/by-email/{email}")).send().await;
        r.expect(200);
        assert_eq!(r.data()["user_id"], id.as_str());
    }
    acme_view().await;
    // verify: the root superadmin sees both; acme's admin sees only acme
    let r = api
        .post("/users/verify", json!({"email_ids": ["Ada@acme.io", "hank@globex.com", "new@acme.io", "x@nowhere.io"]}))
        .send()
        .await;
    r.expect(200);
    let d = r.data().as_array().unwrap();
    assert_eq!(d[0]["email_id"], "Ada@acme.io");
    assert_eq!(d[0]["user"]["user_id"], ada.as_str());
    assert_eq!(d[0]["organization"]["organization_id"], acme.as_str());
    assert_eq!(d[1]["user"]["user_id"], hank.as_str());
    assert_eq!(d[1]["organization"]["organization_id"], globex.as_str());
    assert!(d[2]["user"].is_null());
    assert_eq!(d[2]["organization"]["organization_id"], acme.as_str());
    assert!(d[3]["user"].is_null() && d[3]["organization"].is_null());
    let r =
        api.post("/users/verify", json!({"email_ids": ["hank@globex.com"]})).as_user(&acme_admin, &acme).send().await;
    assert!(r.data()[0]["user"].is_null() && r.data()[0]["organization"].is_null(), "no cross-tenant existence leak");
    api.post("/users/verify", json!({"email_ids": ["bad"]})).send().await.expect_error(400, "validation_failed");
    api.post("/users/verify", json!({"email_ids": []})).send().await.expect_error(400, "validation_failed");
}

#[tokio::test]
async fn domains_are_unique_and_move_with_updates() {
    let api = TestApi::new().await;
    let a = api.create_org(&api.root_org, json!({"domains": ["a.io", "shared.io"]})).await;
    let r = api.get(&format!("/organizations/{a}")).send().await;
    assert_eq!(r.data()["domains"], json!(["a.io", "shared.io"]));
    let before = api.item_count().await;
    let r = api
        .post(
            "/organizations",
            json!({"name": "B", "contact_email": "b@b.io", "parent_organization_id": api.root_org,
            "can_have_child_organizations": false, "rbac_template_id": "default", "domains": ["SHARED.io"]}),
        )
        .send()
        .await;
    r.expect_error(409, "domain_taken");
    assert_eq!(api.item_count().await, before);
    api.patch(&format!("/organizations/{a}"), json!({"domains": ["bad domain"]}))
        .send()
        .await
        .expect_error(400, "validation_failed");
    api.patch(&format!("/organizations/{a}"), json!({"domains": ["a.io"]})).send().await.expect(200);
    // released: another organization may now claim it
    api.create_org(&api.root_org, json!({"domains": ["shared.io"]})).await;
    let b = api.create_org(&api.root_org, json!({})).await;
    api.patch(&format!("/organizations/{b}"), json!({"domains": ["a.io"]}))
        .send()
        .await
        .expect_error(409, "domain_taken");
}

/// Routes that read what their body or path names while the caller is resolved
/// (`PendingCaller`) answer an unknown caller 401 and a caller without the permission 403,
/// whatever they sent, and write nothing.
#[tokio::test]
async fn reading_alongside_the_caller_answers_nobody_else() {
    let api = TestApi::new().await;
    let org = api.create_org(&api.root_org, json!({})).await;
    let victim = api.create_user(&org, Role::User).await;
    let plain = api.create_user(&org, Role::User).await;
    let ghost = uuid::Uuid::new_v4().to_string();
    let role = api
        .post(&format!("/organizations/{org}/roles"), json!({"name": "r", "permissions": ["users:read"]}))
        .send()
        .await;
    let role = role.data()["role_id"].as_str().unwrap().to_string();
    api.post(&format!("/organizations/{org}/roles/{role}/members/bulk"), json!({"members": [victim]}))
        .send()
        .await
        .expect(200);
    let before = api.item_count().await;
    for body in [json!({"user_id_list": [victim]}), json!({"user_id_list": ["not an id"]})] {
        let r = api.post("/users/bulk-delete", body.clone()).as_user(&ghost, &org).send().await;
        r.expect_error(401, "unauthenticated");
        api.post("/users/bulk-delete", body).as_user(&plain, &org).send().await.expect_error(403, "forbidden");
    }
    for body in [json!({"email_ids": ["a@b.io"]}), json!({"email_ids": ["bad"]})] {
        api.post("/users/verify", body).as_user(&ghost, &org).send().await.expect_error(401, "unauthenticated");
    }
    let path = format!("/organizations/{org}/roles/{role}");
    api.req("DELETE", &path).as_user(&ghost, &org).send().await.expect_error(401, "unauthenticated");
    api.req("DELETE", &path).as_user(&plain, &org).send().await.expect_error(403, "forbidden");
    assert_eq!(api.item_count().await, before, "nothing written");
    api.get(&format!("/users/{victim}")).send().await.expect(200);
}
