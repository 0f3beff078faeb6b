//! Hostile input on every JSON route (bad_input.rs covers the organizations create body in
//! depth): oversize bodies refused before parsing, deep nesting, invalid UTF-8, wrong content
//! types, huge arrays and strings, control and bidi characters in names, path traversal in ids,
//! hostile identity and query values, and mass assignment of fields the client may not set.
//! Every case is a 4xx in the error envelope and the table is unchanged afterwards.

use orgs_tests::{Req, Resp, TestApi};
use serde_json::{json, Value};
use shared::model::user::Role;

/// A 4xx in the envelope, with one of the `allowed` statuses.
#[track_caller]
fn refused(r: &Resp, allowed: &[u16], what: &str) {
    assert!(allowed.contains(&r.status), "{what}: status {} not in {allowed:?}: {}", r.status, r.body);
    assert!(r.body["message"].is_string(), "{what}: no message: {}", r.body);
    assert!(r.body["error"]["code"].as_str().is_some_and(|c| !c.is_empty()), "{what}: no code: {}", r.body);
    assert!(r.body["error"]["details"].is_array(), "{what}: no details: {}", r.body);
    assert_eq!(r.headers.get("content-type").map(String::as_str), Some("application/json"), "{what}");
}

struct World {
    api: TestApi,
    child: String,
    user: String,
    group: String,
}

impl World {
    async fn new() -> Self {
        let api = TestApi::new().await;
        let child = api.create_org(&api.root_org, json!({"code": "hostile"})).await;
        let user = api.create_user(&child, Role::User).await;
        let g = api.post("/user-groups", json!({"name": "g", "parent_organization_id": child})).send().await;
        g.expect(201);
        let group = g.data()["user_group_id"].as_str().expect("group id").to_string();
        Self { api, child, user, group }
    }

    /// Every route taking a JSON body, with a valid body for it.
    fn json_routes(&self) -> Vec<(&'static str, String, Value)> {
        vec![
            (
                "POST",
                "/organizations".into(),
                json!({"name": "N", "contact_email": "a@b.io", "parent_organization_id": self.child,
                       "can_have_child_organizations": true, "rbac_template_id": "default"}),
            ),
            ("PATCH", format!("/organizations/{}", self.child), json!({"name": "N"})),
            ("POST", "/organizations/filter".into(), json!({})),
            ("POST", "/users".into(), json!({"email": "new@x.io", "organization_id": self.child})),
            ("PATCH", format!("/users/{}", self.user), json!({"first_name": "N"})),
            ("POST", "/users/filter?page=0&size=10".into(), json!({})),
            ("POST", "/users/bulk-delete".into(), json!({"user_id_list": [self.user]})),
            ("POST", "/users/verify".into(), json!({"email_ids": ["a@b.io"]})),
            ("POST", "/user-groups".into(), json!({"name": "N", "parent_organization_id": self.child})),
            ("PATCH", format!("/user-groups/{}", self.group), json!({"name": "N"})),
            ("POST", "/user-groups/filter?page=0&size=10".into(), json!({})),
            ("POST", "/api-tokens".into(), json!({"name": "N"})),
            (
                "POST",
                "/rbac-templates".into(),
                json!({"template_id": "t_new", "display_name": "T",
                       "parent_visibility": {"user_mgmt": "read_only", "org_data": "full_access"},
                       "child_visibility": {"org_data": "no_access"}, "org_visibility": {"org_data": "full_access"},
                       "allowlist": ["default"]}),
            ),
        ]
    }

    fn req(&self, method: &str, path: &str) -> Req<'_> {
        self.api.req(method, path)
    }
}

