//! Capacity accounting for DynamoDB calls: an SDK interceptor that asks DynamoDB for
//! `ReturnConsumedCapacity = INDEXES` on every request (it is added to the serialized body before
//! signing, so handlers stay untouched) and adds up what the response reports, per operation.
//!
//! DynamoDB (and DynamoDB Local, which computes it from the real items, before and after a write)
//! reports capacity from item sizes: reads in 4 KB units (eventually consistent ½), writes in 1 KB
//! units, transactional operations ×2, index writes included. A conditional write whose condition
//! fails reports no capacity but is billed; it is counted here as one write unit (the minimum).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    AfterDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextMut,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use serde_json::Value;

/// Totals of one operation (e.g. `BatchGetItem`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct OpCost {
    pub calls: usize,
    /// Capacity units reported for the table and its indexes.
    pub units: f64,
    /// Bytes of response bodies (what the items weigh on the wire, JSON-encoded).
    pub response_bytes: usize,
}

/// Read or write: what on-demand mode bills the units as.
pub fn is_write(op: &str) -> bool {
    matches!(op, "PutItem" | "UpdateItem" | "DeleteItem" | "BatchWriteItem" | "TransactWriteItems")
}

/// Everything measured since the last [`CapacityMeter::take`], by operation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Usage(pub BTreeMap<String, OpCost>);

impl Usage {
    pub fn calls(&self) -> usize {
        self.0.values().map(|c| c.calls).sum()
    }

    /// Read request units (RCU / RRU).
    pub fn read_units(&self) -> f64 {
        self.0.iter().filter(|(op, _)| !is_write(op)).map(|(_, c)| c.units).sum()
    }

    /// Write request units (WCU / WRU).
    pub fn write_units(&self) -> f64 {
        self.0.iter().filter(|(op, _)| is_write(op)).map(|(_, c)| c.units).sum()
    }

    pub fn calls_by_op(&self) -> BTreeMap<String, usize> {
        self.0.iter().map(|(k, v)| (k.clone(), v.calls)).collect()
    }

    /// `BatchGetItem ×3, GetItem ×1`.
    pub fn calls_text(&self) -> String {
        if self.0.is_empty() {
            return "none".into();
        }
        self.0.iter().map(|(k, v)| format!("{k} ×{}", v.calls)).collect::<Vec<_>>().join(", ")
    }
}

#[derive(Debug, Clone, Default)]
pub struct CapacityMeter(Arc<Mutex<BTreeMap<String, OpCost>>>);

impl CapacityMeter {
    pub fn reset(&self) {
        if let Ok(mut m) = self.0.lock() {
            m.clear();
        }
    }

    pub fn take(&self) -> Usage {
        let out = self.0.lock().map(|m| m.clone()).unwrap_or_default();
        self.reset();
        Usage(out)
    }
}

fn operation(headers: &aws_smithy_runtime_api::http::Headers) -> String {
    let target = headers.get("x-amz-target").unwrap_or("unknown");
    target.rsplit('.').next().unwrap_or(target).to_string()
}

/// Sum of `CapacityUnits` in a `ConsumedCapacity` object or list.
pub fn consumed_units(body: &Value) -> f64 {
    match body.get("ConsumedCapacity") {
        Some(Value::Array(list)) => list.iter().filter_map(|c| c["CapacityUnits"].as_f64()).sum(),
        Some(c) => c["CapacityUnits"].as_f64().unwrap_or(0.0),
        None => 0.0,
    }
}

/// The operation of the request in flight (kept in the config bag from signing to deserialization).
#[derive(Debug, Clone)]
struct InFlightOp(String);

impl Storable for InFlightOp {
    type Storer = StoreReplace<Self>;
}

impl Intercept for CapacityMeter {
    fn name(&self) -> &'static str {
        "CapacityMeter"
    }

    fn modify_before_signing(
        &self,
        ctx: &mut BeforeTransmitInterceptorContextMut<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let req = ctx.request_mut();
        let op = operation(req.headers());
        cfg.interceptor_state().store_put(InFlightOp(op.clone()));
        let Some(bytes) = req.body().bytes() else { return Ok(()) };
        let Ok(Value::Object(mut body)) = serde_json::from_slice::<Value>(bytes) else { return Ok(()) };
        let supported = matches!(
            op.as_str(),
            "GetItem"
                | "BatchGetItem"
                | "Query"
                | "Scan"
                | "PutItem"
                | "UpdateItem"
                | "DeleteItem"
                | "BatchWriteItem"
                | "TransactWriteItems"
                | "TransactGetItems"
        );
        if !supported {
            return Ok(());
        }
        body.insert("ReturnConsumedCapacity".into(), Value::String("INDEXES".into()));
        let new = serde_json::to_vec(&body)?;
        req.headers_mut().insert("content-length", new.len().to_string());
        *req.body_mut() = SdkBody::from(new);
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        ctx: &AfterDeserializationInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let op = cfg.load::<InFlightOp>().map(|o| o.0.clone()).unwrap_or_else(|| "unknown".into());
        let bytes = ctx.response().body().bytes().unwrap_or_default();
        let body = serde_json::from_slice::<Value>(bytes).unwrap_or(Value::Null);
        let mut units = consumed_units(&body);
        // A failed conditional write reports nothing but is billed: at least one write unit.
        if body["__type"].as_str().is_some_and(|t| t.ends_with("ConditionalCheckFailedException")) && is_write(&op) {
            units = units.max(1.0);
        }
        if let Ok(mut m) = self.0.lock() {
            let e = m.entry(op).or_default();
            e.calls += 1;
            e.units += units;
            e.response_bytes += bytes.len();
        }
        Ok(())
    }
}
