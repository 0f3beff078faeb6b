//! HTTP handlers: extract, call the service, wrap in the envelope. No logic lives here.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde::Serialize;
use shared::authz::resolve::PendingCaller;
use shared::edge::extract::{JsonBody, OptionalJsonBody, PathId, QueryParams};
use shared::error::ErrorCode;
use shared::{ApiError, ApiResult, AppState, Caller, Envelope};

use crate::filter;
use crate::input::{
    BulkDeleteRequest, CreateUserRequest, FilterUsersRequest, ListUserFilter, LoggedInFilterRequest, PageQuery,
    SortField, UpdateUserRequest, VerifyRequest,
};
use crate::service;
use crate::verify::{self, VerifyEntry};
use crate::view::{UserEntry, UserResponse};

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        post, path = "/users",
        request_body = CreateUserRequest,
        responses((status = 201, description = "User created (R6).", body = Envelope<UserResponse>))
    )
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<CreateUserRequest>,
) -> ApiResult<Envelope<UserResponse>> {
    Ok(Envelope::created("User created.", service::create(&state, &caller, body).await?))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        post, path = "/users/filter",
        params(PageQuery),
        request_body = Option<FilterUsersRequest>,
        responses((status = 200, description = "One page of the users in accessible organizations (R10), with `total`. Users the caller may not GET (R7) are in the directory view, `UserDirectoryEntry` (R26).", body = Envelope<Vec<UserEntry>>))
    )
)]
pub async fn filter(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(page): QueryParams<PageQuery>,
    OptionalJsonBody(body): OptionalJsonBody<FilterUsersRequest>,
) -> ApiResult<Envelope<Vec<UserEntry>>> {
    let (users, total) =
        filter::filter(&state, &caller, body.filter.unwrap_or_default(), body.sort.unwrap_or_default(), page).await?;
    Ok(Envelope::ok("Users.", users).with_total(total))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        post, path = "/users/logged-in/filter",
        params(PageQuery),
        request_body = Option<LoggedInFilterRequest>,
        responses((status = 200, description = "One page of the users who have logged in, latest first, with `total`. Users the caller may not GET (R7) are in the directory view, `UserDirectoryEntry` (R26).", body = Envelope<Vec<UserEntry>>))
    )
)]
pub async fn logged_in_filter(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(page): QueryParams<PageQuery>,
    OptionalJsonBody(body): OptionalJsonBody<LoggedInFilterRequest>,
) -> ApiResult<Envelope<Vec<UserEntry>>> {
    let f = ListUserFilter {
        only_logged_in_users: Some(true),
        accessible_organization_list: body.accessible_organization_list,
        ..Default::default()
    };
    let sort = vec![SortField { field: "last_login".into(), sort_order: -1 }];
    let (users, total) = filter::filter(&state, &caller, f, sort, page).await?;
    Ok(Envelope::ok("Logged-in users.", users).with_total(total))
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkDeleted {
    pub user_id_list: Vec<String>,
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        post, path = "/users/bulk-delete",
        request_body = BulkDeleteRequest,
        responses((status = 200, description = "Users deleted (R9).", body = Envelope<BulkDeleted>))
    )
)]
pub async fn bulk_delete(
    State(state): State<AppState>,
    caller: PendingCaller,
    JsonBody(body): JsonBody<BulkDeleteRequest>,
) -> ApiResult<Envelope<BulkDeleted>> {
    let ids = service::bulk_delete(&state, caller, body.user_id_list).await?;
    Ok(Envelope::ok("Users deleted.", BulkDeleted { user_id_list: ids }))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        post, path = "/users/verify",
        request_body = VerifyRequest,
        responses((status = 200, description = "For each email: the user and organization it belongs to, if accessible.", body = Envelope<Vec<VerifyEntry>>))
    )
)]
pub async fn verify(
    State(state): State<AppState>,
    caller: PendingCaller,
    JsonBody(body): JsonBody<VerifyRequest>,
) -> ApiResult<Envelope<Vec<VerifyEntry>>> {
    Ok(Envelope::ok("Verification results.", verify::verify(&state, caller, body.email_ids).await?))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        get, path = "/users/by-email/{email_id}",
        params(("email_id" = String, Path, description = "The user's email address.")),
        responses((status = 200, description = "User details (R7).", body = Envelope<UserResponse>))
    )
)]
pub async fn by_email(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> ApiResult<Envelope<UserResponse>> {
    let Path(email) =
        path.map_err(|_| ApiError::bad_request(ErrorCode::InvalidIdentifier, "The email in the path is not valid."))?;
    Ok(Envelope::ok("User details.", service::get_by_email(&state, &caller, &email).await?))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        get, path = "/users/{user_id}",
        params(("user_id" = String, Path, description = "The user id.")),
        responses((status = 200, description = "User details (R7).", body = Envelope<UserResponse>))
    )
)]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
) -> ApiResult<Envelope<UserResponse>> {
    Ok(Envelope::ok("User details.", service::get(&state, &caller, &id).await?))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        patch, path = "/users/{user_id}",
        params(
            ("user_id" = String, Path, description = "The user id."),
            ("If-Match" = Option<String>, Header, nullable = false, pattern = "^\"?[0-9]{1,19}\"?$", description = "The `version` last seen (a number, optionally in double quotes): the update fails with 409 if it changed.")
        ),
        request_body = UpdateUserRequest,
        responses((status = 200, description = "User updated (R8).", body = Envelope<UserResponse>))
    )
)]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
    headers: HeaderMap,
    JsonBody(body): JsonBody<UpdateUserRequest>,
) -> ApiResult<Envelope<UserResponse>> {
    let expected = shared::edge::extract::if_match(&headers)?;
    Ok(Envelope::ok("User updated.", service::update(&state, &caller, &id, body, expected).await?))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        delete, path = "/users/{user_id}",
        params(("user_id" = String, Path, description = "The user id.")),
        responses((status = 200, description = "User deleted (R9).", body = shared::edge::openapi::MessageResponse))
    )
)]
pub async fn delete(State(state): State<AppState>, caller: Caller, PathId(id): PathId) -> ApiResult<Envelope<()>> {
    service::delete(&state, &caller, &id).await?;
    Ok(Envelope::message("User deleted."))
}
