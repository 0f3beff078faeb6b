//! The users service: R1, R6–R9, R14 over the store.

use std::collections::{HashMap, HashSet};

use serde_json::{json, Map};
use shared::authz::decide::{own_record, permit_at};
use shared::authz::resolve::PendingCaller;
use shared::authz::rules::{r6_may_create_with_role, r8_may_change_role, r9_may_delete_user};
use shared::authz::{holds, org_permit};
use shared::error::ErrorCode;
use shared::model::activity::ActivityKind;
use shared::model::group::GroupItem;
use shared::model::now_ms;
use shared::model::template::Visibility;
use shared::model::user::{Role, UserItem};
use shared::policy::permit::{SelfService, UsersCreate, UsersDelete, UsersRead, UsersUpdate};
use shared::policy::{Need, Permit};
use shared::store::activity::Change;
use shared::store::tokens::TokenItem;
use shared::store::users::user_not_found;
use shared::store::{Store, TxAction};
use shared::validate::{is_email, path_identifier};
use shared::{ApiError, ApiResult, AppState, Caller, ErrorDetail};

use crate::input::{self, CreateUserRequest, UpdateUserRequest, MAX_BULK_DELETE};
use crate::view::{render_one, render_with, UserResponse};

const UPDATE_ATTEMPTS: usize = 3;

/// Loads a user the caller may act on with `N` (R7, R8), with the permit for it: themself (an
/// own-record permit), or a user of an organization they fully reach whose users its template
/// lets them see. Unreachable or hidden users are 404; reachable ones the caller may not act on
/// are 403; users of an organization whose template makes them read-only are 403
/// `rbac_read_only` for writes.
pub async fn load_user<N: SelfService>(
    state: &AppState,
    caller: &Caller,
    user_id: &str,
) -> ApiResult<(UserItem, Permit<N>)> {
    path_identifier(user_id, "user id")?;
    if user_id == caller.user_id() {
        return Ok((caller.user.clone(), own_record::<N>(caller)));
    }
    let user = caller.store(state).get_user(user_id).await?.ok_or_else(user_not_found)?;
    let permit = user_permit::<N>(state, caller, &user).await?;
    Ok((user, permit))
}

/// The permit for `N` on another user: 404 unless the caller reaches and sees their
/// organization's users, then what `N` and the template allow.
async fn user_permit<N: Need>(state: &AppState, caller: &Caller, user: &UserItem) -> ApiResult<Permit<N>> {
    let level = match caller.hides(&user.org_path) {
        true => Visibility::NoAccess,
        false => caller
            .user_mgmt(state, std::slice::from_ref(&user.organization_id))
            .await?
            .remove(&user.organization_id)
            .unwrap_or(Visibility::NoAccess),
    };
    if level == Visibility::NoAccess {
        return Err(user_not_found());
    }
    let held = holds::<N>(caller)?;
    permit_at(caller, held, &user.organization_id, level, Some(user_not_found()))
}

/// R6: `users:create` in an accessible organization; an admin cannot create a superadmin in
/// their own organization; unique email; optional password, hashed.
pub async fn create(state: &AppState, caller: &Caller, body: CreateUserRequest) -> ApiResult<UserResponse> {
    let held = holds::<UsersCreate>(caller)?;
    input::check_create(&body)?;
    let org_ident = body.organization_id.as_deref().unwrap_or_default();
    let (org, permit) = org_permit(state, caller, held, org_ident).await?;
    let role = body.role.unwrap_or(Role::User);
    r6_may_create_with_role(caller, &permit, role)?;
    let now = now_ms();
    let id = uuid::Uuid::new_v4().to_string();
    let email = body.email.unwrap_or_default().trim().to_lowercase();
    let mut user = UserItem::new(&id, org.path(), &email, role, now, Some(caller.user_id().to_string()));
    user.first_name = body.first_name.map(|s| s.trim().to_string());
    user.last_name = body.last_name.map(|s| s.trim().to_string());
    user.preferred_name = body.preferred_name.map(|s| s.trim().to_string());
    if let Some(p) = &body.password {
        user.password_hash = Some(shared::password::hash(p)?);
    }
    let store = state.store();
    let mut actions = store.create_user_actions(&permit, &user)?;
    // Inside the write: the organization still exists and is not being deleted.
    actions.push(store.org_exists_check(&org.organization_id)?);
    actions.push(shared::store::deletions::not_deleting_check(store.table, &user.org_path)?);
    let mut changes = Map::new();
    changes.insert("email".into(), json!({"to": email}));
    changes.insert("role".into(), json!({"to": role}));
    changes.insert("password".into(), json!({"to": if body.password.is_some() { "(set)" } else { "(none)" }}));
    actions.push(store.activity_action(
        &permit,
        Change {
            kind: ActivityKind::UserCreated,
            organization_id: &org.organization_id,
            target_type: "user",
            target_id: &id,
            changes,
        },
    )?);
    // The answer reads only the organizations above the user, which exist before the write.
    store.transact_alongside(actions, render_one(state, user)).await
}

