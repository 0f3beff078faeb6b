//! User group items, their entry in the parent organization (for purges) and one grant entry in
//! each granted organization (so a purge finds the groups granting into a subtree).

use crate::error::ErrorCode;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

use super::{tx, Store, TxAction};
use crate::error::{ApiError, ApiResult};
use crate::model::group::GroupItem;
use crate::policy::permit::{UserGroupsCreate, UserGroupsDelete};
use crate::policy::{Allows, RewritesMemberships};
use crate::store::keys;

/// `PK = ORG#<org>`, `SK = GROUP#<id>` (in the parent) or `GRANT#<id>` (in a granted org).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRefEntry {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub user_group_id: String,
}

pub fn group_not_found() -> ApiError {
    ApiError::not_found(ErrorCode::UserGroupNotFound, "No accessible user group has that id.")
}

fn changed() -> ApiError {
    ApiError::conflict(ErrorCode::VersionConflict, "The user group was changed by another request; reload and retry.")
}

impl Store<'_> {
    pub async fn get_group(&self, id: &str) -> ApiResult<Option<GroupItem>> {
        self.get(&keys::group_pk(id), keys::GROUP_SK, true).await
    }

    /// Every group of one organization (GSI1 Query, all pages).
    pub async fn groups_of_org(&self, org_id: &str) -> ApiResult<Vec<GroupItem>> {
        self.gsi1_all(&keys::org_groups_gsi_pk(org_id)).await
    }

    fn entry(&self, org: &str, sk: String, group: &str) -> GroupRefEntry {
        GroupRefEntry { pk: keys::org_pk(org), sk, user_group_id: group.to_string() }
    }

    /// Actions writing a new group: the item, its entry in the parent, its grant entries.
    pub fn create_group_actions(
        &self,
        permit: &impl Allows<UserGroupsCreate>,
        g: &GroupItem,
    ) -> ApiResult<Vec<TxAction>> {
        permit.ensure_covers(&g.parent_organization_id)?;
        let exists = || ApiError::conflict(ErrorCode::UserGroupExists, "Retry the request.");
        let mut actions = vec![
            tx::put_new(self.table, g, exists())?,
            tx::put_new(
                self.table,
                &self.entry(&g.parent_organization_id, keys::org_group_sk(&g.user_group_id), &g.user_group_id),
                exists(),
            )?,
        ];
        for grant in &g.accessible_organizations {
            actions.push(tx::put_if(
                self.table,
                &self.entry(&grant.organization_id, keys::grant_sk(&g.user_group_id), &g.user_group_id),
                None,
                None,
                exists(),
            )?);
        }
        Ok(actions)
    }

    /// Actions replacing `g` (read at `expected_version`) and moving its grant entries from
    /// `old_grants` to its current grants.
    pub fn update_group_actions(
        &self,
        permit: &impl RewritesMemberships,
        g: &GroupItem,
        expected_version: u64,
        old_grants: &[String],
    ) -> ApiResult<Vec<TxAction>> {
        permit.ensure_covers(&g.parent_organization_id)?;
        let mut actions = vec![tx::put_if(
            self.table,
            g,
            Some("attribute_exists(PK) AND version = :v"),
            Some([(":v".to_string(), AttributeValue::N(expected_version.to_string()))].into()),
            changed(),
        )?];
        let new: Vec<&String> = g.accessible_organizations.iter().map(|x| &x.organization_id).collect();
        for o in old_grants.iter().filter(|o| !new.contains(o)) {
            actions.push(tx::delete_if(
                self.table,
                &keys::org_pk(o),
                &keys::grant_sk(&g.user_group_id),
                "attribute_exists(PK)",
                None,
                changed(),
            )?);
        }
        for o in new.into_iter().filter(|o| !old_grants.contains(o)) {
            actions.push(tx::put_if(
                self.table,
                &self.entry(o, keys::grant_sk(&g.user_group_id), &g.user_group_id),
                None,
                None,
                changed(),
            )?);
        }
        Ok(actions)
    }

    /// Actions deleting `g` (read at its version) with its entries.
    pub fn delete_group_actions(
        &self,
        permit: &impl Allows<UserGroupsDelete>,
        g: &GroupItem,
    ) -> ApiResult<Vec<TxAction>> {
        permit.ensure_covers(&g.parent_organization_id)?;
        let mut actions = vec![
            tx::delete_if(
                self.table,
                &g.pk,
                &g.sk,
                "version = :v",
                Some([(":v".to_string(), AttributeValue::N(g.version.to_string()))].into()),
                changed(),
            )?,
            tx::delete_if(
                self.table,
                &keys::org_pk(&g.parent_organization_id),
                &keys::org_group_sk(&g.user_group_id),
                "attribute_exists(PK)",
                None,
                changed(),
            )?,
        ];
        for grant in &g.accessible_organizations {
            actions.push(tx::delete_if(
                self.table,
                &keys::org_pk(&grant.organization_id),
                &keys::grant_sk(&g.user_group_id),
                "attribute_exists(PK)",
                None,
                changed(),
            )?);
        }
        Ok(actions)
    }
}
