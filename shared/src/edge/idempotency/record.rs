//! The idempotency record in the table: claim a key, store the response, release it, answer
//! a request that found a record (see the module above for the flow).

use crate::error::ErrorCode;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::model::now_ms;
use crate::runtime::config::AppState;
use crate::store::keys;
use crate::store::{key, map_sdk_error, Item};

use super::{LEASE, MAX_STORED_RESPONSE, REPLAYED_HEADER, RETENTION};

/// What the claim found.
pub(super) enum Claim {
    /// The key is ours (`owner`): run the request.
    Claimed { owner: String },
    /// Someone else's record under the key.
    Existing(Item),
}

pub(super) struct Ctx<'a> {
    pub(super) state: &'a AppState,
    pub(super) pk: String,
    pub(super) fingerprint: String,
    pub(super) sealed: bool,
}

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_string())
}

/// The condition of completing or releasing a claim: it is still pending and still `owner`'s
/// (a claim taken over after its lease ran out is not touched).
struct HeldBy;

impl HeldBy {
    const CONDITION: &'static str = "#st = :pending AND #owner = :owner";

    fn names() -> std::collections::HashMap<String, String> {
        [("#st", "state"), ("#owner", "owner")].map(|(k, v)| (k.to_string(), v.to_string())).into()
    }

    fn values(owner: &str) -> std::collections::HashMap<String, AttributeValue> {
        [(":pending".to_string(), s("pending")), (":owner".to_string(), s(owner))].into()
    }
}

