//! Who holds which role (seed 001's assignments, seed 002's members; R19). An assignment is an
//! item listing the role's members and the role id on the user's item (read with every request
//! the user makes, R18), written together with the role's member count and an activity item.
//! Adding is idempotent: a user who holds the role already is left as is.

use std::collections::HashMap;

use serde_json::{json, Map};
use shared::authz::rules::r19_holds_all;
use shared::error::ErrorCode;
use shared::model::activity::ActivityKind;
use shared::model::catalogue::PermissionSet;
use shared::model::now_ms;
use shared::model::org::OrgItem;
use shared::model::role::RoleItem;
use shared::model::user::UserItem;
use shared::policy::permit::{RolesRead, RolesUpdate};
use shared::policy::{Permit, RewritesRoleMembers};
use shared::store::roles::new_assignment;
use shared::store::TxAction;
use shared::validate::path_identifier;
use shared::{ApiError, ApiResult, AppState, Caller, ErrorDetail};

use crate::input::{self, ListQuery, MAX_ROLES_PER_USER};
use crate::service::{activity, in_org, load_role};
use crate::view::{self, AssignmentResponse, MemberResponse, RoleResponse};

/// Actions per transaction, under DynamoDB's 100.
const MAX_ACTIONS: usize = 96;

/// The users `ids` (consistent), each required to be a user of `org` (R19); `field[i]` names
/// those that are not.
async fn users_of(
    state: &AppState,
    caller: &Caller,
    org: &OrgItem,
    ids: &[String],
    field: &str,
) -> ApiResult<HashMap<String, UserItem>> {
    let found = caller.store(state).users(ids, true).await?;
    check_users(caller, org, ids, found, field)
}

/// Checks that `found` holds each of `ids` as a user of `org` the caller sees (R19).
fn check_users(
    caller: &Caller,
    org: &OrgItem,
    ids: &[String],
    found: HashMap<String, UserItem>,
    field: &str,
) -> ApiResult<HashMap<String, UserItem>> {
    let bad: Vec<ErrorDetail> = ids
        .iter()
        .enumerate()
        .filter(|(_, u)| {
            found.get(*u).is_none_or(|u| u.organization_id != org.organization_id || caller.hides(&u.org_path))
        })
        .map(|(i, _)| ErrorDetail::field(format!("{field}[{i}]"), "must be a user of the role's organization"))
        .collect();
    if bad.is_empty() {
        Ok(found)
    } else {
        Err(ApiError::validation(bad))
    }
}

/// Adds (`adding`) or removes each `(role, user)` of `pairs`, in as few transactions as fit:
/// per pair the assignment item, per user their item, per role its count and an activity item.
/// Returns how many pairs changed.
pub(crate) async fn write_pairs(
    state: &AppState,
    permit: &impl RewritesRoleMembers,
    roles: &HashMap<String, RoleItem>,
    mut users: HashMap<String, UserItem>,
    pairs: &[(String, String)],
    adding: bool,
) -> ApiResult<usize> {
    let store = state.store();
    let now = now_ms();
    // Only pairs that change anything (adding twice is one assignment).
    let todo: Vec<&(String, String)> =
        pairs.iter().filter(|(r, u)| users.get(u).is_some_and(|u| u.role_ids.contains(r) != adding)).collect();
    if adding {
        for u in users.values() {
            let n = u.role_ids.len() + todo.iter().filter(|(_, x)| *x == u.user_id).count();
            if n > MAX_ROLES_PER_USER {
                return Err(ApiError::validation(vec![ErrorDetail::field(
                    "members",
                    format!("a user may hold at most {MAX_ROLES_PER_USER} custom roles"),
                )]));
            }
        }
    }
    let mut start = 0;
    while start < todo.len() {
        // Pack pairs while the actions fit.
        let (mut n_users, mut n_roles, mut end) = (Vec::new(), Vec::new(), start);
        while end < todo.len() {
            let (r, u) = todo[end];
            let cost = 1 + usize::from(!n_users.contains(u)) + 2 * usize::from(!n_roles.contains(r));
            if n_users.len() + 2 * n_roles.len() + (end - start) + cost > MAX_ACTIONS {
                break;
            }
            if !n_users.contains(u) {
                n_users.push(u.clone());
            }
            if !n_roles.contains(r) {
                n_roles.push(r.clone());
            }
            end += 1;
        }
        let chunk = &todo[start..end];
        let mut actions: Vec<TxAction> = Vec::new();
        for uid in &n_users {
            let u = users.get_mut(uid).ok_or_else(|| ApiError::internal("user vanished"))?;
            let before = u.version;
            let mine: Vec<&String> = chunk.iter().filter(|(_, x)| x == uid).map(|(r, _)| r).collect();
            if adding {
                u.role_ids.extend(mine.iter().map(|r| r.to_string()));
            } else {
                u.role_ids.retain(|r| !mine.contains(&r));
            }
            u.version += 1;
            u.modified_at = now;
            for r in &mine {
                if adding {
                    let a = new_assignment(&u.organization_id, r, uid, now, Some(permit.actor().actor_id.clone()));
                    actions.extend(store.assign_actions(permit, &a, u, before)?);
                } else {
                    actions.extend(store.unassign_actions(permit, r, u, before)?);
                }
                // One put of the user per transaction: keep the last.
                let put_at = actions.len() - 1;
                if mine.last() != Some(r) {
                    actions.remove(put_at);
                }
            }
        }
        for rid in &n_roles {
            let role = roles.get(rid).ok_or_else(|| ApiError::internal("role vanished"))?;
            let who: Vec<&String> = chunk.iter().filter(|(r, _)| r == rid).map(|(_, u)| u).collect();
            let delta = if adding { who.len() as i64 } else { -(who.len() as i64) };
            actions.push(store.members_moved_action(permit, &role.organization_id, rid, delta)?);
            let mut changes = Map::new();
            changes.insert("user_ids".into(), json!(who));
            let kind = if adding { ActivityKind::RoleMemberAdded } else { ActivityKind::RoleMemberRemoved };
            actions.push(activity(state, permit, kind, role, changes)?);
        }
        store.transact(actions).await?;
        start = end;
    }
    Ok(todo.len())
}

