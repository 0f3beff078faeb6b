//! Users as stored, and the role model of R1.

use serde::{Deserialize, Serialize};

/// The built-in roles of R1, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Hash)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    User,
    Admin,
    Superadmin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Admin => "admin",
            Role::Superadmin => "superadmin",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum UserStatus {
    Active,
    Inactive,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Inactive => "inactive",
        }
    }
}

/// A group the user belongs to, kept on the user in the same transaction as the group's change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserGroupRef {
    pub user_group_id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// A user item (`PK = USER#<id>`, `SK = USER`; listed per organization through GSI1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    #[serde(rename = "GSI1PK")]
    pub gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    pub gsi1sk: String,
    pub user_id: String,
    pub organization_id: String,
    /// The user's organization and its ancestors, root first (immutable: organizations never move).
    #[serde(default)]
    pub org_path: Vec<String>,
    pub email: String,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub preferred_name: Option<String>,
    pub role: Role,
    pub status: UserStatus,
    /// argon2id PHC string; never serialised into a response.
    #[serde(default)]
    pub password_hash: Option<String>,
    #[serde(default)]
    pub is_internal: bool,
    #[serde(default)]
    pub last_login: Option<i64>,
    /// The groups the user belongs to (kept in the same transaction as each group change).
    #[serde(default)]
    pub group_ids: Vec<String>,
    /// The custom roles of its organization the user holds (R18; kept in the same transaction
    /// as each assignment item).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub role_ids: Vec<String>,
    pub created_at: i64,
    #[serde(default)]
    pub created_by: Option<String>,
    pub modified_at: i64,
    pub version: u64,
}
