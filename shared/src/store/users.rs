//! User items and their email guards.

use crate::error::ErrorCode;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

use super::{tx, Store, TxAction};
use crate::error::{ApiError, ApiResult};
use crate::model::user::{Role, UserItem, UserStatus};
use crate::policy::permit::{UsersCreate, UsersDelete, UsersUpdate};
use crate::policy::{Allows, RewritesMemberships};
use crate::store::keys::{self, GUARD_SK, USER_SK};

/// A user's entry in its organization's partition (`PK = ORG#<org>`, `SK = USER#<id>`): lets a
/// purge enumerate an organization's users with a strongly consistent Query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgUserEntry {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub user_id: String,
}

/// An email guard (`PK = EMAIL#<email lower>`, `SK = GUARD`): emails are unique case-insensitively.
/// It carries the user's organization path (root first), which never changes (neither users nor
/// organizations move): a lookup by email reads the user, their organizations and the caller's
/// edges to them in one round trip (`crate::authz::caller::Caller::read_ahead`). Guards written
/// before it have none, and cost that lookup one more round trip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailGuard {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub user_id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub org_path: Vec<String>,
}

pub fn user_not_found() -> ApiError {
    ApiError::not_found(ErrorCode::UserNotFound, "No accessible user has that identifier.")
}

