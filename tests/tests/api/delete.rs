//! DELETE /organizations/{id} (R5): the subtree vanishes at once, the purge is durable and
//! resumable, nothing outside is touched, nothing inside is left.

use std::collections::BTreeMap;
use std::time::Duration;

use orgs_tests::{multipart, TestApi, BUCKET};
use serde_json::{json, Value};
use shared::edge::logo::png_header;
use shared::jobs::purge::{run_job, Budget, RunOutcome};
use shared::model::user::Role;

/// A subtree and everything in it.
struct Sub {
    root: String,
    orgs: Vec<String>,
    users: Vec<String>,
    tokens: Vec<String>,
    tag: String,
}

/// x ─ c1 (logo, users)
///   └ c2 (parent_has_access=false) ─ g   (built by c2's own superadmin)
async fn subtree(api: &TestApi, parent: &str, tag: &str, big: bool) -> Sub {
    let x = api.create_org(parent, json!({"code": format!("x-{tag}"), "domains": [format!("x-{tag}.io")]})).await;
    let c1 = api.create_org(&x, json!({"code": format!("c1-{tag}")})).await;
    let mut orgs = vec![x.clone(), c1.clone()];
    let mut users = Vec::new();
    let r = api
        .post("/users", json!({"email": format!("admin@x-{tag}.io"), "organization_id": x, "role": "admin"}))
        .send()
        .await;
    r.expect(201);
    let admin = r.data()["user_id"].as_str().unwrap().to_string();
    users.push(admin.clone());
    let r = api.post("/api-tokens", json!({"name": "t"})).as_user(&admin, &x).send().await;
    r.expect(201);
    let tokens = vec![r.data()["token"].as_str().unwrap().to_string()];
    let (body, ct) = multipart(&[("usage_type", "login")], &[("logo", "l.png", &png_header(8, 8))]);
    api.req("POST", &format!("/organizations/{c1}/logo")).raw(body, &ct).send().await.expect(200);
    if big {
        let c2 = api.create_org(&x, json!({"parent_has_access": false})).await;
        let sa = api.create_user(&c2, Role::Superadmin).await;
        let g = api.create_org_as(&sa, &c2, &c2, json!({"code": format!("g-{tag}")})).await;
        let r = api
            .post("/users", json!({"email": format!("g@x-{tag}.io"), "organization_id": g}))
            .as_user(&sa, &c2)
            .send()
            .await;
        r.expect(201);
        users.push(sa);
        users.push(r.data()["user_id"].as_str().unwrap().to_string());
        users.push(api.create_user(&c1, Role::User).await);
        orgs.extend([c2, g]);
    }
    Sub { root: x, orgs, users, tokens, tag: tag.to_string() }
}

fn pk_of(item: &Value) -> &str {
    item["PK"].as_str().unwrap_or_default()
}

async fn items(api: &TestApi) -> Vec<Value> {
    api.all_items().await.into_iter().map(|i| serde_dynamo::from_item::<_, Value>(i).unwrap()).collect()
}

/// Every item that is not about any of `subs` (nor the deletions registry), by key. Templates are
/// compared without their reference count, which the purge lowers by design.
async fn outside(api: &TestApi, subs: &[&Sub]) -> BTreeMap<String, String> {
    let ids: Vec<&String> = subs.iter().flat_map(|s| s.orgs.iter().chain(&s.users)).collect();
    items(api)
        .await
        .into_iter()
        .filter(|i| pk_of(i) != shared::store::keys::DELETIONS_PK)
        .map(|mut i| {
            if pk_of(&i).starts_with("RBAC#") {
                i.as_object_mut().map(|o| o.remove("refs"));
            }
            i
        })
        .map(|i| (format!("{}|{}", pk_of(&i), i["SK"].as_str().unwrap_or_default()), i.to_string()))
        .filter(|(_, text)| !ids.iter().any(|id| text.contains(id.as_str())))
        .collect()
}

