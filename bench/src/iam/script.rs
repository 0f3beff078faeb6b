//! The IAM script: every step runs real function code against DynamoDB Local and S3, attributed
//! to the function a deployed stack would run it in. Beyond `routes::run_all` (every route once):
//! the routes it leaves out, the idempotency paths of every writing POST (claim and record,
//! replay, release), the authorizer in front of real requests with a real API token, and the
//! deletion of a populated subtree (users, tokens, groups and grants, codes, domains, logos)
//! twice: inline by the organizations function, and by the deletion worker (a stream event that
//! stops early, then the schedule until the job is done).

use std::time::Duration;

use axum::response::Response;
use orgs_local::functions::FUNCTIONS;
use orgs_local::gateway::{apply_authorizer, HeaderIdentity};
use orgs_tests::{multipart, Req, Resp, TestApi};
use serde_json::{json, Value};
use shared::model::user::Role;
use shared::AppState;

use super::record::{s3_with, Recorder};
use super::route_of;
use crate::canned::with_interceptor;
use crate::routes::run_all_observed;

/// The binaries driven other than through a route.
pub const AUTHORIZER: &str = "authorizer";
pub const DELETION_WORKER: &str = "deletion-worker";

/// `api` with the recorder on its DynamoDB and S3 clients.
pub fn instrument(api: &mut TestApi, rec: &Recorder) {
    let s3 = s3_with(api.state.s3().expect("s3 client"), rec);
    api.state = AppState::from_clients(api.state.config.clone(), with_interceptor(&api.state.dynamo, rec.clone()), s3);
}

async fn decode(resp: Response) -> Resp {
    let status = resp.status().as_u16();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.expect("body");
    Resp { status, headers: Default::default(), body: serde_json::from_slice(&bytes).unwrap_or(Value::Null) }
}

fn data_str(r: &Resp, key: &str) -> String {
    r.data()[key].as_str().unwrap_or_else(|| panic!("no {key} in {} {}", r.status, r.body)).to_string()
}

/// One run of the script.
pub struct Script<'a> {
    pub api: &'a TestApi,
    pub rec: &'a Recorder,
}

