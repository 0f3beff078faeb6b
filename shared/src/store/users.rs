//! User items and their email guards.

use serde::{Deserialize, Serialize};

use super::{tx, Store, TxAction};
use crate::error::{ApiError, ApiResult};
use crate::keys::{self, GUARD_SK, USER_SK};
use crate::model::user::UserItem;

/// An email guard (`PK = EMAIL#<email lower>`, `SK = GUARD`): emails are unique case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailGuard {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub user_id: String,
}

/// The user's entry in its organization's partition (`PK = ORG#<org>`, `SK = USER#<id>`), for
/// listing an organization's users by Query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgUserEntry {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub user_id: String,
}

impl Store<'_> {
    /// The user (consistent: role changes and deletions apply on the next request).
    pub async fn get_user(&self, user_id: &str) -> ApiResult<Option<UserItem>> {
        self.get(&keys::user_pk(user_id), USER_SK, true).await
    }

    pub async fn user_id_by_email(&self, email: &str) -> ApiResult<Option<String>> {
        Ok(self
            .get::<EmailGuard>(&keys::email_pk(email), GUARD_SK, true)
            .await?
            .map(|g| g.user_id))
    }

    /// Actions that create `user`: the item, its email guard and its entry in the org partition.
    pub fn create_user_actions(&self, user: &UserItem) -> ApiResult<Vec<TxAction>> {
        let t = self.table;
        let exists = || ApiError::conflict("user_exists", "The user already exists.");
        Ok(vec![
            tx::put_new(t, user, exists())?,
            tx::put_new(
                t,
                &EmailGuard {
                    pk: keys::email_pk(&user.email),
                    sk: GUARD_SK.into(),
                    user_id: user.user_id.clone(),
                },
                ApiError::conflict("email_taken", "A user with that email already exists."),
            )?,
            tx::put_new(
                t,
                &OrgUserEntry {
                    pk: keys::org_pk(&user.organization_id),
                    sk: keys::org_user_sk(&user.user_id),
                    user_id: user.user_id.clone(),
                },
                exists(),
            )?,
        ])
    }
}
