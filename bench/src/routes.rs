//! The scripted run of every route: one request each, through the black-box harness
//! (`orgs_tests::TestApi`: real routers, `lambda_http` event parsing, DynamoDB Local), with its
//! DynamoDB calls counted by the harness's `CallCounter` and, when a [`CapacityMeter`] is given,
//! the capacity each call consumed.
//!
//! [`EXPECTED`] pins the calls of every route: the cost bench and `bench/tests/calls.rs` fail when
//! a route makes more (or other) calls than pinned there, and the table in docs/PERFORMANCE.md is
//! generated from this run.

use std::collections::BTreeMap;

use orgs_tests::{multipart, Req, TestApi};
use serde_json::{json, Value};
use shared::model::user::Role;

use crate::meter::{CapacityMeter, Usage};
use crate::rounds::{sequential, Timeline};

/// One route's measurement.
#[derive(Debug, Clone)]
pub struct RouteRun {
    pub function: &'static str,
    pub route: &'static str,
    /// What the request was (e.g. "by code", "own user").
    pub case: &'static str,
    pub status: u16,
    /// Calls by operation, from the harness's counter.
    pub calls: BTreeMap<String, usize>,
    /// Calls and capacity, when metered.
    pub usage: Option<Usage>,
    /// Sequential round trips and the request's wall time, when run with a [`Timeline`].
    pub rounds: Option<(usize, std::time::Duration)>,
}

impl RouteRun {
    pub fn label(&self) -> String {
        if self.case.is_empty() {
            self.route.to_string()
        } else {
            format!("{} ({})", self.route, self.case)
        }
    }

    pub fn total_calls(&self) -> usize {
        self.calls.values().sum()
    }
}

