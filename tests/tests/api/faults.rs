//! Fault injection under the SDK (tests/src/lib.rs `Faults`): throttling, 5xx and cancelled
//! transactions injected into DynamoDB calls of every route class. Each is either retried by the
//! SDK's standard retry within its bound (3 attempts) and succeeds, or answered with a clean 503
//! `service_unavailable` / 409 `concurrent_modification`: never a partial write, never a 500,
//! never a word about the store in the body.

use orgs_tests::{FaultKind, Resp, TestApi};
use serde_json::json;
use shared::model::user::Role;

const RETRYABLE: [FaultKind; 4] = [
    FaultKind::ThroughputExceeded,
    FaultKind::Throttling,
    FaultKind::InternalServerError,
    FaultKind::BareServiceUnavailable,
];

/// The SDK's attempts per call (the standard retry mode's default).
const ATTEMPTS: usize = 3;

struct Fixture {
    api: TestApi,
    child: String,
}

impl Fixture {
    async fn new() -> Self {
        let api = TestApi::new().await;
        let child = api.create_org(&api.root_org, json!({"code": "faulty"})).await;
        Self { api, child }
    }

    /// One request of each route class and the DynamoDB operations it depends on.
    async fn cases(&self) -> Vec<(&'static str, orgs_tests::Req<'_>, &'static [&'static str])> {
        let api = &self.api;
        let victim = api.create_user(&self.child, Role::User).await;
        let org = |n: &str| {
            json!({"name": n, "contact_email": "a@b.io", "parent_organization_id": self.child,
                   "can_have_child_organizations": false, "rbac_template_id": "default"})
        };
        vec![
            ("GET org by id", api.get(&format!("/organizations/{}", self.child)), &["BatchGetItem"]),
            // the code's guard is read with the caller (shared::store::ahead)
            ("GET org by code", api.get("/organizations/faulty"), &["BatchGetItem"]),
            ("GET orgs", api.get("/organizations"), &["Query", "BatchGetItem"]),
            ("POST users/filter", api.post("/users/filter?page=0&size=10", json!({})), &["Query"]),
            ("POST org", api.post("/organizations", org("f")), &["BatchGetItem", "TransactWriteItems"]),
            (
                "PATCH org",
                api.patch(&format!("/organizations/{}", self.child), json!({"name": "patched"})),
                &["BatchGetItem", "TransactWriteItems"],
            ),
            ("DELETE user", api.req("DELETE", &format!("/users/{victim}")), &["Query", "TransactWriteItems"]),
            ("POST api-token", api.post("/api-tokens", json!({"name": "t"})), &["Query", "TransactWriteItems"]),
            (
                "POST org, idempotent",
                api.post("/organizations", org("g")).header("x-request-id", &uuid::Uuid::new_v4().to_string()),
                &["PutItem", "UpdateItem", "TransactWriteItems"],
            ),
        ]
    }
}

#[track_caller]
fn no_internals(r: &Resp) {
    let text = r.body.to_string().to_lowercase();
    for word in ["dynamodb", "exception", "injected", "__type", "amazonaws", "throughput", "sdk"] {
        assert!(!text.contains(word), "{word} leaked: {}", r.body);
    }
}

#[tokio::test]
async fn transient_faults_are_retried_within_the_bound() {
    let f = Fixture::new().await;
    for kind in RETRYABLE {
        for (name, req, ops) in f.cases().await {
            for op in ops {
                f.api.faults.inject(op, kind, ATTEMPTS - 1);
            }
            let r = req.send().await;
            f.api.faults.clear();
            assert!(r.status < 300, "{name} under {kind:?}: {} {}", r.status, r.body);
            let injected = f.api.faults.take_injected();
            assert!(!injected.is_empty(), "{name}: nothing injected");
            for (op, n) in injected {
                assert!(n < ATTEMPTS, "{name}: {op} {n}");
            }
        }
    }
}

