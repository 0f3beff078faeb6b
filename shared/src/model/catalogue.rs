//! The permissions catalogue: features and their permissions (R17: roles, activities and
//! organization requests are features like the others).
//!
//! A permission id is `<feature_id>:<access>` with access one of create, read, update, delete.
//! [`Perm`] is a permission as code names it; what each built-in role holds, and every decision
//! over permissions, lives in `crate::authz`.
//!
//! The catalogue is static. Responses carry a [`PermissionSet`] (a bit set over [`PERMISSIONS`])
//! and [`FeatureList`] instead of owned copies, and those write JSON rendered once per process:
//! every organization in a list repeats them (about 3 KB each), so they cost no allocation and
//! no escaping per response.

use std::sync::OnceLock;

use serde::{Serialize, Serializer};
use serde_json::value::{to_raw_value, RawValue};

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

/// The features (enum variant, id, display name, display name in lowercase) and their
/// permissions, each in the order of [`ACCESS_TYPES`].
macro_rules! catalogue {
    ($(($variant:ident, $id:literal, $name:literal, $lower:literal)),* $(,)?) => {
        /// A feature of the catalogue, as code names it (its position is its place in
        /// [`FEATURES`]).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum FeatureId { $($variant),* }

        impl FeatureId {
            pub const ALL: [FeatureId; FEATURE_COUNT] = [$(FeatureId::$variant),*];
        }

        /// `(feature_id, display name)` of every feature.
        pub const FEATURES: [(&str, &str); FEATURE_COUNT] = [$(($id, $name)),*];

        /// Every permission, feature by feature, in the order of [`ACCESS_TYPES`].
        pub const PERMISSIONS: [Permission; 4 * FEATURE_COUNT] = [$(
            permission!($id, $lower, "create", "Create"),
            permission!($id, $lower, "read", "Read"),
            permission!($id, $lower, "update", "Update"),
            permission!($id, $lower, "delete", "Delete"),
        )*];
    };
}

/// How many features the catalogue has.
pub const FEATURE_COUNT: usize = 9;

catalogue![
    (Organizations, "organizations", "Organizations", "organizations"),
    (Users, "users", "Users", "users"),
    (UserGroups, "user_groups", "User groups", "user groups"),
    (ApiTokens, "api_tokens", "API tokens", "api tokens"),
    (Cases, "cases", "Cases", "cases"),
    (Dashboards, "dashboards", "Dashboards", "dashboards"),
    (Roles, "roles", "Roles", "roles"),
    (Activities, "activities", "Activities", "activities"),
    (OrganizationRequests, "organization_requests", "Organization requests", "organization requests"),
];

impl FeatureId {
    /// The feature's id in the catalogue (`users`, `user_groups`, ...).
    pub fn as_str(self) -> &'static str {
        FEATURES[self as usize].0
    }

    pub fn parse(id: &str) -> Option<FeatureId> {
        FEATURES.iter().position(|(f, _)| *f == id).map(|i| FeatureId::ALL[i])
    }
}

/// The access a permission gives to its feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Access {
    Create,
    Read,
    Update,
    Delete,
}

impl Access {
    pub const ALL: [Access; 4] = [Access::Create, Access::Read, Access::Update, Access::Delete];

    pub fn as_str(self) -> &'static str {
        ACCESS_TYPES[self as usize]
    }

    /// Only reads leave things as they are.
    pub fn is_read(self) -> bool {
        self == Access::Read
    }
}

/// One permission of the catalogue, typed: a feature and an access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Perm {
    pub feature: FeatureId,
    pub access: Access,
}

impl Perm {
    pub const fn new(feature: FeatureId, access: Access) -> Perm {
        Perm { feature, access }
    }

    /// Its place in [`PERMISSIONS`] (and its bit in a [`PermissionSet`]).
    pub const fn index(self) -> usize {
        self.feature as usize * 4 + self.access as usize
    }

    /// `<feature>:<access>`.
    pub fn id(self) -> &'static str {
        PERMISSIONS[self.index()].permission_id
    }

    /// The permission a catalogue id names.
    pub fn parse(permission_id: &str) -> Option<Perm> {
        PERMISSIONS.iter().position(|p| p.permission_id == permission_id).map(Perm::at)
    }

    fn at(index: usize) -> Perm {
        Perm { feature: FeatureId::ALL[index / 4], access: Access::ALL[index % 4] }
    }
}

