//! The DynamoDB store: typed get / batch-get / query / transaction over the single table.
//!
//! Every request path uses only these calls (never Scan). SDK failures are mapped here, once:
//! throttling and service faults become a retryable 503, a failed condition in a transaction
//! becomes the error its action was labelled with, anything else is a logged 500.
//!
//! Every key string of the table is built here: the formats are in [`keys`], and function crates
//! read items by id ([`reads`]: users, groups, organizations, edges, guards) and get new items'
//! keys filled by the store ([`reads::fill_org_keys`] and the like), so they never see a key.

pub mod activity;
pub mod ahead;
pub mod cursor;
pub mod decode;
pub mod deletions;
pub mod groups;
pub mod idempotency;
pub mod keys;
pub mod org_requests;
pub mod orgs;
pub mod reads;
pub mod roles;
pub mod templates;
pub mod tokens;
pub mod users;

/// Builders of transaction actions: private to the store, whose write functions take permits.
pub(crate) mod tx;

use crate::error::ErrorCode;
use std::collections::HashMap;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, TransactWriteItem};
use aws_sdk_dynamodb::Client;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{ApiError, ApiResult};
use crate::store::keys::{PK, SK};

pub type Item = HashMap<String, AttributeValue>;

/// Most actions in one TransactWriteItems.
pub const MAX_TX_ACTIONS: usize = 100;

const RETRYABLE_CODES: [&str; 6] = [
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionInProgressException",
];

/// The one mapping from an SDK failure to an [`ApiError`].
pub fn map_sdk_error<E>(err: SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>) -> ApiError
where
    E: ProvideErrorMetadata + std::fmt::Debug,
{
    match &err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => {
            tracing::warn!(error = ?err, "store unreachable");
            ApiError::unavailable()
        }
        SdkError::ServiceError(se) if se.err().code().is_some_and(|c| RETRYABLE_CODES.contains(&c)) => {
            tracing::warn!(code = ?se.err().code(), "store busy");
            ApiError::unavailable()
        }
        // Any server-side failure the SDK already retried (502/503/504 from a proxy carry no
        // DynamoDB error code): the client may retry too.
        SdkError::ServiceError(se) if se.raw().status().is_server_error() => {
            tracing::warn!(status = se.raw().status().as_u16(), code = ?se.err().code(), "store failed");
            ApiError::unavailable()
        }
        SdkError::ResponseError(re) if re.raw().status().is_server_error() => {
            tracing::warn!(status = re.raw().status().as_u16(), "store failed, unreadable response");
            ApiError::unavailable()
        }
        // A retried idempotent request whose transaction already committed (crate::edge::idempotency).
        SdkError::ServiceError(se) if se.err().code() == Some("IdempotentParameterMismatchException") => {
            tracing::warn!("transaction token already used by a committed transaction");
            ApiError::already_processed()
        }
        _ => ApiError::internal(format!("dynamodb: {err:?}")),
    }
}

pub fn to_item<T: Serialize>(v: &T) -> ApiResult<Item> {
    serde_dynamo::to_item(v).map_err(|e| ApiError::internal(format!("encode item: {e}")))
}

/// Decodes a stored item (`crate::store::decode`: straight from the SDK's attribute values, read
/// as `serde_dynamo` writes them).
pub fn from_item<T: DeserializeOwned>(item: Item) -> ApiResult<T> {
    crate::store::decode::from_item(item)
}

pub fn key(pk: impl Into<String>, sk: impl Into<String>) -> Item {
    HashMap::from([(PK.to_string(), AttributeValue::S(pk.into())), (SK.to_string(), AttributeValue::S(sk.into()))])
}

fn str_attr<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name).and_then(|v| v.as_s().ok()).map(String::as_str)
}

/// One action of a transaction and the error to answer if its condition fails.
pub struct TxAction {
    pub(crate) action: TransactWriteItem,
    pub(crate) on_condition_failed: ApiError,
}

/// The table, borrowed from the per-cold-start state.
#[derive(Clone, Copy)]
pub struct Store<'a> {
    pub client: &'a Client,
    pub table: &'a str,
    /// What was read ahead for this request (`ahead`): reads of those keys are answered from it.
    ahead: Option<&'a ahead::Prefetched>,
}

impl<'a> Store<'a> {
    pub fn new(client: &'a Client, table: &'a str) -> Self {
        Self { client, table, ahead: None }
    }

