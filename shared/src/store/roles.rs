//! Custom roles (R17–R20): role items, their name guards, their members, and the `ROLES` item
//! of each organization that says what every role grants (read with each caller, so a change
//! applies on the next request without touching the members).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};

use super::{from_item, tx, Item, Store, TxAction};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::model::catalogue::PermissionSet;
use crate::model::role::{AssignmentItem, RoleItem};
use crate::model::user::UserItem;
use crate::policy::permit::{RolesCreate, RolesDelete, RolesUpdate};
use crate::policy::{Allows, RewritesRoleMembers};
use crate::store::keys;

pub fn role_not_found() -> ApiError {
    ApiError::not_found(ErrorCode::RoleNotFound, "No role of this organization has that id.")
}

fn changed() -> ApiError {
    ApiError::conflict(ErrorCode::VersionConflict, "The role was changed by another request; reload and retry.")
}

/// `version` and `member_count` still as read: a concurrent edit or membership change is a 409.
fn unchanged(role: &RoleItem, version: u64) -> (&'static str, Option<HashMap<String, AttributeValue>>) {
    let values = [
        (":v".to_string(), AttributeValue::N(version.to_string())),
        (":c".to_string(), AttributeValue::N(role.member_count.to_string())),
    ];
    let cond = if role.member_count == 0 {
        "attribute_exists(PK) AND version = :v AND (attribute_not_exists(member_count) OR member_count = :c)"
    } else {
        "attribute_exists(PK) AND version = :v AND member_count = :c"
    };
    (cond, Some(values.into()))
}

fn name_taken() -> ApiError {
    ApiError::conflict(ErrorCode::RoleNameTaken, "A role of this organization already has that name.")
}

/// At most this many roles per organization (their grants share one item, read with callers).
pub const MAX_ROLES_PER_ORG: u32 = 1000;

/// The grants of the `ROLES` item: role id → what it grants its members.
pub fn grants_in(item: &Item) -> HashMap<String, PermissionSet> {
    item.iter()
        .filter_map(|(name, v)| {
            let role = name.strip_prefix("R#")?;
            let bits = v.as_n().ok()?.parse::<u64>().ok()?;
            Some((role.to_string(), PermissionSet::from_bits(bits)))
        })
        .collect()
}

/// The key of organization `org_id`'s `ROLES` item.
pub fn roles_key(org_id: &str) -> (String, String) {
    (keys::org_pk(org_id), keys::ROLES_SK.to_string())
}

/// One update of the `ROLES` item: sets what each role of `set` grants (`None` removes it) and
/// moves the role count by `added` (refused past [`MAX_ROLES_PER_ORG`]).
fn grants_action(table: &str, org_id: &str, set: &[(&str, Option<PermissionSet>)], added: i64) -> ApiResult<TxAction> {
    let mut u = Update::builder().table_name(table).set_key(Some(super::key(keys::org_pk(org_id), keys::ROLES_SK)));
    let (mut sets, mut removes) = (Vec::new(), Vec::new());
    for (i, (role_id, grants)) in set.iter().enumerate() {
        u = u.expression_attribute_names(format!("#r{i}"), keys::role_grant_attr(role_id));
        match grants {
            Some(g) => {
                sets.push(format!("#r{i} = :p{i}"));
                u = u.expression_attribute_values(format!(":p{i}"), AttributeValue::N(g.bits().to_string()));
            }
            None => removes.push(format!("#r{i}")),
        }
    }
    let mut expr = String::new();
    if !sets.is_empty() {
        expr.push_str(&format!("SET {} ", sets.join(", ")));
    }
    if !removes.is_empty() {
        expr.push_str(&format!("REMOVE {} ", removes.join(", ")));
    }
    let mut on_fail = changed();
    if added != 0 {
        expr.push_str("ADD n :added");
        u = u.expression_attribute_values(":added", AttributeValue::N(added.to_string()));
    }
    if added > 0 {
        let max = i64::from(MAX_ROLES_PER_ORG) - added;
        u = u
            .condition_expression("attribute_not_exists(n) OR n <= :max")
            .expression_attribute_values(":max", AttributeValue::N(max.to_string()));
        on_fail = ApiError::conflict(
            ErrorCode::RoleLimitReached,
            format!("An organization has at most {MAX_ROLES_PER_ORG} roles."),
        );
    }
    let u = u.update_expression(expr.trim_end()).build().map_err(ApiError::internal)?;
    Ok(TxAction { action: TransactWriteItem::builder().update(u).build(), on_condition_failed: on_fail })
}

/// A role name guard (`PK = ORG#<org>`, `SK = ROLENAME#<name lower>`).
#[derive(serde::Serialize)]
struct NameGuard {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    role_id: String,
}

fn name_guard(role: &RoleItem) -> NameGuard {
    NameGuard {
        pk: keys::org_pk(&role.organization_id),
        sk: keys::role_name_sk(&role.name),
        role_id: role.role_id.clone(),
    }
}