#[tokio::test]
async fn malformed_bodies_on_every_json_route() {
    let w = World::new().await;
    let before = w.api.all_items().await;
    // (under the 64 KiB limit, so the parser meets them)
    let deep = format!("{}1{}", "[".repeat(30_000), "]".repeat(30_000));
    let deep_in_object = format!("{}{}", "{\"a\":".repeat(5000), "1") + &"}".repeat(5000);
    let mut cases = 0;
    for (method, path, valid) in w.json_routes() {
        let valid_bytes = serde_json::to_vec(&valid).unwrap();
        let send = |body: Vec<u8>, ct: &str| w.req(method, &path).raw(body, ct).send();
        // over the limit, and not even JSON: refused for its size, before parsing
        let mut big = b"{\"x\": \"".to_vec();
        big.extend(std::iter::repeat_n(b'#', 70 * 1024));
        refused(&send(big, "application/json").await, &[413], &format!("{path} oversize"));
        // a lying Content-Length is refused before the body is read
        let r = w.req(method, &path).raw(valid_bytes.clone(), "application/json").header("content-length", "10000000");
        refused(&r.send().await, &[413], &format!("{path} content-length"));
        // nesting far past serde's recursion limit, as an array and as objects
        refused(&send(deep.clone().into_bytes(), "application/json").await, &[400], &format!("{path} deep"));
        refused(
            &send(deep_in_object.clone().into_bytes(), "application/json").await,
            &[400],
            &format!("{path} deep obj"),
        );
        // invalid UTF-8 (an overlong encoding, a lone continuation byte, a surrogate escape)
        for bad in [&b"{\"name\": \"\xc0\xaf\"}"[..], b"{\"name\": \"\x80\"}", b"{\"name\": \"\\ud800\"}"] {
            refused(&send(bad.to_vec(), "application/json").await, &[400], &format!("{path} utf-8"));
        }
        // wrong or missing content types, with a valid body
        for ct in ["text/plain", "application/xml", "multipart/form-data; boundary=x", "application/jsonx", ""] {
            refused(&send(valid_bytes.clone(), ct).await, &[415], &format!("{path} {ct:?}"));
        }
        // JSON that is not an object, or with trailing garbage
        for body in ["null", "[]", "\"s\"", "1e999", "{\"a\":1} {\"b\":2}", "{\"name\": \"N\",}"] {
            refused(&send(body.as_bytes().to_vec(), "application/json").await, &[400], &format!("{path} {body}"));
        }
        // duplicate keys: the last does not silently win
        let dup =
            format!("{{\"name\": \"a\", \"name\": \"b\", {}", &String::from_utf8(valid_bytes.clone()).unwrap()[1..]);
        let r = send(dup.into_bytes(), "application/json").await;
        refused(&r, &[400], &format!("{path} duplicate keys"));
        cases += 17;
    }
    assert_eq!(w.api.all_items().await, before, "something was written");
    assert!(cases >= 200, "{cases}");
}

#[tokio::test]
async fn huge_arrays_and_strings_within_the_size_limit() {
    let w = World::new().await;
    let before = w.api.all_items().await;
    let ids = |n: usize| (0..n).map(|i| format!("id{i}")).collect::<Vec<_>>();
    let emails = |n: usize| (0..n).map(|i| format!("u{i}@x.io")).collect::<Vec<_>>();
    let long = "x".repeat(60 * 1024);
    let cases: Vec<(&str, String, Value)> = vec![
        ("POST", "/users/bulk-delete".into(), json!({"user_id_list": ids(5000)})),
        ("POST", "/users/bulk-delete".into(), json!({"user_id_list": []})),
        ("POST", "/users/verify".into(), json!({"email_ids": emails(3000)})),
        ("POST", "/users/filter?page=0&size=10".into(), json!({"filter": {"user_id_list": ids(5000)}})),
        ("POST", "/user-groups".into(), json!({"name": "g", "parent_organization_id": w.child, "user_ids": ids(3000)})),
        ("POST", "/user-groups".into(), json!({"name": long, "parent_organization_id": w.child})),
        ("POST", "/users".into(), json!({"email": "a@b.io", "organization_id": w.child, "first_name": long})),
        ("POST", "/users".into(), json!({"email": format!("{}@b.io", "a".repeat(300)), "organization_id": w.child})),
        ("POST", "/users".into(), json!({"email": "a@b.io", "organization_id": w.child, "password": long})),
        ("POST", "/api-tokens".into(), json!({"name": long})),
        ("PATCH", format!("/users/{}", w.user), json!({"last_name": long})),
        ("PATCH", format!("/organizations/{}", w.child), json!({"metadata": {"k": "v".repeat(2000)}})),
        ("PATCH", format!("/organizations/{}", w.child), json!({"metadata": {"k".repeat(100): "v"}})),
        (
            "POST",
            "/organizations".into(),
            json!({"name": "n", "contact_email": "a@b.io", "parent_organization_id": w.child,
                   "can_have_child_organizations": true, "rbac_template_id": "default", "domains": emails(500)}),
        ),
    ];
    for (method, path, body) in cases {
        let r = w.req(method, &path).json(body).send().await;
        refused(&r, &[400, 413], &format!("{method} {path}"));
    }
    assert_eq!(w.api.all_items().await, before);
}