    /// GetItem. `consistent` for reads that decide access or feed a conditional write.
    pub async fn get<T: DeserializeOwned>(&self, pk: &str, sk: &str, consistent: bool) -> ApiResult<Option<T>> {
        if let Some(read) = self.ahead.and_then(|a| a.take(&(pk.to_string(), sk.to_string()))) {
            return read.map(from_item).transpose();
        }
        let out = self
            .client
            .get_item()
            .table_name(self.table)
            .set_key(Some(key(pk, sk)))
            .consistent_read(consistent)
            .send()
            .await
            .map_err(map_sdk_error)?;
        out.item.map(from_item).transpose()
    }

    /// BatchGetItem of up to any number of keys (chunks of 100, unprocessed keys retried a bounded
    /// number of times). Returns raw items in no particular order; missing keys are absent.
    pub async fn batch_get_raw(&self, keys: Vec<(String, String)>, consistent: bool) -> ApiResult<Vec<Item>> {
        let mut seen = std::collections::HashSet::new();
        let keys: Vec<_> = keys.into_iter().filter(|k| seen.insert(k.clone())).collect();
        let (mut out, keys) = match self.ahead {
            Some(a) => a.serve(keys),
            None => (Vec::with_capacity(keys.len()), keys),
        };
        for chunk in keys.chunks(100) {
            let mut pending: Vec<Item> = chunk.iter().map(|(p, s)| key(p.clone(), s.clone())).collect();
            let mut attempts = 0;
            while !pending.is_empty() {
                attempts += 1;
                if attempts > 5 {
                    return Err(ApiError::unavailable());
                }
                let ka = KeysAndAttributes::builder()
                    .set_keys(Some(std::mem::take(&mut pending)))
                    .consistent_read(consistent)
                    .build()
                    .map_err(ApiError::internal)?;
                let resp =
                    self.client.batch_get_item().request_items(self.table, ka).send().await.map_err(map_sdk_error)?;
                if let Some(mut r) = resp.responses {
                    out.extend(r.remove(self.table).unwrap_or_default());
                }
                if let Some(mut u) = resp.unprocessed_keys {
                    if let Some(ka) = u.remove(self.table) {
                        pending = ka.keys;
                        tokio::time::sleep(std::time::Duration::from_millis(20 * attempts)).await;
                    }
                }
            }
        }
        Ok(out)
    }

