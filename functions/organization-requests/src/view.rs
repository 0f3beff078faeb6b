//! A request as its requester and deciders see it.

use serde::Serialize;
use shared::model::org_request::{OrgRequestItem, RequestStatus};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequestResponse {
    pub request_id: String,
    pub status: RequestStatus,
    pub organizationname: String,
    pub parent_organization_id: String,
    pub requester_id: String,
    pub requester_organization_id: String,
    /// Seed 004's fields as sent.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub request: serde_json::Map<String, serde_json::Value>,
    pub created_at: i64,
    pub updated_at: i64,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub reason: Option<String>,
    /// The organization an approval created.
    pub organization_id: Option<String>,
    pub version: u64,
}

pub fn request(r: &OrgRequestItem) -> RequestResponse {
    RequestResponse {
        request_id: r.request_id.clone(),
        status: r.status,
        organizationname: r.organizationname.clone(),
        parent_organization_id: r.parent_organization_id.clone(),
        requester_id: r.requester_id.clone(),
        requester_organization_id: r.requester_organization_id.clone(),
        request: r.request.clone(),
        created_at: r.created_at,
        updated_at: r.updated_at,
        decided_by: r.decided_by.clone(),
        decided_at: r.decided_at,
        reason: r.reason.clone(),
        organization_id: r.organization_id.clone(),
        version: r.version,
    }
}
