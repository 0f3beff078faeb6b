//! The permission matrix (issue 8): every route and method × ten personas, each cell an expected
//! status written down below, and every refusal writing nothing (the table is compared before
//! and after). The world:
//!
//! ```text
//! root ─ P (admin `par`, user `grp` in a group granting H)
//!      │ ├ A  (user, admin, super)         ← target of most personas
//!      │ └ H  (parent_has_access = false)  ← target of `parNF` and `grp`
//!      └ B  (admin `sib`)
//! ```
//! Personas: `anon` (no identity), `unk` (unknown user id), `user`/`admin`/`super` (of A),
//! `sib` (admin of the sibling tree B), `par` (admin of P, A reachable), `parNF` (admin of P, H
//! behind its flag), `grp` (plain user of P granted H by a group), `rev` (a revoked API token of
//! A's admin: the gateway answers 403).

use std::collections::BTreeMap;

use orgs_tests::{multipart, Resp, TestApi};
use serde_json::{json, Value};
use shared::edge::logo::png_header;
use shared::model::user::Role;

const PERSONAS: [&str; 10] = ["anon", "unk", "user", "admin", "super", "sib", "par", "parNF", "grp", "rev"];

/// Expected status per route and persona, in the order of [`PERSONAS`].
const MATRIX: &str = "
POST /organizations                      401 401 403 403 201 403 403 403 403 403
GET /organizations                       401 401 200 200 200 200 200 200 200 403
POST /organizations/filter               401 401 200 200 200 200 200 200 200 403
GET /organizations/{org}                 401 401 200 200 200 404 200 404 200 403
PATCH /organizations/{org}               401 401 403 403 200 403 403 403 403 403
DELETE /organizations/{child}            401 401 403 403 200 403 403 403 403 403
POST /organizations/{org}/logo           401 401 403 403 200 403 403 403 403 403
GET /organizations/{org}/deletion        401 401 404 404 404 404 404 404 404 403
POST /organizations/{org}/metabase/recreate 401 401 403 403 409 403 403 403 403 403
GET /metabase/session                    401 401 503 503 503 503 503 503 503 403
POST /users                              401 401 403 201 201 404 201 404 403 403
POST /users/filter                       401 401 200 200 200 200 200 200 200 403
POST /users/logged-in/filter             401 401 200 200 200 200 200 200 200 403
POST /users/bulk-delete                  401 401 403 200 200 404 200 404 403 403
POST /users/verify                       401 401 200 200 200 200 200 200 200 403
GET /users/by-email/{email}              401 401 403 200 200 404 200 404 403 403
GET /users/{user}                        401 401 403 200 200 404 200 404 403 403
PATCH /users/{user}                      401 401 403 200 200 404 200 404 403 403
DELETE /users/{victim}                   401 401 403 200 200 404 200 404 403 403
POST /user-groups                        401 401 403 201 201 404 201 404 403 403
POST /user-groups/filter                 401 401 403 200 200 200 200 200 403 403
GET /user-groups/{group}                 401 401 403 200 200 404 200 404 403 403
PATCH /user-groups/{group}               401 401 403 200 200 404 200 404 403 403
DELETE /user-groups/{spare_group}        401 401 403 200 200 404 200 404 403 403
POST /api-tokens                         401 401 403 201 201 201 201 201 403 403
GET /api-tokens                          401 401 403 200 200 200 200 200 403 403
DELETE /api-tokens/{token}               401 401 403 404 404 404 404 404 403 403
GET /permissions                         401 401 200 200 200 200 200 200 200 403
GET /permissions/disabled                401 401 200 200 200 200 200 200 200 403
GET /rbac-templates                      401 401 200 200 200 200 200 200 200 403
POST /rbac-templates                     401 401 403 403 403 403 403 403 403 403
GET /rbac-templates/permissions          401 401 200 200 200 200 200 200 200 403
GET /rbac-templates/movements            401 401 200 200 200 200 200 200 200 403
GET /rbac-templates/default              401 401 200 200 200 200 200 200 200 403
PUT /rbac-templates/default              401 401 403 403 403 403 403 403 403 403
DELETE /rbac-templates/default           401 401 403 403 403 403 403 403 403 403
POST /organizations/{org}/roles          401 401 403 201 201 404 201 404 403 403
GET /organizations/{org}/roles           401 401 403 200 200 404 200 404 403 403
DELETE /organizations/{org}/roles        401 401 403 200 200 404 200 404 403 403
POST /organizations/{org}/roles/generate 401 401 403 200 200 404 200 404 403 403
GET /organizations/{org}/roles/permissions 401 401 403 200 200 404 200 404 403 403
GET /organizations/{org}/roles/{role}    401 401 403 200 200 404 200 404 403 403
PUT /organizations/{org}/roles/{role}    401 401 403 200 200 404 200 404 403 403
PATCH /organizations/{org}/roles/{role}  401 401 403 200 200 404 200 404 403 403
DELETE /organizations/{org}/roles/{spare_role} 401 401 403 200 200 404 200 404 403 403
GET /organizations/{org}/roles/{role}/assignments 401 401 403 200 200 404 200 404 403 403
GET /organizations/{org}/roles/{role}/members 401 401 403 200 200 404 200 404 403 403
POST /organizations/{org}/roles/{role}/members/bulk 401 401 403 200 200 404 200 404 403 403
GET /organizations/{org}/roles/{role}/members/{member} 401 401 403 200 200 404 200 404 403 403
DELETE /organizations/{org}/roles/{role}/members/{member} 401 401 403 200 200 404 200 404 403 403
GET /organizations/{org}/users/{member}/roles 401 401 403 200 200 404 200 404 403 403
POST /organizations/{org}/users/{user}/roles 401 401 403 200 200 404 200 404 403 403
PUT /organizations/{org}/users/{user}/roles/{role} 401 401 403 200 200 404 200 404 403 403
DELETE /organizations/{org}/users/{member}/roles/{role} 401 401 403 200 200 404 200 404 403 403
GET /organizations/{org}/user/roles      401 401 200 200 200 404 200 404 200 403
GET /organizations/{org}/activities      401 401 403 200 200 404 200 404 403 403
GET /organizations/{org}/activities/{activity} 401 401 403 200 200 404 200 404 403 403
POST /organization-requests              401 401 201 201 201 400 201 400 201 403
GET /organization-requests               401 401 200 200 200 200 200 200 200 403
GET /organization-requests/{request}     401 401 404 200 200 404 404 404 404 403
POST /organization-requests/{request}/approve 401 401 403 403 200 403 403 403 403 403
POST /organization-requests/{request2}/reject 401 401 403 403 200 403 403 403 403 403
";

