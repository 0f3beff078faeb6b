//! R11, R12: only admins and superadmins manage groups of organizations they fully reach;
//! members come from the group's parent organization; grants name its descendants. A group's
//! item, its entries and every member it adds or removes change in one transaction.

use std::collections::HashMap;

use futures_util::stream::{self, StreamExt, TryStreamExt};
use serde_json::{json, Map};
use shared::authz::{holds, org_permit};
use shared::error::ErrorCode;
use shared::model::activity::ActivityKind;
use shared::model::catalogue::{Perm, PermissionSet};
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

use crate::input::{
    self, CreateGroupRequest, ListUserGroupFilter, PageQuery, SortField, UpdateGroupRequest, MAX_GROUPS_PER_USER,
    MAX_MEMBERS,
};
use crate::view::{render, GroupResponse};

/// A group the caller may act on with `N`, with its parent organization and the permit there.
/// Groups are user management of their parent organization (shared::authz::templates): hidden there,
/// 404; read-only there, writes are 403 `rbac_read_only`.
async fn load_group<N: Need>(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> ApiResult<(GroupItem, OrgItem, Permit<N>)> {
    let held = holds::<N>(caller)?;
    path_identifier(id, "user group id")?;
    let g = caller.store(state).get_group(id).await?.ok_or_else(group_not_found)?;
    if caller.hides(&g.parent_path) {
        return Err(group_not_found());
    }
    let (parent, permit) = org_permit(state, caller, held, &g.parent_organization_id).await.map_err(|e| {
        if e.code == ErrorCode::RbacReadOnly {
            e
        } else {
            group_not_found()
        }
    })?;
    Ok((g, parent, permit))
}

/// Loads the users `ids`, each required to be a user of `parent` (R11).
async fn members_of(
    state: &AppState,
    caller: &Caller,
    parent: &OrgItem,
    ids: &[String],
) -> ApiResult<HashMap<String, UserItem>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let found: HashMap<String, UserItem> = state.store().users(ids, true).await?;
    let bad: Vec<ErrorDetail> = ids
        .iter()
        .enumerate()
        .filter(|(_, u)| {
            found.get(*u).is_none_or(|u| u.organization_id != parent.organization_id || caller.hides(&u.org_path))
        })
        .map(|(i, _)| ErrorDetail::field(format!("user_ids[{i}]"), "must be a user of the group's parent organization"))
        .collect();
    if bad.is_empty() {
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
    let (parent, permit) = org_permit(state, caller, held, parent_ident).await?;
    let user_ids = b.user_ids.clone().unwrap_or_default();
    let grants = b.accessible_organizations.clone().unwrap_or_default();
    let members = members_of(state, caller, &parent, &user_ids).await?;
    crate::grants::check_create(state, caller, &parent, &grants).await?;
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
    let store = state.store();
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
    store.transact(actions).await?;
    render_one(state, g).await
}

pub async fn get(state: &AppState, caller: &Caller, id: &str) -> ApiResult<GroupResponse> {
    let (g, _, _) = load_group::<UserGroupsRead>(state, caller, id).await?;
    render_one(state, g).await
}

pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: &str,
    b: UpdateGroupRequest,
    expected: Option<u64>,
) -> ApiResult<GroupResponse> {
    holds::<UserGroupsUpdate>(caller)?;
    input::check_update(&b)?;
    let (mut g, parent, permit) = load_group::<UserGroupsUpdate>(state, caller, id).await?;
    let read_version = g.version;
    if expected.is_some_and(|v| v != read_version) {
        return Err(ApiError::conflict(
            ErrorCode::VersionConflict,
            "The user group was changed by another request; reload and retry.",
        ));
    }
    // R11 and R25 for new grants, and for members added to a group whose grants cross.
    let new_grants = b.accessible_organizations.as_deref().filter(|n| *n != g.accessible_organizations.as_slice());
    let adds = b.user_ids.as_ref().is_some_and(|ids| ids.iter().any(|u| !g.user_ids.contains(u)));
    crate::grants::check_update(state, caller, &parent, &g.accessible_organizations, new_grants, adds).await?;
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
    if let Some(ids) = &b.user_ids {
        let added: Vec<String> = ids.iter().filter(|u| !g.user_ids.contains(u)).cloned().collect();
        let removed: Vec<String> = g.user_ids.iter().filter(|u| !ids.contains(u)).cloned().collect();
        if added.len() + removed.len() > MAX_MEMBERS {
            return Err(ApiError::validation(vec![ErrorDetail::field(
                "user_ids",
                format!("at most {MAX_MEMBERS} members can be added or removed in one request"),
            )]));
        }
        if !added.is_empty() || !removed.is_empty() {
            let added_users = members_of(state, caller, &parent, &added).await?;
            let removed_users: Vec<UserItem> = state.store().users(&removed, true).await?.into_values().collect();
            member_changes = member_actions(state, &permit, id, added_users.into_values(), removed_users.into_iter())?;
            changes.insert("user_ids".into(), json!({"from": g.user_ids, "to": ids}));
            g.user_ids = ids.clone();
        }
    }
    if changes.is_empty() {
        return render_one(state, g).await;
    }
    g.version = read_version + 1;
    g.modified_at = now_ms();
    let store = state.store();
    let mut actions = store.update_group_actions(&permit, &g, read_version, &old_grants)?;
    actions.extend(member_changes);
    actions.push(not_deleting_check(store.table, &g.parent_path)?);
    actions.push(activity(state, &permit, ActivityKind::UserGroupUpdated, &g, changes)?);
    store.transact(actions).await?;
    render_one(state, g).await
}