impl Store<'_> {
    /// The user (consistent: role changes and deletions apply on the next request).
    pub async fn get_user(&self, user_id: &str) -> ApiResult<Option<UserItem>> {
        self.get(&keys::user_pk(user_id), USER_SK, true).await
    }

    pub async fn user_id_by_email(&self, email: &str) -> ApiResult<Option<String>> {
        Ok(self.email_guard(email).await?.map(|g| g.user_id))
    }

    /// The keys of what showing the user of `guard` reads: the user and their organizations.
    pub fn user_view_keys(guard: &EmailGuard) -> Vec<(String, String)> {
        let mut out = vec![(keys::user_pk(&guard.user_id), USER_SK.to_string())];
        out.extend(guard.org_path.iter().map(|o| (keys::org_pk(o), keys::ORG_SK.to_string())));
        out
    }

    /// The guard of `email` (consistent): the user's id and organization path.
    pub async fn email_guard(&self, email: &str) -> ApiResult<Option<EmailGuard>> {
        self.get::<EmailGuard>(&keys::email_pk(email), GUARD_SK, true).await
    }

    /// Actions that create `user`: the item, its email guard and its entry in its organization.
    /// Callers add the registry check (`deletions::not_deleting_check`) unless the same
    /// transaction already checks that path (a transaction may touch an item once).
    pub fn create_user_actions(&self, permit: &impl Allows<UsersCreate>, user: &UserItem) -> ApiResult<Vec<TxAction>> {
        permit.ensure_covers(&user.organization_id)?;
        let t = self.table;
        Ok(vec![
            tx::put_new(
                t,
                &OrgUserEntry {
                    pk: keys::org_pk(&user.organization_id),
                    sk: keys::org_user_sk(&user.user_id),
                    user_id: user.user_id.clone(),
                },
                ApiError::conflict(ErrorCode::UserExists, "The user already exists."),
            )?,
            tx::put_new(t, user, ApiError::conflict(ErrorCode::UserExists, "The user already exists."))?,
            tx::put_new(
                t,
                &EmailGuard {
                    pk: keys::email_pk(&user.email),
                    sk: GUARD_SK.into(),
                    user_id: user.user_id.clone(),
                    org_path: user.org_path.clone(),
                },
                ApiError::conflict(ErrorCode::EmailTaken, "A user with that email already exists."),
            )?,
        ])
    }

    /// Actions that delete `user` as read at its version, with its email guard and entry.
    pub fn delete_user_actions(&self, permit: &impl Allows<UsersDelete>, user: &UserItem) -> ApiResult<Vec<TxAction>> {
        permit.ensure_covers_user(&user.organization_id, &user.user_id)?;
        let changed = || {
            ApiError::conflict(ErrorCode::VersionConflict, "The user was changed by another request; reload and retry.")
        };
        Ok(vec![
            tx::delete_if(
                self.table,
                &keys::org_pk(&user.organization_id),
                &keys::org_user_sk(&user.user_id),
                "attribute_exists(PK)",
                None,
                changed(),
            )?,
            tx::delete_if(
                self.table,
                &keys::user_pk(&user.user_id),
                USER_SK,
                "version = :v",
                Some([(":v".to_string(), AttributeValue::N(user.version.to_string()))].into()),
                changed(),
            )?,
            tx::delete_if(
                self.table,
                &keys::email_pk(&user.email),
                GUARD_SK,
                "user_id = :me",
                tx::s_value(":me", &user.user_id),
                changed(),
            )?,
        ])
    }

    /// The actions that replace `user` if its stored version is still `expected_version` and its
    /// organization is not being deleted.
    pub fn update_user_actions(
        &self,
        permit: &impl Allows<UsersUpdate>,
        user: &UserItem,
        expected_version: u64,
    ) -> ApiResult<Vec<TxAction>> {
        permit.ensure_covers_user(&user.organization_id, &user.user_id)?;
        Ok(vec![
            self.put_user_action(user, expected_version)?,
            super::deletions::not_deleting_check(self.table, &user.org_path)?,
        ])
    }

    /// The put alone, for transactions that already check the user's path once (group changes
    /// touching many users of one organization).
    pub fn membership_user_action(
        &self,
        permit: &impl RewritesMemberships,
        user: &UserItem,
        expected_version: u64,
    ) -> ApiResult<TxAction> {
        permit.ensure_covers(&user.organization_id)?;
        self.put_user_action(user, expected_version)
    }

    pub(super) fn put_user_action(&self, user: &UserItem, expected_version: u64) -> ApiResult<TxAction> {
        tx::put_if(
            self.table,
            user,
            Some("attribute_exists(PK) AND version = :v"),
            Some([(":v".to_string(), AttributeValue::N(expected_version.to_string()))].into()),
            ApiError::conflict(
                ErrorCode::VersionConflict,
                "The user was changed by another request; reload and retry.",
            ),
        )
    }

    /// Every user of one organization (GSI1 Query, all pages; eventually consistent).
    pub async fn users_of_org(&self, org_id: &str) -> ApiResult<Vec<UserItem>> {
        self.gsi1_all(&keys::org_users_gsi_pk(org_id)).await
    }

    /// Records a successful authentication (for the authorizer): one UpdateItem, and only when
    /// the stored `last_login` is older than `min_interval_ms`, so busy callers cost no writes.
    pub async fn record_login(&self, user_id: &str, now: i64, min_interval_ms: i64) -> ApiResult<()> {
        self.set_time_if_older(&keys::user_pk(user_id), USER_SK, "last_login", now, min_interval_ms).await
    }
}

/// The user constructor lives in the store: it fills the keys.
impl UserItem {
    /// A new active user with no names, password or groups yet, in the last organization of
    /// `org_path` (root first).
    pub fn new(
        user_id: &str,
        org_path: Vec<String>,
        email: &str,
        role: Role,
        now: i64,
        created_by: Option<String>,
    ) -> Self {
        let organization_id = org_path.last().cloned().unwrap_or_default();
        Self {
            pk: keys::user_pk(user_id),
            sk: keys::USER_SK.to_string(),
            gsi1pk: keys::org_users_gsi_pk(&organization_id),
            gsi1sk: user_id.to_string(),
            user_id: user_id.to_string(),
            organization_id,
            org_path,
            email: email.to_string(),
            first_name: None,
            last_name: None,
            preferred_name: None,
            role,
            status: UserStatus::Active,
            password_hash: None,
            is_internal: false,
            last_login: None,
            group_ids: Vec::new(),
            role_ids: Vec::new(),
            created_at: now,
            created_by,
            modified_at: now,
            version: 1,
        }
    }
}
