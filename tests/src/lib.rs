//! Black-box test harness: every test gets its own table in DynamoDB Local (created from
//! infra/template.yaml) and the shared S3 stand-in, bootstraps it, and sends requests as
//! API Gateway v2 events through `lambda_http` into the real function routers, the way Lambda
//! does. Endpoints come from the environment `scripts/test` sets.

pub mod metabase_stub;
pub mod oidc;

use std::collections::HashMap;

use orgs_local::bootstrap::{bootstrap, BootstrapOptions};
use serde_json::{json, Value};
use shared::model::now_ms;
use shared::model::user::{Role, UserItem};
use shared::runtime::config::{AppState, Config};
use shared::store::keys;

pub const BUCKET: &str = "orgs-test-logos";

/// Counts DynamoDB calls by operation, per table (an SDK interceptor on every test client).
#[derive(Debug, Clone, Default)]
pub struct CallCounter(std::sync::Arc<std::sync::Mutex<HashMap<String, usize>>>);

impl aws_smithy_runtime_api::client::interceptors::Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "CallCounter"
    }

    /// Each request sent (retries included), named by its `x-amz-target` header.
    fn read_before_transmit(
        &self,
        ctx: &aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef<'_>,
        _rc: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        _cfg: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        let target = ctx.request().headers().get("x-amz-target").unwrap_or("unknown");
        let name = target.rsplit('.').next().unwrap_or(target).to_string();
        if let Ok(mut map) = self.0.lock() {
            *map.entry(name).or_default() += 1;
        }
        Ok(())
    }
}

impl CallCounter {
    pub fn reset(&self) {
        if let Ok(mut m) = self.0.lock() {
            m.clear();
        }
    }

    /// Calls by operation since the last reset, e.g. `{"BatchGetItem": 2, "TransactWriteItems": 1}`.
    pub fn take(&self) -> std::collections::BTreeMap<String, usize> {
        let out = self.0.lock().map(|m| m.iter().map(|(k, v)| (k.clone(), *v)).collect()).unwrap_or_default();
        self.reset();
        out
    }
}

/// A DynamoDB failure the fault injector answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// 400 `ProvisionedThroughputExceededException`.
    ThroughputExceeded,
    /// 400 `ThrottlingException`.
    Throttling,
    /// 500 `InternalServerError`.
    InternalServerError,
    /// 503 with a body that is not DynamoDB's (a proxy's), so no error code.
    BareServiceUnavailable,
    /// 400 `TransactionCanceledException` with reason `TransactionConflict`.
    TransactionConflict,
    /// 400 `TransactionCanceledException` with reasons `None` and `ThrottlingError`.
    TransactionThrottled,
}

impl FaultKind {
    fn response(self) -> (u16, String) {
        let err = |ty: &str, msg: &str| format!(r#"{{"__type":"{ty}","message":"{msg}"}}"#);
        match self {
            FaultKind::ThroughputExceeded => (
                400,
                err(
                    "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                    "injected: throughput exceeded",
                ),
            ),
            FaultKind::Throttling => (400, err("com.amazon.coral.availability#ThrottlingException", "injected: rate exceeded")),
            FaultKind::InternalServerError => {
                (500, err("com.amazonaws.dynamodb.v20120810#InternalServerError", "injected: internal server error"))
            }
            FaultKind::BareServiceUnavailable => (503, "<html>injected: service unavailable</html>".to_string()),
            FaultKind::TransactionConflict => (
                400,
                r#"{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict]","CancellationReasons":[{"Code":"TransactionConflict","Message":"injected: transaction conflict"}]}"#.to_string(),
            ),
            FaultKind::TransactionThrottled => (
                400,
                r#"{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [None, ThrottlingError]","CancellationReasons":[{"Code":"None"},{"Code":"ThrottlingError","Message":"injected: throttled"}]}"#.to_string(),
            ),
        }
    }
}

#[derive(Debug, Clone)]
struct Fault {
    operation: String,
    kind: FaultKind,
    /// Attempts of `operation` to let through before the first fault.
    skip: usize,
    remaining: usize,
    /// Send the request to DynamoDB first, then answer with the fault (the write happened, the
    /// response is lost).
    after_send: bool,
}

/// Fault injection under the SDK: an HTTP client that wraps the real one and, for DynamoDB
/// operations named in its plan, answers with a throttling, 5xx or transaction error instead of
/// (or after) sending the request. Every attempt, retries included, goes through it.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    plan: std::sync::Arc<std::sync::Mutex<Vec<Fault>>>,
    injected: std::sync::Arc<std::sync::Mutex<HashMap<String, usize>>>,
}

