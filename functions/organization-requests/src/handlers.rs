//! HTTP handlers: extract, call the service, wrap in the envelope.

use axum::extract::State;
use shared::edge::extract::{JsonBody, PathId, QueryParams};
use shared::{ApiResult, AppState, Caller, Envelope};

use crate::input::{ApproveRequest, CreateRequest, ListQuery, RejectRequest};
use crate::service;
use crate::view::RequestResponse;

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        post, path = "/organization-requests",
        request_body = CreateRequest,
        responses((status = 201, description = "Request stored `pending` (R22).", body = Envelope<RequestResponse>))
    )
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<CreateRequest>,
) -> ApiResult<Envelope<RequestResponse>> {
    Ok(Envelope::created("Organization request created.", service::create(&state, &caller, body).await?))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        get, path = "/organization-requests",
        params(ListQuery),
        responses((status = 200, description = "The caller's requests, or those addressed to `organization_id`, newest first, with `total`.", body = Envelope<Vec<RequestResponse>>))
    )
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<ListQuery>,
) -> ApiResult<Envelope<Vec<RequestResponse>>> {
    let (items, total) = service::list(&state, &caller, q).await?;
    Ok(Envelope::ok("Organization requests.", items).with_total(total))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        get, path = "/organization-requests/{request_id}",
        params(("request_id" = String, Path, description = "The request id.")),
        responses((status = 200, description = "One request (its requester's, or one the caller may decide).", body = Envelope<RequestResponse>))
    )
)]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
) -> ApiResult<Envelope<RequestResponse>> {
    Ok(Envelope::ok("Organization request.", service::get(&state, &caller, &id).await?))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        post, path = "/organization-requests/{request_id}/approve",
        params(("request_id" = String, Path, description = "The request id.")),
        request_body = ApproveRequest,
        responses((status = 200, description = "Approved: the organization is created, in the same transaction (R23).", body = Envelope<RequestResponse>))
    )
)]
pub async fn approve(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
    JsonBody(body): JsonBody<ApproveRequest>,
) -> ApiResult<Envelope<RequestResponse>> {
    Ok(Envelope::ok("Organization request approved.", service::approve(&state, &caller, &id, body).await?))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        post, path = "/organization-requests/{request_id}/reject",
        params(("request_id" = String, Path, description = "The request id.")),
        request_body = RejectRequest,
        responses((status = 200, description = "Rejected, with its reason (R23).", body = Envelope<RequestResponse>))
    )
)]
pub async fn reject(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
    JsonBody(body): JsonBody<RejectRequest>,
) -> ApiResult<Envelope<RequestResponse>> {
    Ok(Envelope::ok("Organization request rejected.", service::reject(&state, &caller, &id, body).await?))
}
