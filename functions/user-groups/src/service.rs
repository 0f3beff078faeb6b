//! R11, R12: only admins and superadmins manage groups of organizations they fully reach;
//! members come from the group's parent organization; grants name its descendants. A group's
//! item, its entries and every member it adds or removes change in one transaction.

use std::collections::HashMap;

use serde_json::{json, Map};
use shared::authz::{holds, org_permit, Held};
use shared::error::ErrorCode;
use shared::model::activity::ActivityKind;
use shared::model::group::GroupItem;
use shared::model::now_ms;
use shared::model::org::OrgItem;
use shared::model::user::UserItem;
use shared::policy::permit::{UserGroupsCreate, UserGroupsDelete, UserGroupsRead, UserGroupsUpdate};
use shared::policy::{Authorizes, Need, Permit, RewritesMemberships};
use shared::store::activity::Change;
use shared::store::deletions::not_deleting_check;
use shared::store::groups::group_not_found;
use shared::store::TxAction;
use shared::validate::path_identifier;
use shared::{ApiError, ApiResult, AppState, Caller, ErrorDetail};

use crate::input::{self, CreateGroupRequest, UpdateGroupRequest, MAX_GROUPS_PER_USER, MAX_MEMBERS};
use crate::view::{render, GroupResponse};

/// The group `id` unless the caller's hidden-path rules hide it (404); read with the caller's
/// identity (`shared::store::ahead`).
async fn read_group(state: &AppState, caller: &Caller, id: &str) -> ApiResult<GroupItem> {
    path_identifier(id, "user group id")?;
    let g = caller.store(state).get_group(id).await?.ok_or_else(group_not_found)?;
    if caller.hides(&g.parent_path) {
        return Err(group_not_found());
    }
    Ok(g)
}

/// The group's parent organization and the permit there. Groups are user management of their
/// parent organization (shared::authz::templates): hidden there, 404; read-only there, writes
/// are 403 `rbac_read_only`.
async fn permit_for<N: Need>(
    state: &AppState,
    caller: &Caller,
    held: Held<N>,
    g: &GroupItem,
) -> ApiResult<(OrgItem, Permit<N>)> {
    org_permit(state, caller, held, &g.parent_organization_id).await.map_err(|e| {
        if e.code == ErrorCode::RbacReadOnly {
            e
        } else {
            group_not_found()
        }
    })
}

/// Checks that the users `ids` (as `found`) are users of `parent` (R11).
fn members_of(
    caller: &Caller,
    parent: &OrgItem,
    ids: &[String],
    mut found: HashMap<String, UserItem>,
) -> ApiResult<HashMap<String, UserItem>> {
    let bad: Vec<ErrorDetail> = ids
        .iter()
        .enumerate()
        .filter(|(_, u)| {
            found.get(*u).is_none_or(|u| u.organization_id != parent.organization_id || caller.hides(&u.org_path))
        })
        .map(|(i, _)| ErrorDetail::field(format!("user_ids[{i}]"), "must be a user of the group's parent organization"))
        .collect();
    if bad.is_empty() {
        found.retain(|k, _| ids.contains(k));
        Ok(found)
    } else {
        Err(ApiError::validation(bad))
    }
}

/// Puts of the members whose `group_ids` gain or lose `group_id`.
fn member_actions(
    state: &AppState,
    permit: &impl RewritesMemberships,
    group_id: &str,
    added: impl Iterator<Item = UserItem>,
    removed: impl Iterator<Item = UserItem>,
) -> ApiResult<Vec<TxAction>> {
    let store = state.store();
    let now = now_ms();
    let mut actions = Vec::new();
    for mut u in added {
        if u.group_ids.len() >= MAX_GROUPS_PER_USER && !u.group_ids.iter().any(|g| g == group_id) {
            return Err(ApiError::validation(vec![ErrorDetail::field(
                "user_ids",
                format!("a user may belong to at most {MAX_GROUPS_PER_USER} groups"),
            )]));
        }
        let v = u.version;
        if !u.group_ids.iter().any(|g| g == group_id) {
            u.group_ids.push(group_id.to_string());
        }
        u.version += 1;
        u.modified_at = now;
        actions.push(store.membership_user_action(permit, &u, v)?);
    }
    for mut u in removed {
        let v = u.version;
        u.group_ids.retain(|g| g != group_id);
        u.version += 1;
        u.modified_at = now;
        actions.push(store.membership_user_action(permit, &u, v)?);
    }
    Ok(actions)
}