impl Faults {
    /// The next `times` attempts of `operation` (e.g. `TransactWriteItems`, `*` for any) fail
    /// with `kind` without reaching DynamoDB.
    pub fn inject(&self, operation: &str, kind: FaultKind, times: usize) {
        self.push(operation, kind, 0, times, false);
    }

    /// As [`Faults::inject`], after letting the next `skip` attempts of `operation` through.
    pub fn inject_after(&self, operation: &str, kind: FaultKind, skip: usize, times: usize) {
        self.push(operation, kind, skip, times, false);
    }

    /// The next `times` attempts of `operation` reach DynamoDB, then their response is replaced by `kind`.
    pub fn inject_after_send(&self, operation: &str, kind: FaultKind, times: usize) {
        self.push(operation, kind, 0, times, true);
    }

    fn push(&self, operation: &str, kind: FaultKind, skip: usize, times: usize, after_send: bool) {
        if let Ok(mut p) = self.plan.lock() {
            p.push(Fault { operation: operation.to_string(), kind, skip, remaining: times, after_send });
        }
    }

    /// Removes every planned fault (what was injected stays counted).
    pub fn clear(&self) {
        if let Ok(mut p) = self.plan.lock() {
            p.clear();
        }
    }

    /// Faults injected so far, by operation, and resets the count.
    pub fn take_injected(&self) -> std::collections::BTreeMap<String, usize> {
        self.injected.lock().map(|mut m| m.drain().collect()).unwrap_or_default()
    }

    fn next_for(&self, operation: &str) -> Option<(FaultKind, bool)> {
        let mut plan = self.plan.lock().ok()?;
        let f = plan.iter_mut().find(|f| f.remaining > 0 && (f.operation == operation || f.operation == "*"))?;
        if f.skip > 0 {
            f.skip -= 1;
            return None;
        }
        f.remaining -= 1;
        if let Ok(mut m) = self.injected.lock() {
            *m.entry(operation.to_string()).or_default() += 1;
        }
        Some((f.kind, f.after_send))
    }

    fn http_client(&self) -> aws_sdk_dynamodb::config::SharedHttpClient {
        use aws_smithy_runtime_api::client::http::{http_client_fn, HttpClient, HttpConnector, HttpConnectorFuture};
        let inner = shared::runtime::aws_clients::sdk_http_client(shared::runtime::aws_clients::aws_trust_store(false));
        let faults = self.clone();
        #[derive(Debug)]
        struct Injecting {
            inner: aws_smithy_runtime_api::client::http::SharedHttpConnector,
            faults: Faults,
        }
        impl HttpConnector for Injecting {
            fn call(&self, request: aws_sdk_dynamodb::config::http::HttpRequest) -> HttpConnectorFuture {
                let target = request.headers().get("x-amz-target").unwrap_or("unknown");
                let operation = target.rsplit('.').next().unwrap_or(target).to_string();
                let Some((kind, after_send)) = self.faults.next_for(&operation) else {
                    return self.inner.call(request);
                };
                let (status, body) = kind.response();
                let fake = move || {
                    let mut resp = aws_sdk_dynamodb::config::http::HttpResponse::new(
                        status.try_into().expect("status"),
                        aws_smithy_types::body::SdkBody::from(body),
                    );
                    resp.headers_mut().insert("content-type", "application/x-amz-json-1.0");
                    resp
                };
                if after_send {
                    let sent = self.inner.call(request);
                    HttpConnectorFuture::new(async move {
                        sent.await?;
                        Ok(fake())
                    })
                } else {
                    HttpConnectorFuture::ready(Ok(fake()))
                }
            }
        }
        http_client_fn(move |settings, components| {
            aws_smithy_runtime_api::client::http::SharedHttpConnector::new(Injecting {
                inner: inner.http_connector(settings, components),
                faults: faults.clone(),
            })
        })
    }
}

