//! Custom roles (R17–R20): a named set of catalogue permissions in one organization, and who
//! holds it there.

use serde::{Deserialize, Serialize};

use crate::model::catalogue::{Perm, PermissionSet};

/// A role's life stage, as in cloud IAM roles. Only `DISABLED` changes what it grants: nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "UPPERCASE")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RoleStage {
    Alpha,
    Beta,
    #[default]
    Ga,
    Deprecated,
    Disabled,
}

impl RoleStage {
    pub fn as_str(self) -> &'static str {
        match self {
            RoleStage::Alpha => "ALPHA",
            RoleStage::Beta => "BETA",
            RoleStage::Ga => "GA",
            RoleStage::Deprecated => "DEPRECATED",
            RoleStage::Disabled => "DISABLED",
        }
    }

    pub fn parse(s: &str) -> Option<RoleStage> {
        [RoleStage::Alpha, RoleStage::Beta, RoleStage::Ga, RoleStage::Deprecated, RoleStage::Disabled]
            .into_iter()
            .find(|st| st.as_str().eq_ignore_ascii_case(s))
    }
}

/// A role item (`PK = ORG#<org>`, `SK = ROLE#<role_id>`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub role_id: String,
    pub organization_id: String,
    /// The organization's path, root first (organizations never move).
    pub org_path: Vec<String>,
    pub name: String,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub stage: RoleStage,
    /// Catalogue permission ids, in catalogue order.
    #[serde(default)]
    pub permissions: Vec<String>,
    pub created_at: i64,
    #[serde(default)]
    pub created_by: Option<String>,
    pub updated_at: i64,
    pub version: u64,
    /// Set when a role with many members is being deleted: it grants nothing and is not listed,
    /// and its members are removed in steps (a DELETE retried resumes them).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleting: bool,
    /// How many users hold the role (moved by each assignment's transaction).
    #[serde(default)]
    pub member_count: i64,
}

impl RoleItem {
    /// The permissions the role holds (ids the catalogue no longer knows are ignored).
    pub fn permission_set(&self) -> PermissionSet {
        PermissionSet::of(self.permissions.iter().filter_map(|p| Perm::parse(p)))
    }

    /// What the role grants its members: nothing when `DISABLED` (R18).
    pub fn grants(&self) -> PermissionSet {
        if self.stage == RoleStage::Disabled {
            PermissionSet::EMPTY
        } else {
            self.permission_set()
        }
    }
}

/// One user holding one role (`PK = ORG#<org>`, `SK = ROLEMEM#<role_id>#<user_id>`): lists a
/// role's members. The user item's `role_ids` is the other half, written in the same transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub role_id: String,
    pub user_id: String,
    pub organization_id: String,
    pub assigned_at: i64,
    #[serde(default)]
    pub assigned_by: Option<String>,
}