/// Nothing of `sub` is left: no item names its organizations or users, except deletion job
/// records and the deletion's own audit entries in the parent's log; no logo; nothing reachable.
async fn assert_gone(api: &TestApi, sub: &Sub) {
    for item in items(api).await {
        let text = item.to_string();
        for id in sub.orgs.iter().chain(&sub.users) {
            if !text.contains(id.as_str()) {
                continue;
            }
            // Deletion job records (this one, or of a part deleted concurrently) expire by TTL.
            let job = pk_of(&item).starts_with(&shared::store::keys::deletion_job_pk(""));
            // The deletion's audit entries in the parent's log: requested, then purged (R21).
            let audit = (item["type"] == "organization.deleted" || item["type"] == "organization.purged")
                && item["target_id"] == sub.root.as_str();
            assert!(job || audit, "orphan of {id}: {text}");
        }
    }
    for org in &sub.orgs {
        let listed = api
            .state
            .s3()
            .unwrap()
            .list_objects_v2()
            .bucket(BUCKET)
            .prefix(format!("logos/{org}/"))
            .send()
            .await
            .unwrap();
        assert_eq!(listed.key_count.unwrap_or(0), 0, "logo left for {org}");
        api.get(&format!("/organizations/{org}")).send().await.expect_error(404, "organization_not_found");
    }
    for t in &sub.tokens {
        assert_eq!(api.get("/organizations").bearer(t).send().await.status, 403);
    }
    // codes, emails and domains are free again
    let tag = &sub.tag;
    let again =
        api.create_org(&api.root_org, json!({"code": format!("x-{tag}"), "domains": [format!("x-{tag}.io")]})).await;
    api.post("/users", json!({"email": format!("admin@x-{tag}.io"), "organization_id": again}))
        .send()
        .await
        .expect(201);
}

#[tokio::test]
async fn a_subtree_goes_completely_and_nothing_else_changes() {
    let api = TestApi::new().await;
    let sub = subtree(&api, &api.root_org, "one", true).await;
    let sibling = subtree(&api, &api.root_org, "sib", true).await;
    let before = outside(&api, &[&sub]).await;
    let refs_before = api.state.store().get_template("default").await.unwrap().unwrap().refs;
    let r = api.req("DELETE", &format!("/organizations/{}", sub.root)).send().await;
    r.expect(200);
    let refs_after = api.state.store().get_template("default").await.unwrap().unwrap().refs;
    assert_eq!(refs_before - refs_after, sub.orgs.len() as i64, "each purged organization released its template");
    assert_eq!(r.body["message"], "Organization deleted.");
    assert_eq!(r.data()["status"], "done");
    assert_eq!(r.data()["organizations_purged"], 4);
    assert!(r.data()["items_deleted"].as_u64().unwrap() > 30);
    assert_eq!(r.data()["objects_deleted"], 1);
    assert_eq!(outside(&api, &[&sub]).await, before, "everything outside the subtree is unchanged");
    let audit = api.activities(&api.root_org).await;
    let a = audit.iter().find(|a| a["type"] == "organization.deleted").unwrap();
    assert_eq!(a["target_id"], sub.root.as_str());
    assert_eq!(a["changes"]["code"]["from"], "x-one");
    // users of the subtree are gone as callers too
    api.get("/organizations").as_user(&sub.users[0], &sub.root).send().await.expect_error(401, "unauthenticated");
    let p = api.get(&format!("/organizations/{}/deletion", sub.root)).send().await;
    p.expect(200);
    assert_eq!(p.data()["status"], "done");
    // deleting again: it is gone
    api.req("DELETE", &format!("/organizations/{}", sub.root)).send().await.expect_error(404, "organization_not_found");
    assert_gone(&api, &sub).await;
    api.get(&format!("/organizations/{}", sibling.root)).send().await.expect(200);
}

#[tokio::test]
async fn who_may_delete_what_r5() {
    let api = TestApi::new().await;
    let a = api.create_org(&api.root_org, json!({})).await;
    let a_child = api.create_org(&a, json!({})).await;
    let b = api.create_org(&api.root_org, json!({})).await;
    let a_admin = api.create_user(&a, Role::Admin).await;
    let a_sa = api.create_user(&a, Role::Superadmin).await;
    let b_sa = api.create_user(&b, Role::Superadmin).await;
    let before = api.item_count().await;
    let del = |path: String| api.req("DELETE", &path);
    del(format!("/organizations/{a_child}")).as_user(&a_admin, &a).send().await.expect_error(403, "forbidden");
    del(format!("/organizations/{a}"))
        .as_user(&a_sa, &a)
        .send()
        .await
        .expect_error(403, "cannot_delete_own_organization");
    del(format!("/organizations/{}", api.root_org)).send().await.expect_error(403, "cannot_delete_own_organization");
    del(format!("/organizations/{}", api.root_org))
        .as_user(&a_sa, &a)
        .send()
        .await
        .expect_error(404, "organization_not_found");
    del(format!("/organizations/{a_child}"))
        .as_user(&b_sa, &b)
        .send()
        .await
        .expect_error(404, "organization_not_found");
    del(format!("/organizations/{}", uuid::Uuid::new_v4())).send().await.expect_error(404, "organization_not_found");
    del("/organizations/..".into()).send().await.expect(404);
    api.get(&format!("/organizations/{a_child}/deletion")).send().await.expect_error(404, "deletion_not_found");
    assert_eq!(api.item_count().await, before, "refusals write nothing");
    // a superadmin deletes a descendant of their own organization
    del(format!("/organizations/{a_child}")).as_user(&a_sa, &a).send().await.expect(200);
}