/// A fresh, bootstrapped stack for one test.
pub struct TestApi {
    pub state: AppState,
    /// DynamoDB calls made through this stack's client, by operation.
    pub calls: CallCounter,
    /// Faults to inject into this stack's DynamoDB calls (none unless planned).
    pub faults: Faults,
    pub root_org: String,
    pub superadmin: String,
}

/// An HTTP-ish response.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub body: Value,
}

impl Resp {
    pub fn data(&self) -> &Value {
        &self.body["data"]
    }

    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    #[track_caller]
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.body);
        self
    }

    #[track_caller]
    pub fn expect_error(&self, status: u16, code: &str) -> &Self {
        self.expect(status);
        assert_eq!(self.code(), code, "unexpected error code; body: {}", self.body);
        assert!(self.body["message"].is_string(), "error without message: {}", self.body);
        assert!(self.body["error"]["details"].is_array(), "error without details: {}", self.body);
        self
    }
}

fn endpoint_missing() -> ! {
    panic!("AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_S3 are not set: run the tests with ./scripts/test")
}

/// The embedding secret [`TestApi::with_metabase`] configures.
pub const METABASE_SECRET: &str = "test-embedding-secret-0123456789abcdef";

impl TestApi {
    pub async fn new() -> Self {
        Self::with_options(BootstrapOptions::default()).await
    }

    pub async fn with_options(opts: BootstrapOptions) -> Self {
        let s3_endpoint = std::env::var("AWS_ENDPOINT_URL_S3").unwrap_or_else(|_| endpoint_missing());
        if std::env::var("AWS_ENDPOINT_URL_DYNAMODB").is_err() {
            endpoint_missing();
        }
        // The functions' own client builder (region, credentials, endpoints, TLS), with the
        // harness's interceptors, fault injector and retry settings on top.
        let settings = shared::runtime::aws_clients::ClientSettings::from_env().expect("AWS_* environment");
        let (dynamo, s3) = shared::runtime::aws_clients::build(&settings);
        let table = format!("t-{}", uuid::Uuid::new_v4().simple());
        let config = Config {
            table_name: table.clone(),
            logo_bucket: BUCKET.into(),
            logo_base_url: format!("{s3_endpoint}/{BUCKET}"),
            public_host_domain: "orgs.test".into(),
            token_sealer: shared::token::Sealer::from_base64("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="),
            delete_inline_budget: std::time::Duration::from_secs(10),
            metabase: None,
            // A local run (R29): requests without an authorizer context name their caller in headers.
            local_identity_headers: true,
            oidc: Vec::new(),
        };
        let calls = CallCounter::default();
        let faults = Faults::default();
        // The SDK's standard retry as deployed (3 attempts), with short backoffs so injected
        // faults do not slow the suite, and a retry quota of this stack's own.
        let retry = aws_sdk_dynamodb::config::retry::RetryConfig::standard()
            .with_max_attempts(3)
            .with_initial_backoff(std::time::Duration::from_millis(5))
            .with_max_backoff(std::time::Duration::from_millis(50));
        let dynamo_conf = dynamo
            .config()
            .to_builder()
            .interceptor(calls.clone())
            .http_client(faults.http_client())
            .retry_config(retry)
            .retry_partition(aws_sdk_dynamodb::config::retry::RetryPartition::new(format!("ddb-{table}")))
            .build();
        let state = AppState::from_clients(config, aws_sdk_dynamodb::Client::from_conf(dynamo_conf), s3);
        orgs_local::table::create_table(&state.dynamo, &table).await.expect("create table");
        orgs_local::table::create_bucket(state.s3().expect("s3"), BUCKET).await.expect("create bucket");
        let (m, created) = bootstrap(&state.store(), &opts).await.expect("bootstrap");
        assert!(created);
        Self { state, calls, faults, root_org: m.organization_id, superadmin: m.user_id }
    }

