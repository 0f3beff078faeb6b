//! HTTP handlers: extract, call the service, wrap in the envelope.

use axum::extract::State;
use serde::Deserialize;
use shared::edge::extract::{JsonBody, PathId, QueryParams};
use shared::{ApiResult, AppState, Caller, Envelope};

#[cfg(feature = "openapi")]
use crate::service::TokenWithSecret;
use crate::service::{self, TokenResponse, TokenSummary};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct CreateQuery {
    #[serde(default)]
    pub return_active_token_if_exists: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    // No `expires_at` in the example: any fixed date would fall out of the allowed window.
    schema(example = json!({"name": "ci"}))
)]
pub struct CreateTokenRequest {
    #[cfg_attr(feature = "openapi", schema(required = true, schema_with = shared::openapi_fields::text_100))]
    pub name: Option<String>,
    /// When the token stops working: an ISO-8601 date-time with a time zone, in the future and at
    /// most the deployment's longest lifetime away (default 365 days); absent: that longest
    /// lifetime (R28). E.g. `2027-01-01T00:00:00Z`. Checked by the service, so a wrong type is a 400 naming `expires_at`.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub expires_at: Option<serde_json::Value>,
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        post, path = "/api-tokens",
        params(CreateQuery),
        request_body = CreateTokenRequest,
        responses(
            (status = 201, description = "Token created; `token` is shown only now (R13).", body = Envelope<TokenWithSecret>),
            (status = 200, description = "The caller's active token of that name (`return_active_token_if_exists=true`): with its secret to a caller signed in interactively, its metadata without `token` to a caller authenticated by an API token (R28).", body = Envelope<TokenResponse>)
        )
    )
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<CreateQuery>,
    JsonBody(body): JsonBody<CreateTokenRequest>,
) -> ApiResult<Envelope<TokenResponse>> {
    let (token, created) =
        service::create(&state, &caller, body.name, body.expires_at, q.return_active_token_if_exists).await?;
    Ok(match (&token, created) {
        (_, true) => Envelope::created("API token created. Store the token now: it is not shown again.", token),
        (TokenResponse::WithSecret(_), false) => Envelope::ok("Existing active API token returned.", token),
        (TokenResponse::Metadata(_), false) => Envelope::ok(
            "Existing active API token found; its secret is not shown to a caller authenticated by an API token.",
            token,
        ),
    })
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        get, path = "/api-tokens",
        responses((status = 200, description = "The caller's tokens, without secrets, with `total`.", body = Envelope<Vec<TokenSummary>>))
    )
)]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Envelope<Vec<TokenSummary>>> {
    let tokens = service::list(&state, &caller).await?;
    let total = tokens.len() as u64;
    Ok(Envelope::ok("API tokens.", tokens).with_total(total))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        delete, path = "/api-tokens/{token_id}",
        params(("token_id" = String, Path, description = "The token id.")),
        responses((status = 200, description = "Token deleted.", body = shared::edge::openapi::MessageResponse))
    )
)]
pub async fn delete(State(state): State<AppState>, caller: Caller, PathId(id): PathId) -> ApiResult<Envelope<()>> {
    service::delete(&state, &caller, &id).await?;
    Ok(Envelope::message("API token deleted."))
}
