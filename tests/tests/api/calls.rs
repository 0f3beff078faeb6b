//! DynamoDB calls per route, counted by an SDK interceptor and pinned: a route that starts making
//! more calls than docs/DATA.md says fails here. No route ever Scans.

use std::collections::BTreeMap;

use orgs_tests::TestApi;
use serde_json::json;
use shared::model::user::Role;

fn calls(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

#[tokio::test]
async fn calls_per_route_are_pinned() {
    let api = TestApi::new().await;
    let child = api.create_org(&api.root_org, json!({"code": "calls"})).await;
    let admin = api.create_user(&child, Role::Admin).await;
    let user = api.post("/users", json!({"email": "c@calls.io", "organization_id": child})).send().await;
    let user = user.data()["user_id"].as_str().unwrap().to_string();
    let token = api.post("/api-tokens", json!({"name": "t"})).as_user(&admin, &child).send().await;
    let token = token.data()["token"].as_str().unwrap().to_string();
    let cases: Vec<(&str, orgs_tests::Req<'_>, BTreeMap<String, usize>)> = vec![
        // caller (user + registry) with the org and its edge read ahead · ancestors + template
        ("GET org by id", api.get(&format!("/organizations/{child}")), calls(&[("BatchGetItem", 2)])),
        // caller with the code's guard read ahead · org + edge + the ancestors and template the
        // guard names
        ("GET org by code", api.get("/organizations/calls"), calls(&[("BatchGetItem", 2)])),
        // caller · edges page · orgs · (ancestors all on the page: none)
        ("GET orgs", api.get("/organizations"), calls(&[("BatchGetItem", 2), ("Query", 1)])),
        // caller · parent + edge · the transaction, with ancestors + template read meanwhile
        (
            "POST org",
            api.post(
                "/organizations",
                json!({"name": "n", "contact_email": "a@b.io", "parent_organization_id": child,
                "can_have_child_organizations": false, "rbac_template_id": "default"}),
            ),
            calls(&[("BatchGetItem", 3), ("TransactWriteItems", 1)]),
        ),
        // caller with org + edge read ahead · transaction · render
        (
            "PATCH org",
            api.patch(&format!("/organizations/{child}"), json!({"name": "renamed"})),
            calls(&[("BatchGetItem", 2), ("TransactWriteItems", 1)]),
        ),
        // caller with the user read ahead · edge and the user's organization path, together
        ("GET user", api.get(&format!("/users/{user}")), calls(&[("BatchGetItem", 3)])),
        // caller (own org context: nothing more) · the organization path
        ("GET self", api.get(&format!("/users/{admin}")).as_user(&admin, &child), calls(&[("BatchGetItem", 2)])),
        // caller · tokens query
        ("GET tokens", api.get("/api-tokens").as_user(&admin, &child), calls(&[("BatchGetItem", 1), ("Query", 1)])),
        // caller · edges below · organizations above (built-in templates: no read)
        (
            "GET disabled permissions",
            api.get("/permissions/disabled").as_user(&admin, &child),
            calls(&[("BatchGetItem", 2), ("Query", 1)]),
        ),
    ];
    for (name, req, expected) in cases {
        api.calls.reset();
        let r = req.send().await;
        assert!(r.status < 300, "{name}: {} {}", r.status, r.body);
        let got = api.calls.take();
        assert!(!got.contains_key("Scan"), "{name} scanned");
        assert_eq!(got, expected, "{name}");
    }
    // the authorizer: hash item, then user + registry; its writes happen at most every 5 minutes
    api.calls.reset();
    assert!(matches!(
        authorizer::authorize(&api.state, Some(&format!("Bearer {token}"))).await,
        authorizer::Decision::Allow(_)
    ));
    assert_eq!(api.calls.take(), calls(&[("BatchGetItem", 1), ("GetItem", 1), ("UpdateItem", 2)]));
    assert!(matches!(
        authorizer::authorize(&api.state, Some(&format!("Bearer {token}"))).await,
        authorizer::Decision::Allow(_)
    ));
    let again = api.calls.take();
    assert_eq!(again.get("BatchGetItem"), Some(&1));
    assert_eq!(again.get("GetItem"), Some(&1));
    // a malformed token costs nothing
    assert!(matches!(authorizer::authorize(&api.state, Some("Bearer orgs_nope")).await, authorizer::Decision::Deny(_)));
    assert!(api.calls.take().is_empty());
}