    /// The same stack talking to a Metabase at `url` (a [`metabase_stub::MetabaseStub`]).
    pub fn with_metabase(mut self, url: &str, template_dashboards: Vec<u64>) -> Self {
        let mut config = self.state.config.clone();
        config.metabase = Some(shared::runtime::config::MetabaseSettings {
            site_url: url.to_string(),
            api_key: "mb-test-key".into(),
            embedding_secret: METABASE_SECRET.as_bytes().to_vec(),
            template_dashboards,
            session_ttl: std::time::Duration::from_secs(600),
            timeout: std::time::Duration::from_secs(2),
        });
        self.state = self.state.with_config(config);
        self
    }

    /// The same stack with DELETE driving its purge for at most `ms` before answering 202.
    pub fn with_inline_delete_budget(mut self, ms: u64) -> Self {
        let mut config = self.state.config.clone();
        config.delete_inline_budget = std::time::Duration::from_millis(ms);
        self.state = self.state.with_config(config);
        self
    }

    /// A request as the root superadmin (change the caller with [`Req::as_user`]).
    pub fn req(&self, method: &str, path: &str) -> Req<'_> {
        Req {
            api: self,
            method: method.to_string(),
            path: path.to_string(),
            headers: vec![
                ("user-id".into(), self.superadmin.clone()),
                ("organization-id".into(), self.root_org.clone()),
            ],
            body: Vec::new(),
        }
    }

    pub fn get(&self, path: &str) -> Req<'_> {
        self.req("GET", path)
    }

    pub fn post(&self, path: &str, body: Value) -> Req<'_> {
        self.req("POST", path).json(body)
    }

    pub fn patch(&self, path: &str, body: Value) -> Req<'_> {
        self.req("PATCH", path).json(body)
    }

    /// Creates a child organization of `parent` as the root superadmin; returns its id.
    pub async fn create_org(&self, parent: &str, extra: Value) -> String {
        let (u, o) = (self.superadmin.clone(), self.root_org.clone());
        self.create_org_as(&u, &o, parent, extra).await
    }

    /// Creates a child organization of `parent` as `user` acting in `org`; returns its id.
    pub async fn create_org_as(&self, user: &str, org: &str, parent: &str, extra: Value) -> String {
        let mut body = json!({
            "name": format!("Org {}", &uuid::Uuid::new_v4().simple().to_string()[..8]),
            "contact_email": "ops@example.com",
            "parent_organization_id": parent,
            "can_have_child_organizations": true,
            "rbac_template_id": "default",
        });
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                b.insert(k.clone(), v.clone());
            }
        }
        let r = self.post("/organizations", body).as_user(user, org).send().await;
        r.expect(201);
        r.data()["organization_id"].as_str().expect("organization_id").to_string()
    }

    /// Seeds a user directly through the store (the users API is its own function).
    pub async fn create_user(&self, org: &str, role: Role) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        let path = self.state.store().get_org(org, true).await.expect("read org").expect("org exists").path();
        let mut user = UserItem::new(&id, path, &format!("{}@example.com", &id[..8]), role, now_ms(), None);
        user.first_name = Some("Test".into());
        let store = self.state.store();
        store.transact(store.create_user_actions(&system_permit(), &user).unwrap()).await.expect("seed user");
        id
    }

    /// Every item in the table (tests only: a Scan is fine here, never on a request path).
    pub async fn all_items(&self) -> Vec<HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
        let mut out = Vec::new();
        let mut start = None;
        loop {
            let r = self
                .state
                .dynamo
                .scan()
                .table_name(&self.state.config.table_name)
                .set_exclusive_start_key(start)
                .send()
                .await
                .expect("scan");
            out.extend(r.items.unwrap_or_default());
            start = r.last_evaluated_key;
            if start.is_none() {
                return out;
            }
        }
    }

    pub async fn item_count(&self) -> usize {
        self.all_items().await.len()
    }

    /// Activity items of an organization, oldest first.
    pub async fn activities(&self, org: &str) -> Vec<Value> {
        let (items, _) =
            self.state.store().query_prefix(&keys::activity_pk(org), "", 1000, None, true).await.expect("query");
        items.into_iter().map(|i| serde_dynamo::from_item::<_, Value>(i).expect("decode")).collect()
    }
}

