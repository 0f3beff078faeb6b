//! Races: 50 concurrent requests fighting over one unique value or one version. Exactly one
//! wins, every other gets a clean 409, and the table holds exactly what the winner wrote.
//! (The 20-racer tests in create.rs / users.rs stay as the quick ones.)

use orgs_tests::{send_all, Resp, TestApi};
use serde_json::{json, Value};
use shared::model::user::Role;

const RACERS: usize = 50;

fn org_body(parent: &str, extra: Value) -> Value {
    let mut b = json!({"name": "Racer", "contact_email": "a@b.io", "parent_organization_id": parent,
                       "can_have_child_organizations": true, "rbac_template_id": "default"});
    for (k, v) in extra.as_object().unwrap() {
        b[k] = v.clone();
    }
    b
}

/// Exactly one response with `winner`, every other a 409 with one of `codes`.
#[track_caller]
fn one_winner(results: &[Resp], winner: u16, codes: &[&str]) -> usize {
    let mut won: Option<usize> = None;
    for (i, r) in results.iter().enumerate() {
        if r.status == winner {
            if let Some(w) = won {
                panic!("two winners: {} and {}", results[w].body, r.body);
            }
            won = Some(i);
        } else {
            assert_eq!(r.status, 409, "{}", r.body);
            assert!(codes.contains(&r.code()), "unexpected code {}: {}", r.code(), r.body);
            assert!(r.body["message"].is_string());
        }
    }
    won.expect("no winner")
}

#[tokio::test]
async fn fifty_creates_of_one_code_make_one_organization() {
    let api = TestApi::new().await;
    let before = api.item_count().await;
    let events = (0..RACERS)
        .map(|i| {
            let code = if i % 2 == 0 { "race50" } else { "RACE50" };
            api.post("/organizations", org_body(&api.root_org, json!({"code": code, "name": format!("R{i}")}))).event()
        })
        .collect();
    let results = send_all(&api.state, events).await;
    let w = one_winner(&results, 201, &["organization_code_taken", "concurrent_modification"]);
    assert_eq!(api.item_count().await - before, 5, "one org: item, code guard, 2 edges, activity");
    let got = api.get("/organizations/race50").send().await;
    assert_eq!(got.data()["organization_id"], results[w].data()["organization_id"]);
    assert_eq!(got.data()["name"], results[w].data()["name"], "the winner's write, nobody else's");
}

#[tokio::test]
async fn fifty_creates_claiming_one_domain_make_one_organization() {
    let api = TestApi::new().await;
    let before = api.item_count().await;
    let events = (0..RACERS)
        .map(|i| {
            let extra = json!({"code": format!("dom{i}"), "domains": ["race.example"]});
            api.post("/organizations", org_body(&api.root_org, extra)).event()
        })
        .collect();
    let results = send_all(&api.state, events).await;
    let w = one_winner(&results, 201, &["domain_taken", "concurrent_modification"]);
    // item, code guard, domain guard, 2 edges, activity
    assert_eq!(api.item_count().await - before, 6);
    assert_eq!(results[w].data()["domains"], json!(["race.example"]));
}

#[tokio::test]
async fn fifty_creates_of_one_email_make_one_user() {
    let api = TestApi::new().await;
    let child = api.create_org(&api.root_org, json!({})).await;
    let before = api.item_count().await;
    let events = (0..RACERS)
        .map(|i| {
            let email = ["Race50@Example.com", "race50@example.COM"][i % 2];
            api.post("/users", json!({"email": email, "organization_id": child, "first_name": format!("U{i}")})).event()
        })
        .collect();
    let results = send_all(&api.state, events).await;
    let w = one_winner(&results, 201, &["email_taken", "concurrent_modification"]);
    assert_eq!(api.item_count().await - before, 4, "user, email guard, org entry, activity");
    let id = results[w].data()["user_id"].as_str().unwrap();
    let got = api.get("/users/by-email/race50@example.com").send().await;
    assert_eq!(got.data()["user_id"], id);
    assert_eq!(got.data()["first_name"], results[w].data()["first_name"]);
}

/// 50 PATCHes pinned to the same version: one 200, 49 × 409 `version_conflict`, the version
/// moves by exactly one and the stored value is the winner's.
async fn if_match_race(api: &TestApi, path: &str, field: &str) {
    let v = api.get(path).send().await.data()["version"].as_u64().expect("version");
    let before = api.item_count().await;
    let events = (0..RACERS)
        .map(|i| api.patch(path, json!({ field: format!("writer {i}") })).header("if-match", &v.to_string()).event())
        .collect();
    let results = send_all(&api.state, events).await;
    let w = one_winner(&results, 200, &["version_conflict"]);
    let after = api.get(path).send().await;
    assert_eq!(after.data()["version"], v + 1, "{path}: exactly one update applied");
    assert_eq!(after.data()[field], results[w].data()[field], "{path}: the winner's value");
    assert_eq!(after.data()[field], format!("writer {w}"));
    assert_eq!(api.item_count().await - before, 1, "{path}: one activity item, nothing else");
}

#[tokio::test]
async fn fifty_patches_with_one_if_match_apply_once() {
    let api = TestApi::new().await;
    let org = api.create_org(&api.root_org, json!({})).await;
    if_match_race(&api, &format!("/organizations/{org}"), "name").await;
    let user = api.create_user(&org, Role::User).await;
    if_match_race(&api, &format!("/users/{user}"), "last_name").await;
    let g = api.post("/user-groups", json!({"name": "g", "parent_organization_id": org})).send().await;
    g.expect(201);
    let group = g.data()["user_group_id"].as_str().or(g.data()["id"].as_str()).expect("group id").to_string();
    if_match_race(&api, &format!("/user-groups/{group}"), "name").await;
}

#[tokio::test]
async fn unconditional_patches_of_different_fields_lose_nothing() {
    let api = TestApi::new().await;
    let org = api.create_org(&api.root_org, json!({})).await;
    let path = format!("/organizations/{org}");
    // without If-Match a conflicting writer re-applies its patch to the fresh item: writers of
    // different fields all land (each retries at most 3 times, so a few racers, not 50)
    let fields = ["name", "contact_email", "updates_email"];
    let values = ["Renamed", "c@race.io", "u@race.io"];
    let events = fields.iter().zip(values).map(|(f, v)| api.patch(&path, json!({ *f: v })).event()).collect();
    let results = send_all(&api.state, events).await;
    for r in &results {
        assert!(r.status == 200 || (r.status == 409 && r.code() == "concurrent_modification"), "{}", r.body);
    }
    let after = api.get(&path).send().await;
    let applied = results.iter().filter(|r| r.status == 200).count() as u64;
    assert_eq!(after.data()["version"], 1 + applied);
    for ((f, v), r) in fields.iter().zip(values).zip(&results) {
        if r.status == 200 {
            assert_eq!(after.data()[*f], v, "{f} was lost");
        }
    }
}
