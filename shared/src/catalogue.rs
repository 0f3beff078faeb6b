//! The permissions catalogue: features, their permissions, and what each built-in role holds.
//!
//! A permission id is `<feature_id>:<access>` with access one of create, read, update, delete.
//! Built-in roles map to permission sets here; custom roles (seeds 001/002) will be stored
//! permission sets over the same ids, so the model does not change when they arrive.

use serde::Serialize;

use crate::model::user::Role;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Feature {
    pub feature_id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Permission {
    pub permission_id: String,
    pub name: String,
    pub description: String,
}

/// Access types of a permission.
pub const ACCESS_TYPES: [&str; 4] = ["create", "read", "update", "delete"];

/// `(feature_id, display name)` of every feature.
pub const FEATURES: [(&str, &str); 6] = [
    ("organizations", "Organizations"),
    ("users", "Users"),
    ("user_groups", "User groups"),
    ("api_tokens", "API tokens"),
    ("cases", "Cases"),
    ("dashboards", "Dashboards"),
];

pub fn feature(feature_id: &str) -> Option<Feature> {
    FEATURES
        .iter()
        .find(|(id, _)| *id == feature_id)
        .map(|(id, name)| Feature { feature_id: id.to_string(), name: name.to_string() })
}

pub fn all_features() -> Vec<Feature> {
    FEATURES.iter().filter_map(|(id, _)| feature(id)).collect()
}

/// Every permission of the catalogue.
pub fn all_permission_ids() -> impl Iterator<Item = String> {
    FEATURES.iter().flat_map(|(f, _)| ACCESS_TYPES.iter().map(move |a| format!("{f}:{a}")))
}

pub fn permission(permission_id: &str) -> Option<Permission> {
    let (f, a) = permission_id.split_once(':')?;
    let (_, fname) = FEATURES.iter().find(|(id, _)| *id == f)?;
    if !ACCESS_TYPES.contains(&a) {
        return None;
    }
    let verb = match a {
        "create" => "Create",
        "read" => "Read",
        "update" => "Update",
        _ => "Delete",
    };
    Some(Permission {
        permission_id: permission_id.to_string(),
        name: format!("{verb} {}", fname.to_lowercase()),
        description: format!("{verb} {} in the organization.", fname.to_lowercase()),
    })
}

/// Does the built-in `role` hold `permission_id`?
pub fn role_has(role: Role, permission_id: &str) -> bool {
    let Some((f, a)) = permission_id.split_once(':') else {
        return false;
    };
    match role {
        Role::User => matches!(
            (f, a),
            ("organizations", "read") | ("cases", "read") | ("cases", "update") | ("dashboards", "read")
        ),
        Role::Admin => match f {
            "organizations" | "dashboards" => a == "read",
            "users" | "user_groups" | "api_tokens" | "cases" => true,
            _ => false,
        },
        Role::Superadmin => FEATURES.iter().any(|(id, _)| *id == f),
    }
}

/// The permissions `role` holds, in catalogue order.
pub fn role_permissions(role: Role) -> Vec<Permission> {
    all_permission_ids().filter(|p| role_has(role, p)).filter_map(|p| permission(&p)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_nested() {
        for p in all_permission_ids() {
            if role_has(Role::User, &p) {
                assert!(role_has(Role::Admin, &p), "{p}");
            }
            if role_has(Role::Admin, &p) {
                assert!(role_has(Role::Superadmin, &p), "{p}");
            }
        }
        assert!(!role_has(Role::Admin, "organizations:create"));
        assert!(role_has(Role::Superadmin, "organizations:delete"));
        assert!(!role_has(Role::User, "users:read"));
        assert!(!role_has(Role::Superadmin, "nonsense:read"));
    }

    #[test]
    fn permissions_resolve() {
        assert_eq!(permission("users:create").unwrap().name, "Create users");
        assert!(permission("users:fly").is_none());
        assert!(permission("nope").is_none());
        assert_eq!(all_permission_ids().count(), 24);
    }
}
