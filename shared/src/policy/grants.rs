//! What the built-in roles hold (R1, R17) and how an RBAC template narrows a set of permissions.
//!
//! A caller's *effective permissions* in an organization they reach (R18) are
//! `narrow(builtin(role) ∪ custom roles, org data level, user management level)`;
//! `crate::authz` computes the levels and is the only caller that decides with them.

use crate::model::catalogue::{Access, FeatureId, Perm, PermissionSet};
use crate::model::template::Visibility;
use crate::model::user::Role;

/// Which side of an organization an RBAC template value governs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aspect {
    /// The organization record, its configuration, logos, children, its activity log, requests
    /// for new children, and (for other services) its cases and dashboards.
    OrgData,
    /// Its users, user groups and custom roles.
    UserMgmt,
}

impl Aspect {
    /// The aspect a feature belongs to; `None` for API tokens, which are the caller's own.
    pub fn of(feature: FeatureId) -> Option<Aspect> {
        match feature {
            FeatureId::ApiTokens => None,
            FeatureId::Users | FeatureId::UserGroups | FeatureId::Roles => Some(Aspect::UserMgmt),
            FeatureId::Organizations
            | FeatureId::Cases
            | FeatureId::Dashboards
            | FeatureId::Activities
            | FeatureId::OrganizationRequests => Some(Aspect::OrgData),
        }
    }
}

/// The permissions of a built-in role (R1, R17):
/// - `user`: read organizations and dashboards, read and update cases, create and read
///   organization requests;
/// - `admin`: also everything on users, user groups, API tokens, cases and custom roles, and
///   reading the activity log;
/// - `superadmin`: everything.
pub fn builtin(role: Role) -> PermissionSet {
    use Access::*;
    use FeatureId::*;
    let user = PermissionSet::of([
        Perm::new(Organizations, Read),
        Perm::new(Cases, Read),
        Perm::new(Cases, Update),
        Perm::new(Dashboards, Read),
        Perm::new(OrganizationRequests, Create),
        Perm::new(OrganizationRequests, Read),
    ]);
    match role {
        Role::User => user,
        Role::Admin => user
            .union(PermissionSet::grid(&[Users, UserGroups, ApiTokens, Cases, Roles], &Access::ALL))
            .union(PermissionSet::of([Perm::new(Activities, Read)])),
        Role::Superadmin => PermissionSet::ALL,
    }
}

/// May an access go ahead at a template level? `read_only` keeps reads, `no_access` nothing.
pub fn level_allows(level: Visibility, access: Access) -> bool {
    match level {
        Visibility::FullAccess => true,
        Visibility::ReadOnly => access.is_read(),
        Visibility::NoAccess => false,
    }
}

/// The level that governs `perm` when the organization's levels are `org_data` / `user_mgmt`.
pub fn governing_level(perm: Perm, org_data: Visibility, user_mgmt: Visibility) -> Visibility {
    match Aspect::of(perm.feature) {
        None => Visibility::FullAccess,
        Some(Aspect::OrgData) => org_data,
        Some(Aspect::UserMgmt) => user_mgmt,
    }
}

/// `base` narrowed by an organization's template levels.
pub fn narrow(base: PermissionSet, org_data: Visibility, user_mgmt: Visibility) -> PermissionSet {
    base.filter(|p| level_allows(governing_level(p, org_data, user_mgmt), p.access))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Visibility::*;

    fn p(id: &str) -> Perm {
        Perm::parse(id).unwrap()
    }

    #[test]
    fn roles_are_nested() {
        assert!(builtin(Role::Admin).covers(builtin(Role::User)));
        assert!(builtin(Role::Superadmin).covers(builtin(Role::Admin)));
        assert!(!builtin(Role::Admin).contains(p("organizations:create")));
        assert!(builtin(Role::Superadmin).contains(p("organizations:delete")));
        assert!(!builtin(Role::User).contains(p("users:read")));
    }

    #[test]
    fn r17_builtin_roles_hold_the_new_features() {
        for a in ["create", "read", "update", "delete"] {
            assert!(builtin(Role::Admin).contains(p(&format!("roles:{a}"))));
            assert!(!builtin(Role::User).contains(p(&format!("roles:{a}"))));
        }
        assert!(builtin(Role::Admin).contains(p("activities:read")));
        assert!(!builtin(Role::Admin).contains(p("activities:delete")));
        assert!(!builtin(Role::User).contains(p("activities:read")));
        for r in [Role::User, Role::Admin] {
            assert!(builtin(r).contains(p("organization_requests:create")));
            assert!(builtin(r).contains(p("organization_requests:read")));
            assert!(!builtin(r).contains(p("organization_requests:update")));
        }
    }

    #[test]
    fn templates_narrow_by_aspect() {
        let all = PermissionSet::ALL;
        let n = narrow(all, FullAccess, ReadOnly);
        assert!(n.contains(p("users:read")) && !n.contains(p("users:update")));
        assert!(!n.contains(p("roles:create")) && n.contains(p("roles:read")));
        assert!(n.contains(p("organizations:update")));
        let n = narrow(all, NoAccess, FullAccess);
        assert!(!n.contains(p("cases:read")) && !n.contains(p("activities:read")));
        assert!(n.contains(p("users:delete")));
        let n = narrow(all, NoAccess, NoAccess);
        assert!(n.contains(p("api_tokens:create")), "API tokens are the caller's own");
        assert_eq!(n.len(), 4);
    }
}
