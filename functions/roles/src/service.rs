//! Roles of an organization (R17, R19, R20): create, read, replace, patch, delete, generate.
//! Every change writes its activity item in the same transaction.

use serde_json::{json, Map, Value};
use shared::authz::resolve::PendingCaller;
use shared::authz::rules::r19_holds_all;
use shared::authz::{holds, org_permit_effective};
use shared::error::ErrorCode;
use shared::model::activity::ActivityKind;
use shared::model::catalogue::{Access, FeatureId, PermissionSet};
use shared::model::now_ms;
use shared::model::org::OrgItem;
use shared::model::role::RoleItem;
use shared::policy::permit::{RolesCreate, RolesDelete, RolesRead, RolesUpdate};
use shared::policy::{Authorizes, Need, Permit};
use shared::store::activity::Change;
use shared::store::deletions::not_deleting_check;
use shared::store::roles::{new_role, role_not_found};
use shared::store::TxAction;
use shared::validate::{is_identifier, path_identifier};
use shared::{ApiResult, AppState, Caller};

use crate::input::{self, CheckedRole, GenerateRequest, PatchRoleRequest, RoleRequest};
use crate::view::{self, PermissionRoles, RoleResponse};

/// The organization `ident` names, the permit for `N` there and the caller's effective
/// permissions there (R18), after `holds::<N>` (403 before anything is read).
pub(crate) async fn in_org<N: Need>(
    state: &AppState,
    caller: &Caller,
    ident: &str,
) -> ApiResult<(OrgItem, Permit<N>, PermissionSet)> {
    let held = holds::<N>(caller)?;
    org_permit_effective(state, caller, held, ident).await
}

/// A role of `org` that is not being deleted (404 otherwise).
pub(crate) async fn load_role(state: &AppState, caller: &Caller, org: &OrgItem, role_id: &str) -> ApiResult<RoleItem> {
    path_identifier(role_id, "role id")?;
    caller
        .store(state)
        .get_role(&org.organization_id, role_id)
        .await?
        .filter(|r| !r.deleting)
        .ok_or_else(role_not_found)
}

pub(crate) fn activity(
    state: &AppState,
    permit: &impl Authorizes,
    kind: ActivityKind,
    role: &RoleItem,
    changes: Map<String, Value>,
) -> ApiResult<TxAction> {
    state.store().activity_action(
        permit,
        Change { kind, organization_id: &role.organization_id, target_type: "role", target_id: &role.role_id, changes },
    )
}

fn ids(set: PermissionSet) -> Vec<String> {
    set.perms().map(|p| p.id().to_string()).collect()
}

/// Writes new roles with their activity items, in one transaction.
async fn write_new(state: &AppState, permit: &Permit<RolesCreate>, org: &OrgItem, roles: &[RoleItem]) -> ApiResult<()> {
    let store = state.store();
    let mut actions = store.create_roles_actions(permit, &org.organization_id, roles)?;
    // Never into an organization being deleted, nor one purged since it was read.
    actions.push(not_deleting_check(store.table, &org.path())?);
    actions.push(store.org_exists_check(&org.organization_id)?);
    for r in roles {
        let mut changes = Map::new();
        changes.insert("name".into(), json!({"to": r.name}));
        changes.insert("stage".into(), json!({"to": r.stage}));
        changes.insert("permissions".into(), json!({"to": r.permissions}));
        actions.push(activity(state, permit, ActivityKind::RoleCreated, r, changes)?);
    }
    store.transact(actions).await
}

fn fill(role: &mut RoleItem, b: RoleRequest, checked: &CheckedRole) {
    role.name = b.name.unwrap_or_default().trim().to_string();
    role.namespace = b.namespace;
    role.description = b.description;
    role.stage = checked.stage;
    role.permissions = ids(checked.permissions);
}

pub async fn create(state: &AppState, caller: &Caller, ident: &str, b: RoleRequest) -> ApiResult<RoleResponse> {
    let held = holds::<RolesCreate>(caller)?;
    let checked = input::check_role(&b, true)?;
    let (org, permit, effective) = org_permit_effective(state, caller, held, ident).await?;
    r19_holds_all(effective, checked.permissions)?;
    let now = now_ms();
    let chosen = b.id.clone();
    let id = chosen.clone().unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let mut role = new_role(org.path(), &id, "", now, Some(caller.user_id().to_string()));
    fill(&mut role, b, &checked);
    match write_new(state, &permit, &org, std::slice::from_ref(&role)).await {
        // Seed 001: a chosen id already in use gives the role a new one.
        Err(e) if e.code == ErrorCode::RoleExists && chosen.is_some() => {
            let mut again = new_role(org.path(), &uuid::Uuid::new_v4().to_string(), "", now, role.created_by.clone());
            again.name = role.name;
            again.namespace = role.namespace;
            again.description = role.description;
            again.stage = role.stage;
            again.permissions = role.permissions;
            write_new(state, &permit, &org, std::slice::from_ref(&again)).await?;
            Ok(view::role(&again))
        }
        Err(e) => Err(e),
        Ok(()) => Ok(view::role(&role)),
    }
}

