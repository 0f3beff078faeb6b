//! Idempotent POSTs keyed by the client's `X-Request-ID` (API.md: "same caller + same
//! X-Request-ID + same body ⇒ the first result is replayed, nothing is written twice; same key
//! with a different body ⇒ 409").
//!
//! Applied by [`crate::edge::http_layer::finish`] to every function, so handlers know nothing of it.
//!
//! **Which requests.** A `POST` that may write, carrying an `X-Request-ID` the *client* sent (a
//! generated id never counts), from a caller naming a well-formed user id. Read-only POSTs (every
//! `…/filter` and `/users/verify`) are not recorded. Everything else costs nothing: no DynamoDB
//! call is added to a request without a client `X-Request-ID`.
//!
//! **Record.** `IDEMP#<user_id>#<request_id>` / `IDEMP` (see [`crate::model::keys`]): the fingerprint
//! (SHA-256 of method, path and query, `Organization-ID`, `Content-Type` and body), a state
//! (`pending` with an owner and a lease, then `done` with status, content type and body), and
//! `expires_at` (the table's TTL, 24 h). Keyed by the user id, so another user's identical
//! `X-Request-ID` is an unrelated key (tenant-safe).
//!
//! **Flow.** One conditional PutItem claims the key (`attribute_not_exists`, or a pending record
//! whose lease ran out) and returns the existing record on failure (`ReturnValuesOnConditionCheckFailure`):
//! - claimed → the handler runs → one UpdateItem stores the response (`done`), or for a response
//!   that should not be replayed (5xx, 401, 429) one DeleteItem releases the key so a retry runs again;
//! - existing record, other fingerprint → 409 `idempotency_key_reused`;
//! - existing `done` → the stored response is replayed (header `Idempotent-Replayed: true`);
//! - existing `pending` within its lease → 409 `request_in_progress` (`Retry-After: 1`).
//!
//! **Crash windows.** While the key is claimed, every `TransactWriteItems` the handler makes
//! carries a `ClientRequestToken` derived from the key (and the transaction's ordinal in the
//! request). DynamoDB refuses for 10 minutes to apply a second, different transaction under a
//! token that already committed, so if the function dies (or the store answers 5xx) after its
//! commit but before the response was recorded, a retry re-runs the handler and its transaction
//! fails with `IdempotentParameterMismatch` → 409 `request_already_processed`: nothing is written
//! twice. Past those 10 minutes, only a retry of a request whose function died *between* the
//! commit and the record (and after the 30 s lease) could write again; the API's own guards
//! (unique codes, emails, domains) still hold then.
//!
//! **Secrets.** A response carrying a secret (`POST /api-tokens`) is stored sealed with
//! `TOKEN_ENCRYPTION_KEY` (AES-256-GCM, the record key as associated data); without that key such
//! requests are not recorded at all (a retry creates another token, as without `X-Request-ID`).

use std::time::Duration;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use crate::authz::identity::Identity;
use crate::error::ApiError;
use crate::model::keys;
use crate::model::now_ms;
use crate::runtime::config::AppState;
use crate::store::{key, map_sdk_error, Item};

/// How long a finished record is kept (the table's TTL attribute, epoch seconds).
pub const RETENTION: Duration = Duration::from_secs(24 * 3600);
/// How long a claim protects a running request: longer than any function's timeout (15 s) and
/// API Gateway's 30 s integration limit, so a live first attempt is never overtaken.
pub const LEASE: Duration = Duration::from_secs(30);
/// Largest request body read for fingerprinting (Lambda's own request limit).
pub const MAX_BODY: usize = 6 * 1024 * 1024;
/// Largest response stored for replay (DynamoDB items are at most 400 KB).
pub const MAX_STORED_RESPONSE: usize = 350 * 1024;
/// Header on a replayed response.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";

/// POSTs that only read: never recorded.
pub fn is_read_only_post(path: &str) -> bool {
    path.ends_with("/filter") || path == "/users/verify"
}

/// POSTs whose response carries a secret (stored sealed, or not recorded without a key).
pub fn carries_secret(path: &str) -> bool {
    path == "/api-tokens"
}