/// The organization, the permit to change its roles' members, and the caller's effective
/// permissions there.
pub(crate) type InOrg = (OrgItem, Permit<RolesUpdate>, PermissionSet);

/// Adds `user_ids` to roles `role_ids` (every pair), after R19: the caller holds each role's
/// permissions where it applies, and every user belongs to the role's organization. Returns the
/// roles and the users as written (new member counts, new `role_ids`), so that the answer needs
/// no read after the write.
pub(crate) async fn add(
    state: &AppState,
    caller: &Caller,
    scope: &InOrg,
    roles: Vec<RoleItem>,
    user_ids: &[String],
    field: &str,
) -> ApiResult<Written> {
    for r in &roles {
        r19_holds_all(scope.2, r.permission_set())?;
    }
    let users = users_of(state, caller, &scope.0, user_ids, field).await?;
    add_users(state, scope, roles, users).await
}

/// [`add`] for one user already read (`user_id` names them in refusals).
pub(crate) async fn add_to_user(
    state: &AppState,
    caller: &Caller,
    scope: &InOrg,
    roles: Vec<RoleItem>,
    user: UserItem,
) -> ApiResult<Written> {
    for r in &roles {
        r19_holds_all(scope.2, r.permission_set())?;
    }
    let id = user.user_id.clone();
    let users =
        check_users(caller, &scope.0, std::slice::from_ref(&id), HashMap::from([(id.clone(), user)]), "user_id")?;
    add_users(state, scope, roles, users).await
}

/// Writes the assignments of `users` (read and checked, [`check_users`]) to `roles`, whose
/// R19 check the callers made.
async fn add_users(
    state: &AppState,
    (_, permit, _): &InOrg,
    roles: Vec<RoleItem>,
    users: HashMap<String, UserItem>,
) -> ApiResult<Written> {
    let pairs: Vec<(String, String)> =
        roles.iter().flat_map(|r| users.keys().map(|u| (r.role_id.clone(), u.clone()))).collect();
    // The pairs that change anything (adding twice is one assignment), for the answer.
    let new: Vec<(String, String)> =
        pairs.iter().filter(|(r, u)| users.get(u).is_some_and(|u| !u.role_ids.contains(r))).cloned().collect();
    let mut roles: HashMap<String, RoleItem> = roles.into_iter().map(|r| (r.role_id.clone(), r)).collect();
    let mut after = users.clone();
    write_pairs(state, permit, &roles, users, &pairs, true).await?;
    for (r, u) in new {
        if let Some(role) = roles.get_mut(&r) {
            role.member_count += 1;
        }
        if let Some(user) = after.get_mut(&u) {
            user.role_ids.push(r);
        }
    }
    Ok(Written { roles, users: after })
}

/// What [`add`] wrote: the roles with their new member counts, the users with their new roles.
pub(crate) struct Written {
    pub roles: HashMap<String, RoleItem>,
    pub users: HashMap<String, UserItem>,
}

/// Removes one assignment (R19 as for adding); 404 when the user does not hold the role.
pub(crate) async fn remove(
    state: &AppState,
    caller: &Caller,
    ident: &str,
    role_id: &str,
    user_id: &str,
) -> ApiResult<()> {
    let (org, permit, effective) = in_org::<RolesUpdate>(state, caller, ident).await?;
    path_identifier(user_id, "user id")?;
    let role = load_role(state, caller, &org, role_id).await?;
    r19_holds_all(effective, role.permission_set())?;
    let user = holder(state, caller, &org, &role, user_id).await?;
    let roles = HashMap::from([(role.role_id.clone(), role)]);
    let pairs = [(role_id.to_string(), user_id.to_string())];
    write_pairs(state, &permit, &roles, HashMap::from([(user_id.to_string(), user)]), &pairs, false).await?;
    Ok(())
}

