//! HTTP handlers: extract, call the service, wrap in the envelope.

use axum::extract::State;
use axum::http::HeaderMap;
use shared::edge::extract::{JsonBody, OptionalJsonBody, PathId, QueryParams};
use shared::{ApiResult, AppState, Caller, Envelope};

use crate::input::{CreateGroupRequest, FilterGroupsRequest, PageQuery, UpdateGroupRequest};
use crate::service;
use crate::view::GroupResponse;

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        post, path = "/user-groups",
        request_body = CreateGroupRequest,
        responses((status = 201, description = "User group created (R11).", body = Envelope<GroupResponse>))
    )
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<CreateGroupRequest>,
) -> ApiResult<Envelope<GroupResponse>> {
    Ok(Envelope::created("User group created.", service::create(&state, &caller, body).await?))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        post, path = "/user-groups/filter",
        params(PageQuery),
        request_body = Option<FilterGroupsRequest>,
        responses((status = 200, description = "One page of the groups of accessible organizations (R10), with `total`.", body = Envelope<Vec<GroupResponse>>))
    )
)]
pub async fn filter(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(page): QueryParams<PageQuery>,
    OptionalJsonBody(body): OptionalJsonBody<FilterGroupsRequest>,
) -> ApiResult<Envelope<Vec<GroupResponse>>> {
    let (groups, total) =
        crate::filter::filter(&state, &caller, body.filter.unwrap_or_default(), body.sort.unwrap_or_default(), page)
            .await?;
    Ok(Envelope::ok("User groups.", groups).with_total(total))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        get, path = "/user-groups/{user_group_id}",
        params(("user_group_id" = String, Path, description = "The user group id.")),
        responses((status = 200, description = "User group details.", body = Envelope<GroupResponse>))
    )
)]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
) -> ApiResult<Envelope<GroupResponse>> {
    Ok(Envelope::ok("User group details.", service::get(&state, &caller, &id).await?))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        patch, path = "/user-groups/{user_group_id}",
        params(
            ("user_group_id" = String, Path, description = "The user group id."),
            ("If-Match" = Option<String>, Header, nullable = false, pattern = "^\"?[0-9]{1,19}\"?$", description = "The `version` last seen (a number, optionally in double quotes): the update fails with 409 if it changed.")
        ),
        request_body = UpdateGroupRequest,
        responses((status = 200, description = "User group updated (R11).", body = Envelope<GroupResponse>))
    )
)]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
    headers: HeaderMap,
    JsonBody(body): JsonBody<UpdateGroupRequest>,
) -> ApiResult<Envelope<GroupResponse>> {
    let expected = shared::edge::extract::if_match(&headers)?;
    Ok(Envelope::ok("User group updated.", service::update(&state, &caller, &id, body, expected).await?))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        delete, path = "/user-groups/{user_group_id}",
        params(("user_group_id" = String, Path, description = "The user group id.")),
        responses((status = 200, description = "User group deleted.", body = shared::edge::openapi::MessageResponse))
    )
)]
pub async fn delete(State(state): State<AppState>, caller: Caller, PathId(id): PathId) -> ApiResult<Envelope<()>> {
    service::delete(&state, &caller, &id).await?;
    Ok(Envelope::message("User group deleted."))
}
