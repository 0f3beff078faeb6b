//! An activity in seed 003's shape.

use serde::Serialize;
use shared::model::activity::{ActivityItem, ActorType};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityResponse {
    pub activity_id: String,
    /// ISO-8601 (seed 003).
    pub created_at: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// `user`, `api`, `system` or `support`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub actor_type: ActorType,
    pub actor_id: String,
    pub actor_details: Option<String>,
    pub actor_ip_address: Option<String>,
    pub organization_id: String,
    /// The function that acted.
    pub service_id: Option<String>,
    /// The API token the actor used (only when one did).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_id: Option<String>,
    pub target_type: String,
    pub target_id: String,
    pub request_id: String,
    /// `{field: {"from": old, "to": new}}`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub changes: serde_json::Map<String, serde_json::Value>,
}

pub fn iso(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

pub fn activity(a: ActivityItem) -> ActivityResponse {
    ActivityResponse {
        created_at: iso(a.created_at),
        activity_id: a.activity_id,
        kind: a.kind,
        actor_type: a.actor_type,
        actor_id: a.actor_id,
        actor_details: a.actor_details,
        actor_ip_address: a.actor_ip_address,
        organization_id: a.organization_id,
        service_id: a.service_id,
        token_id: a.token_id,
        target_type: a.target_type,
        target_id: a.target_id,
        request_id: a.request_id,
        changes: a.changes,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn iso_dates() {
        assert_eq!(super::iso(1_764_583_200_123), "2025-12-01T10:00:00.123Z");
    }
}