#[tokio::test]
async fn nothing_happens_inside_a_subtree_being_deleted() {
    let api = TestApi::new().await.with_inline_delete_budget(0);
    let sub = subtree(&api, &api.root_org, "busy", true).await;
    let c1 = sub.orgs[1].clone();
    let r = api.req("DELETE", &format!("/organizations/{}", sub.root)).send().await;
    r.expect(202);
    assert_eq!(r.data()["status"], "running");
    // gone from every read at once
    for org in &sub.orgs {
        api.get(&format!("/organizations/{org}")).send().await.expect_error(404, "organization_not_found");
    }
    let listed = api.get("/organizations").send().await;
    assert!(!listed
        .data()
        .as_array()
        .unwrap()
        .iter()
        .any(|o| sub.orgs.contains(&o["organization_id"].as_str().unwrap().to_string())));
    let users = api.post("/users/filter?page=0&size=100", json!({})).send().await;
    assert!(!users
        .data()
        .as_array()
        .unwrap()
        .iter()
        .any(|u| sub.users.contains(&u["user_id"].as_str().unwrap().to_string())));
    api.get(&format!("/users/{}", sub.users[0])).send().await.expect_error(404, "user_not_found");
    api.get("/organizations").as_user(&sub.users[0], &sub.root).send().await.expect_error(401, "unauthenticated");
    assert_eq!(api.get("/organizations").bearer(&sub.tokens[0]).send().await.status, 403);
    // nothing can be created or changed inside
    api.post(
        "/organizations",
        json!({"name": "n", "contact_email": "a@b.io", "parent_organization_id": c1,
        "can_have_child_organizations": false, "rbac_template_id": "default"}),
    )
    .send()
    .await
    .expect_error(404, "parent_organization_not_found");
    api.post("/users", json!({"email": "late@x.io", "organization_id": c1}))
        .send()
        .await
        .expect_error(404, "organization_not_found");
    api.patch(&format!("/organizations/{c1}"), json!({"name": "late"}))
        .send()
        .await
        .expect_error(404, "organization_not_found");
    // ... even by a writer that checked before the deletion started (the registry condition)
    let store = api.state.store();
    let c1_item = store.get_org(&c1, true).await.unwrap().unwrap();
    let mut late = c1_item.clone();
    late.organization_id = uuid::Uuid::new_v4().to_string();
    late.pk = shared::store::keys::org_pk(&late.organization_id);
    late.code = None;
    late.domains.clear();
    late.ancestors.push(c1_item.as_ancestor());
    let err = store
        .transact(store.create_org_actions(&orgs_tests::system_permit(), &late, Some(&c1_item)).unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.code, "organization_being_deleted");
    let mut renamed = c1_item.clone();
    renamed.name = "late".into();
    let err = store
        .transact(store.update_org_actions(&orgs_tests::system_permit(), &renamed, c1_item.version).unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.code, "organization_being_deleted");
    // progress is visible; a second DELETE reports the same job
    let p = api.get(&format!("/organizations/{}/deletion", sub.root)).send().await;
    assert_eq!(p.data()["status"], "running");
    api.req("DELETE", &format!("/organizations/{}", sub.root)).send().await.expect(202);
    // the stream-fed worker finishes it
    let event = json!({"Records": [{"eventName": "INSERT", "dynamodb": {"Keys": {"PK": {"S": format!("DELETION#{}", sub.root)}, "SK": {"S": "JOB"}}}}]});
    deletion_worker::handle(&api.state, &event, Duration::from_secs(30)).await.unwrap();
    assert_eq!(api.get(&format!("/organizations/{}/deletion", sub.root)).send().await.data()["status"], "done");
    assert_gone(&api, &sub).await;
}

