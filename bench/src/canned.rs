//! A canned DynamoDB: a [`Recorder`] interceptor keeps every response DynamoDB Local gave to a
//! scripted request, and [`Canned`] is an SDK `HttpClient` that answers the same requests with
//! them, in process, with no network. The SDK around it (serialization, SigV4 signing, retries
//! config, deserialization) runs as usual, so timing a handler on it measures everything a
//! function does per request except the wait for DynamoDB.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::interceptors::context::{
    AfterDeserializationInterceptorContextRef, BeforeSerializationInterceptorContextRef,
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
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
    body: bytes::Bytes,
}

/// Responses by (operation, request body), plus the last response of each operation for
/// requests that differ from every recorded one (writes carry fresh ids and times).
#[derive(Debug, Clone, Default)]
pub struct Tape {
    exact: HashMap<(String, u64), Exchange>,
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

/// A request body's fingerprint, independent of the order of map entries and list items (the
/// SDK writes maps in hash order, and the keys of a BatchGetItem come in hash order too), read in
/// one pass without building the JSON tree: the canned client's own cost stays out of the
/// handler's timing. Not JSON: the bytes themselves.
pub fn canonical(body: &[u8]) -> u64 {
    let mut de = serde_json::Deserializer::from_slice(body);
    match <Fingerprint as serde::Deserialize>::deserialize(&mut de) {
        Ok(Fingerprint(h)) => h,
        Err(_) => mix(0x6a09e667f3bcc908, body),
    }
}

/// FNV-1a over `bytes`, seeded.
fn mix(seed: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(seed ^ 0xcbf29ce484222325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100000001b3))
}

/// Scrambles a combined value so that sums of different multisets rarely meet.
fn finish(tag: u64, h: u64) -> u64 {
    let mut x = h ^ tag;
    x = (x ^ (x >> 33)).wrapping_mul(0xff51afd7ed558ccd);
    x = (x ^ (x >> 33)).wrapping_mul(0xc4ceb9fe1a85ec53);
    x ^ (x >> 33)
}

struct Fingerprint(u64);

impl<'de> serde::Deserialize<'de> for Fingerprint {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(FingerprintVisitor)
    }
}

struct FingerprintVisitor;

impl<'de> serde::de::Visitor<'de> for FingerprintVisitor {
    type Value = Fingerprint;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("JSON")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Fingerprint, E> {
        Ok(Fingerprint(finish(1, u64::from(v))))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Fingerprint, E> {
        Ok(Fingerprint(finish(2, v as u64)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Fingerprint, E> {
        Ok(Fingerprint(finish(2, v)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Fingerprint, E> {
        Ok(Fingerprint(finish(3, v.to_bits())))
    }
    fn visit_str<E>(self, v: &str) -> Result<Fingerprint, E> {
        Ok(Fingerprint(finish(4, mix(4, v.as_bytes()))))
    }
    fn visit_unit<E>(self) -> Result<Fingerprint, E> {
        Ok(Fingerprint(finish(5, 0)))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Fingerprint, A::Error> {
        let mut sum = 0u64;
        while let Some(Fingerprint(h)) = seq.next_element()? {
            sum = sum.wrapping_add(h);
        }
        Ok(Fingerprint(finish(6, sum)))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Fingerprint, A::Error> {
        let mut sum = 0u64;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let Fingerprint(v) = map.next_value()?;
            sum = sum.wrapping_add(finish(mix(7, key.as_bytes()), v));
        }
        Ok(Fingerprint(finish(8, sum)))
    }
}

fn operation(headers: &aws_smithy_runtime_api::http::Headers) -> String {
    let target = headers.get("x-amz-target").unwrap_or("unknown");
    target.rsplit('.').next().unwrap_or(target).to_string()
}

#[derive(Debug, Clone)]
struct InFlight(String, u64);

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
        let ex = Exchange {
            status: resp.status().as_u16(),
            body: bytes::Bytes::copy_from_slice(resp.body().bytes().unwrap_or_default()),
        };
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
            None => (500, format!(r#"{{"__type":"canned#NoRecording","message":"nothing recorded for {op}"}}"#).into()),
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

/// Time spent inside DynamoDB calls, summed over calls: from the SDK's first interceptor hook
/// (before the request is serialized) to its last (after the response is deserialized), so
/// serialization, signing, the canned exchange, deserialization and the orchestrator's own work.
/// A lower bound of what the SDK costs: its configuration step and the fluent builders run
/// before the first hook.
#[derive(Debug, Clone, Default)]
pub struct SdkClock(Arc<AtomicU64>);

/// When a DynamoDB call began (the SDK's first interceptor hook), kept in its config bag: the
/// [`SdkClock`] and the round-trip `Timeline` (crate::rounds) both time calls from it.
#[derive(Debug, Clone)]
pub(crate) struct Started(pub(crate) Instant);

impl Storable for Started {
    type Storer = StoreReplace<Self>;
}

impl SdkClock {
    /// Nanoseconds counted since the last call, and restarts the count.
    pub fn take_nanos(&self) -> u64 {
        self.0.swap(0, Ordering::Relaxed)
    }
}

impl Intercept for SdkClock {
    fn name(&self) -> &'static str {
        "SdkClock"
    }

    fn read_before_execution(
        &self,
        _ctx: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        cfg.interceptor_state().store_put(Started(Instant::now()));
        Ok(())
    }

    fn read_after_execution(
        &self,
        _ctx: &FinalizerInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(Started(t)) = cfg.load::<Started>() {
            let nanos = u64::try_from(t.elapsed().as_nanos()).unwrap_or(u64::MAX);
            self.0.fetch_add(nanos, Ordering::Relaxed);
        }
        Ok(())
    }
}

/// `client` with `interceptor` added, keeping its other interceptors: how the benches put a
/// [`Recorder`], an [`SdkClock`] or a `CapacityMeter` (crate::meter) on a DynamoDB client.
pub fn with_interceptor(
    client: &aws_sdk_dynamodb::Client,
    interceptor: impl Intercept + 'static,
) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::from_conf(client.config().to_builder().interceptor(interceptor).build())
}

#[cfg(test)]
mod tests {
    use super::canonical;

    #[test]
    fn fingerprints_ignore_order_but_not_content() {
        let a = r#"{"RequestItems":{"t":{"Keys":[{"PK":{"S":"ORG#1"}},{"PK":{"S":"ORG#2"}}]}},"x":1}"#;
        let b = r#"{"x":1,"RequestItems":{"t":{"Keys":[{"PK":{"S":"ORG#2"}},{"PK":{"S":"ORG#1"}}]}}}"#;
        assert_eq!(canonical(a.as_bytes()), canonical(b.as_bytes()));
        // Values moved between keys, a changed number, a changed id: all differ.
        assert_ne!(canonical(br#"{"a":"x","b":"y"}"#), canonical(br#"{"a":"y","b":"x"}"#));
        assert_ne!(canonical(br#"{"Limit":10}"#), canonical(br#"{"Limit":11}"#));
        assert_ne!(canonical(a.as_bytes()), canonical(a.replace("ORG#2", "ORG#3").as_bytes()));
    }
}
