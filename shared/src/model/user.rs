//! Users as stored, and the role model of R1.

use serde::{Deserialize, Serialize};

/// The built-in roles of R1, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Hash)]
#[serde(rename_all = "lowercase")]
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

    /// R1: admins and superadmins manage users.
    pub fn manages_users(self) -> bool {
        matches!(self, Role::Admin | Role::Superadmin)
    }

    /// R1/R3/R4/R5: only superadmins create, modify or delete organizations.
    pub fn manages_organizations(self) -> bool {
        self == Role::Superadmin
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UserStatus {
    Active,
    Inactive,
}

/// A user item (`PK = USER#<id>`, `SK = USER`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub user_id: String,
    pub organization_id: String,
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
    pub created_at: i64,
    #[serde(default)]
    pub created_by: Option<String>,
    pub modified_at: i64,
    pub version: u64,
}