#[tokio::test]
async fn interrupted_purges_converge_at_every_kill_point() {
    let api = TestApi::new().await.with_inline_delete_budget(0);
    let keep = subtree(&api, &api.root_org, "keep", true).await;
    let mut subs = Vec::new();
    for k in 1..=22usize {
        subs.push((k, subtree(&api, &api.root_org, &format!("k{k}"), true).await));
    }
    let all: Vec<&Sub> = subs.iter().map(|(_, s)| s).collect();
    let before = outside(&api, &all).await;
    for (k, sub) in &subs {
        api.req("DELETE", &format!("/organizations/{}", sub.root)).send().await.expect(202);
        // every run dies after k writes, as a crash would; the next run picks up from the table
        let mut runs = 0;
        loop {
            runs += 1;
            assert!(runs < 5_000, "kill point {k} does not converge");
            match run_job(&api.state, &sub.root, Budget::writes(*k, Duration::from_secs(60))).await.unwrap() {
                RunOutcome::Done => break,
                RunOutcome::Pending => {}
            }
        }
        assert!(runs > 1, "kill point {k} never interrupted the purge");
    }
    assert_eq!(outside(&api, &all).await, before, "nothing outside the subtrees changed");
    for (_, sub) in &subs {
        assert_gone(&api, sub).await;
    }
    api.get(&format!("/organizations/{}", keep.root)).send().await.expect(200);
}

#[tokio::test]
async fn a_large_subtree_is_deleted_completely() {
    let api = TestApi::new().await.with_inline_delete_budget(300);
    let sub = subtree(&api, &api.root_org, "big", true).await;
    let mut orgs = sub.orgs.clone();
    for _ in 0..30 {
        let child = api.create_org(&sub.root, json!({})).await;
        for _ in 0..2 {
            orgs.push(api.create_org(&child, json!({})).await);
        }
        orgs.push(child);
    }
    // 900 users, seeded in transactions of 30 (3 items each)
    let store = api.state.store();
    let paths: Vec<Vec<String>> = {
        let mut p = Vec::new();
        for o in orgs.iter().take(60) {
            p.push(store.get_org(o, true).await.unwrap().unwrap().path());
        }
        p
    };
    let mut users = sub.users.clone();
    for batch in 0..30 {
        let mut actions = Vec::new();
        for i in 0..30 {
            let id = uuid::Uuid::new_v4().to_string();
            let path = paths[(batch * 30 + i) % paths.len()].clone();
            let u = shared::model::user::UserItem::new(&id, path, &format!("{id}@big.io"), Role::User, 1, None);
            actions.extend(store.create_user_actions(&orgs_tests::system_permit(), &u).unwrap());
            users.push(id);
        }
        store.transact(actions).await.unwrap();
    }
    let total_before = api.item_count().await;
    let sub = Sub { orgs, users, ..sub };
    let r = api.req("DELETE", &format!("/organizations/{}", sub.root)).send().await;
    r.expect(202);
    let mut rounds = 0;
    loop {
        rounds += 1;
        assert!(rounds < 50);
        deletion_worker::handle(&api.state, &json!({}), Duration::from_secs(20)).await.unwrap();
        let p = api.get(&format!("/organizations/{}/deletion", sub.root)).send().await;
        if p.data()["status"] == "done" {
            assert_eq!(p.data()["organizations_purged"], sub.orgs.len());
            assert!(p.data()["items_deleted"].as_u64().unwrap() > 2_000);
            break;
        }
    }
    assert!(total_before > 3_000, "a subtree of thousands of items ({total_before})");
    assert_gone(&api, &sub).await;
}

#[tokio::test]
async fn concurrent_deletes_are_safe() {
    let api = TestApi::new().await.with_inline_delete_budget(0);
    let sub = subtree(&api, &api.root_org, "race", true).await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let target = if i % 4 == 3 { sub.orgs[1].clone() } else { sub.root.clone() };
        let ev = api.req("DELETE", &format!("/organizations/{target}")).event();
        let state = api.state.clone();
        tasks.push(tokio::spawn(async move { orgs_tests::invoke(&state, &ev).await }));
    }
    for t in tasks {
        let r = t.await.unwrap();
        assert!([200, 202, 404].contains(&r.status), "{} {}", r.status, r.body);
    }
    // drivers racing each other: the lease keeps them from tripping over one another
    let mut drivers = Vec::new();
    for _ in 0..4 {
        let state = api.state.clone();
        drivers.push(tokio::spawn(async move {
            for _ in 0..200 {
                let done = shared::jobs::purge::resume_all(&state, Duration::from_secs(5)).await.unwrap();
                if done.iter().all(|(_, o)| *o == RunOutcome::Done) {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            panic!("did not converge");
        }));
    }
    for d in drivers {
        d.await.unwrap();
    }
    assert_gone(&api, &sub).await;
}