/// Does this request take part? `client_request_id` is the `X-Request-ID` the client sent, if sane.
pub fn applies(method: &Method, path: &str, client_request_id: Option<&str>, identity: &Identity) -> bool {
    method == Method::POST
        && client_request_id.is_some()
        && !is_read_only_post(path)
        && identity.user_id.as_deref().is_some_and(crate::validate::is_identifier)
}

/// Should a response be stored and replayed? Server failures, throttling and an unknown caller
/// are not final: the key is released and a retry runs again.
pub fn is_final(status: StatusCode) -> bool {
    !(status.is_server_error() || status == StatusCode::UNAUTHORIZED || status == StatusCode::TOO_MANY_REQUESTS)
}

/// SHA-256 over everything that makes two requests "the same".
pub fn fingerprint(method: &str, path_and_query: &str, org_context: &str, content_type: &str, body: &[u8]) -> String {
    let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    for part in [method.as_bytes(), path_and_query.as_bytes(), org_context.as_bytes(), content_type.as_bytes()] {
        ctx.update(&(part.len() as u64).to_be_bytes());
        ctx.update(part);
    }
    ctx.update(&(body.len() as u64).to_be_bytes());
    ctx.update(body);
    hex::encode(ctx.finish().as_ref())
}

tokio::task_local! {
    /// The claimed key of the request being served, read by [`crate::store::Store::transact`].
    static TX_SCOPE: TxScope;
}

struct TxScope {
    base: String,
    next: std::sync::atomic::AtomicU32,
}

/// The `ClientRequestToken` for the next transaction of the current idempotent request, if any:
/// 36 hex characters of SHA-256(table, key, ordinal), the same on every re-run of the request.
pub fn next_transaction_token() -> Option<String> {
    TX_SCOPE
        .try_with(|s| {
            let n = s.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let h = crate::token::sha256_hex(format!("{}\n{n}", s.base).as_bytes());
            h[..36].to_string()
        })
        .ok()
}

/// What the claim found.
enum Claim {
    /// The key is ours (`owner`): run the request.
    Claimed { owner: String },
    /// Someone else's record under the key.
    Existing(Item),
}