/// The pinned calls of every case, by `label()`: docs/DATA.md's design (every route starts with
/// one BatchGetItem resolving the caller; see the tables there for what each call reads). The
/// DELETE of an organization includes its inline purge; the user and group filters make one
/// Query per candidate organization (five in this script) by design. The authorizer's
/// conditional UpdateItem of the token runs on every uncached call and writes at most every 5
/// minutes; the user's `last_login` is only attempted when the user item it read is older.
/// Where a route names its target in the path (an organization by id or code, a user, a group,
/// a role, a request), the identity's BatchGetItem reads it too (`shared::store::ahead`), so no
/// GetItem of its own (a role is read again after adding members, to answer with the new
/// count); a role's members or an organization's roles are one Query; deleting every
/// role of an organization deletes them one by one (per role: its members' Query, their users'
/// BatchGetItem when it has any, one transaction). A user's deletion takes their assignments in
/// its one transaction, however many roles they hold. The purge of an organization also takes
/// the organization requests addressed to it (one Query of its request entries). Every page of
/// the activity log is one Query, filtered or not ([`SAME_CALLS`]): the table without a filter,
/// GSI1 by type, GSI2 by actor, GSI3 by both. An organization request is read with one GetItem,
/// a requester's requests with one Query of GSI1 and those addressed to an organization with
/// one Query of its partition; approving one is POST /organizations' own reads and transaction
/// with the request's decision in it.
pub const EXPECTED: &[(&str, &[(&str, usize)])] = &[
    ("POST /organizations", &[("BatchGetItem", 3), ("TransactWriteItems", 1)]),
    ("GET /organizations", &[("BatchGetItem", 2), ("Query", 1)]),
    ("POST /organizations/filter", &[("BatchGetItem", 2), ("Query", 1)]),
    ("GET /organizations/{id}", &[("BatchGetItem", 2)]),
    ("GET /organizations/{id} (by code)", &[("BatchGetItem", 2)]),
    ("GET /organizations/{id} (foreign Organization-ID context)", &[("BatchGetItem", 4)]),
    ("PATCH /organizations/{id}", &[("BatchGetItem", 2), ("TransactWriteItems", 1)]),
    ("POST /organizations/{id}/logo", &[("BatchGetItem", 1), ("TransactWriteItems", 1)]),
    (
        "DELETE /organizations/{id} (empty leaf)",
        &[
            ("BatchGetItem", 2),
            ("BatchWriteItem", 3),
            ("GetItem", 4),
            ("Query", 8),
            ("TransactWriteItems", 3),
            ("UpdateItem", 1),
        ],
    ),
    ("GET /organizations/{id}/deletion", &[("BatchGetItem", 1), ("GetItem", 1)]),
    ("POST /users", &[("BatchGetItem", 3), ("TransactWriteItems", 1)]),
    ("GET /users/{id}", &[("BatchGetItem", 3)]),
    ("GET /users/{id} (own user)", &[("BatchGetItem", 2)]),
    ("GET /users/by-email/{email}", &[("BatchGetItem", 2)]),
    ("PATCH /users/{id}", &[("BatchGetItem", 3), ("TransactWriteItems", 1)]),
    ("POST /users/filter", &[("BatchGetItem", 2), ("Query", 6)]),
    ("POST /users/logged-in/filter", &[("BatchGetItem", 1), ("Query", 6)]),
    ("POST /users/verify", &[("BatchGetItem", 5)]),
    ("POST /users/bulk-delete", &[("BatchGetItem", 3), ("Query", 1), ("TransactWriteItems", 1)]),
    ("DELETE /users/{id}", &[("BatchGetItem", 2), ("Query", 1), ("TransactWriteItems", 1)]),
    ("DELETE /users/{id} (holding 20 custom roles)", &[("BatchGetItem", 2), ("Query", 1), ("TransactWriteItems", 1)]),
    ("POST /api-tokens", &[("BatchGetItem", 1), ("Query", 1), ("TransactWriteItems", 1)]),
    ("GET /api-tokens", &[("BatchGetItem", 1), ("Query", 1)]),
    ("authorizer (first use: records last use)", &[("BatchGetItem", 1), ("GetItem", 1), ("UpdateItem", 2)]),
    ("authorizer (allowed)", &[("BatchGetItem", 1), ("GetItem", 1)]),
    ("authorizer (malformed token)", &[]),
    ("DELETE /api-tokens/{id}", &[("BatchGetItem", 1), ("GetItem", 1), ("TransactWriteItems", 1)]),
    ("POST /user-groups", &[("BatchGetItem", 6), ("TransactWriteItems", 1)]),
    ("POST /user-groups/filter", &[("BatchGetItem", 3), ("Query", 6)]),
    ("GET /user-groups/{id}", &[("BatchGetItem", 4)]),
    ("PATCH /user-groups/{id}", &[("BatchGetItem", 4), ("TransactWriteItems", 1)]),
    ("DELETE /user-groups/{id}", &[("BatchGetItem", 3), ("TransactWriteItems", 1)]),
    ("GET /permissions", &[("BatchGetItem", 1)]),
    ("GET /rbac-templates", &[("BatchGetItem", 1), ("Query", 1)]),
    ("POST /rbac-templates", &[("BatchGetItem", 1), ("TransactWriteItems", 1)]),
    ("GET /rbac-templates/permissions", &[("BatchGetItem", 1)]),
    ("GET /rbac-templates/movements", &[("BatchGetItem", 1), ("Query", 1)]),
    ("GET /rbac-templates/{id}", &[("BatchGetItem", 1), ("GetItem", 1)]),
    ("PUT /rbac-templates/{id}", &[("BatchGetItem", 1), ("GetItem", 1), ("TransactWriteItems", 1)]),
    ("DELETE /rbac-templates/{id}", &[("BatchGetItem", 1), ("GetItem", 1), ("TransactWriteItems", 1)]),
    ("POST /organizations/{id}/roles", &[("BatchGetItem", 1), ("TransactWriteItems", 1)]),
    ("POST /organizations/{id}/roles/generate", &[("BatchGetItem", 1), ("Query", 1), ("TransactWriteItems", 1)]),
    ("GET /organizations/{id}/roles", &[("BatchGetItem", 1), ("Query", 1)]),
    ("GET /organizations/{id}/roles/permissions", &[("BatchGetItem", 1), ("Query", 1)]),
    ("GET /organizations/{id}/roles/{role_id}", &[("BatchGetItem", 1)]),
    ("GET /organizations/{id}/roles/{role_id} (caller with 0 custom roles)", &[("BatchGetItem", 1)]),
    ("GET /organizations/{id}/roles/{role_id} (caller with 20 custom roles)", &[("BatchGetItem", 1)]),
    ("PUT /organizations/{id}/roles/{role_id}", &[("BatchGetItem", 1), ("TransactWriteItems", 1)]),
    ("PATCH /organizations/{id}/roles/{role_id}", &[("BatchGetItem", 1), ("TransactWriteItems", 1)]),
    ("POST /organizations/{id}/roles/{role_id}/members/bulk", &[("BatchGetItem", 2), ("TransactWriteItems", 1)]),
    ("GET /organizations/{id}/roles/{role_id}/members", &[("BatchGetItem", 2), ("Query", 1)]),
    ("GET /organizations/{id}/roles/{role_id}/members/{user_id}", &[("BatchGetItem", 1), ("Query", 1)]),
    ("GET /organizations/{id}/roles/{role_id}/assignments", &[("BatchGetItem", 1), ("Query", 1)]),
    ("GET /organizations/{id}/users/{user_id}/roles", &[("BatchGetItem", 1), ("Query", 1)]),
    ("DELETE /organizations/{id}/roles/{role_id}/members/{user_id}", &[("BatchGetItem", 1), ("TransactWriteItems", 1)]),
    ("DELETE /organizations/{id}/users/{user_id}/roles/{role_id}", &[("BatchGetItem", 1), ("TransactWriteItems", 1)]),
    ("PUT /organizations/{id}/users/{user_id}/roles/{role_id}", &[("BatchGetItem", 1), ("TransactWriteItems", 1)]),
    (
        "POST /organizations/{id}/users/{user_id}/roles (20 roles)",
        &[("BatchGetItem", 1), ("Query", 1), ("TransactWriteItems", 1)],
    ),
    ("GET /organizations/{id}/user/roles (20 roles)", &[("BatchGetItem", 2), ("Query", 1)]),
    (
        "DELETE /organizations/{id}/roles/{role_id} (1 member)",
        &[("BatchGetItem", 2), ("Query", 1), ("TransactWriteItems", 1)],
    ),
    (
        "DELETE /organizations/{id}/roles (27 generated roles)",
        &[("BatchGetItem", 1), ("Query", 28), ("TransactWriteItems", 27)],
    ),
    ("POST /organization-requests", &[("BatchGetItem", 2), ("TransactWriteItems", 1)]),
    ("POST /organization-requests (parent: the requester's own)", &[("BatchGetItem", 2), ("TransactWriteItems", 1)]),
    ("GET /organization-requests (the requester's own)", &[("BatchGetItem", 1), ("Query", 1)]),
    ("GET /organization-requests (addressed to an organization)", &[("BatchGetItem", 3), ("Query", 1)]),
    ("GET /organization-requests/{request_id}", &[("BatchGetItem", 2)]),
    ("POST /organization-requests/{request_id}/approve", &[("BatchGetItem", 2), ("TransactWriteItems", 1)]),
    ("POST /organization-requests/{request_id}/reject", &[("BatchGetItem", 2), ("TransactWriteItems", 1)]),
    ("GET /organizations/{id}/activities (a page of 20)", &[("BatchGetItem", 1), ("Query", 1)]),
    ("GET /organizations/{id}/activities (next page by cursor)", &[("BatchGetItem", 1), ("Query", 1)]),
    ("GET /organizations/{id}/activities (by type)", &[("BatchGetItem", 1), ("Query", 1)]),
    ("GET /organizations/{id}/activities (by actor)", &[("BatchGetItem", 1), ("Query", 1)]),
    ("GET /organizations/{id}/activities (by type and actor)", &[("BatchGetItem", 1), ("Query", 1)]),
    ("GET /organizations/{id}/activities/{activity_id}", &[("BatchGetItem", 1), ("GetItem", 1)]),
];