pub async fn get(state: &AppState, caller: &Caller, ident: &str, role_id: &str) -> ApiResult<RoleResponse> {
    let (org, _, _) = in_org::<RolesRead>(state, caller, ident).await?;
    Ok(view::role(&load_role(state, caller, &org, role_id).await?))
}

/// Roles of the organization not being deleted, by name.
async fn live_roles(state: &AppState, org: &OrgItem, consistent: bool) -> ApiResult<Vec<RoleItem>> {
    let mut roles: Vec<RoleItem> = state
        .store()
        .roles_of_org(&org.organization_id, consistent)
        .await?
        .into_iter()
        .filter(|r| !r.deleting)
        .collect();
    roles.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()).then(a.role_id.cmp(&b.role_id)));
    Ok(roles)
}

pub async fn list(
    state: &AppState,
    caller: &Caller,
    ident: &str,
    q: input::ListQuery,
) -> ApiResult<(Vec<RoleResponse>, u64)> {
    let held = holds::<RolesRead>(caller)?;
    let (page, size, query) = input::check_list(&q)?;
    let (org, _, _) = org_permit_effective(state, caller, held, ident).await?;
    let roles: Vec<RoleItem> = live_roles(state, &org, false)
        .await?
        .into_iter()
        .filter(|r| query.as_ref().is_none_or(|q| r.name.to_lowercase().contains(q)))
        .collect();
    let total = roles.len() as u64;
    let start = (page as usize).saturating_mul(size as usize);
    Ok((roles.iter().skip(start).take(size as usize).map(view::role).collect(), total))
}

/// PUT (`replace`: every field as sent) or PATCH: R19 holds for the role as it will be.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    ident: &str,
    role_id: &str,
    expected: Option<u64>,
    change: Result<RoleRequest, PatchRoleRequest>,
) -> ApiResult<RoleResponse> {
    let held = holds::<RolesUpdate>(caller)?;
    let mut role_checked = None;
    let mut patch_checked = None;
    match &change {
        Ok(b) => role_checked = Some(input::check_role(b, false)?),
        Err(p) => patch_checked = Some(input::check_patch(p)?),
    }
    let (org, permit, effective) = org_permit_effective(state, caller, held, ident).await?;
    let old = load_role(state, caller, &org, role_id).await?;
    if expected.is_some_and(|v| v != old.version) {
        return Err(shared::ApiError::conflict(
            ErrorCode::VersionConflict,
            "The role has changed since the version in If-Match; reload and retry.",
        ));
    }
    let mut role = old.clone();
    match (change, role_checked, patch_checked) {
        (Ok(b), Some(c), _) => fill(&mut role, b, &c),
        (Err(p), _, Some((stage, perms))) => {
            if let Some(n) = p.name {
                role.name = n.trim().to_string();
            }
            if let Some(ns) = p.namespace {
                role.namespace = ns;
            }
            if let Some(d) = p.description {
                role.description = d;
            }
            if let Some(s) = stage {
                role.stage = s;
            }
            if let Some(set) = perms {
                role.permissions = ids(set);
            }
        }
        _ => unreachable!("checked above"),
    }
    r19_holds_all(effective, role.permission_set())?;
    role.updated_at = now_ms();
    role.version = old.version + 1;
    let mut changes = Map::new();
    for (field, from, to) in [
        ("name", json!(old.name), json!(role.name)),
        ("namespace", json!(old.namespace), json!(role.namespace)),
        ("description", json!(old.description), json!(role.description)),
        ("stage", json!(old.stage), json!(role.stage)),
        ("permissions", json!(old.permissions), json!(role.permissions)),
    ] {
        if from != to {
            changes.insert(field.into(), json!({"from": from, "to": to}));
        }
    }
    let store = state.store();
    let mut actions = store.update_role_actions(&permit, &role, old.version, &old.name)?;
    actions.push(activity(state, &permit, ActivityKind::RoleUpdated, &role, changes)?);
    store.transact(actions).await?;
    Ok(view::role(&role))
}