/// One user: the target was read with the caller's identity (`shared::store::ahead`); deciding
/// access and reading what the view shows then run concurrently, so a GET is two round trips.
/// Access is looked at first, so a refusal (404) never turns into another answer.
pub async fn get(state: &AppState, caller: &Caller, user_id: &str) -> ApiResult<UserResponse> {
    path_identifier(user_id, "user id")?;
    if user_id == caller.user_id() {
        let _own = own_record::<UsersRead>(caller);
        return render_one(state, caller.user.clone()).await;
    }
    let store = caller.store(state);
    let user = store.get_user(user_id).await?.ok_or_else(user_not_found)?;
    let (permit, view) =
        tokio::join!(user_permit::<UsersRead>(state, caller, &user), render_with(&store, vec![user.clone()]));
    let view = view?.pop().ok_or_else(|| ApiError::internal("render returned nothing"));
    permit?;
    view
}

pub async fn get_by_email(state: &AppState, caller: &Caller, email: &str) -> ApiResult<UserResponse> {
    if !is_email(email) {
        return Err(ApiError::bad_request(
            ErrorCode::InvalidIdentifier,
            "The email in the path is not a valid email address.",
        ));
    }
    // The email's guard was read with the caller's identity (`shared::store::ahead`); it names
    // the user and their organizations, read ahead together with the caller's edges to them.
    let guard = caller.store(state).email_guard(email).await?.ok_or_else(user_not_found)?;
    if let Some(org) = guard.org_path.last().filter(|_| guard.user_id != caller.user_id()) {
        let mut wanted = Store::user_view_keys(&guard);
        wanted.extend(caller.reach_keys(org));
        caller.read_ahead(state, wanted).await?;
    }
    get(state, caller, &guard.user_id).await
}

/// R8: names by the user themself or by admins/superadmins of accessible organizations; role only
/// by admins/superadmins, never one's own, an admin never assigns superadmin nor changes a
/// superadmin's role.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    user_id: &str,
    body: UpdateUserRequest,
    expected: Option<u64>,
) -> ApiResult<UserResponse> {
    input::check_update(&body)?;
    let store = state.store();
    // The decision holds for every attempt: a user's organization never changes.
    let (first, permit) = load_user::<UsersUpdate>(state, caller, user_id).await?;
    let mut first = Some(first);
    for attempt in 1..=UPDATE_ATTEMPTS {
        let mut user = match first.take() {
            Some(user) => user,
            None => store.get_user(user_id).await?.ok_or_else(user_not_found)?,
        };
        let read_version = user.version;
        if expected.is_some_and(|v| v != read_version) {
            return Err(ApiError::conflict(
                ErrorCode::VersionConflict,
                "The user was changed by another request; reload and retry.",
            ));
        }
        let mut changes = Map::new();
        let mut set_name = |field: &str, slot: &mut Option<String>, v: &Option<Option<String>>| {
            if let Some(v) = v {
                let new = v.as_ref().map(|s| s.trim().to_string());
                if *slot != new {
                    changes.insert(field.into(), json!({"from": slot, "to": new}));
                    *slot = new;
                }
            }
        };
        set_name("first_name", &mut user.first_name, &body.first_name);
        set_name("last_name", &mut user.last_name, &body.last_name);
        set_name("preferred_name", &mut user.preferred_name, &body.preferred_name);
        if let Some(Some(role)) = body.role {
            if role != user.role {
                r8_may_change_role(caller, &permit, &user, role)?;
                changes.insert("role".into(), json!({"from": user.role, "to": role}));
                user.role = role;
            }
        }
        if changes.is_empty() {
            return render_one(state, user).await;
        }
        user.version = read_version + 1;
        user.modified_at = now_ms();
        let org_id = user.organization_id.clone();
        let mut actions = store.update_user_actions(&permit, &user, read_version)?;
        actions.push(store.activity_action(
            &permit,
            Change {
                kind: ActivityKind::UserUpdated,
                organization_id: &org_id,
                target_type: "user",
                target_id: &user.user_id,
                changes,
            },
        )?);
        // The view needs only organizations, not the write: read them while it commits.
        match store.transact_alongside(actions, render_one(state, user.clone())).await {
            Ok(view) => return Ok(view),
            Err(e) if e.code == ErrorCode::VersionConflict && expected.is_none() && attempt < UPDATE_ATTEMPTS => {
                continue
            }
            Err(e) => return Err(e),
        }
    }
    Err(ApiError::conflict(ErrorCode::VersionConflict, "The user was changed by another request; reload and retry."))
}