/// Cases that must make the same calls, whatever [`EXPECTED`] pins for them: custom roles cost
/// a caller no call of their own (R18), since the identity's BatchGetItem reads the `ROLES`
/// item of the organization the caller acts in (their own, as the deployed authorizer says);
/// a filtered page of the activity log, or the next one, costs what the first unfiltered page
/// costs (R21: one Query per page, no FilterExpression).
pub const SAME_CALLS: &[(&str, &str)] = &[
    (
        "GET /organizations/{id}/roles/{role_id} (caller with 0 custom roles)",
        "GET /organizations/{id}/roles/{role_id} (caller with 20 custom roles)",
    ),
    ("GET /organizations/{id}/activities (a page of 20)", "GET /organizations/{id}/activities (next page by cursor)"),
    ("GET /organizations/{id}/activities (a page of 20)", "GET /organizations/{id}/activities (by type)"),
    ("GET /organizations/{id}/activities (a page of 20)", "GET /organizations/{id}/activities (by actor)"),
    ("GET /organizations/{id}/activities (a page of 20)", "GET /organizations/{id}/activities (by type and actor)"),
];

/// The pinned calls of a case, if it is pinned.
pub fn expected(label: &str) -> Option<BTreeMap<String, usize>> {
    EXPECTED
        .iter()
        .find(|(l, _)| *l == label)
        .map(|(_, calls)| calls.iter().map(|(k, v)| (k.to_string(), *v)).collect())
}