    /// One Query page of partition `pk` over sort keys starting with `prefix` (all if empty),
    /// after `after_sk`.
    /// Returns the items and the last sort key when more may follow.
    pub async fn query_prefix(
        &self,
        pk: &str,
        prefix: &str,
        limit: i32,
        after_sk: Option<String>,
        consistent: bool,
    ) -> ApiResult<(Vec<Item>, Option<String>)> {
        let mut q = self
            .client
            .query()
            .table_name(self.table)
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":pk", AttributeValue::S(pk.to_string()))
            .consistent_read(consistent)
            .limit(limit);
        // An empty prefix means the whole partition (DynamoDB refuses an empty begins_with).
        q = if prefix.is_empty() {
            q.key_condition_expression("#pk = :pk")
        } else {
            q.key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expression_attribute_names("#sk", SK)
                .expression_attribute_values(":prefix", AttributeValue::S(prefix.to_string()))
        };
        if let Some(sk) = after_sk {
            q = q.set_exclusive_start_key(Some(key(pk, sk)));
        }
        let resp = q.send().await.map_err(map_sdk_error)?;
        let last = resp.last_evaluated_key.as_ref().and_then(|k| str_attr(k, SK)).map(str::to_string);
        Ok((resp.items.unwrap_or_default(), last))
    }

    /// Every item of a GSI1 partition, decoded (all pages; eventually consistent, for lists).
    pub async fn gsi1_all<T: DeserializeOwned>(&self, gsi1pk: &str) -> ApiResult<Vec<T>> {
        let mut out = Vec::new();
        let mut start = None;
        loop {
            let resp = self
                .client
                .query()
                .table_name(self.table)
                .index_name(crate::store::keys::GSI1)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", crate::store::keys::GSI1PK)
                .expression_attribute_values(":pk", AttributeValue::S(gsi1pk.to_string()))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(map_sdk_error)?;
            for item in resp.items.unwrap_or_default() {
                out.push(from_item(item)?);
            }
            start = resp.last_evaluated_key;
            if start.is_none() {
                return Ok(out);
            }
        }
    }

    /// Sets the number attribute `attr` of an existing item to `now` unless it was set less than
    /// `min_interval_ms` ago (absent and NULL count as never): at most one write per interval.
    pub async fn set_time_if_older(
        &self,
        pk: &str,
        sk: &str,
        attr: &str,
        now: i64,
        min_interval_ms: i64,
    ) -> ApiResult<()> {
        let res = self
            .client
            .update_item()
            .table_name(self.table)
            .set_key(Some(key(pk, sk)))
            .update_expression("SET #a = :now")
            .condition_expression(
                "attribute_exists(PK) AND (attribute_not_exists(#a) OR attribute_type(#a, :null) OR #a < :since)",
            )
            .expression_attribute_names("#a", attr)
            .expression_attribute_values(":null", AttributeValue::S("NULL".into()))
            .expression_attribute_values(":now", AttributeValue::N(now.to_string()))
            .expression_attribute_values(":since", AttributeValue::N((now - min_interval_ms).to_string()))
            .send()
            .await;
        match res {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(se)) if se.err().is_conditional_check_failed_exception() => Ok(()),
            Err(e) => Err(map_sdk_error(e)),
        }
    }

    /// [`Store::transact`], with `answer` computed while the transaction runs: for an answer that
    /// reads only what existed before the write. The answer is returned only if the write
    /// succeeded; the write's error comes first.
    pub async fn transact_alongside<T>(
        &self,
        actions: Vec<TxAction>,
        answer: impl std::future::Future<Output = ApiResult<T>>,
    ) -> ApiResult<T> {
        let (written, answer) = tokio::join!(self.transact(actions), answer);
        written?;
        answer
    }

    /// TransactWriteItems. A failed condition answers with the labelled error of the first
    /// action whose condition failed; a conflicting concurrent transaction is a 409.
    pub async fn transact(&self, actions: Vec<TxAction>) -> ApiResult<()> {
        if actions.is_empty() {
            return Ok(());
        }
        if actions.len() > MAX_TX_ACTIONS {
            return Err(ApiError::internal(format!("transaction of {} actions", actions.len())));
        }
        let (items, errors): (Vec<_>, Vec<_>) = actions.into_iter().map(|a| (a.action, a.on_condition_failed)).unzip();
        // Inside an idempotent request, a token derived from its key: a re-run of the request
        // cannot commit a second time (see crate::edge::idempotency). Elsewhere the SDK's random one.
        let token = idempotency::next_transaction_token();
        let res = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .set_client_request_token(token)
            .send()
            .await;
        match res {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(se)) if se.err().is_transaction_canceled_exception() => {
                let reasons = match se.err() {
                    aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(
                        e,
                    ) => e.cancellation_reasons.clone().unwrap_or_default(),
                    _ => Vec::new(),
                };
                for (i, r) in reasons.iter().enumerate() {
                    match r.code.as_deref() {
                        Some("ConditionalCheckFailed") => {
                            return Err(errors.get(i).cloned().unwrap_or_else(|| {
                                ApiError::conflict(ErrorCode::Conflict, "The request conflicts with the current state.")
                            }))
                        }
                        Some("ThrottlingError") | Some("ProvisionedThroughputExceeded") => {
                            return Err(ApiError::unavailable())
                        }
                        _ => {}
                    }
                }
                Err(ApiError::conflict(
                    ErrorCode::ConcurrentModification,
                    "Another request changed the same data at the same time; retry.",
                ))
            }
            Err(e) => Err(map_sdk_error(e)),
        }
    }
}

impl Store<'_> {
    /// A put of `item` unless its key exists, for background jobs only (the bootstrap's
    /// marker and built-in templates): requests write through the typed functions.
    pub fn system_put_new(
        &self,
        _permit: &crate::policy::SystemPermit,
        item: &impl Serialize,
        on_fail: ApiError,
    ) -> ApiResult<TxAction> {
        tx::put_new(self.table, item, on_fail)
    }
}

impl TxAction {
    /// The item a put action writes (for bulk loaders that skip the conditions).
    pub fn into_put_item(self) -> Option<Item> {
        self.action.put.map(|p| p.item)
    }
}