/// The groups `users` belong to (consistent; none read for users in no group).
async fn groups_of(state: &AppState, users: &[&UserItem]) -> ApiResult<HashMap<String, GroupItem>> {
    let ids: HashSet<&String> = users.iter().flat_map(|u| u.group_ids.iter()).collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    state.store().groups(&ids, true).await
}

/// The API tokens of each of `ids`, read concurrently.
async fn tokens_of(state: &AppState, ids: &[String]) -> ApiResult<HashMap<String, Vec<TokenItem>>> {
    let store = state.store();
    let read = ids.iter().map(|id| async move { Ok::<_, ApiError>((id.clone(), store.tokens_of(id).await?)) });
    Ok(futures_util::future::try_join_all(read).await?.into_iter().collect())
}

/// Puts of `groups` without `users` (one per group, in the deleting transaction), each under the
/// permit for its organization (a group's members are users of its parent organization, R11).
fn group_removals(
    state: &AppState,
    groups: HashMap<String, GroupItem>,
    users: &[&UserItem],
    permits: &HashMap<String, Permit<UsersDelete>>,
) -> ApiResult<Vec<TxAction>> {
    let store = state.store();
    let gone: HashSet<&String> = users.iter().map(|u| &u.user_id).collect();
    let mut actions = Vec::new();
    for mut g in groups.into_values() {
        let permit = permits
            .get(&g.parent_organization_id)
            .ok_or_else(|| ApiError::internal("a deleted user's group is outside the deletion's organizations"))?;
        let v = g.version;
        g.user_ids.retain(|u| !gone.contains(u));
        g.version += 1;
        g.modified_at = now_ms();
        let old: Vec<String> = g.accessible_organizations.iter().map(|a| a.organization_id.clone()).collect();
        actions.extend(store.update_group_actions(permit, &g, v, &old)?);
    }
    Ok(actions)
}

/// The actions deleting `user`: the user, its email guard, its API `tokens`, and the activity
/// item (its group memberships are removed by [`group_removals`]).
fn delete_actions(
    state: &AppState,
    permit: &Permit<UsersDelete>,
    user: &UserItem,
    tokens: &[TokenItem],
) -> ApiResult<Vec<TxAction>> {
    let store = state.store();
    let mut actions = store.delete_user_actions(permit, user)?;
    for t in tokens {
        actions.extend(store.delete_token_actions(permit, t)?);
    }
    let mut changes = Map::new();
    changes.insert("email".into(), json!({"from": user.email}));
    actions.push(store.activity_action(
        permit,
        Change {
            kind: ActivityKind::UserDeleted,
            organization_id: &user.organization_id,
            target_type: "user",
            target_id: &user.user_id,
            changes,
        },
    )?);
    Ok(actions)
}

/// R9: `users:delete`; never oneself; never a user of a built-in role above one's own.
pub async fn delete(state: &AppState, caller: &Caller, user_id: &str) -> ApiResult<()> {
    holds::<UsersDelete>(caller)?;
    path_identifier(user_id, "user id")?;
    if user_id == caller.user_id() {
        return Err(ApiError::forbidden(ErrorCode::CannotDeleteSelf, "Nobody can delete their own account."));
    }
    let user = caller.store(state).get_user(user_id).await?.ok_or_else(user_not_found)?;
    // What the deletion writes is read while access is decided; nothing is written unless it is
    // granted.
    let (ids, users) = ([user.user_id.clone()], [&user]);
    let (permit, tokens, groups) = tokio::join!(
        user_permit::<UsersDelete>(state, caller, &user),
        tokens_of(state, &ids),
        groups_of(state, &users)
    );
    let permit = permit?;
    r9_may_delete_user(caller, &permit, &user)?;
    let mut actions = delete_actions(state, &permit, &user, &tokens?.remove(user_id).unwrap_or_default())?;
    actions.extend(state.store().drop_assignments_actions(&permit, &[&user])?);
    let org = user.organization_id.clone();
    actions.extend(group_removals(state, groups?, &[&user], &HashMap::from([(org, permit)]))?);
    state.store().transact(actions).await
}