/// What a persona acts as and on.
struct Persona {
    user: Option<String>,
    home: String,
    token: Option<String>,
    /// The organization its targets live in.
    target: String,
    /// A superadmin and an admin of the target organization (to seed targets).
    target_admin: String,
}

struct World {
    personas: BTreeMap<&'static str, Persona>,
}

async fn world(api: &TestApi) -> World {
    let p = api.create_org(&api.root_org, json!({})).await;
    let a = api.create_org(&p, json!({})).await;
    let h = api.create_org(&p, json!({"parent_has_access": false})).await;
    let b = api.create_org(&api.root_org, json!({})).await;
    let (a_user, a_admin, a_super) = (
        api.create_user(&a, Role::User).await,
        api.create_user(&a, Role::Admin).await,
        api.create_user(&a, Role::Superadmin).await,
    );
    let h_admin = api.create_user(&h, Role::Admin).await;
    let par = api.create_user(&p, Role::Admin).await;
    let grp = api.create_user(&p, Role::User).await;
    let sib = api.create_user(&b, Role::Admin).await;
    let g = json!({"name": "grant-h", "parent_organization_id": p, "user_ids": [grp],
        "accessible_organizations": [{"organization_id": h, "select_all_child_orgs": true, "include_current_organization": true}]});
    // H is closed to P (parent_has_access = false): opening it is a superadmin's act (R25)
    api.post("/user-groups", g).send().await.expect(201);
    // a token of A's admin, then revoked
    let t = api.post("/api-tokens", json!({"name": "soon-revoked"})).as_user(&a_admin, &a).send().await;
    let token = t.data()["token"].as_str().unwrap().to_string();
    let token_id = t.data()["token_id"].as_str().unwrap().to_string();
    api.req("DELETE", &format!("/api-tokens/{token_id}")).as_user(&a_admin, &a).send().await.expect(200);
    let mk = |user: Option<&String>, home: &str, target: &str, target_admin: &str| Persona {
        user: user.cloned(),
        home: home.to_string(),
        token: None,
        target: target.to_string(),
        target_admin: target_admin.to_string(),
    };
    let unknown = uuid::Uuid::new_v4().to_string();
    let mut personas = BTreeMap::new();
    personas.insert("anon", mk(None, &a, &a, &a_admin));
    personas.insert("unk", mk(Some(&unknown), &a, &a, &a_admin));
    personas.insert("user", mk(Some(&a_user), &a, &a, &a_admin));
    personas.insert("admin", mk(Some(&a_admin), &a, &a, &a_admin));
    personas.insert("super", mk(Some(&a_super), &a, &a, &a_admin));
    personas.insert("sib", mk(Some(&sib), &b, &a, &a_admin));
    personas.insert("par", mk(Some(&par), &p, &a, &a_admin));
    personas.insert("parNF", mk(Some(&par), &p, &h, &h_admin));
    personas.insert("grp", mk(Some(&grp), &p, &h, &h_admin));
    let mut rev = mk(Some(&a_admin), &a, &a, &a_admin);
    rev.token = Some(token);
    personas.insert("rev", rev);
    World { personas }
}

