//! The users service: R1, R6–R9, R14 over the store.

use std::collections::{HashMap, HashSet};

use serde_json::{json, Map};
use shared::access::Reach;
use shared::keys::{self, USER_SK};
use shared::model::now_ms;
use shared::model::org::OrgItem;
use shared::model::template::Visibility;
use shared::model::user::{Role, UserItem};
use shared::org_access::load_org;
use shared::org_view::render as render_orgs;
use shared::store::activity::{Actor, Change};
use shared::store::users::{user_not_found, EmailGuard};
use shared::store::{from_item, tx, TxAction};
use shared::validate::{is_email, path_identifier, Validator};
use shared::visibility::{self, Aspect, Intent, TemplateBook};
use shared::{ApiError, ApiResult, AppState, Caller, ErrorDetail};

use crate::input::{self, CreateUserRequest, UpdateUserRequest, MAX_BULK_DELETE, MAX_VERIFY};
use crate::view::{render, render_one, UserResponse};

const UPDATE_ATTEMPTS: usize = 3;

fn forbidden(message: &str) -> ApiError {
    ApiError::forbidden("forbidden", message)
}

/// Loads a user the caller may read (R7): themself, or (admin/superadmin) a user of an
/// organization they fully reach and whose users its template lets them see. Unreachable or
/// hidden users are 404; reachable ones a plain user may not read are 403; with `Intent::Write`,
/// users of an organization whose template makes them read-only are 403 `rbac_read_only`.
pub async fn load_user(state: &AppState, caller: &Caller, user_id: &str, intent: Intent) -> ApiResult<UserItem> {
    path_identifier(user_id, "user id")?;
    if user_id == caller.user_id() {
        return Ok(caller.user.clone());
    }
    let user = state.store().get_user(user_id).await?.ok_or_else(user_not_found)?;
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
    if !caller.role().manages_users() {
        return Err(forbidden("Only admins and superadmins can read other users."));
    }
    visibility::check(level, intent, Aspect::UserMgmt, None)?;
    Ok(user)
}

/// R6: superadmin or admin, into an accessible organization; an admin cannot create a
/// superadmin in their own organization; unique email; optional password, hashed.
pub async fn create(state: &AppState, caller: &Caller, body: CreateUserRequest) -> ApiResult<UserResponse> {
    if !caller.role().manages_users() {
        return Err(forbidden("Only admins and superadmins can create users."));
    }
    input::check_create(&body)?;
    let org_ident = body.organization_id.as_deref().unwrap_or_default();
    let org = load_org(state, caller, org_ident, Aspect::UserMgmt, Intent::Write).await?;
    let role = body.role.unwrap_or(Role::User);
    if role == Role::Superadmin && caller.role() == Role::Admin && org.organization_id == caller.home_org() {
        return Err(ApiError::forbidden(
            "cannot_create_superadmin_here",
            "An admin cannot create a superadmin in their own organization.",
        ));
    }
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
    let mut actions = store.create_user_actions(&user)?;
    actions.push(org_still_there(state, &org)?);
    actions.push(shared::store::deletions::not_deleting_check(store.table, &user.org_path)?);
    let mut changes = Map::new();
    changes.insert("email".into(), json!({"to": email}));
    changes.insert("role".into(), json!({"to": role}));
    changes.insert("password".into(), json!({"to": if body.password.is_some() { "(set)" } else { "(none)" }}));
    actions.push(store.activity_action(
        &Actor::of(caller),
        Change {
            kind: "user.created",
            organization_id: &org.organization_id,
            target_type: "user",
            target_id: &id,
            changes,
        },
    )?);
    store.transact(actions).await?;
    render_one(state, user).await
}

/// A check, inside the write, that the user's organization still exists.
fn org_still_there(state: &AppState, org: &OrgItem) -> ApiResult<TxAction> {
    tx::check(
        &state.config.table_name,
        &keys::org_pk(&org.organization_id),
        keys::ORG_SK,
        "attribute_exists(PK)",
        None,
        shared::store::orgs::org_not_found(),
    )
}

pub async fn get(state: &AppState, caller: &Caller, user_id: &str) -> ApiResult<UserResponse> {
    let user = load_user(state, caller, user_id, Intent::Read).await?;
    render_one(state, user).await
}