/// R9 for many users: every user is checked first; all are deleted in one transaction, or none.
pub async fn bulk_delete(state: &AppState, pending: PendingCaller, ids: Option<Vec<String>>) -> ApiResult<Vec<String>> {
    let ids = match input::check_id_list("user_id_list", &ids, MAX_BULK_DELETE) {
        Ok(ids) => ids,
        // Refused input is answered once the caller is known (401) and allowed (403).
        Err(e) => {
            holds::<UsersDelete>(&pending.resolve(state).await?)?;
            return Err(e);
        }
    };
    let store = state.store();
    // The caller, the users the body names and their tokens together (none of it is used unless
    // the caller resolves and holds the permission), then the users' organizations' levels and
    // their groups.
    let (caller, found, mut tokens) =
        tokio::try_join!(pending.resolve(state), store.users(&ids, true), tokens_of(state, &ids))?;
    let caller = &caller;
    let held = holds::<UsersDelete>(caller)?;
    let found: HashMap<String, UserItem> = found;
    let orgs: Vec<String> =
        found.values().map(|u| u.organization_id.clone()).collect::<HashSet<_>>().into_iter().collect();
    let listed: Vec<&UserItem> = found.values().collect();
    let (levels, groups) = tokio::try_join!(caller.user_mgmt(state, &orgs), groups_of(state, &listed))?;
    let level_of = |u: &UserItem| match caller.hides(&u.org_path) {
        true => Visibility::NoAccess,
        false => levels.get(&u.organization_id).copied().unwrap_or(Visibility::NoAccess),
    };
    let mut details = Vec::new();
    let mut first_status = None;
    let mut permits: HashMap<String, Permit<UsersDelete>> = HashMap::new();
    let mut actions = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let field = format!("user_id_list[{i}]");
        match found.get(id) {
            Some(u) if level_of(u) != Visibility::NoAccess => {
                let decided = permit_at(caller, held, &u.organization_id, level_of(u), Some(user_not_found()))
                    .and_then(|p| r9_may_delete_user(caller, &p, u).map(|()| p));
                match decided {
                    Err(e) => {
                        first_status.get_or_insert(e.status);
                        details.push(ErrorDetail::field(field, e.message));
                    }
                    Ok(p) => {
                        actions.extend(delete_actions(state, &p, u, &tokens.remove(id).unwrap_or_default())?);
                        permits.insert(u.organization_id.clone(), p);
                    }
                }
            }
            _ => {
                first_status.get_or_insert(http_not_found());
                details.push(ErrorDetail::field(field, "no accessible user has this id"));
            }
        }
    }
    if !details.is_empty() {
        let status = first_status.unwrap_or(http_not_found());
        let code = if status == http_not_found() { ErrorCode::UserNotFound } else { ErrorCode::Forbidden };
        return Err(ApiError::new(status, code, "Some users cannot be deleted; none were.").with_details(details));
    }
    let deleted: Vec<&UserItem> = ids.iter().filter_map(|id| found.get(id)).collect();
    actions.extend(group_removals(state, groups, &deleted, &permits)?);
    // Their role assignments (R19), per organization under its permit.
    for (org, permit) in &permits {
        let of_org: Vec<&UserItem> = deleted.iter().copied().filter(|u| u.organization_id == *org).collect();
        actions.extend(store.drop_assignments_actions(permit, &of_org)?);
    }
    if actions.len() > shared::store::MAX_TX_ACTIONS {
        return Err(ApiError::bad_request(
            ErrorCode::BulkDeleteTooLarge,
            "These users hold too many API tokens, group memberships and roles to delete in one request; delete fewer users at once.",
        ));
    }
    store.transact(actions).await?;
    Ok(ids)
}

fn http_not_found() -> axum::http::StatusCode {
    axum::http::StatusCode::NOT_FOUND
}
