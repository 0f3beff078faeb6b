//! A user's roles in an organization (seed 001: GET, POST of several, PUT and DELETE of one),
//! and the caller's own (`/user/roles`), over the assignments of [`crate::members`].

use shared::model::org::OrgItem;
use shared::model::user::UserItem;
use shared::policy::permit::{RolesRead, RolesUpdate};
use shared::store::users::user_not_found;
use shared::validate::path_identifier;
use shared::{ApiError, ApiResult, AppState, Caller, ErrorDetail};

use crate::input;
use crate::members::{add_to_user, remove};
use crate::service::{in_org, load_role};
use crate::view::{self, RoleResponse};

/// The roles (of `org`) a user of `org` holds.
async fn roles_of_user(state: &AppState, org: &OrgItem, user: &UserItem) -> ApiResult<Vec<RoleResponse>> {
    let roles = state.store().roles_of_org(&org.organization_id, true).await?;
    Ok(roles.iter().filter(|r| !r.deleting && user.role_ids.contains(&r.role_id)).map(view::role).collect())
}

/// The user `user_id` of `org`; read with the caller's identity (`shared::store::ahead`).
async fn user_in(state: &AppState, caller: &Caller, org: &OrgItem, user_id: &str) -> ApiResult<UserItem> {
    path_identifier(user_id, "user id")?;
    let user = caller.store(state).users(&[user_id], true).await?.remove(user_id);
    user.filter(|u| u.organization_id == org.organization_id).ok_or_else(user_not_found)
}

pub async fn user_roles(state: &AppState, caller: &Caller, ident: &str, user_id: &str) -> ApiResult<Vec<RoleResponse>> {
    let (org, _, _) = in_org::<RolesRead>(state, caller, ident).await?;
    let user = user_in(state, caller, &org, user_id).await?;
    if caller.hides(&user.org_path) {
        return Err(user_not_found());
    }
    roles_of_user(state, &org, &user).await
}

/// Seed 001's POST: several roles to one user (every role must exist; none written otherwise).
pub async fn add_user_roles(
    state: &AppState,
    caller: &Caller,
    ident: &str,
    user_id: &str,
    role_ids: Vec<String>,
) -> ApiResult<Vec<RoleResponse>> {
    let scope = in_org::<RolesUpdate>(state, caller, ident).await?;
    let org = &scope.0;
    let role_ids = input::check_ids("role_ids", &role_ids)?;
    let store = state.store();
    let (user, all) =
        tokio::try_join!(user_in(state, caller, org, user_id), store.roles_of_org(&org.organization_id, true))?;
    let mut roles = Vec::new();
    let mut bad = Vec::new();
    for (i, id) in role_ids.iter().enumerate() {
        match all.iter().find(|r| r.role_id == *id && !r.deleting) {
            Some(r) => roles.push(r.clone()),
            None => bad.push(ErrorDetail::field(format!("role_ids[{i}]"), "is not a role of this organization")),
        }
    }
    if !bad.is_empty() {
        return Err(ApiError::validation(bad));
    }
    let id = user.user_id.clone();
    let written = add_to_user(state, caller, &scope, roles, user).await?;
    let user = written.users.get(&id).ok_or_else(|| ApiError::internal("user vanished"))?;
    // The roles as written: those just added carry their new member counts.
    Ok(all
        .iter()
        .filter(|r| !r.deleting && user.role_ids.contains(&r.role_id))
        .map(|r| view::role(written.roles.get(&r.role_id).unwrap_or(r)))
        .collect())
}

/// PUT of one assignment: idempotent.
pub async fn put_user_role(
    state: &AppState,
    caller: &Caller,
    ident: &str,
    user_id: &str,
    role_id: &str,
) -> ApiResult<RoleResponse> {
    let scope = in_org::<RolesUpdate>(state, caller, ident).await?;
    let org = &scope.0;
    let role = load_role(state, caller, org, role_id).await?;
    let user = user_in(state, caller, org, user_id).await?;
    let written = add_to_user(state, caller, &scope, vec![role], user).await?;
    written.roles.get(role_id).map(view::role).ok_or_else(|| ApiError::internal("role vanished"))
}

pub async fn delete_user_role(
    state: &AppState,
    caller: &Caller,
    ident: &str,
    user_id: &str,
    role_id: &str,
) -> ApiResult<()> {
    remove(state, caller, ident, role_id, user_id).await
}

/// The caller's own custom roles, which apply wherever their built-in role does (R18): in an
/// organization they reach, the roles of their own organization they hold.
pub async fn my_roles(state: &AppState, caller: &Caller, ident: &str) -> ApiResult<Vec<RoleResponse>> {
    // 404 unless the caller reaches the organization; their roles apply there (R18).
    shared::authz::load::load_accessible(state, caller, ident).await?;
    let store = state.store();
    if caller.user.role_ids.is_empty() {
        return Ok(Vec::new());
    }
    let roles = store.roles_of_org(caller.home_org(), true).await?;
    Ok(roles.iter().filter(|r| !r.deleting && caller.user.role_ids.contains(&r.role_id)).map(view::role).collect())
}
