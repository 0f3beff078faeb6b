//! HTTP handlers: extract, call the service, wrap in the envelope. No logic lives here.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde::Serialize;
use shared::extract::{JsonBody, OptionalJsonBody, PathId, QueryParams};
use shared::{ApiError, ApiResult, AppState, Caller, Envelope};

use crate::filter;
use crate::input::{
    BulkDeleteRequest, CreateUserRequest, FilterUsersRequest, ListUserFilter, LoggedInFilterRequest, PageQuery,
    SortField, UpdateUserRequest, VerifyRequest,
};
use crate::service::{self, VerifyEntry};
use crate::view::UserResponse;

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<CreateUserRequest>,
) -> ApiResult<Envelope<UserResponse>> {
    Ok(Envelope::created("User created.", service::create(&state, &caller, body).await?))
}

pub async fn filter(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(page): QueryParams<PageQuery>,
    OptionalJsonBody(body): OptionalJsonBody<FilterUsersRequest>,
) -> ApiResult<Envelope<Vec<UserResponse>>> {
    let (users, total) =
        filter::filter(&state, &caller, body.filter.unwrap_or_default(), body.sort.unwrap_or_default(), page).await?;
    Ok(Envelope::ok("Users.", users).with_total(total))
}

pub async fn logged_in_filter(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(page): QueryParams<PageQuery>,
    OptionalJsonBody(body): OptionalJsonBody<LoggedInFilterRequest>,
) -> ApiResult<Envelope<Vec<UserResponse>>> {
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
pub struct BulkDeleted {
    pub user_id_list: Vec<String>,
}

pub async fn bulk_delete(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<BulkDeleteRequest>,
) -> ApiResult<Envelope<BulkDeleted>> {
    let ids = service::bulk_delete(&state, &caller, body.user_id_list).await?;
    Ok(Envelope::ok("Users deleted.", BulkDeleted { user_id_list: ids }))
}

pub async fn verify(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<VerifyRequest>,
) -> ApiResult<Envelope<Vec<VerifyEntry>>> {
    Ok(Envelope::ok("Verification results.", service::verify(&state, &caller, body.email_ids).await?))
}

pub async fn by_email(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> ApiResult<Envelope<UserResponse>> {
    let Path(email) =
        path.map_err(|_| ApiError::bad_request("invalid_identifier", "The email in the path is not valid."))?;
    Ok(Envelope::ok("User details.", service::get_by_email(&state, &caller, &email).await?))
}

pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
) -> ApiResult<Envelope<UserResponse>> {
    Ok(Envelope::ok("User details.", service::get(&state, &caller, &id).await?))
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
    headers: HeaderMap,
    JsonBody(body): JsonBody<UpdateUserRequest>,
) -> ApiResult<Envelope<UserResponse>> {
    let expected = shared::extract::if_match(&headers)?;
    Ok(Envelope::ok("User updated.", service::update(&state, &caller, &id, body, expected).await?))
}

pub async fn delete(State(state): State<AppState>, caller: Caller, PathId(id): PathId) -> ApiResult<Envelope<()>> {
    service::delete(&state, &caller, &id).await?;
    Ok(Envelope::message("User deleted."))
}