#[tokio::test]
async fn persistent_faults_are_a_clean_503_and_write_nothing() {
    let f = Fixture::new().await;
    for kind in RETRYABLE {
        for (name, req, ops) in f.cases().await {
            for op in ops.iter().copied() {
                // rebuild the request for each operation: the first faulty one decides
                let mut req = req.clone();
                if name.ends_with("idempotent") {
                    // a fresh key each time (a failed UpdateItem leaves the previous one claimed)
                    req = req.header("x-request-id", &uuid::Uuid::new_v4().to_string());
                }
                let before = f.api.all_items().await;
                f.api.faults.inject(op, kind, usize::MAX);
                let r = req.send().await;
                f.api.faults.clear();
                let injected = f.api.faults.take_injected();
                if op == "UpdateItem" && r.status < 300 {
                    // storing the idempotent response failed: the change stands and the client
                    // gets its answer (see DECISIONS.md, idempotency)
                    continue;
                }
                r.expect_error(503, "service_unavailable");
                no_internals(&r);
                assert_eq!(injected.get(op), Some(&ATTEMPTS), "{name}/{op}/{kind:?}: exactly the SDK's attempts");
                assert_eq!(f.api.all_items().await, before, "{name}/{op}/{kind:?}: wrote something");
            }
        }
    }
}

#[tokio::test]
async fn cancelled_transactions_are_409_or_503_and_write_nothing() {
    let f = Fixture::new().await;
    for (kind, status, code) in [
        (FaultKind::TransactionConflict, 409, "concurrent_modification"),
        (FaultKind::TransactionThrottled, 503, "service_unavailable"),
    ] {
        for (name, req, ops) in f.cases().await {
            if !ops.contains(&"TransactWriteItems") {
                continue;
            }
            let before = f.api.item_count().await;
            f.api.faults.inject("TransactWriteItems", kind, usize::MAX);
            let r = req.send().await;
            f.api.faults.clear();
            r.expect_error(status, code);
            no_internals(&r);
            // a cancelled transaction is the application's answer: the SDK does not retry it
            assert_eq!(f.api.faults.take_injected().get("TransactWriteItems"), Some(&1), "{name}");
            let after = f.api.item_count().await;
            // an idempotent request's final 409 is recorded (its claim, now done): nothing else
            let allowed = usize::from(name.ends_with("idempotent") && status == 409);
            assert_eq!(after - before, allowed, "{name}: wrote something");
        }
    }
}

#[tokio::test]
async fn a_failure_after_the_commit_leaves_the_write_whole() {
    let f = Fixture::new().await;
    let api = &f.api;
    let before = api.item_count().await;
    // caller resolution and the parent are read; the transaction commits; rendering fails
    api.faults.inject_after("BatchGetItem", FaultKind::InternalServerError, 2, usize::MAX);
    let body = json!({"name": "whole", "code": "whole", "contact_email": "a@b.io", "parent_organization_id": f.child,
                      "can_have_child_organizations": false, "rbac_template_id": "default"});
    let r = api.post("/organizations", body.clone()).send().await;
    api.faults.clear();
    r.expect_error(503, "service_unavailable");
    assert_eq!(api.item_count().await - before, 6, "the whole organization: item, guard, 3 edges, activity");
    api.get("/organizations/whole").send().await.expect(200);
    // the client's plain retry meets the uniqueness guard, not a second organization
    api.post("/organizations", body).send().await.expect_error(409, "organization_code_taken");
}

#[tokio::test]
async fn the_authorizer_fails_closed_and_tolerates_failed_bookkeeping() {
    let api = TestApi::new().await;
    let r = api.post("/api-tokens", json!({"name": "t"})).send().await;
    let token = r.data()["token"].as_str().unwrap().to_string();
    let header = format!("Bearer {token}");
    for (op, kind) in [("GetItem", FaultKind::Throttling), ("BatchGetItem", FaultKind::InternalServerError)] {
        api.faults.inject(op, kind, usize::MAX);
        let d = authorizer::authorize(&api.state, Some(&header)).await;
        api.faults.clear();
        assert!(matches!(d, authorizer::Decision::Deny(_)), "{op}: a store failure must never allow");
        assert_eq!(api.faults.take_injected().get(op), Some(&ATTEMPTS));
    }
    // last-used / last-login updates failing does not deny
    api.faults.inject("UpdateItem", FaultKind::Throttling, usize::MAX);
    let d = authorizer::authorize(&api.state, Some(&header)).await;
    api.faults.clear();
    assert!(matches!(d, authorizer::Decision::Allow(_)));
    // and through the gateway, a denied token never reaches a function
    api.faults.inject("GetItem", FaultKind::ThroughputExceeded, usize::MAX);
    let r = api.get("/organizations").bearer(&token).send().await;
    api.faults.clear();
    assert_eq!(r.status, 403);
}
