//! Role, member and assignment responses.

use serde::Serialize;
use shared::model::role::{AssignmentItem, RoleItem, RoleStage};
use shared::model::user::{Role, UserItem};

/// A custom role (R17). Timestamps are epoch milliseconds, as everywhere in the API.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoleResponse {
    pub role_id: String,
    pub organization_id: String,
    pub name: String,
    pub namespace: Option<String>,
    pub description: Option<String>,
    pub stage: RoleStage,
    /// Catalogue permission ids, in catalogue order.
    pub permissions: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// What `If-Match` names on PUT and PATCH.
    pub version: u64,
}

pub fn role(r: &RoleItem) -> RoleResponse {
    RoleResponse {
        role_id: r.role_id.clone(),
        organization_id: r.organization_id.clone(),
        name: r.name.clone(),
        namespace: r.namespace.clone(),
        description: r.description.clone(),
        stage: r.stage,
        permissions: r.permission_set().perms().map(|p| p.id().to_string()).collect(),
        created_at: r.created_at,
        updated_at: r.updated_at,
        version: r.version,
    }
}

/// A member of a role: the user, and when they were given it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberResponse {
    pub user_id: String,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// The member's built-in role.
    pub role: Role,
    pub assigned_at: i64,
    pub assigned_by: Option<String>,
}

pub fn member(u: &UserItem, a: &AssignmentItem) -> MemberResponse {
    MemberResponse {
        user_id: u.user_id.clone(),
        email: u.email.clone(),
        first_name: u.first_name.clone(),
        last_name: u.last_name.clone(),
        role: u.role,
        assigned_at: a.assigned_at,
        assigned_by: a.assigned_by.clone(),
    }
}

/// One assignment (seed 001's `assignments`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssignmentResponse {
    pub role_id: String,
    pub user_id: String,
    pub organization_id: String,
    pub assigned_at: i64,
    pub assigned_by: Option<String>,
}

pub fn assignment(a: &AssignmentItem) -> AssignmentResponse {
    AssignmentResponse {
        role_id: a.role_id.clone(),
        user_id: a.user_id.clone(),
        organization_id: a.organization_id.clone(),
        assigned_at: a.assigned_at,
        assigned_by: a.assigned_by.clone(),
    }
}

/// A role named in `roles/permissions`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoleRef {
    pub role_id: String,
    pub name: String,
    pub stage: RoleStage,
}

/// A permission some role of the organization holds, with the roles holding it (R20).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PermissionRoles {
    pub permission_id: String,
    pub roles: Vec<RoleRef>,
}

pub fn role_ref(r: &RoleItem) -> RoleRef {
    RoleRef { role_id: r.role_id.clone(), name: r.name.clone(), stage: r.stage }
}
