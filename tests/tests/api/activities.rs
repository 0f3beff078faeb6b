//! The activity log (seed 003, R21) through the real activities function: what every write
//! records, pages newest first with a cursor, time windows, type and actor filters that are one
//! Query each, and who may read it.

use std::collections::BTreeSet;

use orgs_tests::TestApi;
use serde_json::{json, Value};
use shared::model::user::Role;

fn log(org: &str) -> String {
    format!("/organizations/{org}/activities")
}

/// Every page of `path` (plus `query`), following `next_cursor`.
async fn all_pages(api: &TestApi, who: (&str, &str), path: &str, query: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{path}?limit=3{query}");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let r = api.get(&url).as_user(who.0, who.1).send().await;
        r.expect(200);
        out.extend(r.data().as_array().unwrap().iter().cloned());
        match r.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return out,
        }
    }
}

fn ids(v: &[Value]) -> Vec<String> {
    v.iter().map(|a| a["activity_id"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn the_log_pages_newest_first_and_filters_with_one_query_per_page() {
    let api = TestApi::new().await;
    let org = api.create_org(&api.root_org, json!({})).await;
    let admin = api.create_user(&org, Role::Admin).await;
    let other_admin = api.create_user(&org, Role::Admin).await;
    let me = (admin.as_str(), org.as_str());
    let mut role_ids = Vec::new();
    for i in 0..7 {
        let who = if i % 2 == 0 { &admin } else { &other_admin };
        let r = api
            .post(&format!("/organizations/{org}/roles"), json!({"name": format!("r{i}")}))
            .as_user(who, &org)
            .send()
            .await;
        r.expect(201);
        role_ids.push(r.data()["role_id"].as_str().unwrap().to_string());
    }
    let mid = shared::model::now_ms();
    for id in &role_ids[..3] {
        api.patch(&format!("/organizations/{org}/roles/{id}"), json!({"description": "x"}))
            .as_user(&admin, &org)
            .send()
            .await
            .expect(200);
    }
    // every page newest first; all pages together: each activity exactly once
    let all = all_pages(&api, me, &log(&org), "").await;
    let got = ids(&all);
    let mut sorted = got.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(got, sorted, "newest first");
    assert_eq!(got.iter().collect::<BTreeSet<_>>().len(), got.len(), "no repeats across pages");
    let kinds: Vec<&str> = all.iter().map(|a| a["type"].as_str().unwrap()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "role.created").count(), 7);
    assert_eq!(kinds.iter().filter(|k| **k == "role.updated").count(), 3);
    // seed 003's shape
    let a = &all[0];
    assert_eq!(a["type"], "role.updated");
    assert_eq!(a["actor_type"], "user");
    assert_eq!(a["actor_id"], admin.as_str());
    assert_eq!(a["organization_id"], org.as_str());
    assert_eq!(a["service_id"], "roles");
    assert!(a["created_at"].as_str().unwrap().ends_with('Z'), "ISO-8601: {}", a["created_at"]);
    assert!(a.get("token_id").is_none());
    // filters: type, actor, both; each page one Query whatever is skipped
    let by_type = all_pages(&api, me, &log(&org), "&type=role.updated").await;
    assert_eq!(by_type.len(), 3);
    let by_actor = all_pages(&api, me, &log(&org), &format!("&actor_id={other_admin}")).await;
    assert_eq!(by_actor.len(), 3);
    assert!(by_actor.iter().all(|a| a["actor_id"] == other_admin.as_str()));
    let both = all_pages(&api, me, &log(&org), &format!("&actor_id={admin}&type=role.created")).await;
    assert_eq!(both.len(), 4);
    api.calls.reset();
    let r = api
        .get(&format!("{}?limit=2&type=role.created&actor_id={admin}", log(&org)))
        .as_user(&admin, &org)
        .send()
        .await;
    r.expect(200);
    let calls = api.calls.take();
    assert_eq!(calls.get("Query"), Some(&1), "{calls:?}");
    assert_eq!(calls.get("Scan"), None);
    // a time window, in epoch milliseconds or ISO-8601
    let after = all_pages(&api, me, &log(&org), &format!("&from_date={mid}")).await;
    assert_eq!(after.len(), 3);
    let iso = shared::model::now_ms() + 60_000;
    let iso = activities::view::iso(iso);
    let before = all_pages(&api, me, &log(&org), &format!("&to_date={mid}")).await;
    assert_eq!(before.len(), all.len() - 3);
    assert_eq!(all_pages(&api, me, &log(&org), &format!("&from_date={iso}")).await.len(), 0);
    // one activity
    let id = all[3]["activity_id"].as_str().unwrap();
    let one = api.get(&format!("{}/{id}", log(&org))).as_user(&admin, &org).send().await;
    one.expect(200);
    assert_eq!(one.data(), &all[3]);
}

#[tokio::test]
async fn who_may_read_which_log() {
    let api = TestApi::new().await;
    let org = api.create_org(&api.root_org, json!({})).await;
    let sibling = api.create_org(&api.root_org, json!({})).await;
    let admin = api.create_user(&org, Role::Admin).await;
    let user = api.create_user(&org, Role::User).await;
    let stranger = api.create_user(&sibling, Role::Admin).await;
    api.post(&format!("/organizations/{org}/roles"), json!({"name": "r"})).send().await.expect(201);
    let first = api.get(&log(&org)).as_user(&admin, &org).send().await;
    first.expect(200);
    let id = first.data()[0]["activity_id"].as_str().unwrap().to_string();
    // a plain user does not hold activities:read
    api.get(&log(&org)).as_user(&user, &org).send().await.expect_error(403, "forbidden");
    // another tenant's admin reaches neither the log nor one of its activities
    api.get(&log(&org)).as_user(&stranger, &sibling).send().await.expect(404);
    api.get(&format!("{}/{id}", log(&org))).as_user(&stranger, &sibling).send().await.expect(404);
    // an activity of one organization is not found under another
    api.get(&format!("{}/{id}", log(&sibling))).send().await.expect_error(404, "activity_not_found");
    api.get(&format!("{}/{}", log(&org), uuid::Uuid::now_v7())).send().await.expect_error(404, "activity_not_found");
    // the root's superadmin reads it (an ancestor)
    api.get(&format!("{}/{id}", log(&org))).send().await.expect(200);
}

#[tokio::test]
async fn bad_queries_name_the_field() {
    let api = TestApi::new().await;
    let org = api.create_org(&api.root_org, json!({})).await;
    for (q, field) in [
        ("from_date=yesterday", "from_date"),
        ("to_date=2026-13-01", "to_date"),
        ("from_date=2026-12-02&to_date=2026-12-01", "to_date"),
        ("type=user.flew", "type"),
        ("actor_id=a%20b", "actor_id"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("cursor=bm90LWEtdXVpZA", "cursor"),
    ] {
        let r = api.get(&format!("{}?{q}", log(&org))).send().await;
        r.expect_error(400, "validation_failed");
        assert_eq!(r.body["error"]["details"][0]["field"], field, "{q}: {}", r.body);
    }
}

#[tokio::test]
async fn a_token_writes_its_id_and_items_expire() {
    let api = TestApi::new().await;
    let org = api.create_org(&api.root_org, json!({})).await;
    let admin = api.create_user(&org, Role::Admin).await;
    let t = api.post("/api-tokens", json!({"name": "ci"})).as_user(&admin, &org).send().await;
    t.expect(201);
    let (secret, token_id) = (t.data()["token"].as_str().unwrap(), t.data()["token_id"].as_str().unwrap());
    api.post(&format!("/organizations/{org}/roles"), json!({"name": "by-token"}))
        .bearer(secret)
        .send()
        .await
        .expect(201);
    let r = api.get(&format!("{}?type=role.created", log(&org))).as_user(&admin, &org).send().await;
    let a = &r.data()[0];
    assert_eq!(a["actor_type"], "api");
    assert_eq!(a["token_id"], token_id);
    // stored with a TTL about 400 days out
    let item = api.activities(&org).await.into_iter().find(|i| i["activity_id"] == a["activity_id"]).expect("stored");
    let ttl = item["expires_at"].as_i64().unwrap();
    let days = (ttl - shared::model::now_ms() / 1000) / 86_400;
    assert!((399..=400).contains(&days), "{days} days");
}

#[tokio::test]
async fn the_deletion_job_records_its_end_as_the_system() {
    let api = TestApi::new().await;
    let parent = api.create_org(&api.root_org, json!({})).await;
    let child = api.create_org(&parent, json!({})).await;
    api.create_org(&child, json!({})).await;
    let r = api.req("DELETE", &format!("/organizations/{child}")).send().await;
    assert!(r.status == 200 || r.status == 202, "{}", r.body);
    shared::jobs::purge::resume_all(&api.state, std::time::Duration::from_secs(30)).await.unwrap();
    let r = api.get(&format!("{}?type=organization.purged", log(&parent))).send().await;
    r.expect(200);
    let a = &r.data()[0];
    assert_eq!(a["actor_type"], "system");
    assert_eq!(a["service_id"], "deletion-worker");
    assert_eq!(a["target_id"], child.as_str());
    assert_eq!(a["changes"]["organizations_purged"], 2);
    let deleted = api.get(&format!("{}?type=organization.deleted", log(&parent))).send().await;
    assert_eq!(deleted.data()[0]["service_id"], "organizations");
}

/// A deletion that ends after its parent's own deletion purged the parent's log writes no entry
/// there (it would be an orphan of a deleted organization).
#[tokio::test]
async fn a_deletion_ending_inside_a_deleted_parent_leaves_no_orphan_entry() {
    let api = TestApi::new().await.with_inline_delete_budget(0);
    let parent = api.create_org(&api.root_org, json!({})).await;
    let child = api.create_org(&parent, json!({})).await;
    for org in [&child, &parent] {
        let r = api.req("DELETE", &format!("/organizations/{org}")).send().await;
        assert!(r.status == 202 || r.status == 200, "{}", r.body);
    }
    let budget = || shared::jobs::purge::Budget::time(std::time::Duration::from_secs(30));
    shared::jobs::purge::run_job(&api.state, &parent, budget()).await.unwrap();
    shared::jobs::purge::run_job(&api.state, &child, budget()).await.unwrap();
    let orphans: Vec<String> = api
        .all_items()
        .await
        .iter()
        .filter(|i| i["PK"].as_s().is_ok_and(|pk| pk == &shared::store::keys::activity_pk(&parent)))
        .map(|i| format!("{i:?}"))
        .collect();
    assert!(orphans.is_empty(), "{orphans:?}");
    // the root's log still records the parent's end
    let r = api.get(&format!("{}?type=organization.purged", log(&api.root_org))).send().await;
    assert_eq!(r.data()[0]["target_id"], parent.as_str());
}