pub async fn delete(state: &AppState, pending: PendingCaller, ident: &str, role_id: &str) -> ApiResult<()> {
    // With the organization named by id, the role's members are queried while the caller is
    // resolved; nothing of them is used before the permit below.
    let store = state.store();
    let by_id = uuid::Uuid::try_parse(ident).is_ok() && is_identifier(role_id);
    let members = async {
        match by_id {
            true => store.role_members(ident, role_id).await.map(Some),
            false => Ok(None),
        }
    };
    let (caller, members) = tokio::try_join!(pending.resolve(state), members)?;
    let caller = &caller;
    let (org, permit, _) = in_org::<RolesDelete>(state, caller, ident).await?;
    path_identifier(role_id, "role id")?;
    // A role being deleted is found too: a DELETE retried resumes its deletion.
    let role = caller.store(state).get_role(&org.organization_id, role_id).await?.ok_or_else(role_not_found)?;
    crate::delete::delete_role_with(state, &permit, role, members).await
}

/// DELETE on `roles`: every custom role of the organization, each with its members.
pub async fn delete_all(state: &AppState, caller: &Caller, ident: &str) -> ApiResult<usize> {
    let (org, permit, _) = in_org::<RolesDelete>(state, caller, ident).await?;
    let roles = state.store().roles_of_org(&org.organization_id, true).await?;
    let n = roles.len();
    for role in roles {
        crate::delete::delete_role(state, &permit, role).await?;
    }
    Ok(n)
}

/// The default role set (R20): per feature a viewer, an editor and a manager.
fn default_set(namespace: Option<&str>) -> Vec<(String, String, PermissionSet)> {
    use Access::*;
    let mut out = Vec::new();
    for f in FeatureId::ALL {
        for (kind, accesses) in
            [("viewer", &[Read][..]), ("editor", &[Create, Read, Update][..]), ("manager", &Access::ALL[..])]
        {
            let name = match namespace {
                Some(ns) => format!("{ns}:{}:{kind}", f.as_str()),
                None => format!("{}:{kind}", f.as_str()),
            };
            let description = format!("Generated: {kind} of {}.", f.as_str());
            out.push((name, description, PermissionSet::grid(&[f], accesses)));
        }
    }
    out
}

/// R20: creates the default roles the organization lacks (by name) and the caller may hold
/// (R19: a manager role needing a permission the caller lacks is left out); returns the default
/// roles the organization has afterwards.
pub async fn generate(
    state: &AppState,
    caller: &Caller,
    ident: &str,
    b: GenerateRequest,
) -> ApiResult<Vec<RoleResponse>> {
    let held = holds::<RolesCreate>(caller)?;
    input::check_generate(&b)?;
    let (org, permit, effective) = org_permit_effective(state, caller, held, ident).await?;
    let namespace = b.namespace.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let existing = live_roles(state, &org, true).await?;
    let now = now_ms();
    let mut out = Vec::new();
    let mut new = Vec::new();
    for (name, description, perms) in default_set(namespace) {
        if let Some(r) = existing.iter().find(|r| r.name.to_lowercase() == name.to_lowercase()) {
            out.push(view::role(r));
        } else if effective.covers(perms) {
            let mut r =
                new_role(org.path(), &uuid::Uuid::new_v4().to_string(), &name, now, Some(caller.user_id().into()));
            r.namespace = namespace.map(str::to_string);
            r.description = Some(description);
            r.permissions = ids(perms);
            out.push(view::role(&r));
            new.push(r);
        }
    }
    if !new.is_empty() {
        write_new(state, &permit, &org, &new).await?;
    }
    Ok(out)
}

/// R20: every permission some role of the organization holds, with the roles holding it.
pub async fn permissions(state: &AppState, caller: &Caller, ident: &str) -> ApiResult<Vec<PermissionRoles>> {
    let (org, _, _) = in_org::<RolesRead>(state, caller, ident).await?;
    let roles = live_roles(state, &org, false).await?;
    Ok(PermissionSet::ALL
        .perms()
        .filter_map(|p| {
            let holding: Vec<_> = roles.iter().filter(|r| r.permission_set().contains(p)).map(view::role_ref).collect();
            (!holding.is_empty()).then(|| PermissionRoles { permission_id: p.id().to_string(), roles: holding })
        })
        .collect())
}