pub async fn get_by_email(state: &AppState, caller: &Caller, email: &str) -> ApiResult<UserResponse> {
    if !is_email(email) {
        return Err(ApiError::bad_request("invalid_identifier", "The email in the path is not a valid email address."));
    }
    let id = state.store().user_id_by_email(email).await?.ok_or_else(user_not_found)?;
    get(state, caller, &id).await
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
    for attempt in 1..=UPDATE_ATTEMPTS {
        let mut user = if attempt == 1 {
            load_user(state, caller, user_id, Intent::Write).await?
        } else {
            store.get_user(user_id).await?.ok_or_else(user_not_found)?
        };
        let is_self = user.user_id == caller.user_id();
        let read_version = user.version;
        if expected.is_some_and(|v| v != read_version) {
            return Err(ApiError::conflict(
                "version_conflict",
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
                if !caller.role().manages_users() {
                    return Err(forbidden("Only admins and superadmins can change roles."));
                }
                if is_self {
                    return Err(ApiError::forbidden("cannot_change_own_role", "Nobody can change their own role."));
                }
                if caller.role() == Role::Admin && (role == Role::Superadmin || user.role == Role::Superadmin) {
                    return Err(ApiError::forbidden(
                        "cannot_manage_superadmin",
                        "An admin can neither assign the superadmin role nor change a superadmin's role.",
                    ));
                }
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
        let mut actions = store.update_user_actions(&user, read_version)?;
        actions.push(store.activity_action(
            &Actor::of(caller),
            Change {
                kind: "user.updated",
                organization_id: &org_id,
                target_type: "user",
                target_id: &user.user_id,
                changes,
            },
        )?);
        match store.transact(actions).await {
            Ok(()) => return render_one(state, user).await,
            Err(e) if e.code == "version_conflict" && expected.is_none() && attempt < UPDATE_ATTEMPTS => continue,
            Err(e) => return Err(e),
        }
    }
    Err(ApiError::conflict("version_conflict", "The user was changed by another request; reload and retry."))
}

/// Why the caller may not delete `user` (R9), if they may not.
fn deletion_refused(caller: &Caller, user: &UserItem) -> Option<ApiError> {
    if user.user_id == caller.user_id() {
        return Some(ApiError::forbidden("cannot_delete_self", "Nobody can delete their own account."));
    }
    if caller.role() == Role::Admin && user.role == Role::Superadmin {
        return Some(ApiError::forbidden("cannot_manage_superadmin", "An admin cannot delete a superadmin."));
    }
    None
}

/// Puts of the groups `users` belong to, without them (one per group, in the deleting transaction).
async fn group_removals(state: &AppState, users: &[&UserItem]) -> ApiResult<Vec<TxAction>> {
    let ids: HashSet<&String> = users.iter().flat_map(|u| u.group_ids.iter()).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let store = state.store();
    let keys = ids.iter().map(|g| (keys::group_pk(g), keys::GROUP_SK.to_string())).collect();
    let gone: HashSet<&String> = users.iter().map(|u| &u.user_id).collect();
    let mut actions = Vec::new();
    for mut g in store.batch_get::<shared::model::group::GroupItem>(keys, true).await?.into_values() {
        let v = g.version;
        g.user_ids.retain(|u| !gone.contains(u));
        g.version += 1;
        g.modified_at = now_ms();
        let old: Vec<String> = g.accessible_organizations.iter().map(|a| a.organization_id.clone()).collect();
        actions.extend(store.update_group_actions(&g, v, &old)?);
    }
    Ok(actions)
}

/// The actions deleting `user`: the user, its email guard, its API tokens, and the activity item
/// (its group memberships are removed by [`group_removals`]).
async fn delete_actions(state: &AppState, caller: &Caller, user: &UserItem) -> ApiResult<Vec<TxAction>> {
    let store = state.store();
    let mut actions = store.delete_user_actions(user)?;
    for t in store.tokens_of(&user.user_id).await? {
        actions.extend(store.delete_token_actions(&t)?);
    }
    let mut changes = Map::new();
    changes.insert("email".into(), json!({"from": user.email}));
    actions.push(store.activity_action(
        &Actor::of(caller),
        Change {
            kind: "user.deleted",
            organization_id: &user.organization_id,
            target_type: "user",
            target_id: &user.user_id,
            changes,
        },
    )?);
    Ok(actions)
}

/// R9: superadmin or admin; never oneself; an admin never deletes a superadmin.
pub async fn delete(state: &AppState, caller: &Caller, user_id: &str) -> ApiResult<()> {
    if !caller.role().manages_users() {
        return Err(forbidden("Only admins and superadmins can delete users."));
    }
    path_identifier(user_id, "user id")?;
    if user_id == caller.user_id() {
        return Err(ApiError::forbidden("cannot_delete_self", "Nobody can delete their own account."));
    }
    let user = load_user(state, caller, user_id, Intent::Write).await?;
    if let Some(e) = deletion_refused(caller, &user) {
        return Err(e);
    }
    let mut actions = delete_actions(state, caller, &user).await?;
    actions.extend(group_removals(state, &[&user]).await?);
    state.store().transact(actions).await
}

/// R9 for many users: every user is checked first; all are deleted in one transaction, or none.
pub async fn bulk_delete(state: &AppState, caller: &Caller, ids: Option<Vec<String>>) -> ApiResult<Vec<String>> {
    if !caller.role().manages_users() {
        return Err(forbidden("Only admins and superadmins can delete users."));
    }
    let ids = input::check_id_list("user_id_list", &ids, MAX_BULK_DELETE)?;
    let store = state.store();
    let keys: Vec<(String, String)> = ids.iter().map(|id| (keys::user_pk(id), USER_SK.to_string())).collect();
    let found: HashMap<String, UserItem> =
        store.batch_get::<UserItem>(keys, true).await?.into_values().map(|u| (u.user_id.clone(), u)).collect();
    let orgs: Vec<String> =
        found.values().map(|u| u.organization_id.clone()).collect::<HashSet<_>>().into_iter().collect();
    let levels = caller.user_mgmt(state, &orgs).await?;
    let level_of = |u: &UserItem| match caller.hides(&u.org_path) {
        true => Visibility::NoAccess,
        false => levels.get(&u.organization_id).copied().unwrap_or(Visibility::NoAccess),
    };
    let mut details = Vec::new();
    let mut first_status = None;
    let mut actions = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let field = format!("user_id_list[{i}]");
        match found.get(id) {
            Some(u) if level_of(u) != Visibility::NoAccess => {
                let refused = match level_of(u) {
                    Visibility::ReadOnly => Some(visibility::read_only_error(Aspect::UserMgmt)),
                    _ => deletion_refused(caller, u),
                };
                match refused {
                    Some(e) => {
                        first_status.get_or_insert(e.status);
                        details.push(ErrorDetail::field(field, e.message));
                    }
                    None => actions.extend(delete_actions(state, caller, u).await?),
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
        let code = if status == http_not_found() { "user_not_found" } else { "forbidden" };
        return Err(ApiError::new(status, code, "Some users cannot be deleted; none were.").with_details(details));
    }
    let deleted: Vec<&UserItem> = ids.iter().filter_map(|id| found.get(id)).collect();
    actions.extend(group_removals(state, &deleted).await?);
    if actions.len() > shared::store::MAX_TX_ACTIONS {
        return Err(ApiError::bad_request(
            "bulk_delete_too_large",
            "These users hold too many API tokens and group memberships to delete in one request; delete fewer users at once.",
        ));
    }
    store.transact(actions).await?;
    Ok(ids)
}

fn http_not_found() -> axum::http::StatusCode {
    axum::http::StatusCode::NOT_FOUND
}

/// One entry of `POST /users/verify`.
#[derive(Debug, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerifyEntry {
    pub email_id: String,
    pub user: Option<UserResponse>,
    pub organization: Option<shared::model::org::OrgResponse>,
}

/// For each email: the user with that email and the organization owning its domain, each only
/// if the caller may read it (otherwise null: existence never leaks across tenants).
pub async fn verify(state: &AppState, caller: &Caller, emails: Option<Vec<String>>) -> ApiResult<Vec<VerifyEntry>> {
    let mut v = Validator::new();
    let emails = match v.required("email_ids", &emails) {
        Some(l) if l.is_empty() || l.len() > MAX_VERIFY => {
            v.add("email_ids", format!("must have 1 to {MAX_VERIFY} entries"));
            Vec::new()
        }
        Some(l) => l.clone(),
        None => Vec::new(),
    };
    for (i, e) in emails.iter().enumerate() {
        v.email(&format!("email_ids[{i}]"), e.trim());
    }
    v.finish()?;
    let store = state.store();
    let norm: Vec<String> = emails.iter().map(|e| e.trim().to_lowercase()).collect();
    let domains: Vec<String> = norm.iter().filter_map(|e| e.rsplit_once('@').map(|(_, d)| d.to_string())).collect();
    // One BatchGet for every email guard and domain guard.
    let mut wanted: Vec<(String, String)> =
        norm.iter().map(|e| (keys::email_pk(e), keys::GUARD_SK.to_string())).collect();
    wanted.extend(domains.iter().map(|d| (keys::domain_pk(d), keys::GUARD_SK.to_string())));
    let mut user_of_email: HashMap<String, String> = HashMap::new();
    let mut org_of_domain: HashMap<String, String> = HashMap::new();
    for item in store.batch_get_raw(wanted, false).await? {
        let pk = item.get(keys::PK).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
        if pk.starts_with("EMAIL#") {
            let g: EmailGuard = from_item(item)?;
            user_of_email.insert(pk.trim_start_matches("EMAIL#").to_string(), g.user_id);
        } else {
            let g: shared::store::orgs::DomainGuard = from_item(item)?;
            org_of_domain.insert(pk.trim_start_matches("DOMAIN#").to_string(), g.organization_id);
        }
    }
    // Users and organizations, then what the caller reaches of them.
    let mut wanted: Vec<(String, String)> =
        user_of_email.values().map(|u| (keys::user_pk(u), USER_SK.to_string())).collect();
    wanted.extend(org_of_domain.values().map(|o| (keys::org_pk(o), keys::ORG_SK.to_string())));
    let mut users: HashMap<String, UserItem> = HashMap::new();
    let mut orgs: HashMap<String, OrgItem> = HashMap::new();
    for item in store.batch_get_raw(wanted, true).await? {
        let sk = item.get(keys::SK).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
        if sk == USER_SK {
            let u: UserItem = from_item(item)?;
            users.insert(u.user_id.clone(), u);
        } else {
            let o: OrgItem = from_item(item)?;
            orgs.insert(o.organization_id.clone(), o);
        }
    }
    let mut org_ids: Vec<String> = users.values().map(|u| u.organization_id.clone()).collect();
    org_ids.extend(orgs.keys().cloned());
    org_ids.sort();
    org_ids.dedup();
    let reach = caller.reaches(state, &org_ids).await?;
    let users_seen = caller.user_mgmt_of(state, &reach).await?;
    let full = |org: &str| reach.get(org).is_some_and(|a| a.reach == Reach::Full);
    let may_read_user = |u: &UserItem| {
        u.user_id == caller.user_id()
            || (caller.role().manages_users()
                && users_seen.get(&u.organization_id).is_some_and(|l| *l != Visibility::NoAccess))
    };
    let readable_users: Vec<UserItem> = users.values().filter(|u| may_read_user(u)).cloned().collect();
    let rendered_users: HashMap<String, UserResponse> =
        render(state, readable_users).await?.into_iter().map(|u| (u.user_id.clone(), u)).collect();
    let templates = TemplateBook::load(state, orgs.values().map(|o| o.rbac_template_id.as_str())).await?;
    let org_data_seen = |o: &OrgItem| templates.level_at(caller, o, Aspect::OrgData) != Visibility::NoAccess;
    let readable_orgs: Vec<(OrgItem, Reach)> = orgs
        .values()
        .filter(|o| full(&o.organization_id) && !caller.hides(&o.path()) && org_data_seen(o))
        .map(|o| (o.clone(), Reach::Full))
        .collect();
    let rendered_orgs: HashMap<String, shared::model::org::OrgResponse> =
        render_orgs(state, caller, readable_orgs, false)
            .await?
            .into_iter()
            .map(|o| (o.organization_id.clone(), o))
            .collect();
    Ok(emails
        .iter()
        .zip(&norm)
        .map(|(original, e)| {
            let domain = e.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
            VerifyEntry {
                email_id: original.clone(),
                user: user_of_email.get(e).and_then(|id| rendered_users.get(id)).cloned(),
                organization: org_of_domain.get(domain).and_then(|id| rendered_orgs.get(id)).cloned(),
            }
        })
        .collect())
}
