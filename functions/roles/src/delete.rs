//! Deleting a role with its members (R19: nothing dangling).

use std::collections::HashMap;

use serde_json::{json, Map};
use shared::model::activity::ActivityKind;
use shared::model::now_ms;
use shared::model::role::{AssignmentItem, RoleItem};
use shared::policy::permit::RolesDelete;
use shared::policy::Permit;
use shared::store::roles::role_not_found;
use shared::{ApiResult, AppState};

use crate::members::write_pairs;
use crate::service::activity;

/// Members removed with their role in its own transaction; a role with more is marked, then
/// emptied in steps, then deleted (a retried DELETE resumes it).
const DIRECT_DELETE_MEMBERS: usize = 30;

/// Deletes `role` with its members (R19: nothing dangling): one transaction for a role with
/// few members; else marked (it grants nothing and takes no new member), emptied in steps, then
/// deleted. A DELETE retried after a failure resumes from the mark.
pub async fn delete_role(state: &AppState, permit: &Permit<RolesDelete>, role: RoleItem) -> ApiResult<()> {
    delete_role_with(state, permit, role, None).await
}

/// [`delete_role`] with the role's `members` when they were already queried.
pub async fn delete_role_with(
    state: &AppState,
    permit: &Permit<RolesDelete>,
    mut role: RoleItem,
    members: Option<Vec<AssignmentItem>>,
) -> ApiResult<()> {
    let store = state.store();
    let members = match members {
        Some(m) => m,
        None => store.role_members(&role.organization_id, &role.role_id).await?,
    };
    let ids: Vec<String> = members.iter().map(|a| a.user_id.clone()).collect();
    let mut users = store.users(&ids, true).await?;
    let mut changes = Map::new();
    changes.insert("name".into(), json!({"from": role.name}));
    if !role.deleting && members.len() <= DIRECT_DELETE_MEMBERS {
        let mut actions = store.delete_role_actions(permit, &role)?;
        for u in users.values_mut() {
            let before = u.version;
            u.role_ids.retain(|r| *r != role.role_id);
            u.version += 1;
            u.modified_at = now_ms();
            actions.extend(store.unassign_actions(permit, &role.role_id, u, before)?);
        }
        changes.insert("user_ids".into(), json!(ids));
        actions.push(activity(state, permit, ActivityKind::RoleDeleted, &role, changes)?);
        return store.transact(actions).await;
    }
    if !role.deleting {
        let before = role.version;
        role.deleting = true;
        role.version += 1;
        role.updated_at = now_ms();
        store.transact(store.mark_role_deleting_actions(permit, &role, before)?).await?;
    }
    let roles = HashMap::from([(role.role_id.clone(), role.clone())]);
    // Users deleted meanwhile took their assignments with them.
    let pairs: Vec<(String, String)> =
        ids.iter().filter(|u| users.contains_key(*u)).map(|u| (role.role_id.clone(), u.clone())).collect();
    for u in users.values_mut() {
        // An assignment item whose user lost the id already is still removed.
        if !u.role_ids.contains(&role.role_id) {
            u.role_ids.push(role.role_id.clone());
        }
    }
    write_pairs(state, permit, &roles, users, &pairs, false).await?;
    let role = store.get_role(&role.organization_id, &role.role_id).await?.ok_or_else(role_not_found)?;
    let mut actions = store.delete_role_actions(permit, &role)?;
    changes.insert("user_ids".into(), json!(ids));
    actions.push(activity(state, permit, ActivityKind::RoleDeleted, &role, changes)?);
    store.transact(actions).await
}
