//! Activity items (R21): built from the actor and written inside the change's own transaction;
//! read a page at a time, newest first, with one Query whatever the log's size and filters.

use std::sync::OnceLock;

use aws_sdk_dynamodb::types::AttributeValue;

use super::{from_item, map_sdk_error, tx, Store, TxAction};
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

/// Days an activity item is kept (`ACTIVITY_RETENTION_DAYS`, default 400; read once).
pub fn retention_days() -> i64 {
    static DAYS: OnceLock<i64> = OnceLock::new();
    *DAYS.get_or_init(|| {
        std::env::var("ACTIVITY_RETENTION_DAYS").ok().and_then(|d| d.parse().ok()).filter(|d| *d > 0).unwrap_or(400)
    })
}

pub fn activity_item(actor: &Actor, change: Change<'_>) -> ActivityItem {
    let id = uuid::Uuid::now_v7().to_string();
    let now = now_ms();
    let (org, kind) = (change.organization_id, change.kind.as_str());
    ActivityItem {
        pk: keys::activity_pk(org),
        sk: id.clone(),
        gsi1pk: Some(keys::activity_type_pk(org, kind)),
        gsi1sk: Some(id.clone()),
        gsi2pk: Some(keys::activity_actor_pk(org, &actor.actor_id)),
        gsi2sk: Some(id.clone()),
        gsi3pk: Some(keys::activity_type_actor_pk(org, kind, &actor.actor_id)),
        gsi3sk: Some(id.clone()),
        activity_id: id,
        kind: kind.to_string(),
        created_at: now,
        actor_type: actor.actor_type,
        actor_id: actor.actor_id.clone(),
        actor_organization_id: actor.actor_organization_id.clone(),
        actor_ip_address: actor.ip.clone(),
        actor_details: actor.details.clone(),
        organization_id: org.to_string(),
        target_type: change.target_type.to_string(),
        target_id: change.target_id.to_string(),
        request_id: actor.request_id.clone(),
        changes: change.changes,
        service_id: actor.service_id.clone(),
        token_id: actor.token_id.clone(),
        expires_at: Some(now / 1000 + retention_days() * 86_400),
    }
}

/// One page of an organization's log: the filters, the time window (epoch ms, inclusive), the
/// page size and the last activity id of the previous page.
#[derive(Debug, Clone, Default)]
pub struct ActivityQuery<'a> {
    pub organization_id: &'a str,
    pub kind: Option<&'a str>,
    pub actor_id: Option<&'a str>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub limit: i32,
    pub after: Option<String>,
}

/// The smallest (`high = false`) or largest UUID v7 string of millisecond `ms`: activity ids
/// sort by time, so a time window is a sort-key range.
pub fn v7_bound(ms: i64, high: bool) -> String {
    let ms = ms.clamp(0, (1 << 48) - 1) as u64;
    let rest = if high { "ffff-ffff-ffffffffffff" } else { "0000-0000-000000000000" };
    format!("{:08x}-{:04x}-{rest}", ms >> 16, ms & 0xffff)
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

    /// One activity of an organization.
    pub async fn get_activity(&self, org_id: &str, activity_id: &str) -> ApiResult<Option<ActivityItem>> {
        self.get(&keys::activity_pk(org_id), activity_id, false).await
    }

    /// One page, newest first: a single Query of the table (no filter) or of the index that
    /// holds exactly the filtered items, bounded by the window; never a FilterExpression.
    /// Returns the items and, when more may follow, the last id.
    pub async fn activities_page(&self, q: &ActivityQuery<'_>) -> ApiResult<(Vec<ActivityItem>, Option<String>)> {
        let org = q.organization_id;
        let (index, pk_name, sk_name, pk) = match (q.kind, q.actor_id) {
            (None, None) => (None, keys::PK, keys::SK, keys::activity_pk(org)),
            (Some(k), None) => (Some(keys::GSI1), keys::GSI1PK, keys::GSI1SK, keys::activity_type_pk(org, k)),
            (None, Some(a)) => (Some(keys::GSI2), keys::GSI2PK, keys::GSI2SK, keys::activity_actor_pk(org, a)),
            (Some(k), Some(a)) => {
                (Some(keys::GSI3), keys::GSI3PK, keys::GSI3SK, keys::activity_type_actor_pk(org, k, a))
            }
        };
        let lo = v7_bound(q.from_ms.unwrap_or(0), false);
        let hi = v7_bound(q.to_ms.unwrap_or(i64::MAX), true);
        let mut query = self
            .client
            .query()
            .table_name(self.table)
            .set_index_name(index.map(str::to_string))
            .key_condition_expression("#pk = :pk AND #sk BETWEEN :lo AND :hi")
            .expression_attribute_names("#pk", pk_name)
            .expression_attribute_names("#sk", sk_name)
            .expression_attribute_values(":pk", AttributeValue::S(pk.clone()))
            .expression_attribute_values(":lo", AttributeValue::S(lo))
            .expression_attribute_values(":hi", AttributeValue::S(hi))
            .scan_index_forward(false)
            .limit(q.limit);
        if let Some(after) = &q.after {
            let mut start = super::key(keys::activity_pk(org), after.clone());
            if index.is_some() {
                start.insert(pk_name.to_string(), AttributeValue::S(pk));
                start.insert(sk_name.to_string(), AttributeValue::S(after.clone()));
            }
            query = query.set_exclusive_start_key(Some(start));
        }
        let resp = query.send().await.map_err(map_sdk_error)?;
        let items: Vec<ActivityItem> =
            resp.items.unwrap_or_default().into_iter().map(from_item).collect::<ApiResult<_>>()?;
        let next = resp.last_evaluated_key.is_some().then(|| items.last().map(|i| i.activity_id.clone())).flatten();
        Ok((items, next))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v7_bounds_enclose_the_ids_of_their_millisecond() {
        let ms = 1_764_000_000_123i64;
        let ts = uuid::Timestamp::from_unix(uuid::NoContext, (ms / 1000) as u64, ((ms % 1000) * 1_000_000) as u32);
        let id = uuid::Uuid::new_v7(ts).to_string();
        assert!(v7_bound(ms, false) <= id && id <= v7_bound(ms, true), "{id}");
        assert!(v7_bound(ms + 1, false) > id);
        assert!(v7_bound(ms - 1, true) < id);
        assert!(v7_bound(0, false) < v7_bound(i64::MAX, true));
    }
}