struct Ctx<'a> {
    state: &'a AppState,
    pk: String,
    fingerprint: String,
    sealed: bool,
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
    fn table(&self) -> &str {
        &self.state.config.table_name
    }

    async fn claim(&self) -> Result<Claim, ApiError> {
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
                            ApiError::conflict("request_in_progress", "A request with this X-Request-ID is running.")
                        })
                    }
                }
            }
            Err(e) => Err(map_sdk_error(e)),
        }
    }

    /// Stores the final response (only while we still own the claim).
    async fn complete(&self, owner: &str, status: StatusCode, content_type: &str, body: &[u8]) -> Result<(), ApiError> {
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
    async fn release(&self, owner: &str) -> Result<(), ApiError> {
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
    fn answer_existing(&self, item: &Item) -> Response {
        let text = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).map(String::as_str);
        if text("fingerprint") != Some(self.fingerprint.as_str()) {
            return ApiError::conflict(
                "idempotency_key_reused",
                "This X-Request-ID was already used for a different request; send a new X-Request-ID.",
            )
            .into_response();
        }
        if text("state") != Some("done") {
            let mut r = ApiError::conflict(
                "request_in_progress",
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
                "request_already_processed",
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

/// Serves `req` idempotently (the caller checked [`applies`]).
pub async fn serve(state: &AppState, identity: &Identity, request_id: &str, req: Request, next: Next) -> Response {
    let user_id = identity.user_id.clone().unwrap_or_default();
    let path = req.uri().path().to_string();
    let sealed = carries_secret(&path);
    if sealed && state.config.token_sealer.is_none() {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let body: Bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => return ApiError::payload_too_large(MAX_BODY).into_response(),
    };
    let pq = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let ct = parts.headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let ctx = Ctx {
        state,
        pk: keys::idempotency_pk(&user_id, request_id),
        fingerprint: fingerprint(
            parts.method.as_str(),
            pq,
            identity.organization_id.as_deref().unwrap_or(""),
            ct,
            &body,
        ),
        sealed,
    };
    let owner = match ctx.claim().await {
        Ok(Claim::Claimed { owner }) => owner,
        Ok(Claim::Existing(item)) => {
            tracing::info!("idempotent request: answered from its record");
            return ctx.answer_existing(&item);
        }
        Err(e) => return e.into_response(),
    };
    let req = Request::from_parts(parts, Body::from(body));
    // DynamoDB scopes transaction tokens to the account and region, not the table: the table
    // name keeps two stacks (or test tables) with the same user and request ids apart.
    let scope = TxScope { base: format!("{}\n{}", ctx.table(), ctx.pk), next: std::sync::atomic::AtomicU32::new(0) };
    let resp = TX_SCOPE.scope(scope, next.run(req)).await;
    let status = resp.status();
    if !is_final(status) {
        if let Err(e) = ctx.release(&owner).await {
            // The claim stays until its lease ends; a retry then runs again.
            tracing::warn!(error = %e, "idempotency: could not release the claim");
        }
        return resp;
    }
    let (rparts, rbody) = resp.into_parts();
    let rbytes = match axum::body::to_bytes(rbody, usize::MAX).await {
        Ok(b) => b,
        Err(e) => return ApiError::internal(format!("response body: {e}")).into_response(),
    };
    let rct = rparts.headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if let Err(e) = ctx.complete(&owner, status, rct, &rbytes).await {
        // The change is made and the client gets its answer; the record stays pending until its
        // lease ends, and a later retry meets the transaction tokens (see the module docs).
        tracing::warn!(error = %e, "idempotency: could not record the response");
    }
    Response::from_parts(rparts, Body::from(rbytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_separates_fields() {
        let a = fingerprint("POST", "/a", "o", "application/json", b"{}");
        assert_eq!(a, fingerprint("POST", "/a", "o", "application/json", b"{}"));
        assert_ne!(a, fingerprint("POST", "/a", "o", "application/json", b"{ }"));
        assert_ne!(a, fingerprint("POST", "/a", "o2", "application/json", b"{}"));
        assert_ne!(a, fingerprint("POST", "/a?x=1", "o", "application/json", b"{}"));
        // length-prefixed: moving bytes between fields changes the hash
        assert_ne!(fingerprint("POST", "/ab", "", "", b""), fingerprint("POST", "/a", "b", "", b""));
    }

    #[test]
    fn which_posts_are_recorded() {
        assert!(is_read_only_post("/organizations/filter"));
        assert!(is_read_only_post("/users/logged-in/filter"));
        assert!(is_read_only_post("/users/verify"));
        assert!(!is_read_only_post("/users/bulk-delete"));
        assert!(!is_read_only_post("/organizations"));
        let id = Identity { user_id: Some("u1".into()), ..Default::default() };
        assert!(applies(&Method::POST, "/organizations", Some("k"), &id));
        assert!(!applies(&Method::POST, "/organizations", None, &id));
        assert!(!applies(&Method::PATCH, "/organizations/x", Some("k"), &id));
        assert!(!applies(&Method::POST, "/organizations/filter", Some("k"), &id));
        let anon = Identity::default();
        assert!(!applies(&Method::POST, "/organizations", Some("k"), &anon));
        assert!(is_final(StatusCode::CREATED) && is_final(StatusCode::CONFLICT) && is_final(StatusCode::BAD_REQUEST));
        assert!(!is_final(StatusCode::SERVICE_UNAVAILABLE) && !is_final(StatusCode::UNAUTHORIZED));
    }

    #[tokio::test]
    async fn transaction_tokens_are_stable_per_key_and_ordinal() {
        assert_eq!(next_transaction_token(), None, "outside a request: the SDK's own token");
        let run = || async {
            let scope = TxScope { base: "IDEMP#u#k".into(), next: Default::default() };
            TX_SCOPE.scope(scope, async { (next_transaction_token(), next_transaction_token()) }).await
        };
        let (a1, a2) = run().await;
        let (b1, b2) = run().await;
        assert_eq!((a1.clone(), a2.clone()), (b1, b2));
        assert_ne!(a1, a2);
        assert_eq!(a1.unwrap().len(), 36);
    }
}
