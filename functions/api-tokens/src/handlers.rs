//! HTTP handlers: extract, call the service, wrap in the envelope.

use axum::extract::State;
use serde::Deserialize;
use shared::extract::{JsonBody, PathId, QueryParams};
use shared::{ApiResult, AppState, Caller, Envelope};

use crate::service::{self, TokenSummary, TokenWithSecret};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateQuery {
    #[serde(default)]
    pub return_active_token_if_exists: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateTokenRequest {
    pub name: Option<String>,
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<CreateQuery>,
    JsonBody(body): JsonBody<CreateTokenRequest>,
) -> ApiResult<Envelope<TokenWithSecret>> {
    let (token, created) = service::create(&state, &caller, body.name, q.return_active_token_if_exists).await?;
    Ok(if created {
        Envelope::created("API token created. Store the token now: it is not shown again.", token)
    } else {
        Envelope::ok("Existing active API token returned.", token)
    })
}

pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Envelope<Vec<TokenSummary>>> {
    let tokens = service::list(&state, &caller).await?;
    let total = tokens.len() as u64;
    Ok(Envelope::ok("API tokens.", tokens).with_total(total))
}

pub async fn delete(State(state): State<AppState>, caller: Caller, PathId(id): PathId) -> ApiResult<Envelope<()>> {
    service::delete(&state, &caller, &id).await?;
    Ok(Envelope::message("API token deleted."))
}