/// The user `user_id` of `org` holding `role` (404 otherwise); read with the caller's identity
/// where the path names them (`shared::store::ahead`).
async fn holder(
    state: &AppState,
    caller: &Caller,
    org: &OrgItem,
    role: &RoleItem,
    user_id: &str,
) -> ApiResult<UserItem> {
    let user = caller.store(state).users(&[user_id], true).await?.remove(user_id);
    user.filter(|u| u.organization_id == org.organization_id && u.role_ids.contains(&role.role_id))
        .ok_or_else(not_a_member)
}

fn not_a_member() -> ApiError {
    ApiError::not_found(ErrorCode::UserNotFound, "The user does not hold that role here.")
}

/// Seed 002's bulk add: all members valid or nothing is written; at most 100.
pub async fn add_members(
    state: &AppState,
    caller: &Caller,
    ident: &str,
    role_id: &str,
    members: Vec<String>,
) -> ApiResult<RoleResponse> {
    let scope = in_org::<RolesUpdate>(state, caller, ident).await?;
    let org = &scope.0;
    let members = input::check_ids("members", &members)?;
    let role = load_role(state, caller, org, role_id).await?;
    let written = add(state, caller, &scope, vec![role], &members, "members").await?;
    written.roles.get(role_id).map(view::role).ok_or_else(|| ApiError::internal("role vanished"))
}

pub async fn remove_member(
    state: &AppState,
    caller: &Caller,
    ident: &str,
    role_id: &str,
    user_id: &str,
) -> ApiResult<()> {
    remove(state, caller, ident, role_id, user_id).await
}

/// The members of a role with their user records, by email.
async fn member_list(state: &AppState, org: &OrgItem, role: &RoleItem) -> ApiResult<Vec<MemberResponse>> {
    let store = state.store();
    let assignments = store.role_members(&org.organization_id, &role.role_id).await?;
    let ids: Vec<&str> = assignments.iter().map(|a| a.user_id.as_str()).collect();
    let users = store.users(&ids, false).await?;
    let mut out: Vec<MemberResponse> =
        assignments.iter().filter_map(|a| users.get(&a.user_id).map(|u| view::member(u, a))).collect();
    out.sort_by_key(|m| m.email.to_lowercase());
    Ok(out)
}

pub async fn members(
    state: &AppState,
    caller: &Caller,
    ident: &str,
    role_id: &str,
    q: ListQuery,
) -> ApiResult<(Vec<MemberResponse>, u64)> {
    let (org, _, _) = in_org::<RolesRead>(state, caller, ident).await?;
    let (page, size, query) = input::check_list(&q)?;
    let role = load_role(state, caller, &org, role_id).await?;
    let all: Vec<MemberResponse> = member_list(state, &org, &role)
        .await?
        .into_iter()
        .filter(|m| {
            query.as_ref().is_none_or(|q| {
                [Some(&m.email), m.first_name.as_ref(), m.last_name.as_ref()]
                    .into_iter()
                    .flatten()
                    .any(|s| s.to_lowercase().contains(q))
            })
        })
        .collect();
    let total = all.len() as u64;
    Ok((all.into_iter().skip((page as usize) * size as usize).take(size as usize).collect(), total))
}

pub async fn member(
    state: &AppState,
    caller: &Caller,
    ident: &str,
    role_id: &str,
    user_id: &str,
) -> ApiResult<MemberResponse> {
    let (org, _, _) = in_org::<RolesRead>(state, caller, ident).await?;
    path_identifier(user_id, "user id")?;
    let role = load_role(state, caller, &org, role_id).await?;
    let store = state.store();
    let (user, a) = tokio::try_join!(
        holder(state, caller, &org, &role, user_id),
        store.role_members(&org.organization_id, &role.role_id)
    )?;
    let a = a.into_iter().find(|a| a.user_id == user_id).ok_or_else(not_a_member)?;
    Ok(view::member(&user, &a))
}

/// Seed 001's assignments, by user id, from `start`, at most `limit`.
pub async fn assignments(
    state: &AppState,
    caller: &Caller,
    ident: &str,
    role_id: &str,
    q: input::AssignmentsQuery,
) -> ApiResult<(Vec<AssignmentResponse>, u64)> {
    let (org, _, _) = in_org::<RolesRead>(state, caller, ident).await?;
    let (start, limit) = input::check_assignments(&q)?;
    let role = load_role(state, caller, &org, role_id).await?;
    let all = state.store().role_members(&org.organization_id, &role.role_id).await?;
    Ok((all.iter().skip(start).take(limit).map(view::assignment).collect(), all.len() as u64))
}