impl Ctx<'_> {
    pub(super) fn table(&self) -> &str {
        &self.state.config.table_name
    }

    pub(super) async fn claim(&self) -> Result<Claim, ApiError> {
        let now = now_ms();
        let owner = uuid::Uuid::new_v4().to_string();
        let mut item = key(self.pk.clone(), keys::IDEMPOTENCY_SK);
        item.insert("fingerprint".into(), s(&self.fingerprint));
        item.insert("state".into(), s("pending"));
        item.insert("owner".into(), s(&owner));
        item.insert("lease_until".into(), n(now + LEASE.as_millis() as i64));
        item.insert("created_at".into(), n(now));
        item.insert("expires_at".into(), n(now / 1000 + RETENTION.as_secs() as i64));
        let res = self
            .state
            .dynamo
            .put_item()
            .table_name(self.table())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK) OR (#st = :pending AND lease_until < :now)")
            .expression_attribute_names("#st", "state")
            .expression_attribute_values(":pending", s("pending"))
            .expression_attribute_values(":now", n(now))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match res {
            Ok(_) => Ok(Claim::Claimed { owner }),
            Err(SdkError::ServiceError(se)) if se.err().is_conditional_check_failed_exception() => {
                let aws_sdk_dynamodb::operation::put_item::PutItemError::ConditionalCheckFailedException(e) = se.err()
                else {
                    unreachable!("checked above")
                };
                match e.item.clone() {
                    Some(item) => Ok(Claim::Existing(item)),
                    // A store that does not return the old item: read it (one more call).
                    None => {
                        let got = self
                            .state
                            .dynamo
                            .get_item()
                            .table_name(self.table())
                            .set_key(Some(key(self.pk.clone(), keys::IDEMPOTENCY_SK)))
                            .consistent_read(true)
                            .send()
                            .await
                            .map_err(map_sdk_error)?;
                        got.item.map(Claim::Existing).ok_or_else(|| {
                            ApiError::conflict(
                                ErrorCode::RequestInProgress,
                                "A request with this X-Request-ID is running.",
                            )
                        })
                    }
                }
            }
            Err(e) => Err(map_sdk_error(e)),
        }
    }

    /// Stores the final response (only while we still own the claim).
    pub(super) async fn complete(
        &self,
        owner: &str,
        status: StatusCode,
        content_type: &str,
        body: &[u8],
    ) -> Result<(), ApiError> {
        let stored: Option<AttributeValue> = if body.len() > MAX_STORED_RESPONSE {
            None
        } else if self.sealed {
            let sealer = self.state.config.token_sealer.as_ref().ok_or_else(|| ApiError::internal("no sealer"))?;
            let text = std::str::from_utf8(body).map_err(ApiError::internal)?;
            Some(s(&sealer.seal(&self.pk, text).ok_or_else(|| ApiError::internal("seal failed"))?))
        } else {
            Some(AttributeValue::B(Blob::new(body.to_vec())))
        };
        let mut u = self
            .state
            .dynamo
            .update_item()
            .table_name(self.table())
            .set_key(Some(key(self.pk.clone(), keys::IDEMPOTENCY_SK)))
            .condition_expression(HeldBy::CONDITION)
            .set_expression_attribute_names(Some(HeldBy::names()))
            .set_expression_attribute_values(Some(HeldBy::values(owner)))
            .expression_attribute_values(":done", s("done"))
            .expression_attribute_values(":status", n(i64::from(status.as_u16())))
            .expression_attribute_values(":ct", s(content_type))
            .expression_attribute_values(":now", n(now_ms()));
        u = match stored {
            Some(b) => u
                .update_expression("SET #st = :done, #status = :status, content_type = :ct, #body = :body, completed_at = :now REMOVE lease_until")
                .expression_attribute_names("#body", if self.sealed { "sealed_body" } else { "body" })
                .expression_attribute_values(":body", b),
            None => u.update_expression(
                "SET #st = :done, #status = :status, content_type = :ct, completed_at = :now REMOVE lease_until",
            ),
        };
        u.expression_attribute_names("#status", "status").send().await.map(|_| ()).map_err(map_sdk_error)
    }

    /// Releases the claim so a retry runs the request again (only while `owner` still holds it).
    pub(super) async fn release(&self, owner: &str) -> Result<(), ApiError> {
        self.state
            .dynamo
            .delete_item()
            .table_name(self.table())
            .set_key(Some(key(self.pk.clone(), keys::IDEMPOTENCY_SK)))
            .condition_expression(HeldBy::CONDITION)
            .set_expression_attribute_names(Some(HeldBy::names()))
            .set_expression_attribute_values(Some(HeldBy::values(owner)))
            .send()
            .await
            .map(|_| ())
            .map_err(map_sdk_error)
    }

    /// The answer to a request that found `item` under its key.
    pub(super) fn answer_existing(&self, item: &Item) -> Response {
        let text = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).map(String::as_str);
        if text("fingerprint") != Some(self.fingerprint.as_str()) {
            return ApiError::conflict(
                ErrorCode::IdempotencyKeyReused,
                "This X-Request-ID was already used for a different request; send a new X-Request-ID.",
            )
            .into_response();
        }
        if text("state") != Some("done") {
            let mut r = ApiError::conflict(
                ErrorCode::RequestInProgress,
                "A request with this X-Request-ID is still running; retry shortly.",
            )
            .into_response();
            r.headers_mut().insert(axum::http::header::RETRY_AFTER, HeaderValue::from_static("1"));
            return r;
        }
        let status = item
            .get("status")
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse::<u16>().ok())
            .and_then(|v| StatusCode::from_u16(v).ok())
            .unwrap_or(StatusCode::OK);
        let body: Option<Vec<u8>> = if let Some(b) = item.get("body").and_then(|v| v.as_b().ok()) {
            Some(b.as_ref().to_vec())
        } else if let Some(sealed) = text("sealed_body") {
            self.state.config.token_sealer.as_ref().and_then(|sl| sl.open(&self.pk, sealed)).map(String::into_bytes)
        } else {
            None
        };
        let Some(body) = body else {
            return ApiError::conflict(
                ErrorCode::RequestAlreadyProcessed,
                format!(
                    "A request with this X-Request-ID already completed with status {}; its response cannot be replayed.",
                    status.as_u16()
                ),
            )
            .into_response();
        };
        let mut r = (status, body).into_response();
        if let Some(ct) = text("content_type").and_then(|c| HeaderValue::from_str(c).ok()) {
            r.headers_mut().insert(axum::http::header::CONTENT_TYPE, ct);
        }
        r.headers_mut().insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
        r
    }
}
