//! Activity items: built from the caller and written inside the change's own transaction.

use super::{tx, Store, TxAction};
use crate::error::ErrorCode;
use crate::error::{ApiError, ApiResult};
use crate::model::activity::{ActivityItem, ActivityKind};
use crate::model::now_ms;
use crate::policy::Authorizes;
use crate::store::keys;

/// What changed, for one activity item.
pub struct Change<'a> {
    pub kind: ActivityKind,
    pub organization_id: &'a str,
    pub target_type: &'a str,
    pub target_id: &'a str,
    pub changes: serde_json::Map<String, serde_json::Value>,
}

pub use crate::policy::Actor;

pub fn activity_item(actor: &Actor, change: Change<'_>) -> ActivityItem {
    let id = uuid::Uuid::now_v7().to_string();
    ActivityItem {
        pk: keys::activity_pk(change.organization_id),
        sk: id.clone(),
        activity_id: id,
        kind: change.kind.as_str().to_string(),
        created_at: now_ms(),
        actor_type: actor.actor_type,
        actor_id: actor.actor_id.clone(),
        actor_organization_id: actor.actor_organization_id.clone(),
        actor_ip_address: actor.ip.clone(),
        actor_details: actor.details.clone(),
        organization_id: change.organization_id.to_string(),
        target_type: change.target_type.to_string(),
        target_id: change.target_id.to_string(),
        request_id: actor.request_id.clone(),
        changes: change.changes,
    }
}

impl Store<'_> {
    /// The action that records `change` by whoever `permit` authorizes.
    pub fn activity_action(&self, permit: &impl Authorizes, change: Change<'_>) -> ApiResult<TxAction> {
        tx::put_new(
            self.table,
            &activity_item(permit.actor(), change),
            ApiError::conflict(ErrorCode::ActivityExists, "Retry the request."),
        )
    }
}
