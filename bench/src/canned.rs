//! A canned DynamoDB: a [`Recorder`] interceptor keeps every response DynamoDB Local gave to a
//! scripted request, and [`Canned`] is an SDK `HttpClient` that answers the same requests with
//! them, in process, with no network. The SDK around it (serialization, SigV4 signing, retries
//! config, deserialization) runs as usual, so timing a handler on it measures everything a
//! function does per request except the wait for DynamoDB.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::interceptors::context::{
    AfterDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};

/// One recorded exchange.
#[derive(Debug, Clone)]
struct Exchange {
    status: u16,
    body: Vec<u8>,
}

/// Responses by (operation, request body), plus the last response of each operation for
/// requests that differ from every recorded one (writes carry fresh ids and times).
#[derive(Debug, Clone, Default)]
pub struct Tape {
    exact: HashMap<(String, Vec<u8>), Exchange>,
    last: HashMap<String, Exchange>,
}

impl Tape {
    pub fn len(&self) -> usize {
        self.exact.len()
    }

    pub fn is_empty(&self) -> bool {
        self.exact.is_empty()
    }
}

/// A request body in a canonical form: maps by key, lists sorted (keys of a BatchGetItem come
/// in hash order, which differs between runs).
pub fn canonical(body: &[u8]) -> Vec<u8> {
    fn sort(v: serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match v {
            Value::Array(a) => {
                let mut items: Vec<(String, Value)> = a.into_iter().map(sort).map(|v| (v.to_string(), v)).collect();
                items.sort_by(|x, y| x.0.cmp(&y.0));
                Value::Array(items.into_iter().map(|(_, v)| v).collect())
            }
            Value::Object(m) => {
                let mut entries: Vec<(String, Value)> = m.into_iter().map(|(k, v)| (k, sort(v))).collect();
                entries.sort_by(|x, y| x.0.cmp(&y.0));
                Value::Object(entries.into_iter().collect())
            }
            other => other,
        }
    }
    match serde_json::from_slice(body) {
        Ok(v) => sort(v).to_string().into_bytes(),
        Err(_) => body.to_vec(),
    }
}

fn operation(headers: &aws_smithy_runtime_api::http::Headers) -> String {
    let target = headers.get("x-amz-target").unwrap_or("unknown");
    target.rsplit('.').next().unwrap_or(target).to_string()
}

#[derive(Debug, Clone)]
struct InFlight(String, Vec<u8>);

impl Storable for InFlight {
    type Storer = StoreReplace<Self>;
}

/// Records what DynamoDB answered (add it to the client the script runs through).
#[derive(Debug, Clone, Default)]
pub struct Recorder(Arc<Mutex<Tape>>);

impl Recorder {
    pub fn tape(&self) -> Tape {
        self.0.lock().map(|t| t.clone()).unwrap_or_default()
    }
}

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "Recorder"
    }

    fn read_before_transmit(
        &self,
        ctx: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let req = ctx.request();
        let body = canonical(req.body().bytes().unwrap_or_default());
        cfg.interceptor_state().store_put(InFlight(operation(req.headers()), body));
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        ctx: &AfterDeserializationInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(InFlight(op, req)) = cfg.load::<InFlight>().cloned() else { return Ok(()) };
        let resp = ctx.response();
        let ex = Exchange { status: resp.status().as_u16(), body: resp.body().bytes().unwrap_or_default().to_vec() };
        if let Ok(mut t) = self.0.lock() {
            t.last.insert(op.clone(), ex.clone());
            t.exact.insert((op, req), ex);
        }
        Ok(())
    }
}

/// Answers from a [`Tape`]; an unknown operation is a 500 (so a bench notices). Counts the
/// requests answered by operation only (no exact recording).
#[derive(Debug, Clone)]
pub struct Canned(Arc<Tape>, Arc<std::sync::atomic::AtomicUsize>, Arc<std::sync::atomic::AtomicUsize>);

impl Canned {
    pub fn new(tape: Tape) -> Self {
        Self(Arc::new(tape), Arc::default(), Arc::default())
    }

    pub fn calls(&self) -> usize {
        self.2.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn inexact(&self) -> usize {
        self.1.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl HttpConnector for Canned {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        self.2.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let op = operation(request.headers());
        let body = request.body().bytes().unwrap_or_default();
        let ex = self.0.exact.get(&(op.clone(), canonical(body))).or_else(|| {
            self.1.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.0.last.get(&op)
        });
        let (status, body) = match ex {
            Some(e) => (e.status, e.body.clone()),
            None => (
                500,
                format!(r#"{{"__type":"canned#NoRecording","message":"nothing recorded for {op}"}}"#).into_bytes(),
            ),
        };
        let mut resp = HttpResponse::new(
            StatusCode::try_from(status).unwrap_or(StatusCode::try_from(500).unwrap()),
            SdkBody::from(body),
        );
        resp.headers_mut().insert("content-type", "application/x-amz-json-1.0");
        HttpConnectorFuture::ready(Ok(resp))
    }
}

impl HttpClient for Canned {
    fn http_connector(&self, _settings: &HttpConnectorSettings, _rc: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

/// A DynamoDB client answered by `canned` (static credentials, no network).
pub fn dynamo_client(canned: Canned) -> aws_sdk_dynamodb::Client {
    let conf = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new("canned", "canned", None, None, "bench"))
        .endpoint_url("http://dynamodb.canned.invalid")
        .http_client(canned)
        .build();
    aws_sdk_dynamodb::Client::from_conf(conf)
}

/// An S3 client that is never called by the routes the overhead bench times.
pub fn s3_client() -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_s3::config::Credentials::new("canned", "canned", None, None, "bench"))
        .endpoint_url("http://s3.canned.invalid")
        .force_path_style(true)
        .http_client(Canned::new(Tape::default()))
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

/// Adds `recorder` to a DynamoDB client.
pub fn recorded(client: &aws_sdk_dynamodb::Client, recorder: &Recorder) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::from_conf(client.config().to_builder().interceptor(recorder.clone()).build())
}