/// Differences between a run and [`EXPECTED`] (empty when every route is as pinned).
pub fn check(runs: &[RouteRun]) -> Vec<String> {
    let mut out = Vec::new();
    for r in runs {
        let label = r.label();
        if r.status >= 300 {
            out.push(format!("{label}: status {}", r.status));
        }
        if r.calls.contains_key("Scan") {
            out.push(format!("{label}: scanned"));
        }
        match expected(&label) {
            None => {
                out.push(format!("{label}: not pinned in routes::EXPECTED (made {:?}, status {})", r.calls, r.status))
            }
            Some(e) if e != r.calls => out.push(format!("{label}: made {:?}, pinned {:?}", r.calls, e)),
            Some(_) => {}
        }
    }
    for (label, _) in EXPECTED {
        if !runs.iter().any(|r| r.label() == *label) {
            out.push(format!("{label}: pinned but not run"));
        }
    }
    let calls_of = |label: &str| runs.iter().find(|r| r.label() == label).map(|r| &r.calls);
    for (a, b) in SAME_CALLS {
        match (calls_of(a), calls_of(b)) {
            (Some(x), Some(y)) if x != y => {
                out.push(format!("{b}: made {y:?}, but {a} made {x:?}: they must be equal"))
            }
            (Some(_), Some(_)) => {}
            _ => out.push(format!("{a} / {b}: must make the same calls, but both were not run")),
        }
    }
    out
}

fn tpl(id: &str) -> Value {
    json!({"template_id": id, "display_name": format!("T {id}"),
           "parent_visibility": {"user_mgmt": "read_only", "org_data": "full_access"},
           "child_visibility": {"org_data": "no_access"}, "org_visibility": {"org_data": "full_access"},
           "allowlist": ["default"]})
}

fn str_at(r: &orgs_tests::Resp, key: &str) -> String {
    r.data()[key].as_str().unwrap_or_else(|| panic!("no {key} in {} {}", r.status, r.body)).to_string()
}

/// Runs every route once against a fresh stack, in an order where each finds what it needs.
pub async fn run_all(api: &TestApi, meter: Option<&CapacityMeter>, timeline: Option<&Timeline>) -> Vec<RouteRun> {
    run_all_observed(api, meter, timeline, &|_, _| {}).await
}