pub async fn delete(state: &AppState, caller: &Caller, id: &str) -> ApiResult<()> {
    let (g, _, permit) = load_group::<UserGroupsDelete>(state, caller, id).await?;
    let store = state.store();
    let members: Vec<UserItem> = store.users(&g.user_ids, true).await?.into_values().collect();
    let mut actions = store.delete_group_actions(&permit, &g)?;
    actions.extend(member_actions(state, &permit, id, std::iter::empty(), members.into_iter())?);
    let mut changes = Map::new();
    changes.insert("name".into(), json!({"from": g.name}));
    actions.push(activity(state, &permit, ActivityKind::UserGroupDeleted, &g, changes)?);
    store.transact(actions).await
}

fn matches(g: &GroupItem, f: &ListUserGroupFilter) -> bool {
    if let Some(s) = f.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let s = s.to_lowercase();
        let hit = g.name.to_lowercase().contains(&s)
            || g.description.as_deref().is_some_and(|d| d.to_lowercase().contains(&s));
        if !hit {
            return false;
        }
    }
    f.accessible_organization_list.as_ref().is_none_or(|l| {
        l.iter().any(|o| g.accessible_organizations.iter().any(|a| a.organization_id == o.organization_id))
    }) && f.user_id_list.as_ref().is_none_or(|l| l.iter().any(|u| g.user_ids.contains(u)))
        && (f.no_organization_linked != Some(true) || g.accessible_organizations.is_empty())
        && (f.no_user_present != Some(true) || g.user_ids.is_empty())
        && f.user_group_types.as_ref().is_none_or(|l| l.contains(&g.kind))
        && f.category_names.as_ref().is_none_or(|l| l.iter().any(|c| g.case_categories.contains(c)))
}

/// R10: groups of organizations the caller fully reaches; no filter = all of them.
pub async fn filter(
    state: &AppState,
    caller: &Caller,
    f: ListUserGroupFilter,
    sort: Vec<SortField>,
    page: PageQuery,
) -> ApiResult<(Vec<GroupResponse>, u64)> {
    holds::<UserGroupsRead>(caller)?;
    input::check_filter(&f, &sort, &page)?;
    let mut orgs = caller.user_mgmt_visible_orgs(state).await?;
    if let Some(l) = &f.parent_organization_id_list {
        orgs.retain(|o| l.contains(o));
    }
    // Groups carry no permissions of their own: `permissions` keeps all groups when the caller
    // holds them all, none otherwise.
    let wanted = PermissionSet::of(f.permissions.iter().flatten().filter_map(|p| Perm::parse(p)));
    if !caller.base_permissions().covers(wanted) {
        orgs.clear();
    }
    let store = state.store();
    let per_org: Vec<Vec<GroupItem>> =
        stream::iter(orgs.into_iter().map(|o| async move { store.groups_of_org(&o).await }))
            .buffer_unordered(8)
            .try_collect()
            .await?;
    let groups: Vec<GroupItem> =
        per_org.into_iter().flatten().filter(|g| !caller.hides(&g.parent_path) && matches(g, &f)).collect();
    let sort = if sort.is_empty() { vec![SortField { field: "created_at".into(), sort_order: 1 }] } else { sort };
    let compare = |a: &GroupItem, b: &GroupItem, field: &str| match field {
        "name" => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
        "modified_at" => a.modified_at.cmp(&b.modified_at),
        "parent_organization_id" => a.parent_organization_id.cmp(&b.parent_organization_id),
        _ => a.created_at.cmp(&b.created_at),
    };
    let (page_groups, total) =
        shared::edge::paging::sorted_page(groups, &sort, &page, compare, |a, b| a.user_group_id.cmp(&b.user_group_id));
    Ok((render(state, page_groups).await?, total))
}
