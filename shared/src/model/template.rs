//! RBAC visibility templates (seed 000). The full API comes with the rbac-templates function;
//! organizations reference a template by id and report it in `rbac_configuration`.

use serde::{Deserialize, Serialize};

/// What one side of the tree may see of another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Visibility {
    FullAccess,
    ReadOnly,
    NoAccess,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ParentVisibility {
    pub user_mgmt: Visibility,
    pub org_data: Visibility,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgDataVisibility {
    pub org_data: Visibility,
}

/// The three visibility groups of a template: what decides access (see `crate::authz::templates`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisibilitySet {
    pub parent_visibility: ParentVisibility,
    pub child_visibility: OrgDataVisibility,
    pub org_visibility: OrgDataVisibility,
}

impl VisibilitySet {
    /// Nothing visible, nothing writable: what a missing template means (fail closed).
    pub fn none() -> Self {
        VisibilitySet {
            parent_visibility: ParentVisibility { user_mgmt: Visibility::NoAccess, org_data: Visibility::NoAccess },
            child_visibility: OrgDataVisibility { org_data: Visibility::NoAccess },
            org_visibility: OrgDataVisibility { org_data: Visibility::NoAccess },
        }
    }
}

/// A template item (`PK = RBAC#<template_id>`, `SK = TEMPLATE`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    #[serde(rename = "GSI1PK")]
    pub gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    pub gsi1sk: String,
    pub template_id: String,
    pub display_name: String,
    pub parent_visibility: ParentVisibility,
    pub child_visibility: OrgDataVisibility,
    pub org_visibility: OrgDataVisibility,
    /// Templates an organization on this template may move to (besides staying).
    #[serde(default)]
    pub allowlist: Vec<String>,
    pub created_at: i64,
    pub version: u64,
    /// Organizations using this template (changed in their own transactions); a template in
    /// use cannot be deleted.
    #[serde(default)]
    pub refs: i64,
}

/// The GSI1 partition listing every template.
pub const TEMPLATES_GSI_PK: &str = "RBACTEMPLATES";

impl TemplateItem {
    pub fn visibility(&self) -> VisibilitySet {
        VisibilitySet {
            parent_visibility: self.parent_visibility.clone(),
            child_visibility: self.child_visibility.clone(),
            org_visibility: self.org_visibility.clone(),
        }
    }
}

/// The template every fresh installation has: full visibility everywhere.
pub const DEFAULT_TEMPLATE_ID: &str = "default";

/// The visibility values of a built-in template. They are fixed (a PUT may rename a built-in
/// template or change its allowlist, never its values), so access checks on organizations using
/// one need no read.
pub fn builtin_visibility(template_id: &str) -> Option<&'static VisibilitySet> {
    static BUILTIN: std::sync::OnceLock<Vec<(String, VisibilitySet)>> = std::sync::OnceLock::new();
    BUILTIN
        .get_or_init(|| builtin_templates(0).into_iter().map(|t| (t.template_id.clone(), t.visibility())).collect())
        .iter()
        .find(|(id, _)| id == template_id)
        .map(|(_, v)| v)
}

/// Built-in templates written by bootstrap (idempotently).
pub fn builtin_templates(now: i64) -> Vec<TemplateItem> {
    let mk = |id: &str, name: &str, parent_user: Visibility, parent_data: Visibility, allow: &[&str]| {
        TemplateItem::new(
            id,
            name,
            ParentVisibility { user_mgmt: parent_user, org_data: parent_data },
            OrgDataVisibility { org_data: Visibility::FullAccess },
            OrgDataVisibility { org_data: Visibility::FullAccess },
            allow.iter().map(|s| s.to_string()).collect(),
            now,
        )
    };
    vec![
        mk(DEFAULT_TEMPLATE_ID, "Default", Visibility::FullAccess, Visibility::FullAccess, &["parent_read_only"]),
        mk("parent_read_only", "Parent read-only", Visibility::ReadOnly, Visibility::ReadOnly, &[DEFAULT_TEMPLATE_ID]),
    ]
}
