//! The activity (audit) item written in the same transaction as every change (seed 003 fields).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActorType {
    User,
    Api,
    System,
    /// Seed 003's operator acting for a tenant (no route of this service acts as one yet).
    Support,
}

/// The type of an activity item (seed 003's `type`): one variant per kind of change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActivityKind {
    OrganizationCreated,
    OrganizationUpdated,
    OrganizationLogoUploaded,
    OrganizationMetabaseRecreated,
    OrganizationDeleted,
    OrganizationPurged,
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
    OrganizationRequestCreated,
    OrganizationRequestApproved,
    OrganizationRequestRejected,
}

impl ActivityKind {
    /// Every kind, for validating filters.
    pub const ALL: [ActivityKind; 25] = [
        ActivityKind::OrganizationCreated,
        ActivityKind::OrganizationUpdated,
        ActivityKind::OrganizationLogoUploaded,
        ActivityKind::OrganizationMetabaseRecreated,
        ActivityKind::OrganizationDeleted,
        ActivityKind::OrganizationPurged,
        ActivityKind::UserCreated,
        ActivityKind::UserUpdated,
        ActivityKind::UserDeleted,
        ActivityKind::UserGroupCreated,
        ActivityKind::UserGroupUpdated,
        ActivityKind::UserGroupDeleted,
        ActivityKind::ApiTokenCreated,
        ActivityKind::ApiTokenDeleted,
        ActivityKind::RbacTemplateCreated,
        ActivityKind::RbacTemplateUpdated,
        ActivityKind::RbacTemplateDeleted,
        ActivityKind::RoleCreated,
        ActivityKind::RoleUpdated,
        ActivityKind::RoleDeleted,
        ActivityKind::RoleMemberAdded,
        ActivityKind::RoleMemberRemoved,
        ActivityKind::OrganizationRequestCreated,
        ActivityKind::OrganizationRequestApproved,
        ActivityKind::OrganizationRequestRejected,
    ];

    /// The kind a stored `type` names.
    pub fn parse(s: &str) -> Option<ActivityKind> {
        ActivityKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// `<target>.<change>`, as stored and served.
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::OrganizationCreated => "organization.created",
            ActivityKind::OrganizationUpdated => "organization.updated",
            ActivityKind::OrganizationLogoUploaded => "organization.logo_uploaded",
            ActivityKind::OrganizationMetabaseRecreated => "organization.metabase_recreated",
            ActivityKind::OrganizationDeleted => "organization.deleted",
            ActivityKind::OrganizationPurged => "organization.purged",
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
            ActivityKind::OrganizationRequestCreated => "organization_request.created",
            ActivityKind::OrganizationRequestApproved => "organization_request.approved",
            ActivityKind::OrganizationRequestRejected => "organization_request.rejected",
        }
    }
}

/// An activity item (`PK = ACT#<organization_id>`, `SK = <activity_id>`, a UUID v7), also in
/// three indexes so that a filtered page is one Query (`crate::store::keys`): by type (GSI1), by
/// actor (GSI2), by both (GSI3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    #[serde(rename = "GSI1PK", default, skip_serializing_if = "Option::is_none")]
    pub gsi1pk: Option<String>,
    #[serde(rename = "GSI1SK", default, skip_serializing_if = "Option::is_none")]
    pub gsi1sk: Option<String>,
    #[serde(rename = "GSI2PK", default, skip_serializing_if = "Option::is_none")]
    pub gsi2pk: Option<String>,
    #[serde(rename = "GSI2SK", default, skip_serializing_if = "Option::is_none")]
    pub gsi2sk: Option<String>,
    #[serde(rename = "GSI3PK", default, skip_serializing_if = "Option::is_none")]
    pub gsi3pk: Option<String>,
    #[serde(rename = "GSI3SK", default, skip_serializing_if = "Option::is_none")]
    pub gsi3sk: Option<String>,
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
    /// The function that acted (seed 003's `service_id`).
    #[serde(default)]
    pub service_id: Option<String>,
    /// The API token the actor used, if any.
    #[serde(default)]
    pub token_id: Option<String>,
    /// When DynamoDB's TTL removes the item (epoch seconds; the retention setting).
    #[serde(default)]
    pub expires_at: Option<i64>,
}