#[tokio::test]
async fn control_and_bidi_characters_in_names() {
    let w = World::new().await;
    let before = w.api.all_items().await;
    for bad in [
        "nul\u{0}",
        "esc\u{1b}[31mred",
        "new\nline",
        "tab\there",
        "del\u{7f}",
        "c1\u{85}",
        "rtl\u{202e}gpj.exe",
        "iso\u{2067}x",
    ] {
        let cases: Vec<(&str, String, Value)> = vec![
            (
                "POST",
                "/organizations".into(),
                json!({"name": bad, "contact_email": "a@b.io", "parent_organization_id": w.child,
                       "can_have_child_organizations": true, "rbac_template_id": "default"}),
            ),
            ("PATCH", format!("/organizations/{}", w.child), json!({"name": bad})),
            ("POST", "/users".into(), json!({"email": "c@x.io", "organization_id": w.child, "first_name": bad})),
            ("PATCH", format!("/users/{}", w.user), json!({"preferred_name": bad})),
            ("POST", "/user-groups".into(), json!({"name": bad, "parent_organization_id": w.child})),
            ("PATCH", format!("/user-groups/{}", w.group), json!({"name": bad})),
            ("POST", "/api-tokens".into(), json!({"name": bad})),
            ("POST", "/users".into(), json!({"email": format!("a{bad}@x.io"), "organization_id": w.child})),
        ];
        for (method, path, body) in cases {
            let r = w.req(method, &path).json(body).send().await;
            refused(&r, &[400], &format!("{method} {path} {bad:?}"));
            assert_eq!(r.code(), "validation_failed", "{path} {bad:?}");
        }
    }
    assert_eq!(w.api.all_items().await, before);
    // ordinary non-ASCII names stay welcome
    w.req("PATCH", &format!("/users/{}", w.user)).json(json!({"first_name": "Zoë 李 עברית"})).send().await.expect(200);
}

#[tokio::test]
async fn path_traversal_and_odd_identifiers() {
    let w = World::new().await;
    let before = w.api.all_items().await;
    let bad_ids = [
        "..",
        "%2e%2e",
        "%2E%2E%2F%2E%2E%2Fetc",
        "..%2F..%2Fetc%2Fpasswd",
        "a%2Fb",
        "a%5Cb",
        "%00",
        "a%00b",
        "%252e%252e",
        "a%20b",
        "%E2%80%AE",
        "ORG%23x",
        "x%3FSK%3DUSER",
        "*",
    ];
    let long = "a".repeat(65);
    let mut n = 0;
    for id in bad_ids.iter().copied().chain([long.as_str()]) {
        for (method, prefix, suffix) in [
            ("GET", "/organizations/", ""),
            ("PATCH", "/organizations/", ""),
            ("DELETE", "/organizations/", ""),
            ("POST", "/organizations/", "/logo"),
            ("GET", "/organizations/", "/deletion"),
            ("GET", "/users/", ""),
            ("PATCH", "/users/", ""),
            ("DELETE", "/users/", ""),
            ("GET", "/user-groups/", ""),
            ("PATCH", "/user-groups/", ""),
            ("DELETE", "/user-groups/", ""),
            ("DELETE", "/api-tokens/", ""),
            ("GET", "/rbac-templates/", ""),
            ("DELETE", "/rbac-templates/", ""),
        ] {
            let path = format!("{prefix}{id}{suffix}");
            let mut req = w.req(method, &path);
            if method == "PATCH" {
                req = req.json(json!({"name": "x"}));
            }
            let r = req.send().await;
            refused(&r, &[400, 404, 405], &format!("{method} {path}"));
            n += 1;
        }
        // emails in the path: traversal is never a lookup of something else
        let r = w.req("GET", &format!("/users/by-email/{id}")).send().await;
        refused(&r, &[400, 404], &format!("by-email {id}"));
    }
    // bodies naming ids are checked the same way
    for id in ["../x", "ORG#root", "a/b", "", " "] {
        let r = w.req("POST", "/users").json(json!({"email": "p@x.io", "organization_id": id})).send().await;
        refused(&r, &[400, 404], &format!("organization_id {id:?}"));
        let r = w.req("POST", "/users/bulk-delete").json(json!({"user_id_list": [id]})).send().await;
        refused(&r, &[400, 404], &format!("user_id_list {id:?}"));
    }
    assert_eq!(w.api.all_items().await, before);
    assert!(n >= 200);
}

