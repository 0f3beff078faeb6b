//! User groups (R11, R12): members from the group's parent organization, and grants that give
//! members access to descendants of it.

use serde::{Deserialize, Serialize};

/// One grant: the organization (if `include_current_organization`) and the descendants it fully
/// reaches, present and future (if `select_all_child_orgs`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Grant {
    pub organization_id: String,
    #[serde(default)]
    pub select_all_child_orgs: bool,
    #[serde(default = "yes")]
    pub include_current_organization: bool,
}

fn yes() -> bool {
    true
}

/// A group item (`PK = GROUP#<id>`, `SK = GROUP`; listed per organization through GSI1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    #[serde(rename = "GSI1PK")]
    pub gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    pub gsi1sk: String,
    pub user_group_id: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    pub parent_organization_id: String,
    /// The parent organization's path, root first.
    pub parent_path: Vec<String>,
    #[serde(default)]
    pub user_ids: Vec<String>,
    #[serde(default)]
    pub accessible_organizations: Vec<Grant>,
    #[serde(default)]
    pub can_assign_cases: bool,
    #[serde(default)]
    pub case_categories: Vec<String>,
    pub created_at: i64,
    #[serde(default)]
    pub created_by: Option<String>,
    pub modified_at: i64,
    pub version: u64,
}