/// A request under construction.
#[derive(Clone)]
pub struct Req<'a> {
    api: &'a TestApi,
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Req<'_> {
    pub fn header(mut self, k: &str, v: &str) -> Self {
        let k = k.to_ascii_lowercase();
        self.headers.retain(|(h, _)| *h != k);
        self.headers.push((k, v.to_string()));
        self
    }

    pub fn without_header(mut self, k: &str) -> Self {
        let k = k.to_ascii_lowercase();
        self.headers.retain(|(h, _)| *h != k);
        self
    }

    pub fn as_user(self, user: &str, org: &str) -> Self {
        self.header("user-id", user).header("organization-id", org)
    }

    pub fn json(self, v: Value) -> Self {
        let bytes = serde_json::to_vec(&v).expect("json");
        self.raw(bytes, "application/json")
    }

    pub fn raw(mut self, body: Vec<u8>, content_type: &str) -> Self {
        self.body = body;
        self.header("content-type", content_type)
    }

    /// The v2 event this request becomes.
    pub fn event(&self) -> Value {
        orgs_local::gateway::v2_event(&self.method, &self.path, &self.headers, &self.body, "203.0.113.7")
    }

    /// Presents an API token (and drops the identity headers unless set again afterwards).
    pub fn bearer(self, token: &str) -> Self {
        self.without_header("user-id")
            .without_header("organization-id")
            .header("authorization", &format!("Bearer {token}"))
    }

    /// Sends the request through what the gateway does (authorizer when a token is presented)
    /// and then the function.
    pub async fn send(self) -> Resp {
        let mut event = self.event();
        let state = &self.api.state;
        if let Some(resp) =
            orgs_local::gateway::apply_authorizer(state, &mut event, orgs_local::gateway::HeaderIdentity::Allowed).await
        {
            return decode(resp).await;
        }
        invoke(state, &event).await
    }
}

/// Runs events concurrently (one task each, all started before any is awaited); responses in
/// the order of the events.
pub async fn send_all(state: &AppState, events: Vec<Value>) -> Vec<Resp> {
    let tasks: Vec<_> = events
        .into_iter()
        .map(|ev| {
            let state = state.clone();
            tokio::spawn(async move { invoke(&state, &ev).await })
        })
        .collect();
    let mut out = Vec::with_capacity(tasks.len());
    for t in tasks {
        out.push(t.await.expect("request task"));
    }
    out
}

/// Runs an event through its function and decodes the response.
pub async fn invoke(state: &AppState, event: &Value) -> Resp {
    decode(orgs_local::gateway::invoke_event(state, event).await.expect("invoke")).await
}

async fn decode(resp: axum::response::Response) -> Resp {
    let status = resp.status().as_u16();
    let headers =
        resp.headers().iter().map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string())).collect();
    let bytes = axum_body_bytes(resp).await;
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()))
    };
    Resp { status, headers, body }
}

async fn axum_body_bytes(resp: axum::response::Response) -> bytes::Bytes {
    axum::body::to_bytes(resp.into_body(), usize::MAX).await.expect("body")
}

/// A multipart/form-data body with the given text fields and files `(name, filename, bytes)`.
pub fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> (Vec<u8>, String) {
    let boundary = "----orgs-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
        );
    }
    for (k, filename, bytes) in files {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (body, format!("multipart/form-data; boundary={boundary}"))
}

/// Tests and benches seed data as the bootstrap does: as the system.
pub fn system_permit() -> shared::policy::SystemPermit {
    shared::policy::SystemPermit::for_job(
        shared::policy::SystemJob::Bootstrap,
        shared::policy::Actor {
            actor_type: shared::model::activity::ActorType::System,
            actor_id: "test-seed".into(),
            actor_organization_id: None,
            ip: None,
            details: None,
            request_id: uuid::Uuid::new_v4().to_string(),
            token_id: None,
            service_id: None,
        },
    )
}