#[tokio::test]
async fn mass_assignment_is_refused() {
    let w = World::new().await;
    let before = w.api.all_items().await;
    let base_user = json!({"email": "m@x.io", "organization_id": w.child});
    let base_group = json!({"name": "g2", "parent_organization_id": w.child});
    let with = |base: &Value, k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    let mut cases: Vec<(&str, String, Value)> = Vec::new();
    for (k, v) in [
        ("user_id", json!("00000000-0000-4000-8000-0000000000ff")),
        ("version", json!(7)),
        ("status", json!("inactive")),
        ("password_hash", json!("$argon2id$...")),
        ("created_by", json!("someone")),
        ("created_at", json!(0)),
        ("last_login", json!(0)),
        ("group_ids", json!(["g"])),
        ("user_groups", json!(["g"])),
        ("org_path", json!(["root"])),
        ("is_system_user", json!(true)),
        ("permissions", json!(["organizations:create"])),
    ] {
        cases.push(("POST", "/users".into(), with(&base_user, k, v.clone())));
        cases.push(("PATCH", format!("/users/{}", w.user), json!({ k: v })));
    }
    for (k, v) in [("email", json!("new@x.io")), ("organization_id", json!(w.child)), ("password", json!("abcdefghij"))]
    {
        cases.push(("PATCH", format!("/users/{}", w.user), json!({ k: v })));
    }
    for (k, v) in [
        ("user_group_id", json!("g")),
        ("version", json!(3)),
        ("type", json!("admin")),
        ("parent_path", json!(["root"])),
        ("created_by", json!("x")),
    ] {
        cases.push(("POST", "/user-groups".into(), with(&base_group, k, v.clone())));
        cases.push(("PATCH", format!("/user-groups/{}", w.group), json!({ k: v })));
    }
    cases.push(("PATCH", format!("/user-groups/{}", w.group), json!({"parent_organization_id": w.api.root_org})));
    for (k, v) in [
        ("user_id", json!(w.user)),
        ("token_id", json!("t")),
        ("secret_sha256", json!("00")),
        ("token", json!("orgs_x")),
        ("created_at", json!(0)),
    ] {
        cases.push(("POST", "/api-tokens".into(), json!({"name": "n", k: v})));
    }
    for (k, v) in [
        ("version", json!(1)),
        ("ancestors", json!([])),
        ("parent_has_access", json!(false)),
        ("parent_has_access_to_descendants", json!(false)),
        ("can_have_child_organizations", json!(true)),
        ("parent_organization_id", json!(w.api.root_org)),
        ("code", json!("newcode")),
        ("organization_id", json!("x")),
        ("deleting", json!(true)),
        ("refs", json!(0)),
    ] {
        cases.push(("PATCH", format!("/organizations/{}", w.child), json!({ k: v })));
    }
    let n = cases.len();
    for (method, path, body) in cases {
        let r = w.req(method, &path).json(body.clone()).send().await;
        refused(&r, &[400], &format!("{method} {path} {body}"));
        assert_eq!(r.code(), "validation_failed", "{method} {path} {body}");
    }
    assert_eq!(w.api.all_items().await, before);
    assert!(n >= 50, "{n}");
}

#[tokio::test]
async fn hostile_identity_query_and_request_id_values() {
    let w = World::new().await;
    let body = json!({"name": "N", "contact_email": "a@b.io", "parent_organization_id": w.child,
                      "can_have_child_organizations": true, "rbac_template_id": "default"});
    let before = w.api.all_items().await;
    // forged or malformed identities never act
    let long = "u".repeat(200);
    for user in ["../etc", "' OR '1'='1", "USER#x", "00000000-0000-4000-8000-00000000beef", long.as_str(), "a b", "*"] {
        let r = w.api.post("/organizations", body.clone()).as_user(user, &w.api.root_org).send().await;
        refused(&r, &[401], &format!("user {user}"));
    }
    assert_eq!(w.api.all_items().await, before);
    // a real user acting in an organization context they cannot reach, or a malformed one
    let other = w.api.create_org(&w.api.root_org, json!({})).await;
    let before_ctx = w.api.all_items().await;
    for ctx in [other.as_str(), "../root", "ORG#x", "%2e%2e"] {
        let r = w
            .api
            .post("/users", json!({"email": "ctx@x.io", "organization_id": w.child}))
            .as_user(&w.user, ctx)
            .send()
            .await;
        refused(&r, &[403], &format!("context {ctx}"));
    }
    assert_eq!(w.api.all_items().await, before_ctx);
    // hostile query strings
    for q in [
        "page=-1&size=10",
        "page=0&size=0",
        "page=0&size=101",
        "page=0&size=99999999999999999999999",
        "page=0&size=1e3",
        "page=x&size=10",
        "page=0&size=10&page=1",
        "page=0&size=10&unknown=1",
        "page=0&size=%00",
    ] {
        let r = w.req("POST", &format!("/users/filter?{q}")).json(json!({})).send().await;
        refused(&r, &[400], &format!("query {q}"));
    }
    for q in ["limit=0", "limit=101", "limit=-5", "cursor=!!!", "cursor=VVNFUiN4", "limit=1&limit=2"] {
        let r = w.req("GET", &format!("/organizations?{q}")).send().await;
        refused(&r, &[400], &format!("query {q}"));
    }
    // a request id the service will not echo is replaced, never reflected
    for rid in ["a b", &"r".repeat(129), "tab\tx", "émoji"] {
        let r = w.req("GET", "/organizations").header("x-request-id", rid).send().await;
        let echoed = r.headers.get("x-request-id").cloned().unwrap_or_default();
        assert_ne!(echoed, rid);
        assert!(!echoed.is_empty() && echoed.len() <= 128 && echoed.bytes().all(|b| b.is_ascii_graphic()));
    }
}
