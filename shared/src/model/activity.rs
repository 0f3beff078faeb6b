//! The activity (audit) item written in the same transaction as every change (seed 003 fields).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActorType {
    User,
    Api,
    System,
}

/// The type of an activity item (seed 003's `type`): one variant per kind of change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActivityKind {
    OrganizationCreated,
    OrganizationUpdated,
    OrganizationLogoUploaded,
    OrganizationMetabaseRecreated,
    OrganizationDeleted,
    UserCreated,
    UserUpdated,
    UserDeleted,
    UserGroupCreated,
    UserGroupUpdated,
    UserGroupDeleted,
    ApiTokenCreated,
    ApiTokenDeleted,
    RbacTemplateCreated,
    RbacTemplateUpdated,
    RbacTemplateDeleted,
    RoleCreated,
    RoleUpdated,
    RoleDeleted,
    RoleMemberAdded,
    RoleMemberRemoved,
}

impl ActivityKind {
    /// `<target>.<change>`, as stored and served.
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::OrganizationCreated => "organization.created",
            ActivityKind::OrganizationUpdated => "organization.updated",
            ActivityKind::OrganizationLogoUploaded => "organization.logo_uploaded",
            ActivityKind::OrganizationMetabaseRecreated => "organization.metabase_recreated",
            ActivityKind::OrganizationDeleted => "organization.deleted",
            ActivityKind::UserCreated => "user.created",
            ActivityKind::UserUpdated => "user.updated",
            ActivityKind::UserDeleted => "user.deleted",
            ActivityKind::UserGroupCreated => "user_group.created",
            ActivityKind::UserGroupUpdated => "user_group.updated",
            ActivityKind::UserGroupDeleted => "user_group.deleted",
            ActivityKind::ApiTokenCreated => "api_token.created",
            ActivityKind::ApiTokenDeleted => "api_token.deleted",
            ActivityKind::RbacTemplateCreated => "rbac_template.created",
            ActivityKind::RbacTemplateUpdated => "rbac_template.updated",
            ActivityKind::RbacTemplateDeleted => "rbac_template.deleted",
            ActivityKind::RoleCreated => "role.created",
            ActivityKind::RoleUpdated => "role.updated",
            ActivityKind::RoleDeleted => "role.deleted",
            ActivityKind::RoleMemberAdded => "role.member_added",
            ActivityKind::RoleMemberRemoved => "role.member_removed",
        }
    }
}

/// An activity item (`PK = ACT#<organization_id>`, `SK = <activity_id>`, a UUID v7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub activity_id: String,
    /// e.g. `organization.created`, `organization.updated`, `organization.logo_uploaded`.
    #[serde(rename = "type")]
    pub kind: String,
    pub created_at: i64,
    pub actor_type: ActorType,
    pub actor_id: String,
    /// The actor's own organization.
    #[serde(default)]
    pub actor_organization_id: Option<String>,
    #[serde(default)]
    pub actor_ip_address: Option<String>,
    #[serde(default)]
    pub actor_details: Option<String>,
    /// The organization the activity is scoped to.
    pub organization_id: String,
    pub target_type: String,
    pub target_id: String,
    pub request_id: String,
    /// Changed fields: `{field: {"from": old, "to": new}}` (secrets never appear here).
    #[serde(default)]
    pub changes: serde_json::Map<String, serde_json::Value>,
}
