//! Organization requests (seed 004, R22, R23): someone asks for a child organization; a caller
//! who may create organizations under the requested parent approves or rejects it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RequestStatus {
    Pending,
    Approved,
    Rejected,
}

impl RequestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Pending => "pending",
            RequestStatus::Approved => "approved",
            RequestStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<RequestStatus> {
        [RequestStatus::Pending, RequestStatus::Approved, RequestStatus::Rejected].into_iter().find(|r| r.as_str() == s)
    }
}

/// A request item (`PK = ORGREQ#<request_id>`, `SK = REQUEST`; in GSI1 under its requester), and
/// an entry in the requested parent's partition that lists it there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgRequestItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    #[serde(rename = "GSI1PK")]
    pub gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    pub gsi1sk: String,
    /// A UUID v7: requests sort by time.
    pub request_id: String,
    pub status: RequestStatus,
    pub organizationname: String,
    /// The parent organization the request names (resolved from seed 004's `parentorganization`).
    pub parent_organization_id: String,
    /// The parent's path, root first.
    pub parent_path: Vec<String>,
    pub requester_id: String,
    pub requester_organization_id: String,
    /// Seed 004's body as sent (validated), for the approver.
    pub request: serde_json::Map<String, serde_json::Value>,
    pub created_at: i64,
    pub updated_at: i64,
    #[serde(default)]
    pub decided_by: Option<String>,
    #[serde(default)]
    pub decided_at: Option<i64>,
    /// Why it was rejected.
    #[serde(default)]
    pub reason: Option<String>,
    /// The organization an approval created.
    #[serde(default)]
    pub organization_id: Option<String>,
    pub version: u64,
}