fn activity(
    state: &AppState,
    permit: &impl Authorizes,
    kind: ActivityKind,
    g: &GroupItem,
    changes: Map<String, serde_json::Value>,
) -> ApiResult<TxAction> {
    state.store().activity_action(
        permit,
        Change {
            kind,
            organization_id: &g.parent_organization_id,
            target_type: "user_group",
            target_id: &g.user_group_id,
            changes,
        },
    )
}

async fn render_one(state: &AppState, g: GroupItem) -> ApiResult<GroupResponse> {
    render(state, vec![g]).await?.pop().ok_or_else(|| ApiError::internal("render returned nothing"))
}

pub async fn create(state: &AppState, caller: &Caller, b: CreateGroupRequest) -> ApiResult<GroupResponse> {
    let held = holds::<UserGroupsCreate>(caller)?;
    input::check_create(&b)?;
    let parent_ident = b.parent_organization_id.as_deref().unwrap_or_default();
    let user_ids = b.user_ids.clone().unwrap_or_default();
    let grants = b.accessible_organizations.clone().unwrap_or_default();
    let store = state.store();
    // By id, the parent's permit, the members and the grants' edges are read together; nothing
    // is written unless each passes, and the parent's verdict is looked at first.
    let (permitted, found, grants_checked) = if uuid::Uuid::try_parse(parent_ident).is_ok() {
        tokio::join!(
            org_permit(state, caller, held, parent_ident),
            store.users(&user_ids, true),
            crate::grants::check_create(state, caller, parent_ident, &grants)
        )
    } else {
        // By code: the parent's id comes from its guard, so the rest waits for the permit.
        let permitted = org_permit(state, caller, held, parent_ident).await?;
        let parent_id = permitted.0.organization_id.clone();
        let (found, checked) =
            tokio::join!(store.users(&user_ids, true), crate::grants::check_create(state, caller, &parent_id, &grants));
        (Ok(permitted), found, checked)
    };
    let (parent, permit) = permitted?;
    let members = members_of(caller, &parent, &user_ids, found?)?;
    grants_checked?;
    let now = now_ms();
    let id = uuid::Uuid::new_v4().to_string();
    let mut g = GroupItem {
        pk: String::new(),
        sk: String::new(),
        gsi1pk: String::new(),
        gsi1sk: id.clone(),
        user_group_id: id.clone(),
        name: b.name.unwrap_or_default().trim().to_string(),
        description: b.description,
        kind: "default".into(),
        parent_organization_id: parent.organization_id.clone(),
        parent_path: parent.path(),
        user_ids: user_ids.clone(),
        accessible_organizations: grants,
        can_assign_cases: b.can_assign_cases.unwrap_or(false),
        case_categories: b.case_categories.unwrap_or_default(),
        created_at: now,
        created_by: Some(caller.user_id().to_string()),
        modified_at: now,
        version: 1,
    };
    shared::store::reads::fill_group_keys(&mut g);
    let mut actions = store.create_group_actions(&permit, &g)?;
    actions.extend(member_actions(
        state,
        &permit,
        &id,
        user_ids.iter().filter_map(|u| members.get(u).cloned()),
        std::iter::empty(),
    )?);
    actions.push(not_deleting_check(store.table, &parent.path())?);
    let mut changes = Map::new();
    changes.insert("name".into(), json!({"to": g.name}));
    changes.insert("user_ids".into(), json!({"to": g.user_ids}));
    changes.insert("accessible_organizations".into(), json!({"to": g.accessible_organizations}));
    actions.push(activity(state, &permit, ActivityKind::UserGroupCreated, &g, changes)?);
    write_and_render(state, actions, g).await
}

/// Writes `actions` and renders `g` as written; the answer reads only users and organizations
/// that exist before the write.
async fn write_and_render(state: &AppState, actions: Vec<TxAction>, g: GroupItem) -> ApiResult<GroupResponse> {
    state.store().transact_alongside(actions, render_one(state, g)).await
}

/// One group: access is decided while the answer is read; a refusal is looked at first.
pub async fn get(state: &AppState, caller: &Caller, id: &str) -> ApiResult<GroupResponse> {
    let held = holds::<UserGroupsRead>(caller)?;
    let g = read_group(state, caller, id).await?;
    let (permitted, rendered) = tokio::join!(permit_for(state, caller, held, &g), render_one(state, g.clone()));
    permitted?;
    rendered
}

pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: &str,
    b: UpdateGroupRequest,
    expected: Option<u64>,
) -> ApiResult<GroupResponse> {
    let held = holds::<UserGroupsUpdate>(caller)?;
    input::check_update(&b)?;
    let mut g = read_group(state, caller, id).await?;
    let read_version = g.version;
    // R11 and R25 for new grants, and for members added to a group whose grants cross.
    let new_grants = b.accessible_organizations.as_deref().filter(|n| *n != g.accessible_organizations.as_slice());
    let (added, removed): (Vec<String>, Vec<String>) = match &b.user_ids {
        Some(ids) => (
            ids.iter().filter(|u| !g.user_ids.contains(u)).cloned().collect(),
            g.user_ids.iter().filter(|u| !ids.contains(u)).cloned().collect(),
        ),
        None => (Vec::new(), Vec::new()),
    };
    // The permit, the grants' edges and the members that change are read together; the
    // permit's verdict is looked at first.
    let store = state.store();
    let (permitted, grants_checked, changing) = tokio::join!(
        permit_for(state, caller, held, &g),
        crate::grants::check_update(
            state,
            caller,
            &g.parent_organization_id,
            &g.accessible_organizations,
            new_grants,
            !added.is_empty()
        ),
        store.users(added.iter().chain(removed.iter()), true)
    );
    let (parent, permit) = permitted?;
    if added.len() + removed.len() > MAX_MEMBERS {
        return Err(ApiError::validation(vec![ErrorDetail::field(
            "user_ids",
            format!("at most {MAX_MEMBERS} members can be added or removed in one request"),
        )]));
    }
    grants_checked?;
    let mut changing = changing?;
    if expected.is_some_and(|v| v != read_version) {
        return Err(ApiError::conflict(
            ErrorCode::VersionConflict,
            "The user group was changed by another request; reload and retry.",
        ));
    }
    let mut changes = Map::new();
    if let Some(Some(n)) = &b.name {
        let n = n.trim().to_string();
        if n != g.name {
            changes.insert("name".into(), json!({"from": g.name, "to": n}));
            g.name = n;
        }
    }
    if let Some(d) = &b.description {
        if *d != g.description {
            changes.insert("description".into(), json!({"from": g.description, "to": d}));
            g.description = d.clone();
        }
    }
    if let Some(c) = b.can_assign_cases {
        if c != g.can_assign_cases {
            changes.insert("can_assign_cases".into(), json!({"from": g.can_assign_cases, "to": c}));
            g.can_assign_cases = c;
        }
    }
    if let Some(c) = &b.case_categories {
        if *c != g.case_categories {
            changes.insert("case_categories".into(), json!({"from": g.case_categories, "to": c}));
            g.case_categories = c.clone();
        }
    }
    let old_grants: Vec<String> = g.accessible_organizations.iter().map(|a| a.organization_id.clone()).collect();
    if let Some(grants) = &b.accessible_organizations {
        if *grants != g.accessible_organizations {
            changes
                .insert("accessible_organizations".into(), json!({"from": g.accessible_organizations, "to": grants}));
            g.accessible_organizations = grants.clone();
        }
    }
    let mut member_changes = Vec::new();
    if let (Some(ids), false) = (&b.user_ids, added.is_empty() && removed.is_empty()) {
        let removed_users: Vec<UserItem> = removed.iter().filter_map(|u| changing.remove(u)).collect();
        let added_users = members_of(caller, &parent, &added, changing)?;
        member_changes = member_actions(state, &permit, id, added_users.into_values(), removed_users.into_iter())?;
        changes.insert("user_ids".into(), json!({"from": g.user_ids, "to": ids}));
        g.user_ids = ids.clone();
    }
    if changes.is_empty() {
        return render_one(state, g).await;
    }
    g.version = read_version + 1;
    g.modified_at = now_ms();
    let mut actions = store.update_group_actions(&permit, &g, read_version, &old_grants)?;
    actions.extend(member_changes);
    actions.push(not_deleting_check(store.table, &g.parent_path)?);
    actions.push(activity(state, &permit, ActivityKind::UserGroupUpdated, &g, changes)?);
    write_and_render(state, actions, g).await
}

pub async fn delete(state: &AppState, caller: &Caller, id: &str) -> ApiResult<()> {
    let held = holds::<UserGroupsDelete>(caller)?;
    let g = read_group(state, caller, id).await?;
    let store = state.store();
    // The members are read while the permit is decided; its verdict is looked at first.
    let (permitted, members) = tokio::join!(permit_for(state, caller, held, &g), store.users(&g.user_ids, true));
    let (_, permit) = permitted?;
    let members: Vec<UserItem> = members?.into_values().collect();
    let mut actions = store.delete_group_actions(&permit, &g)?;
    actions.extend(member_actions(state, &permit, id, std::iter::empty(), members.into_iter())?);
    let mut changes = Map::new();
    changes.insert("name".into(), json!({"from": g.name}));
    actions.push(activity(state, &permit, ActivityKind::UserGroupDeleted, &g, changes)?);
    store.transact(actions).await
}
