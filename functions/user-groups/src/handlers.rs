//! HTTP handlers: extract, call the service, wrap in the envelope.

use axum::extract::State;
use axum::http::HeaderMap;
use shared::extract::{JsonBody, OptionalJsonBody, PathId, QueryParams};
use shared::{ApiResult, AppState, Caller, Envelope};

use crate::input::{CreateGroupRequest, FilterGroupsRequest, PageQuery, UpdateGroupRequest};
use crate::service;
use crate::view::GroupResponse;

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<CreateGroupRequest>,
) -> ApiResult<Envelope<GroupResponse>> {
    Ok(Envelope::created("User group created.", service::create(&state, &caller, body).await?))
}

pub async fn filter(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(page): QueryParams<PageQuery>,
    OptionalJsonBody(body): OptionalJsonBody<FilterGroupsRequest>,
) -> ApiResult<Envelope<Vec<GroupResponse>>> {
    let (groups, total) =
        service::filter(&state, &caller, body.filter.unwrap_or_default(), body.sort.unwrap_or_default(), page).await?;
    Ok(Envelope::ok("User groups.", groups).with_total(total))
}

pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
) -> ApiResult<Envelope<GroupResponse>> {
    Ok(Envelope::ok("User group details.", service::get(&state, &caller, &id).await?))
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
    headers: HeaderMap,
    JsonBody(body): JsonBody<UpdateGroupRequest>,
) -> ApiResult<Envelope<GroupResponse>> {
    let expected = shared::extract::if_match(&headers)?;
    Ok(Envelope::ok("User group updated.", service::update(&state, &caller, &id, body, expected).await?))
}

pub async fn delete(State(state): State<AppState>, caller: Caller, PathId(id): PathId) -> ApiResult<Envelope<()>> {
    service::delete(&state, &caller, &id).await?;
    Ok(Envelope::message("User group deleted."))
}
