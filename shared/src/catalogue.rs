//! The permissions catalogue: features, their permissions, and what each built-in role holds.
//!
//! A permission id is `<feature_id>:<access>` with access one of create, read, update, delete.
//! Built-in roles map to permission sets here; custom roles (seeds 001/002) will be stored
//! permission sets over the same ids, so the model does not change when they arrive.
//!
//! The catalogue is static. Responses carry a [`PermissionSet`] (a bit set over [`PERMISSIONS`])
//! and [`FeatureList`] instead of owned copies, and those write JSON rendered once per process:
//! every organization in a list repeats them (about 3 KB each), so they cost no allocation and
//! no escaping per response.

use std::sync::OnceLock;

use serde::{Serialize, Serializer};
use serde_json::value::{to_raw_value, RawValue};

use crate::model::user::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Feature {
    pub feature_id: &'static str,
    pub name: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Permission {
    pub permission_id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
}

/// Access types of a permission.
pub const ACCESS_TYPES: [&str; 4] = ["create", "read", "update", "delete"];

/// One catalogue permission: `<feature>:<access>`, "<Verb> <feature name, lowercase>", and
/// "<Verb> <feature name, lowercase> in the organization.".
macro_rules! permission {
    ($id:literal, $lower:literal, $access:literal, $verb:literal) => {
        Permission {
            permission_id: concat!($id, ":", $access),
            name: concat!($verb, " ", $lower),
            description: concat!($verb, " ", $lower, " in the organization."),
        }
    };
}

/// The features (id, display name, display name in lowercase) and their permissions, each in
/// the order of [`ACCESS_TYPES`].
macro_rules! catalogue {
    ($(($id:literal, $name:literal, $lower:literal)),* $(,)?) => {
        /// `(feature_id, display name)` of every feature.
        pub const FEATURES: [(&str, &str); 6] = [$(($id, $name)),*];

        /// Every permission, feature by feature, in the order of [`ACCESS_TYPES`].
        pub const PERMISSIONS: [Permission; 24] = [$(
            permission!($id, $lower, "create", "Create"),
            permission!($id, $lower, "read", "Read"),
            permission!($id, $lower, "update", "Update"),
            permission!($id, $lower, "delete", "Delete"),
        )*];
    };
}

catalogue![
    ("organizations", "Organizations", "organizations"),
    ("users", "Users", "users"),
    ("user_groups", "User groups", "user groups"),
    ("api_tokens", "API tokens", "api tokens"),
    ("cases", "Cases", "cases"),
    ("dashboards", "Dashboards", "dashboards"),
];

pub fn feature(feature_id: &str) -> Option<Feature> {
    FEATURES.iter().find(|(id, _)| *id == feature_id).map(|&(feature_id, name)| Feature { feature_id, name })
}

/// Every feature, as responses list them.
pub fn all_features() -> FeatureList {
    FeatureList
}

/// Every permission of the catalogue.
pub fn all_permission_ids() -> impl Iterator<Item = String> {
    PERMISSIONS.iter().map(|p| p.permission_id.to_string())
}

pub fn permission(permission_id: &str) -> Option<Permission> {
    PERMISSIONS.iter().find(|p| p.permission_id == permission_id).copied()
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

/// The permissions `role` holds.
pub fn role_permissions(role: Role) -> PermissionSet {
    PermissionSet::ALL.filter(|p| role_has(role, p.permission_id))
}

/// Some permissions of the catalogue (bit `i` is `PERMISSIONS[i]`), serialized as the list of
/// those permissions in catalogue order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PermissionSet(u32);

impl PermissionSet {
    pub const EMPTY: PermissionSet = PermissionSet(0);
    pub const ALL: PermissionSet = PermissionSet((1 << PERMISSIONS.len()) - 1);

    /// The permissions of this set that `keep` accepts.
    pub fn filter(self, keep: impl Fn(&Permission) -> bool) -> PermissionSet {
        let bits = self.indices().filter(|&i| keep(&PERMISSIONS[i])).fold(0, |bits, i| bits | 1 << i);
        PermissionSet(bits)
    }

    pub fn iter(self) -> impl Iterator<Item = &'static Permission> {
        self.indices().map(|i| &PERMISSIONS[i])
    }

    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    fn indices(self) -> impl Iterator<Item = usize> {
        (0..PERMISSIONS.len()).filter(move |i| self.0 & (1 << i) != 0)
    }
}

/// Each permission of [`PERMISSIONS`] as JSON, rendered on first use.
fn rendered_permissions() -> &'static [Box<RawValue>] {
    static RENDERED: OnceLock<Vec<Box<RawValue>>> = OnceLock::new();
    RENDERED.get_or_init(|| PERMISSIONS.iter().map(|p| to_raw_value(p).expect("a permission renders")).collect())
}

impl Serialize for PermissionSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let rendered = rendered_permissions();
        serializer.collect_seq(self.indices().map(|i| &rendered[i]))
    }
}

/// Every feature of the catalogue, serialized as the list of them (JSON rendered on first use).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FeatureList;

impl FeatureList {
    pub fn iter(self) -> impl Iterator<Item = Feature> {
        FEATURES.iter().map(|&(feature_id, name)| Feature { feature_id, name })
    }
}

impl Serialize for FeatureList {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        static RENDERED: OnceLock<Box<RawValue>> = OnceLock::new();
        let render = || to_raw_value(&FeatureList.iter().collect::<Vec<_>>()).expect("the features render");
        RENDERED.get_or_init(render).serialize(serializer)
    }
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

    /// The table says what the catalogue always said: every feature with every access type, in
    /// order, named after the verb and the feature's lowercase name.
    #[test]
    fn the_table_follows_the_naming_rule() {
        let mut expected = Vec::new();
        for (f, fname) in FEATURES {
            for a in ACCESS_TYPES {
                let verb = format!("{}{}", a[..1].to_uppercase(), &a[1..]);
                let lower = fname.to_lowercase();
                expected.push((
                    format!("{f}:{a}"),
                    format!("{verb} {lower}"),
                    format!("{verb} {lower} in the organization."),
                ));
            }
        }
        let table: Vec<_> = PERMISSIONS
            .iter()
            .map(|p| (p.permission_id.to_string(), p.name.to_string(), p.description.to_string()))
            .collect();
        assert_eq!(table, expected);
        assert_eq!(permission("api_tokens:delete").unwrap().description, "Delete api tokens in the organization.");
    }

    /// The rendered JSON is what serializing the permissions themselves gives.
    #[test]
    fn sets_serialize_like_lists() {
        for role in [Role::User, Role::Admin, Role::Superadmin] {
            let set = role_permissions(role);
            let list: Vec<Permission> = set.iter().copied().collect();
            assert_eq!(serde_json::to_string(&set).unwrap(), serde_json::to_string(&list).unwrap());
            assert_eq!(set.len(), list.len());
        }
        let reads = PermissionSet::ALL.filter(|p| p.permission_id.ends_with(":read"));
        assert_eq!(reads.len(), 6);
        assert_eq!(serde_json::to_string(&PermissionSet::EMPTY).unwrap(), "[]");
        let features: Vec<Feature> = all_features().iter().collect();
        assert_eq!(serde_json::to_string(&all_features()).unwrap(), serde_json::to_string(&features).unwrap());
        assert_eq!(features[3], Feature { feature_id: "api_tokens", name: "API tokens" });
    }
}