/// Fresh targets in `p.target` for one cell (seeded by the target organization's admin or the
/// root superadmin, never by the persona).
async fn targets(api: &TestApi, p: &Persona) -> BTreeMap<&'static str, String> {
    let org = p.target.clone();
    let mk_user = || async { api.create_user(&org, Role::User).await };
    let user = mk_user().await;
    let victim = mk_user().await;
    let user_item = api.state.store().get_user(&user).await.unwrap().unwrap();
    let child = api
        .post(
            "/organizations",
            json!({"name": "child", "contact_email": "c@x.io", "parent_organization_id": org,
                   "can_have_child_organizations": false, "rbac_template_id": "default"}),
        )
        .as_user(&api.superadmin, &api.root_org)
        .send()
        .await;
    // H is behind its flag even for the root: seed its child through the store instead.
    let child = if child.status == 201 {
        child.data()["organization_id"].as_str().unwrap().to_string()
    } else {
        let sa = api.create_user(&org, Role::Superadmin).await;
        api.create_org_as(&sa, &org, &org, json!({"can_have_child_organizations": false})).await
    };
    let group = |name: &str| {
        api.post("/user-groups", json!({"name": name, "parent_organization_id": org})).as_user(&p.target_admin, &org)
    };
    let g1 = group("g1").send().await;
    let g2 = group("g2").send().await;
    let role = |name: &str| {
        let name = format!("{name}-{}", uuid::Uuid::new_v4().simple());
        api.post(&format!("/organizations/{org}/roles"), json!({"name": name, "permissions": ["users:read"]}))
            .as_user(&p.target_admin, &org)
    };
    let r1 = role("r1").send().await;
    r1.expect(201);
    let r1 = r1.data()["role_id"].as_str().unwrap().to_string();
    let r2 = role("r2").send().await;
    let member = mk_user().await;
    let ask = || async {
        let r = api
            .post("/organization-requests", json!({"organizationname": "asked", "parentorganization": org}))
            .as_user(&p.target_admin, &org)
            .send()
            .await;
        r.expect(201);
        r.data()["request_id"].as_str().unwrap().to_string()
    };
    let (request, request2) = (ask().await, ask().await);
    api.req("PUT", &format!("/organizations/{org}/users/{member}/roles/{r1}"))
        .as_user(&p.target_admin, &org)
        .send()
        .await
        .expect(200);
    BTreeMap::from([
        ("org", org.clone()),
        ("child", child),
        ("user", user.clone()),
        ("victim", victim),
        ("email", user_item.email),
        ("group", g1.data()["user_group_id"].as_str().unwrap().to_string()),
        ("spare_group", g2.data()["user_group_id"].as_str().unwrap().to_string()),
        ("token", uuid::Uuid::new_v4().to_string()),
        ("role", r1),
        ("spare_role", r2.data()["role_id"].as_str().unwrap().to_string()),
        ("member", member),
        ("request", request),
        ("request2", request2),
        (
            "activity",
            api.activities(&org).await.last().expect("an activity")["activity_id"].as_str().unwrap().to_string(),
        ),
    ])
}

