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
//! **Record.** `IDEMP#<user_id>#<request_id>` / `IDEMP` (see [`crate::store::keys`]): the fingerprint
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

use axum::body::Body;
use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use crate::authz::identity::Identity;
use crate::error::ApiError;
use crate::runtime::config::AppState;
use crate::store::idempotency::in_tx_scope;
use crate::store::keys;

mod record;
use record::{Claim, Ctx};

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
    let resp = in_tx_scope(format!("{}\n{}", ctx.table(), ctx.pk), next.run(req)).await;
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
}