/// [`run_all`], telling `observe` the function and route of each step before it runs (the IAM
/// test attributes the AWS calls that follow to that function: bench/src/iam).
pub async fn run_all_observed(
    api: &TestApi,
    meter: Option<&CapacityMeter>,
    timeline: Option<&Timeline>,
    observe: &(dyn Fn(&'static str, &'static str) + Sync),
) -> Vec<RouteRun> {
    // The tree and people the requests act on.
    let child = api.create_org(&api.root_org, json!({"code": "cost-child"})).await;
    let sibling = api.create_org(&api.root_org, json!({})).await;
    let admin = api.create_user(&child, Role::Admin).await;
    let peer = api.create_user(&child, Role::User).await;
    let gone = api.create_user(&child, Role::User).await;
    let doomed = api.create_org(&child, json!({})).await;
    let granted = api.create_org(&child, json!({})).await;
    // The roles routes' second admin, who comes to hold 20 custom roles (the most a user may).
    let holder = api.create_user(&child, Role::Admin).await;
    let png = shared::edge::logo::png_header(120, 40);
    let (logo_body, logo_ct) = multipart(&[("usage_type", "login")], &[("logo", "logo.png", &png)]);

    let mut runs = Vec::new();
    macro_rules! run {
        ($function:expr, $route:expr, $case:expr, $req:expr) => {{
            let req: Req<'_> = $req;
            observe($function, $route);
            api.calls.reset();
            if let Some(m) = meter {
                m.reset();
            }
            let clock = timeline.map(|t| (t.take(), std::time::Instant::now()));
            // Boxed: dozens of request futures inline would make this one enormous.
            let resp = Box::pin(req.send()).await;
            let rounds = timeline.zip(clock).map(|(t, (_, t0))| (sequential(&t.take()), t0.elapsed()));
            let calls = api.calls.take();
            let usage = meter.map(|m| m.take());
            runs.push(RouteRun {
                function: $function,
                route: $route,
                case: $case,
                status: resp.status,
                calls,
                usage,
                rounds,
            });
            resp
        }};
    }

    // organizations
    run!(
        "organizations",
        "POST /organizations",
        "",
        api.post(
            "/organizations",
            json!({"name": "New org", "contact_email": "a@b.io", "parent_organization_id": child,
                   "can_have_child_organizations": false, "rbac_template_id": "default"}),
        )
    );
    run!("organizations", "GET /organizations", "", api.get("/organizations"));
    run!("organizations", "POST /organizations/filter", "", api.post("/organizations/filter", json!({})));
    run!("organizations", "GET /organizations/{id}", "", api.get(&format!("/organizations/{child}")));
    run!("organizations", "GET /organizations/{id}", "by code", api.get("/organizations/cost-child"));
    run!(
        "organizations",
        "GET /organizations/{id}",
        "foreign Organization-ID context",
        api.get(&format!("/organizations/{sibling}")).header("organization-id", &child)
    );
    run!(
        "organizations",
        "PATCH /organizations/{id}",
        "",
        api.patch(&format!("/organizations/{child}"), json!({"name": "Renamed"}))
    );
    run!(
        "organizations",
        "POST /organizations/{id}/logo",
        "",
        api.req("POST", &format!("/organizations/{child}/logo")).raw(logo_body.clone(), &logo_ct)
    );
    run!(
        "organizations",
        "DELETE /organizations/{id}",
        "empty leaf",
        api.req("DELETE", &format!("/organizations/{doomed}"))
    );
    run!(
        "organizations",
        "GET /organizations/{id}/deletion",
        "",
        api.get(&format!("/organizations/{doomed}/deletion"))
    );

    // users
    let created =
        run!("users", "POST /users", "", api.post("/users", json!({"email": "new@cost.io", "organization_id": child})));
    let created = str_at(&created, "user_id");
    run!("users", "GET /users/{id}", "", api.get(&format!("/users/{peer}")));
    run!("users", "GET /users/{id}", "own user", api.get(&format!("/users/{admin}")).as_user(&admin, &child));
    run!("users", "GET /users/by-email/{email}", "", api.get("/users/by-email/new%40cost.io"));
    run!("users", "PATCH /users/{id}", "", api.patch(&format!("/users/{peer}"), json!({"first_name": "Pat"})));
    run!("users", "POST /users/filter", "", api.post("/users/filter?page=0&size=10", json!({})));
    run!("users", "POST /users/logged-in/filter", "", api.post("/users/logged-in/filter?page=0&size=10", json!({})));
    run!(
        "users",
        "POST /users/verify",
        "",
        api.post("/users/verify", json!({"email_ids": ["new@cost.io", "x@nowhere.io"]}))
    );
    run!("users", "POST /users/bulk-delete", "", api.post("/users/bulk-delete", json!({"user_id_list": [gone]})));
    run!("users", "DELETE /users/{id}", "", api.req("DELETE", &format!("/users/{created}")));

    // API tokens and the authorizer
    let token = run!(
        "api-tokens",
        "POST /api-tokens",
        "",
        api.post("/api-tokens", json!({"name": "ci"})).as_user(&admin, &child)
    );
    let secret = str_at(&token, "token");
    let token_id = str_at(&token, "token_id");
    run!("api-tokens", "GET /api-tokens", "", api.get("/api-tokens").as_user(&admin, &child));
    for (case, header) in [
        ("first use: records last use", format!("Bearer {secret}")),
        ("allowed", format!("Bearer {secret}")),
        ("malformed token", "Bearer orgs_nope".to_string()),
    ] {
        observe("authorizer", "authorizer");
        api.calls.reset();
        if let Some(m) = meter {
            m.reset();
        }
        let clock = timeline.map(|t| (t.take(), std::time::Instant::now()));
        let decision = authorizer::authorize(&api.state, Some(&header)).await;
        let rounds = timeline.zip(clock).map(|(t, (_, t0))| (sequential(&t.take()), t0.elapsed()));
        let ok = matches!(decision, authorizer::Decision::Allow(_)) == (case != "malformed token");
        runs.push(RouteRun {
            function: "authorizer",
            route: "authorizer",
            case,
            status: if ok { 200 } else { 500 },
            calls: api.calls.take(),
            usage: meter.map(|m| m.take()),
            rounds,
        });
    }
    run!(
        "api-tokens",
        "DELETE /api-tokens/{id}",
        "",
        api.req("DELETE", &format!("/api-tokens/{token_id}")).as_user(&admin, &child)
    );

    // user groups
    let group = run!(
        "user-groups",
        "POST /user-groups",
        "",
        api.post(
            "/user-groups",
            json!({"name": "Ops", "parent_organization_id": child, "user_ids": [peer],
                   "accessible_organizations": [{"organization_id": granted, "select_all_child_orgs": true}]}),
        )
    );
    let group = str_at(&group, "user_group_id");
    run!(
        "user-groups",
        "POST /user-groups/filter",
        "",
        api.post("/user-groups/filter?page=0&size=50", json!({"filter": {}}))
    );
    run!("user-groups", "GET /user-groups/{id}", "", api.get(&format!("/user-groups/{group}")));
    run!(
        "user-groups",
        "PATCH /user-groups/{id}",
        "",
        api.patch(&format!("/user-groups/{group}"), json!({"name": "Ops 2"}))
    );
    run!("user-groups", "DELETE /user-groups/{id}", "", api.req("DELETE", &format!("/user-groups/{group}")));

    // permissions and RBAC templates
    run!("permissions", "GET /permissions", "", api.get("/permissions"));
    run!("rbac-templates", "GET /rbac-templates", "", api.get("/rbac-templates"));
    run!("rbac-templates", "POST /rbac-templates", "", api.post("/rbac-templates", tpl("cost")));
    run!("rbac-templates", "GET /rbac-templates/permissions", "", api.get("/rbac-templates/permissions"));
    run!("rbac-templates", "GET /rbac-templates/movements", "", api.get("/rbac-templates/movements"));
    run!("rbac-templates", "GET /rbac-templates/{id}", "", api.get("/rbac-templates/cost"));
    let mut next = tpl("cost");
    next["display_name"] = json!("Renamed");
    run!("rbac-templates", "PUT /rbac-templates/{id}", "", api.req("PUT", "/rbac-templates/cost").json(next));
    run!("rbac-templates", "DELETE /rbac-templates/{id}", "", api.req("DELETE", "/rbac-templates/cost"));

    // custom roles, in `child`: one role (`cost-role`) through its life, the default set
    // generated, 20 of it given to `holder` (then deleted); last, every role of `child` deleted.
    let roles = format!("/organizations/{child}/roles");
    let role = format!("{roles}/cost-role");
    run!(
        "roles",
        "POST /organizations/{id}/roles",
        "",
        api.post(&roles, json!({"id": "cost-role", "name": "Cost role", "permissions": ["users:read"]}))
    );
    let generated =
        run!("roles", "POST /organizations/{id}/roles/generate", "", api.post(&format!("{roles}/generate"), json!({})));
    let generated: Vec<String> = generated
        .data()
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["role_id"].as_str())
        .map(str::to_string)
        .collect();
    assert!(generated.len() >= 20, "generate should give at least 20 roles: {generated:?}");
    run!("roles", "GET /organizations/{id}/roles", "", api.get(&roles));
    run!("roles", "GET /organizations/{id}/roles/permissions", "", api.get(&format!("{roles}/permissions")));
    run!("roles", "GET /organizations/{id}/roles/{role_id}", "", api.get(&role));
    run!(
        "roles",
        "PUT /organizations/{id}/roles/{role_id}",
        "",
        api.req("PUT", &role).json(json!({"name": "Cost role", "description": "Replaced",
                                          "permissions": ["users:read", "users:update"]}))
    );
    run!("roles", "PATCH /organizations/{id}/roles/{role_id}", "", api.patch(&role, json!({"stage": "BETA"})));
    run!(
        "roles",
        "POST /organizations/{id}/roles/{role_id}/members/bulk",
        "",
        api.post(&format!("{role}/members/bulk"), json!({"members": [peer, admin]}))
    );
    run!("roles", "GET /organizations/{id}/roles/{role_id}/members", "", api.get(&format!("{role}/members")));
    run!(
        "roles",
        "GET /organizations/{id}/roles/{role_id}/members/{user_id}",
        "",
        api.get(&format!("{role}/members/{peer}"))
    );
    run!("roles", "GET /organizations/{id}/roles/{role_id}/assignments", "", api.get(&format!("{role}/assignments")));
    let peer_roles = format!("/organizations/{child}/users/{peer}/roles");
    run!("roles", "GET /organizations/{id}/users/{user_id}/roles", "", api.get(&peer_roles));
    run!(
        "roles",
        "DELETE /organizations/{id}/roles/{role_id}/members/{user_id}",
        "",
        api.req("DELETE", &format!("{role}/members/{peer}"))
    );
    run!(
        "roles",
        "DELETE /organizations/{id}/users/{user_id}/roles/{role_id}",
        "",
        api.req("DELETE", &format!("/organizations/{child}/users/{admin}/roles/cost-role"))
    );
    run!(
        "roles",
        "PUT /organizations/{id}/users/{user_id}/roles/{role_id}",
        "",
        api.req("PUT", &format!("{peer_roles}/cost-role"))
    );
    run!(
        "roles",
        "POST /organizations/{id}/users/{user_id}/roles",
        "20 roles",
        api.post(&format!("/organizations/{child}/users/{holder}/roles"), json!(generated[..20]))
    );
    let mine = run!(
        "roles",
        "GET /organizations/{id}/user/roles",
        "20 roles",
        api.get(&format!("/organizations/{child}/user/roles")).as_user(&holder, &child)
    );
    let held = mine.data().as_array().map_or(0, Vec::len);
    assert_eq!(held, 20, "the holder should hold 20 custom roles: {} {}", mine.status, mine.body);
    // Custom roles cost no call of their own (R18): with Organization-ID the caller's own
    // organization, as the deployed authorizer sends it, the identity read fetches the ROLES item.
    run!(
        "roles",
        "GET /organizations/{id}/roles/{role_id}",
        "caller with 0 custom roles",
        api.get(&role).as_user(&admin, &child)
    );
    run!(
        "roles",
        "GET /organizations/{id}/roles/{role_id}",
        "caller with 20 custom roles",
        api.get(&role).as_user(&holder, &child)
    );
    run!("roles", "DELETE /organizations/{id}/roles/{role_id}", "1 member", api.req("DELETE", &role));
    // A user's deletion takes their assignments and their roles' member counts along (R19).
    run!("users", "DELETE /users/{id}", "holding 20 custom roles", api.req("DELETE", &format!("/users/{holder}")));
    run!("roles", "DELETE /organizations/{id}/roles", "27 generated roles", api.req("DELETE", &roles));

    // organization requests (R22, R23): `peer` asks for two children of `child` (by id, and by
    // default their own organization); the root superadmin lists those addressed to `child`,
    // reads one, approves it (creating the organization) and rejects the other.
    let asked = run!(
        "organization-requests",
        "POST /organization-requests",
        "",
        api.post("/organization-requests", json!({"organizationname": "Cost request", "parentorganization": child}))
            .as_user(&peer, &child)
    );
    let asked = str_at(&asked, "request_id");
    let refused = run!(
        "organization-requests",
        "POST /organization-requests",
        "parent: the requester's own",
        api.post("/organization-requests", json!({"organizationname": "Cost refused"})).as_user(&peer, &child)
    );
    let refused = str_at(&refused, "request_id");
    run!(
        "organization-requests",
        "GET /organization-requests",
        "the requester's own",
        api.get("/organization-requests").as_user(&peer, &child)
    );
    run!(
        "organization-requests",
        "GET /organization-requests",
        "addressed to an organization",
        api.get(&format!("/organization-requests?organization_id={child}&status=pending"))
    );
    run!(
        "organization-requests",
        "GET /organization-requests/{request_id}",
        "",
        api.get(&format!("/organization-requests/{asked}"))
    );
    run!(
        "organization-requests",
        "POST /organization-requests/{request_id}/approve",
        "",
        api.post(
            &format!("/organization-requests/{asked}/approve"),
            json!({"code": "cost-approved", "contact_email": "ops@cost.io", "rbac_template_id": "default",
                   "can_have_child_organizations": false})
        )
    );
    run!(
        "organization-requests",
        "POST /organization-requests/{request_id}/reject",
        "",
        api.post(&format!("/organization-requests/{refused}/reject"), json!({"reason": "duplicate"}))
    );

    // the activity log of `child`, which every step above wrote to: a page of each shape (no
    // filter, by type, by actor, by both), the next page by its cursor, and one activity.
    let log = format!("/organizations/{child}/activities");
    let page =
        run!("activities", "GET /organizations/{id}/activities", "a page of 20", api.get(&format!("{log}?limit=20")));
    let first = page.data()[0]["activity_id"].as_str().map(str::to_string);
    let cursor = page.body["next_cursor"].as_str().map(str::to_string);
    let (first, cursor) = (first.expect("an activity in the log"), cursor.expect("a second page of the log"));
    let me = &api.superadmin;
    for (case, filter) in [
        ("next page by cursor", format!("cursor={cursor}")),
        ("by type", "type=role.created".to_string()),
        ("by actor", format!("actor_id={me}")),
        ("by type and actor", format!("type=role.created&actor_id={me}")),
    ] {
        let page = run!(
            "activities",
            "GET /organizations/{id}/activities",
            case,
            api.get(&format!("{log}?limit=20&{filter}"))
        );
        assert!(!page.data().as_array().is_none_or(Vec::is_empty), "{case}: an empty page: {}", page.body);
    }
    run!("activities", "GET /organizations/{id}/activities/{activity_id}", "", api.get(&format!("{log}/{first}")));

    runs
}