fn body_for(route: &str, t: &BTreeMap<&'static str, String>) -> Option<Value> {
    let org = &t["org"];
    Some(match route {
        "POST /organizations" => json!({"name": "n", "contact_email": "a@b.io", "parent_organization_id": org,
            "can_have_child_organizations": false, "rbac_template_id": "default"}),
        "POST /organizations/filter"
        | "POST /users/filter"
        | "POST /users/logged-in/filter"
        | "POST /user-groups/filter" => {
            json!({})
        }
        "PATCH /organizations/{org}" => json!({"metadata": {"k": uuid::Uuid::new_v4().to_string()}}),
        "POST /organizations/{org}/metabase/recreate" => json!({}),
        "POST /users" => json!({"email": format!("{}@m.io", uuid::Uuid::new_v4().simple()), "organization_id": org}),
        "POST /users/bulk-delete" => json!({"user_id_list": [t["victim"]]}),
        "POST /users/verify" => json!({"email_ids": [t["email"]]}),
        "PATCH /users/{user}" => json!({"first_name": uuid::Uuid::new_v4().simple().to_string()}),
        "POST /user-groups" => json!({"name": "new", "parent_organization_id": org}),
        "PATCH /user-groups/{group}" => json!({"description": uuid::Uuid::new_v4().simple().to_string()}),
        "POST /api-tokens" => json!({"name": uuid::Uuid::new_v4().simple().to_string()}),
        "POST /organizations/{org}/roles" | "PUT /organizations/{org}/roles/{role}" => {
            json!({"name": uuid::Uuid::new_v4().simple().to_string(), "permissions": ["users:read"]})
        }
        "POST /organizations/{org}/roles/generate" => json!({}),
        "POST /organization-requests" => json!({"organizationname": "n", "parentorganization": org}),
        "POST /organization-requests/{request}/approve" => {
            json!({"code": format!("c{}", uuid::Uuid::new_v4().simple()),
            "contact_email": "a@b.io", "rbac_template_id": "default", "can_have_child_organizations": false})
        }
        "POST /organization-requests/{request2}/reject" => json!({"reason": "no"}),
        "PATCH /organizations/{org}/roles/{role}" => json!({"description": uuid::Uuid::new_v4().simple().to_string()}),
        "POST /organizations/{org}/roles/{role}/members/bulk" => json!({"members": [t["user"]]}),
        "POST /organizations/{org}/users/{user}/roles" => json!([t["role"]]),
        "POST /rbac-templates" => json!({"template_id": "m", "display_name": "m",
            "parent_visibility": {"user_mgmt": "full_access", "org_data": "full_access"},
            "child_visibility": {"org_data": "full_access"}, "org_visibility": {"org_data": "full_access"}}),
        "PUT /rbac-templates/default" => json!({"template_id": "default", "display_name": "Default",
            "parent_visibility": {"user_mgmt": "full_access", "org_data": "full_access"},
            "child_visibility": {"org_data": "full_access"}, "org_visibility": {"org_data": "full_access"},
            "allowlist": ["parent_read_only"]}),
        _ => return None,
    })
}