impl std::fmt::Display for Perm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

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

/// Some permissions of the catalogue (bit `i` is `PERMISSIONS[i]`), serialized as the list of
/// those permissions in catalogue order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct PermissionSet(u64);

impl PermissionSet {
    pub const EMPTY: PermissionSet = PermissionSet(0);
    pub const ALL: PermissionSet = PermissionSet((1 << PERMISSIONS.len()) - 1);

    /// The set of exactly `perms`.
    pub fn of(perms: impl IntoIterator<Item = Perm>) -> PermissionSet {
        PermissionSet(perms.into_iter().fold(0, |bits, p| bits | 1 << p.index()))
    }

    /// Every permission of `features` with one of `accesses`.
    pub fn grid(features: &[FeatureId], accesses: &[Access]) -> PermissionSet {
        PermissionSet::of(features.iter().flat_map(|&f| accesses.iter().map(move |&a| Perm::new(f, a))))
    }

    /// The set as stored (bit `i` = `PERMISSIONS[i]`; the catalogue only ever appends, so a
    /// stored set keeps its meaning).
    pub fn bits(self) -> u64 {
        self.0
    }

    /// A stored set; bits the catalogue does not know are dropped.
    pub fn from_bits(bits: u64) -> PermissionSet {
        PermissionSet(bits & PermissionSet::ALL.0)
    }

    pub fn contains(self, p: Perm) -> bool {
        self.0 & (1 << p.index()) != 0
    }

    pub fn union(self, other: PermissionSet) -> PermissionSet {
        PermissionSet(self.0 | other.0)
    }

    /// Does this set hold every permission of `other`?
    pub fn covers(self, other: PermissionSet) -> bool {
        other.0 & !self.0 == 0
    }

    /// The permissions of this set that `keep` accepts.
    pub fn filter(self, keep: impl Fn(Perm) -> bool) -> PermissionSet {
        PermissionSet::of(self.perms().filter(|&p| keep(p)))
    }

    /// The permissions of the set, in catalogue order.
    pub fn perms(self) -> impl Iterator<Item = Perm> {
        self.indices().map(Perm::at)
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
    fn typed_permissions_round_trip() {
        for (i, p) in PERMISSIONS.iter().enumerate() {
            let perm = Perm::parse(p.permission_id).unwrap();
            assert_eq!(perm.index(), i);
            assert_eq!(perm.id(), p.permission_id);
            assert_eq!(format!("{}:{}", perm.feature.as_str(), perm.access.as_str()), p.permission_id);
        }
        assert_eq!(PermissionSet::ALL.len(), 36, "the catalogue is wider than 32 bits");
        let set = PermissionSet::grid(&[FeatureId::Roles], &[Access::Read, Access::Update]);
        assert!(set.contains(Perm::new(FeatureId::Roles, Access::Read)));
        assert!(!set.contains(Perm::new(FeatureId::Roles, Access::Create)));
        assert!(PermissionSet::ALL.covers(set) && !set.covers(PermissionSet::ALL));
        assert_eq!(FeatureId::parse("organization_requests"), Some(FeatureId::OrganizationRequests));
    }

    #[test]
    fn permissions_resolve() {
        assert_eq!(permission("users:create").unwrap().name, "Create users");
        assert!(permission("users:fly").is_none());
        assert!(permission("nope").is_none());
        assert_eq!(all_permission_ids().count(), 36);
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
        let samples = [
            PermissionSet::ALL,
            PermissionSet::grid(&[FeatureId::Users, FeatureId::Roles], &[Access::Read, Access::Delete]),
            PermissionSet::of([Perm::new(FeatureId::OrganizationRequests, Access::Create)]),
        ];
        for set in samples {
            let list: Vec<Permission> = set.iter().copied().collect();
            assert_eq!(serde_json::to_string(&set).unwrap(), serde_json::to_string(&list).unwrap());
            assert_eq!(set.len(), list.len());
        }
        let reads = PermissionSet::ALL.filter(|p| p.access == Access::Read);
        assert_eq!(reads.len(), 9);
        assert_eq!(serde_json::to_string(&PermissionSet::EMPTY).unwrap(), "[]");
        let features: Vec<Feature> = all_features().iter().collect();
        assert_eq!(serde_json::to_string(&all_features()).unwrap(), serde_json::to_string(&features).unwrap());
        assert_eq!(features[3], Feature { feature_id: "api_tokens", name: "API tokens" });
    }
}
