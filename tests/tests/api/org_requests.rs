//! Organization requests (seed 004, R22, R23) through the real function: anyone asks for a child
//! of an organization they reach; who may see and decide it; approval creates the organization
//! in the same transaction, once, even under 20 racing approvals.

use futures_util::future::join_all;
use orgs_tests::TestApi;
use serde_json::{json, Value};
use shared::model::user::Role;

async fn request(api: &TestApi, who: (&str, &str), body: Value) -> orgs_tests::Resp {
    api.post("/organization-requests", body).as_user(who.0, who.1).send().await
}

fn approve_body(code: &str) -> Value {
    json!({"code": code, "contact_email": "ops@acme.io", "rbac_template_id": "default",
           "can_have_child_organizations": false})
}

#[tokio::test]
async fn a_request_is_seen_by_its_requester_and_decided_by_who_may_create_there() {
    let api = TestApi::new().await;
    let parent = api.create_org(&api.root_org, json!({"code": "acme"})).await;
    let user = api.create_user(&parent, Role::User).await;
    let colleague = api.create_user(&parent, Role::User).await;
    let admin = api.create_user(&parent, Role::Admin).await;
    let sup = api.create_user(&parent, Role::Superadmin).await;
    let me = (user.as_str(), parent.as_str());
    // by code, with seed 004's fields
    let r = request(
        &api,
        me,
        json!({"organizationname": "Acme Labs", "parentorganization": "acme", "description": "R&D",
               "startdate": "01-15-2027", "enddate": "12-31-2027", "organizationtype": "company",
               "owners": [{"owner": "ada@acme.io", "rank": 1, "policy": "ADMIN"}], "customproperty7": "cc-7"}),
    )
    .await;
    r.expect(201);
    let id = r.data()["request_id"].as_str().unwrap().to_string();
    assert_eq!(r.data()["status"], "pending");
    assert_eq!(r.data()["parent_organization_id"], parent.as_str());
    assert_eq!(r.data()["request"]["customproperty7"], "cc-7");
    // by name, and by default the requester's own organization
    let parent_name = api.get(&format!("/organizations/{parent}")).send().await.data()["name"].clone();
    request(&api, me, json!({"organizationname": "By name", "parentorganization": parent_name})).await.expect(201);
    let own = request(&api, me, json!({"organizationname": "Default parent"})).await;
    assert_eq!(own.data()["parent_organization_id"], parent.as_str());
    // who sees it
    let path = format!("/organization-requests/{id}");
    api.get(&path).as_user(&user, &parent).send().await.expect(200);
    api.get(&path).as_user(&colleague, &parent).send().await.expect_error(404, "organization_request_not_found");
    api.get(&path).as_user(&admin, &parent).send().await.expect(404);
    api.get(&path).as_user(&sup, &parent).send().await.expect(200);
    let mine = api.get("/organization-requests").as_user(&user, &parent).send().await;
    assert_eq!(mine.body["total"], 3);
    assert_eq!(api.get("/organization-requests").as_user(&colleague, &parent).send().await.body["total"], 0);
    let addressed = api
        .get(&format!("/organization-requests?organization_id={parent}&status=pending"))
        .as_user(&sup, &parent)
        .send()
        .await;
    addressed.expect(200);
    assert_eq!(addressed.body["total"], 3);
    api.get(&format!("/organization-requests?organization_id={parent}"))
        .as_user(&admin, &parent)
        .send()
        .await
        .expect_error(403, "forbidden");
    // who decides: not the requester, not an admin
    let approve = |who: &str| api.post(&format!("{path}/approve"), approve_body("acme-labs")).as_user(who, &parent);
    approve(&user).send().await.expect_error(403, "forbidden");
    approve(&admin).send().await.expect_error(403, "forbidden");
    let ok = approve(&sup).send().await;
    ok.expect(200);
    assert_eq!(ok.data()["status"], "approved");
    let org = ok.data()["organization_id"].as_str().unwrap().to_string();
    let created = api.get(&format!("/organizations/{org}")).send().await;
    created.expect(200);
    assert_eq!(created.data()["name"], "Acme Labs");
    assert_eq!(created.data()["code"], "acme-labs");
    assert_eq!(created.data()["parent_organization_id"], parent.as_str());
    // decided once
    approve(&sup).send().await.expect_error(409, "request_already_decided");
    api.post(&format!("{path}/reject"), json!({"reason": "late"}))
        .as_user(&sup, &parent)
        .send()
        .await
        .expect_error(409, "request_already_decided");
    // the requester sees the outcome; the parent's log has both steps
    let seen = api.get(&path).as_user(&user, &parent).send().await;
    assert_eq!(seen.data()["organization_id"], org.as_str());
    let kinds: Vec<String> = api
        .activities(&parent)
        .await
        .iter()
        .filter(|a| a["target_id"] == id.as_str())
        .map(|a| a["type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kinds, ["organization_request.created", "organization_request.approved"]);
    // reject needs a reason
    let other = own.data()["request_id"].as_str().unwrap();
    let rej =
        api.post(&format!("/organization-requests/{other}/reject"), json!({})).as_user(&sup, &parent).send().await;
    rej.expect_error(400, "validation_failed");
    assert_eq!(rej.body["error"]["details"][0]["field"], "reason");
    let rej = api
        .post(&format!("/organization-requests/{other}/reject"), json!({"reason": "duplicate"}))
        .as_user(&sup, &parent)
        .send()
        .await;
    rej.expect(200);
    assert_eq!(rej.data()["status"], "rejected");
    assert_eq!(rej.data()["reason"], "duplicate");
}

#[tokio::test]
async fn twenty_racing_approvals_create_one_organization() {
    let api = TestApi::new().await;
    let parent = api.create_org(&api.root_org, json!({})).await;
    let user = api.create_user(&parent, Role::User).await;
    let r = request(&api, (&user, &parent), json!({"organizationname": "Once"})).await;
    let id = r.data()["request_id"].as_str().unwrap().to_string();
    let mut approvers = Vec::new();
    for _ in 0..20 {
        approvers.push(api.create_user(&parent, Role::Superadmin).await);
    }
    let results = join_all(approvers.iter().enumerate().map(|(i, sa)| {
        let api = &api;
        let (id, parent) = (id.clone(), parent.clone());
        async move {
            api.post(&format!("/organization-requests/{id}/approve"), approve_body(&format!("once-{i}")))
                .as_user(sa, &parent)
                .send()
                .await
        }
    }))
    .await;
    let ok = results.iter().filter(|r| r.status == 200).count();
    assert_eq!(ok, 1, "{:?}", results.iter().map(|r| (r.status, r.body.clone())).collect::<Vec<_>>());
    assert!(results.iter().all(|r| r.status == 200 || r.status == 409));
    let all = api.get("/organizations?limit=100").send().await;
    all.expect(200);
    let named: Vec<&Value> = all.data().as_array().unwrap().iter().filter(|o| o["name"] == "Once").collect();
    assert_eq!(named.len(), 1);
}

#[tokio::test]
async fn bad_requests_name_the_field_and_write_nothing() {
    let api = TestApi::new().await;
    let parent = api.create_org(&api.root_org, json!({})).await;
    let hidden = api.create_org(&api.root_org, json!({"code": "elsewhere"})).await;
    let user = api.create_user(&parent, Role::User).await;
    let before = api.item_count().await;
    for (body, field) in [
        (json!({}), "organizationname"),
        (json!({"organizationname": "x", "startdate": "2027-01-15"}), "startdate"),
        (json!({"organizationname": "x", "startdate": "03-01-2027", "enddate": "02-01-2027"}), "enddate"),
        (json!({"organizationname": "x", "owners": [{"owner": "a", "policy": "GOD"}]}), "owners[0].policy"),
        (json!({"organizationname": "x", "customproperty29": "v"}), "customproperty29"),
        (json!({"organizationname": "x", "customproperty2": "v".repeat(1025)}), "customproperty2"),
        (json!({"organizationname": "x", "parentorganization": "elsewhere"}), "parentorganization"),
        (json!({"organizationname": "x", "parentorganization": hidden}), "parentorganization"),
    ] {
        let r = request(&api, (&user, &parent), body.clone()).await;
        r.expect_error(400, "validation_failed");
        assert_eq!(r.body["error"]["details"][0]["field"], field, "{body}: {}", r.body);
    }
    assert_eq!(api.item_count().await, before, "nothing written");
}
