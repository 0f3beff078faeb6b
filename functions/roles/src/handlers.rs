//! HTTP handlers: extract, call the service, wrap in the envelope.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use shared::edge::extract::{JsonBody, JsonListBody, OptionalJsonBody, QueryParams};

use shared::authz::resolve::PendingCaller;
use shared::error::ErrorCode;
use shared::{ApiError, ApiResult, AppState, Caller, Envelope};

#[allow(unused_imports)]
use crate::input::{AssignmentsQuery, BulkMembersRequest, GenerateRequest, ListQuery, PatchRoleRequest, RoleRequest};
use crate::view::{AssignmentResponse, MemberResponse, PermissionRoles, RoleResponse};
use crate::{members, service, user_roles};

/// The path's parameters by name.
pub struct Params(HashMap<String, String>);

impl Params {
    fn get(&self, name: &str) -> &str {
        self.0.get(name).map(String::as_str).unwrap_or_default()
    }
    fn org(&self) -> &str {
        self.get("organization_identifier")
    }
    fn role_id(&self) -> &str {
        self.get("role_id")
    }
    fn user_id(&self) -> &str {
        self.get("user_id")
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, ApiError> {
        let Path(map) = Path::<HashMap<String, String>>::from_request_parts(parts, state).await.map_err(|_| {
            ApiError::bad_request(ErrorCode::InvalidIdentifier, "A path parameter is not a valid identifier.")
        })?;
        Ok(Params(map))
    }
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        post, path = "/organizations/{organization_identifier}/roles",
        params(("organization_identifier" = String, Path, description = "The organization id or code.")),
        request_body = RoleRequest,
        responses((status = 201, description = "Role created (R17, R19).", body = Envelope<RoleResponse>))
    )
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    JsonBody(body): JsonBody<RoleRequest>,
) -> ApiResult<Envelope<RoleResponse>> {
    Ok(Envelope::created("Role created.", service::create(&state, &caller, p.org(), body).await?))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        get, path = "/organizations/{organization_identifier}/roles",
        params(("organization_identifier" = String, Path, description = "The organization id or code."), ListQuery),
        responses((status = 200, description = "One page of the organization's roles by name, with `total`.", body = Envelope<Vec<RoleResponse>>))
    )
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    QueryParams(q): QueryParams<ListQuery>,
) -> ApiResult<Envelope<Vec<RoleResponse>>> {
    let (roles, total) = service::list(&state, &caller, p.org(), q).await?;
    Ok(Envelope::ok("Roles.", roles).with_total(total))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        delete, path = "/organizations/{organization_identifier}/roles",
        params(("organization_identifier" = String, Path, description = "The organization id or code.")),
        responses((status = 200, description = "Every custom role of the organization deleted, with its members (R20).", body = shared::edge::openapi::MessageResponse))
    )
)]
pub async fn delete_all(State(state): State<AppState>, caller: Caller, p: Params) -> ApiResult<Envelope<()>> {
    let n = service::delete_all(&state, &caller, p.org()).await?;
    Ok(Envelope::message(format!("{n} roles deleted.")))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        post, path = "/organizations/{organization_identifier}/roles/generate",
        params(("organization_identifier" = String, Path, description = "The organization id or code.")),
        request_body = Option<GenerateRequest>,
        responses((status = 200, description = "The default roles (R20): created where missing, idempotently.", body = Envelope<Vec<RoleResponse>>))
    )
)]
pub async fn generate(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    OptionalJsonBody(body): OptionalJsonBody<GenerateRequest>,
) -> ApiResult<Envelope<Vec<RoleResponse>>> {
    Ok(Envelope::ok("Default roles.", service::generate(&state, &caller, p.org(), body).await?))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        get, path = "/organizations/{organization_identifier}/roles/permissions",
        params(("organization_identifier" = String, Path, description = "The organization id or code.")),
        responses((status = 200, description = "Every permission some role holds, with the roles holding it (R20).", body = Envelope<Vec<PermissionRoles>>))
    )
)]
pub async fn permissions(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
) -> ApiResult<Envelope<Vec<PermissionRoles>>> {
    Ok(Envelope::ok("Permissions of the roles.", service::permissions(&state, &caller, p.org()).await?))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        get, path = "/organizations/{organization_identifier}/roles/{role_id}",
        params(("organization_identifier" = String, Path, description = "The organization id or code."), ("role_id" = String, Path, description = "The role id.")),
        responses((status = 200, description = "Role details.", body = Envelope<RoleResponse>))
    )
)]
pub async fn get_one(State(state): State<AppState>, caller: Caller, p: Params) -> ApiResult<Envelope<RoleResponse>> {
    Ok(Envelope::ok("Role details.", service::get(&state, &caller, p.org(), p.role_id()).await?))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        put, path = "/organizations/{organization_identifier}/roles/{role_id}",
        params(("organization_identifier" = String, Path, description = "The organization id or code."), ("role_id" = String, Path, description = "The role id."), ("If-Match" = Option<String>, Header, nullable = false, pattern = "^\"?[0-9]{1,19}\"?$", description = "The `version` last seen (a number, optionally in double quotes): the update fails with 409 if it changed.")),
        request_body = crate::input::ReplaceRoleRequest,
        responses((status = 200, description = "Role replaced (R19).", body = Envelope<RoleResponse>))
    )
)]
pub async fn replace(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    headers: HeaderMap,
    JsonBody(body): JsonBody<RoleRequest>,
) -> ApiResult<Envelope<RoleResponse>> {
    let expected = shared::edge::extract::if_match(&headers)?;
    Ok(Envelope::ok("Role updated.", service::update(&state, &caller, p.org(), p.role_id(), expected, Ok(body)).await?))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        patch, path = "/organizations/{organization_identifier}/roles/{role_id}",
        params(("organization_identifier" = String, Path, description = "The organization id or code."), ("role_id" = String, Path, description = "The role id."), ("If-Match" = Option<String>, Header, nullable = false, pattern = "^\"?[0-9]{1,19}\"?$", description = "The `version` last seen (a number, optionally in double quotes): the update fails with 409 if it changed.")),
        request_body = PatchRoleRequest,
        responses((status = 200, description = "Role updated (R19).", body = Envelope<RoleResponse>))
    )
)]
pub async fn patch(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    headers: HeaderMap,
    JsonBody(body): JsonBody<PatchRoleRequest>,
) -> ApiResult<Envelope<RoleResponse>> {
    let expected = shared::edge::extract::if_match(&headers)?;
    Ok(Envelope::ok(
        "Role updated.",
        service::update(&state, &caller, p.org(), p.role_id(), expected, Err(body)).await?,
    ))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        delete, path = "/organizations/{organization_identifier}/roles/{role_id}",
        params(("organization_identifier" = String, Path, description = "The organization id or code."), ("role_id" = String, Path, description = "The role id.")),
        responses((status = 200, description = "Role deleted, with its members' assignments (R19).", body = shared::edge::openapi::MessageResponse))
    )
)]
pub async fn delete(State(state): State<AppState>, caller: PendingCaller, p: Params) -> ApiResult<Envelope<()>> {
    service::delete(&state, caller, p.org(), p.role_id()).await?;
    Ok(Envelope::message("Role deleted."))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        get, path = "/organizations/{organization_identifier}/roles/{role_id}/assignments",
        params(("organization_identifier" = String, Path, description = "The organization id or code."), ("role_id" = String, Path, description = "The role id."), AssignmentsQuery),
        responses((status = 200, description = "The role's assignments by user id (seed 001's `start`/`limit`), with `total`.", body = Envelope<Vec<AssignmentResponse>>))
    )
)]
pub async fn assignments(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    QueryParams(q): QueryParams<AssignmentsQuery>,
) -> ApiResult<Envelope<Vec<AssignmentResponse>>> {
    let (items, total) = members::assignments(&state, &caller, p.org(), p.role_id(), q).await?;
    Ok(Envelope::ok("Role assignments.", items).with_total(total))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        get, path = "/organizations/{organization_identifier}/roles/{role_id}/members",
        params(("organization_identifier" = String, Path, description = "The organization id or code."), ("role_id" = String, Path, description = "The role id."), ListQuery),
        responses((status = 200, description = "One page of the role's members by email, with `total`.", body = Envelope<Vec<MemberResponse>>))
    )
)]
pub async fn members(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    QueryParams(q): QueryParams<ListQuery>,
) -> ApiResult<Envelope<Vec<MemberResponse>>> {
    let (items, total) = members::members(&state, &caller, p.org(), p.role_id(), q).await?;
    Ok(Envelope::ok("Role members.", items).with_total(total))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        post, path = "/organizations/{organization_identifier}/roles/{role_id}/members/bulk",
        params(("organization_identifier" = String, Path, description = "The organization id or code."), ("role_id" = String, Path, description = "The role id.")),
        request_body = BulkMembersRequest,
        responses((status = 200, description = "Members added (seed 002; all valid or none written; R19).", body = Envelope<RoleResponse>))
    )
)]
pub async fn add_members(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    JsonBody(body): JsonBody<BulkMembersRequest>,
) -> ApiResult<Envelope<RoleResponse>> {
    let list =
        body.members.ok_or_else(|| ApiError::validation(vec![shared::ErrorDetail::field("members", "is required")]))?;
    Ok(Envelope::ok("Members added.", members::add_members(&state, &caller, p.org(), p.role_id(), list).await?))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        get, path = "/organizations/{organization_identifier}/roles/{role_id}/members/{user_id}",
        params(("organization_identifier" = String, Path, description = "The organization id or code."), ("role_id" = String, Path, description = "The role id."), ("user_id" = String, Path, description = "The user id.")),
        responses((status = 200, description = "One member of the role.", body = Envelope<MemberResponse>))
    )
)]
pub async fn member(State(state): State<AppState>, caller: Caller, p: Params) -> ApiResult<Envelope<MemberResponse>> {
    Ok(Envelope::ok("Role member.", members::member(&state, &caller, p.org(), p.role_id(), p.user_id()).await?))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        delete, path = "/organizations/{organization_identifier}/roles/{role_id}/members/{user_id}",
        params(("organization_identifier" = String, Path, description = "The organization id or code."), ("role_id" = String, Path, description = "The role id."), ("user_id" = String, Path, description = "The user id.")),
        responses((status = 200, description = "Member removed (R19).", body = shared::edge::openapi::MessageResponse))
    )
)]
pub async fn remove_member(State(state): State<AppState>, caller: Caller, p: Params) -> ApiResult<Envelope<()>> {
    members::remove_member(&state, &caller, p.org(), p.role_id(), p.user_id()).await?;
    Ok(Envelope::message("Member removed."))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        get, path = "/organizations/{organization_identifier}/users/{user_id}/roles",
        params(("organization_identifier" = String, Path, description = "The organization id or code."), ("user_id" = String, Path, description = "The user id.")),
        responses((status = 200, description = "The custom roles a user of the organization holds.", body = Envelope<Vec<RoleResponse>>))
    )
)]
pub async fn user_roles(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
) -> ApiResult<Envelope<Vec<RoleResponse>>> {
    Ok(Envelope::ok("User roles.", user_roles::user_roles(&state, &caller, p.org(), p.user_id()).await?))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        post, path = "/organizations/{organization_identifier}/users/{user_id}/roles",
        params(("organization_identifier" = String, Path, description = "The organization id or code."), ("user_id" = String, Path, description = "The user id.")),
        request_body = crate::input::RoleIdList,
        responses((status = 200, description = "Roles added to the user (seed 001: a list of role ids; R19).", body = Envelope<Vec<RoleResponse>>))
    )
)]
pub async fn add_user_roles(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
    JsonListBody(body): JsonListBody<String>,
) -> ApiResult<Envelope<Vec<RoleResponse>>> {
    Ok(Envelope::ok("Roles added.", user_roles::add_user_roles(&state, &caller, p.org(), p.user_id(), body).await?))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        put, path = "/organizations/{organization_identifier}/users/{user_id}/roles/{role_id}",
        params(("organization_identifier" = String, Path, description = "The organization id or code."), ("user_id" = String, Path, description = "The user id."), ("role_id" = String, Path, description = "The role id.")),
        responses((status = 200, description = "The user holds the role (idempotent; R19).", body = Envelope<RoleResponse>))
    )
)]
pub async fn put_user_role(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
) -> ApiResult<Envelope<RoleResponse>> {
    Ok(Envelope::ok(
        "Role assigned.",
        user_roles::put_user_role(&state, &caller, p.org(), p.user_id(), p.role_id()).await?,
    ))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        delete, path = "/organizations/{organization_identifier}/users/{user_id}/roles/{role_id}",
        params(("organization_identifier" = String, Path, description = "The organization id or code."), ("user_id" = String, Path, description = "The user id."), ("role_id" = String, Path, description = "The role id.")),
        responses((status = 200, description = "The user no longer holds the role (R19).", body = shared::edge::openapi::MessageResponse))
    )
)]
pub async fn delete_user_role(State(state): State<AppState>, caller: Caller, p: Params) -> ApiResult<Envelope<()>> {
    user_roles::delete_user_role(&state, &caller, p.org(), p.user_id(), p.role_id()).await?;
    Ok(Envelope::message("Role removed."))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        get, path = "/organizations/{organization_identifier}/user/roles",
        params(("organization_identifier" = String, Path, description = "The organization id or code.")),
        responses((status = 200, description = "The caller's own custom roles, which apply in this organization (R18).", body = Envelope<Vec<RoleResponse>>))
    )
)]
pub async fn my_roles(
    State(state): State<AppState>,
    caller: Caller,
    p: Params,
) -> ApiResult<Envelope<Vec<RoleResponse>>> {
    Ok(Envelope::ok("Your roles.", user_roles::my_roles(&state, &caller, p.org()).await?))
}