impl Store<'_> {
    /// One role (consistent).
    pub async fn get_role(&self, org_id: &str, role_id: &str) -> ApiResult<Option<RoleItem>> {
        self.get(&keys::org_pk(org_id), &keys::role_sk(role_id), true).await
    }

    /// Every role of an organization, by id (one Query page per 1,000 roles).
    pub async fn roles_of_org(&self, org_id: &str, consistent: bool) -> ApiResult<Vec<RoleItem>> {
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let (items, last) =
                self.query_prefix(&keys::org_pk(org_id), keys::ROLE_PREFIX, 1000, after, consistent).await?;
            out.extend(items.into_iter().map(from_item::<RoleItem>).collect::<ApiResult<Vec<_>>>()?);
            match last {
                Some(l) => after = Some(l),
                None => return Ok(out),
            }
        }
    }

    /// Every member of a role, by user id (one Query page per 1,000 members).
    pub async fn role_members(&self, org_id: &str, role_id: &str) -> ApiResult<Vec<AssignmentItem>> {
        let mut out = Vec::new();
        let mut after = None;
        let prefix = keys::role_members_prefix(role_id);
        loop {
            let (items, last) = self.query_prefix(&keys::org_pk(org_id), &prefix, 1000, after, true).await?;
            out.extend(items.into_iter().map(from_item::<AssignmentItem>).collect::<ApiResult<Vec<_>>>()?);
            match last {
                Some(l) => after = Some(l),
                None => return Ok(out),
            }
        }
    }

    /// Actions writing new roles of one organization: each item, its name guard, and (in one
    /// update) what each grants.
    pub fn create_roles_actions(
        &self,
        permit: &impl Allows<RolesCreate>,
        org_id: &str,
        roles: &[RoleItem],
    ) -> ApiResult<Vec<TxAction>> {
        permit.ensure_covers(org_id)?;
        let mut actions = Vec::with_capacity(roles.len() * 2 + 1);
        for role in roles {
            if role.organization_id != org_id {
                return Err(ApiError::internal("a role was created in another organization"));
            }
            actions.push(tx::put_new(
                self.table,
                role,
                ApiError::conflict(ErrorCode::RoleExists, "A role of this organization already has that id."),
            )?);
            actions.push(tx::put_new(self.table, &name_guard(role), name_taken())?);
        }
        let set: Vec<(&str, Option<PermissionSet>)> =
            roles.iter().map(|r| (r.role_id.as_str(), Some(r.grants()))).collect();
        actions.push(grants_action(self.table, org_id, &set, roles.len() as i64)?);
        Ok(actions)
    }

    /// Actions replacing `role` (read at `expected_version`, named `old_name` then). A role being
    /// deleted grants nothing any more, whatever it says.
    pub fn update_role_actions(
        &self,
        permit: &impl Allows<RolesUpdate>,
        role: &RoleItem,
        expected_version: u64,
        old_name: &str,
    ) -> ApiResult<Vec<TxAction>> {
        permit.ensure_covers(&role.organization_id)?;
        let grants = (!role.deleting).then(|| role.grants());
        let (cond, values) = unchanged(role, expected_version);
        let mut actions = vec![
            tx::put_if(self.table, role, Some(cond), values, changed())?,
            grants_action(self.table, &role.organization_id, &[(&role.role_id, grants)], 0)?,
        ];
        if keys::role_name_sk(old_name) != keys::role_name_sk(&role.name) {
            actions.push(tx::delete_if(
                self.table,
                &keys::org_pk(&role.organization_id),
                &keys::role_name_sk(old_name),
                "role_id = :r",
                tx::s_value(":r", &role.role_id),
                changed(),
            )?);
            actions.push(tx::put_new(self.table, &name_guard(role), name_taken())?);
        }
        Ok(actions)
    }

    /// Actions deleting `role` (read at its version), its name guard and its grant. Its members
    /// go in the same transaction ([`Store::unassign_actions`]) or before it.
    pub fn delete_role_actions(&self, permit: &impl Allows<RolesDelete>, role: &RoleItem) -> ApiResult<Vec<TxAction>> {
        permit.ensure_covers(&role.organization_id)?;
        let (cond, values) = unchanged(role, role.version);
        Ok(vec![
            tx::delete_if(self.table, &role.pk, &role.sk, cond, values, changed())?,
            tx::delete_if(
                self.table,
                &keys::org_pk(&role.organization_id),
                &keys::role_name_sk(&role.name),
                "role_id = :r",
                tx::s_value(":r", &role.role_id),
                changed(),
            )?,
            grants_action(self.table, &role.organization_id, &[(&role.role_id, None)], -1)?,
        ])
    }

    /// Actions marking `role` (read at `expected_version`) as being deleted: it grants nothing
    /// from now on, and no member can be added (its members then go in steps).
    pub fn mark_role_deleting_actions(
        &self,
        permit: &impl Allows<RolesDelete>,
        role: &RoleItem,
        expected_version: u64,
    ) -> ApiResult<Vec<TxAction>> {
        permit.ensure_covers(&role.organization_id)?;
        if !role.deleting {
            return Err(ApiError::internal("a role was marked without its deleting flag"));
        }
        let (cond, values) = unchanged(role, expected_version);
        Ok(vec![
            tx::put_if(self.table, role, Some(cond), values, changed())?,
            grants_action(self.table, &role.organization_id, &[(&role.role_id, None)], 0)?,
        ])
    }

    /// The update of `role`'s member count by `delta` that goes with assignments: adding needs
    /// the role to exist and not be being deleted (so no member is ever added to a role on its
    /// way out); removing only that it exists.
    pub fn members_moved_action(
        &self,
        permit: &impl RewritesRoleMembers,
        org_id: &str,
        role_id: &str,
        delta: i64,
    ) -> ApiResult<TxAction> {
        permit.ensure_covers(org_id)?;
        let cond =
            if delta > 0 { "attribute_exists(PK) AND attribute_not_exists(deleting)" } else { "attribute_exists(PK)" };
        tx::update_if(
            self.table,
            &keys::org_pk(org_id),
            &keys::role_sk(role_id),
            "ADD member_count :d",
            cond,
            Some([(":d".to_string(), AttributeValue::N(delta.to_string()))].into()),
            if delta > 0 { role_not_found() } else { changed() },
        )
    }

    /// Actions making `user` (read at `expected_version`, already holding `role_id` in
    /// `role_ids`) a member of the role: the assignment item and the user.
    pub fn assign_actions(
        &self,
        permit: &impl RewritesRoleMembers,
        assignment: &AssignmentItem,
        user: &UserItem,
        expected_version: u64,
    ) -> ApiResult<Vec<TxAction>> {
        permit.ensure_covers(&user.organization_id)?;
        if assignment.organization_id != user.organization_id || assignment.user_id != user.user_id {
            return Err(ApiError::internal("an assignment was written for another user or organization"));
        }
        Ok(vec![tx::put_new(self.table, assignment, changed())?, self.put_user_action(user, expected_version)?])
    }

    /// Actions removing `user` (read at `expected_version`, `role_id` already dropped from
    /// `role_ids`) from the role.
    pub fn unassign_actions(
        &self,
        permit: &impl RewritesRoleMembers,
        role_id: &str,
        user: &UserItem,
        expected_version: u64,
    ) -> ApiResult<Vec<TxAction>> {
        permit.ensure_covers(&user.organization_id)?;
        Ok(vec![
            tx::delete_if(
                self.table,
                &keys::org_pk(&user.organization_id),
                &keys::role_member_sk(role_id, &user.user_id),
                "attribute_exists(PK)",
                None,
                changed(),
            )?,
            self.put_user_action(user, expected_version)?,
        ])
    }

    /// The assignments of users being deleted, and their roles' member counts (their user items
    /// go in the same transaction): one action per assignment and one per role.
    pub fn drop_assignments_actions(
        &self,
        permit: &impl RewritesRoleMembers,
        users: &[&UserItem],
    ) -> ApiResult<Vec<TxAction>> {
        let mut counts: std::collections::BTreeMap<(&str, &str), i64> = Default::default();
        let mut actions = Vec::new();
        for user in users {
            permit.ensure_covers(&user.organization_id)?;
            for r in &user.role_ids {
                actions.push(tx::delete_if(
                    self.table,
                    &keys::org_pk(&user.organization_id),
                    &keys::role_member_sk(r, &user.user_id),
                    "attribute_exists(PK)",
                    None,
                    ApiError::conflict(ErrorCode::VersionConflict, "A user's roles changed during the request; retry."),
                )?);
                *counts.entry((user.organization_id.as_str(), r.as_str())).or_default() -= 1;
            }
        }
        for ((org, role), delta) in counts {
            actions.push(self.members_moved_action(permit, org, role, delta)?);
        }
        Ok(actions)
    }
}

/// A new role's item with its keys filled.
pub fn new_role(org_path: Vec<String>, role_id: &str, name: &str, now: i64, created_by: Option<String>) -> RoleItem {
    let organization_id = org_path.last().cloned().unwrap_or_default();
    RoleItem {
        pk: keys::org_pk(&organization_id),
        sk: keys::role_sk(role_id),
        role_id: role_id.to_string(),
        organization_id,
        org_path,
        name: name.to_string(),
        namespace: None,
        description: None,
        stage: Default::default(),
        permissions: Vec::new(),
        created_at: now,
        created_by,
        updated_at: now,
        version: 1,
        deleting: false,
        member_count: 0,
    }
}

/// A new assignment item with its keys filled.
pub fn new_assignment(org_id: &str, role_id: &str, user_id: &str, now: i64, by: Option<String>) -> AssignmentItem {
    AssignmentItem {
        pk: keys::org_pk(org_id),
        sk: keys::role_member_sk(role_id, user_id),
        role_id: role_id.to_string(),
        user_id: user_id.to_string(),
        organization_id: org_id.to_string(),
        assigned_at: now,
        assigned_by: by,
    }
}
