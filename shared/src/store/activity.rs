//! Activity items: built from the caller and written inside the change's own transaction.

use super::{tx, Store, TxAction};
use crate::caller::Caller;
use crate::error::{ApiError, ApiResult};
use crate::keys;
use crate::model::activity::{ActivityItem, ActorType};
use crate::model::now_ms;

/// What changed, for one activity item.
pub struct Change<'a> {
    pub kind: &'a str,
    pub organization_id: &'a str,
    pub target_type: &'a str,
    pub target_id: &'a str,
    pub changes: serde_json::Map<String, serde_json::Value>,
}

/// Who did it, when it is not a request's caller (e.g. bootstrap).
pub struct Actor {
    pub actor_type: ActorType,
    pub actor_id: String,
    pub actor_organization_id: Option<String>,
    pub ip: Option<String>,
    pub details: Option<String>,
    pub request_id: String,
}

impl Actor {
    pub fn of(caller: &Caller) -> Self {
        Actor {
            actor_type: caller.actor_type,
            actor_id: caller.user.user_id.clone(),
            actor_organization_id: Some(caller.user.organization_id.clone()),
            ip: caller.meta.source_ip.clone(),
            details: caller.meta.user_agent.clone(),
            request_id: caller.meta.request_id.clone(),
        }
    }
}

pub fn activity_item(actor: &Actor, change: Change<'_>) -> ActivityItem {
    let id = uuid::Uuid::now_v7().to_string();
    ActivityItem {
        pk: keys::activity_pk(change.organization_id),
        sk: id.clone(),
        activity_id: id,
        kind: change.kind.to_string(),
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
    /// The action that records `change` by `actor`.
    pub fn activity_action(&self, actor: &Actor, change: Change<'_>) -> ApiResult<TxAction> {
        tx::put_new(
            self.table,
            &activity_item(actor, change),
            ApiError::conflict("activity_exists", "Retry the request."),
        )
    }
}