impl Script<'_> {
    /// Sends `req` as the deployed gateway would, through `state`: the authorizer first when it
    /// presents a token, then the function serving its path, each step attributed to its function.
    /// `case`, when not empty, is added to the step's label.
    async fn send_on(&self, state: &AppState, req: Req<'_>, case: &str) -> Resp {
        let mut ev = req.event();
        let method = ev["requestContext"]["http"]["method"].as_str().unwrap_or_default().to_string();
        let path = ev["rawPath"].as_str().unwrap_or_default().to_string();
        let (function, mut label) = route_of(&method, &path).unwrap_or(("(no route)", format!("{method} {path}")));
        if !case.is_empty() {
            label = format!("{label} ({case})");
        }
        if ev.pointer("/headers/authorization").is_some() {
            self.rec.step(AUTHORIZER, &format!("authorizer ({label})"));
            let denied = apply_authorizer(state, &mut ev, HeaderIdentity::Refused).await;
            self.rec.setup();
            if let Some(resp) = denied {
                return decode(resp).await;
            }
        }
        self.rec.step(function, &label);
        let resp = orgs_tests::invoke(state, &ev).await;
        self.rec.setup();
        resp
    }

    async fn send(&self, req: Req<'_>) -> Resp {
        self.send_on(&self.api.state, req, "").await
    }

    async fn send_case(&self, req: Req<'_>, case: &str) -> Resp {
        self.send_on(&self.api.state, req, case).await
    }

    /// Every step, in order.
    pub async fn run(&self) {
        let api = self.api;
        self.rec.setup();
        let rec = self.rec;
        let runs = run_all_observed(api, None, None, &|function, route| rec.step(function, route)).await;
        self.rec.setup();
        let failed: Vec<String> = runs.iter().filter(|r| r.status >= 300).map(|r| r.label()).collect();
        assert!(failed.is_empty(), "routes::run_all steps failed: {failed:?}");
        self.left_out().await;
        self.idempotency().await;
        self.tokens_and_authorizer().await;
        let inline = self.subtree("inline").await;
        self.send_case(api.req("DELETE", &format!("/organizations/{inline}")), "populated subtree, inline")
            .await
            .expect(200);
        self.deletion_by_worker().await;
    }

    /// Routes `run_all` does not run: the caller's disabled permissions and Metabase.
    async fn left_out(&self) {
        let api = self.api;
        self.send(api.get("/permissions/disabled")).await.expect(200);
        // A group id that is not a UUID is not read ahead with the caller (shared::store::ahead):
        // its own GetItem answers (as a retry after a conflict re-reads a group).
        self.send_case(api.get("/user-groups/iam-probe"), "an id read on its own").await.expect(404);
        // A role under an organization named by its code is not read ahead either: its own
        // GetItem answers (as the re-read of a role being deleted in steps does).
        self.org(&api.root_org, json!({"code": "iam-roles"})).await;
        self.send_case(api.get("/organizations/iam-roles/roles/iam-probe"), "an organization by code")
            .await
            .expect(404);
        // A user id that is not a UUID is not read ahead either: its own GetItem answers (as the
        // re-read of a user after a conflicting update does).
        self.send_case(api.get("/users/iam-probe"), "an id read on its own").await.expect(404);
        let org = self.org(&api.root_org, json!({})).await;
        self.send(api.patch(&format!("/organizations/{org}"), json!({"enable_metabase": true}))).await.expect(200);
        self.send(api.post(&format!("/organizations/{org}/metabase/recreate"), json!({}))).await.expect(200);
        self.rec.setup();
        let user = api.create_user(&org, Role::User).await;
        self.send(api.get("/metabase/session").as_user(&user, &org)).await.expect(200);
    }

    /// Every POST that writes, of every function, with an `X-Request-ID`: a final answer is
    /// claimed and recorded, the same request again is replayed, and an unknown caller's claim
    /// is released (shared::edge::idempotency).
    async fn idempotency(&self) {
        let api = self.api;
        let unknown = "00000000-0000-4000-8000-00000000dead";
        for f in FUNCTIONS {
            for (m, p) in f
                .routes
                .iter()
                .map(|r| (r.method, r.path))
                .filter(|(m, p)| *m == "POST" && !shared::edge::idempotency::is_read_only_post(p))
            {
                let path: String = p
                    .split('/')
                    .map(|s| if s.starts_with('{') { "iam-probe" } else { s })
                    .collect::<Vec<_>>()
                    .join("/");
                let key = format!("iam-{}-{}", f.name, path.replace('/', "-"));
                let probe = || api.req(m, &path).json(json!({})).header("x-request-id", &key);
                let first = self.send_case(probe(), "X-Request-ID: claimed, recorded").await;
                assert!(shared::edge::idempotency::is_final(status(first.status)), "{m} {path}: {}", first.status);
                let again = self.send_case(probe(), "X-Request-ID: replayed").await;
                assert_eq!((again.status, &again.body), (first.status, &first.body), "{m} {path}: a replay");
                let released = api
                    .req(m, &path)
                    .json(json!({}))
                    .as_user(unknown, &api.root_org)
                    .header("x-request-id", &format!("{key}-unknown"));
                self.send_case(released, "X-Request-ID: released").await.expect(401);
            }
        }
    }

    /// A user's API token in front of real requests: allowed, reused, revoked.
    async fn tokens_and_authorizer(&self) {
        let api = self.api;
        let org = self.org(&api.root_org, json!({})).await;
        self.rec.setup();
        let admin = api.create_user(&org, Role::Admin).await;
        let created = self.send(api.post("/api-tokens", json!({"name": "iam"})).as_user(&admin, &org)).await;
        created.expect(201);
        let (secret, token_id) = (data_str(&created, "token"), data_str(&created, "token_id"));
        let reuse = api.post("/api-tokens?return_active_token_if_exists=true", json!({"name": "iam"}));
        self.send(reuse.as_user(&admin, &org)).await.expect(200);
        self.send(api.get("/organizations").bearer(&secret)).await.expect(200);
        self.send(api.get(&format!("/users/{admin}")).bearer(&secret)).await.expect(200);
        self.send(api.req("DELETE", &format!("/api-tokens/{token_id}")).as_user(&admin, &org)).await.expect(200);
        self.send(api.get("/organizations").bearer(&secret)).await.expect(403);
        let stranger = shared::token::generate().expect("token");
        self.send(api.get("/organizations").bearer(&stranger)).await.expect(403);
    }

    async fn org(&self, parent: &str, extra: Value) -> String {
        let mut body = json!({"name": format!("IAM {}", &uuid::Uuid::new_v4().simple().to_string()[..8]),
            "contact_email": "iam@example.com", "parent_organization_id": parent,
            "can_have_child_organizations": true, "rbac_template_id": "default"});
        for (k, v) in extra.as_object().into_iter().flatten() {
            body[k] = v.clone();
        }
        let r = self.send(self.api.post("/organizations", body)).await;
        r.expect(201);
        data_str(&r, "organization_id")
    }

    /// A subtree A > B > C with admins and their tokens, a group in A granting B and one above A
    /// (in the root) granting B, a code and a domain, and logos on A and B. Returns A.
    async fn subtree(&self, tag: &str) -> String {
        let api = self.api;
        let a = self
            .org(&api.root_org, json!({"code": format!("iam-{tag}"), "domains": [format!("{tag}.iam.test")]}))
            .await;
        let b = self.org(&a, json!({"code": format!("iam-{tag}-b")})).await;
        let c = self.org(&b, json!({})).await;
        self.rec.setup();
        let mut admins = Vec::new();
        for org in [&a, &b, &c] {
            let admin = api.create_user(org, Role::Admin).await;
            let t = self.send(api.post("/api-tokens", json!({"name": tag})).as_user(&admin, org)).await;
            t.expect(201);
            self.rec.setup();
            admins.push(admin);
        }
        let group = json!({"name": format!("{tag} in A"), "parent_organization_id": a, "user_ids": [admins[0]],
            "accessible_organizations": [{"organization_id": b, "select_all_child_orgs": true}]});
        self.send(api.post("/user-groups", group)).await.expect(201);
        let from_outside = json!({"name": format!("{tag} above"), "parent_organization_id": api.root_org,
            "accessible_organizations": [{"organization_id": b, "select_all_child_orgs": false}]});
        self.send(api.post("/user-groups", from_outside)).await.expect(201);
        let png = shared::edge::logo::png_header(120, 40);
        for org in [&a, &b] {
            let (body, ct) = multipart(&[("usage_type", "login")], &[("logo", "logo.png", &png)]);
            self.send(api.req("POST", &format!("/organizations/{org}/logo")).raw(body, &ct)).await.expect(200);
        }
        a
    }

    /// A subtree deleted with no inline budget (202), finished by the deletion worker: first the
    /// stream record of its job with a budget too small to finish (the run releases its lease),
    /// then scheduled sweeps until the job is done.
    async fn deletion_by_worker(&self) {
        let api = self.api;
        let root = self.subtree("worker").await;
        let mut config = api.state.config.clone();
        config.delete_inline_budget = Duration::ZERO;
        let deferred = api.state.with_config(config);
        self.send_on(&deferred, api.req("DELETE", &format!("/organizations/{root}")), "left to the worker")
            .await
            .expect(202);
        let job_pk = shared::store::keys::deletion_job_pk(&root);
        let stream = json!({"Records": [{"eventName": "INSERT", "eventSource": "aws:dynamodb",
            "dynamodb": {"Keys": {"PK": {"S": job_pk}, "SK": {"S": shared::store::keys::JOB_SK}},
                         "NewImage": {"status": {"S": "running"}}}}]});
        self.rec.step(DELETION_WORKER, "stream: job inserted");
        deletion_worker::handle(&api.state, &stream, Duration::from_millis(1)).await.expect("stream run");
        let sweep = json!({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}});
        for _ in 0..50 {
            self.rec.setup();
            let job = shared::jobs::purge::get_job(&api.state.store(), &root).await.expect("job").expect("job item");
            if job.status == shared::jobs::purge::JobStatus::Done {
                assert!(job.organizations_purged >= 3 && job.objects_deleted >= 2, "{job:?}");
                return;
            }
            self.rec.step(DELETION_WORKER, "schedule: resume");
            deletion_worker::handle(&api.state, &sweep, Duration::from_secs(5)).await.expect("sweep");
        }
        panic!("the deletion worker did not finish the job");
    }
}

fn status(s: u16) -> http::StatusCode {
    http::StatusCode::from_u16(s).expect("status")
}