async fn send(api: &TestApi, p: &Persona, route: &str, t: &BTreeMap<&'static str, String>) -> Resp {
    let (method, template) = route.split_once(' ').unwrap();
    let mut path = template.to_string();
    for (k, v) in t {
        path = path.replace(&format!("{{{k}}}"), v);
    }
    if path.ends_with("/users/filter") || path.ends_with("/logged-in/filter") || path.ends_with("/user-groups/filter") {
        path.push_str("?page=0&size=10");
    }
    let mut req = api.req(method, &path);
    req = match (&p.token, &p.user) {
        (Some(token), _) => req.bearer(token),
        (None, Some(u)) => req.as_user(u, &p.home),
        (None, None) => req.without_header("user-id").without_header("organization-id"),
    };
    if route == "POST /organizations/{org}/logo" {
        let (body, ct) = multipart(&[("usage_type", "login")], &[("logo", "l.png", &png_header(8, 8))]);
        req = req.raw(body, &ct);
    } else if let Some(b) = body_for(route, t) {
        req = req.json(b);
    }
    req.send().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_and_persona_matches_the_written_matrix() {
    let api = TestApi::new().await;
    let w = world(&api).await;
    let mut wrong = Vec::new();
    let mut cells = 0;
    // Targets per persona, made anew only after a cell consumed them (a delete that worked).
    let mut seeded: BTreeMap<&str, BTreeMap<&'static str, String>> = BTreeMap::new();
    for line in MATRIX.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let route = format!("{} {}", cols[0], cols[1]);
        let expected: Vec<u16> = cols[2..].iter().map(|s| s.parse().unwrap()).collect();
        assert_eq!(expected.len(), PERSONAS.len(), "{route}");
        for (name, want) in PERSONAS.iter().zip(expected) {
            let p = &w.personas[name];
            if !seeded.contains_key(name) {
                seeded.insert(name, targets(&api, p).await);
            }
            let t = &seeded[name];
            let before = api.all_items().await;
            let r = send(&api, p, &route, t).await;
            cells += 1;
            if r.status < 300 && (route.starts_with("DELETE") || route.contains("bulk-delete")) {
                seeded.remove(name);
            }
            if r.status != want {
                wrong.push(format!("{route} as {name}: expected {want}, got {} {}", r.status, r.body));
            } else if r.status >= 400 && api.all_items().await != before {
                wrong.push(format!("{route} as {name}: refused with {} but wrote", r.status));
            }
        }
    }
    assert!(wrong.is_empty(), "{} of {cells} cells differ:\n{}", wrong.len(), wrong.join("\n"));
}

#[test]
fn the_matrix_names_every_route_of_every_function() {
    let mut all: Vec<String> = Vec::new();
    for f in orgs_local::functions::FUNCTIONS {
        for r in f.routes {
            all.push(format!("{} {}", r.method, r.path));
        }
    }
    let rows: Vec<String> = MATRIX
        .lines()
        .filter_map(|l| {
            let c: Vec<&str> = l.split_whitespace().collect();
            (c.len() > 2).then(|| format!("{} {}", c[0], c[1]))
        })
        .collect();
    let shape = |s: &str| {
        let (m, p) = s.split_once(' ').unwrap();
        let segs: Vec<&str> = p.split('/').map(|x| if x.starts_with('{') { "{}" } else { x }).collect();
        format!("{m} {}", segs.join("/"))
    };
    for r in &all {
        let covered = rows.iter().any(|row| {
            shape(row) == shape(r)
                || (r.ends_with("{template_id}")
                    && row.ends_with("/default")
                    && row.starts_with(r.split(' ').next().unwrap()))
        });
        assert!(covered, "the matrix has no row for {r}");
    }
}
