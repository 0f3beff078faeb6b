//! The seed's special cases between built-in roles, each a named rule (R5, R6, R8, R9) and the
//! platform rule of RBAC templates. They apply on top of a permit: the permit says the caller
//! may act in the organization; a rule says whether this particular act is allowed.
//!
//! Built-in roles are ranked `user < admin < superadmin`. A caller never grants, changes or
//! removes a built-in role above their own (a `user` holding `users:create` through a custom
//! role creates `user`s only), with the seed's one exception of R6.

use crate::authz::caller::Caller;
use crate::error::ErrorCode;
use crate::error::{ApiError, ApiResult};
use crate::model::catalogue::PermissionSet;
use crate::model::user::{Role, UserItem};
use crate::policy::permit::{PlatformManage, UsersCreate, UsersDelete, UsersUpdate};
use crate::policy::{Permit, Scope};

use super::decide::holds;

/// R19: a caller writes a role, or assigns or removes one, only if they hold every permission
/// it holds, where it applies (`effective`: their effective permissions in its organization).
pub fn r19_holds_all(effective: PermissionSet, role: PermissionSet) -> ApiResult<()> {
    let missing: Vec<&str> = role.perms().filter(|p| !effective.contains(*p)).map(|p| p.id()).collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            ErrorCode::PermissionNotHeld,
            format!("The role holds permissions the caller does not hold here: {}.", missing.join(", ")),
        ))
    }
}

/// R6: creating a user with built-in `role` under `permit`. An admin may create superadmins,
/// but not in their own organization (the seed's words); otherwise nobody grants a role above
/// their own.
pub fn r6_may_create_with_role(caller: &Caller, permit: &Permit<UsersCreate>, role: Role) -> ApiResult<()> {
    match (caller.role(), role) {
        (Role::Admin, Role::Superadmin) if permit.org_id() == caller.home_org() => Err(ApiError::forbidden(
            ErrorCode::CannotCreateSuperadminHere,
            "An admin cannot create a superadmin in their own organization.",
        )),
        (Role::Admin, Role::Superadmin) => Ok(()),
        (mine, wanted) if wanted > mine => Err(cannot_grant(wanted)),
        _ => Ok(()),
    }
}

/// R8: changing `target`'s built-in role from `target.role` to `to` under `permit`. Never one's
/// own role, never with a permit for one's own record only, and never to or from a role above
/// the caller's (an admin never assigns superadmin nor changes a superadmin's role).
pub fn r8_may_change_role(caller: &Caller, permit: &Permit<UsersUpdate>, target: &UserItem, to: Role) -> ApiResult<()> {
    let needs_update =
        || ApiError::forbidden(ErrorCode::Forbidden, "Changing roles needs the permission users:update.");
    if !caller.base_permissions().contains(<UsersUpdate as crate::policy::Need>::PERM) {
        return Err(needs_update());
    }
    if target.user_id == caller.user_id() {
        return Err(ApiError::forbidden(ErrorCode::CannotChangeOwnRole, "Nobody can change their own role."));
    }
    if permit.scope() != Scope::Organization {
        return Err(needs_update());
    }
    if target.role.max(to) > caller.role() {
        return Err(if caller.role() == Role::Admin {
            ApiError::forbidden(
                ErrorCode::CannotManageSuperadmin,
                "An admin can neither assign the superadmin role nor change a superadmin's role.",
            )
        } else {
            cannot_grant(target.role.max(to))
        });
    }
    Ok(())
}

/// R9: deleting `target` under `permit`: never oneself, never a user of a role above one's own
/// (an admin never deletes a superadmin).
pub fn r9_may_delete_user(caller: &Caller, _permit: &Permit<UsersDelete>, target: &UserItem) -> ApiResult<()> {
    r9_refusal(caller, target).map_or(Ok(()), Err)
}

/// Why [`r9_may_delete_user`] refuses, before a permit is at hand (bulk deletes report every
/// refused user at once).
pub fn r9_refusal(caller: &Caller, target: &UserItem) -> Option<ApiError> {
    if target.user_id == caller.user_id() {
        return Some(ApiError::forbidden(ErrorCode::CannotDeleteSelf, "Nobody can delete their own account."));
    }
    if target.role > caller.role() {
        return Some(if caller.role() == Role::Admin {
            ApiError::forbidden(ErrorCode::CannotManageSuperadmin, "An admin cannot delete a superadmin.")
        } else {
            ApiError::forbidden(
                ErrorCode::CannotManageRole,
                format!("Only a {} or above can delete this user.", target.role.as_str()),
            )
        });
    }
    None
}

/// R5: never the caller's own organization nor one above it.
pub fn r5_may_delete_org(caller: &Caller, org_id: &str) -> ApiResult<()> {
    if caller.user.org_path.iter().any(|o| o == org_id) {
        return Err(ApiError::forbidden(
            ErrorCode::CannotDeleteOwnOrganization,
            "Nobody can delete their own organization or one above it.",
        ));
    }
    Ok(())
}

/// The platform's RBAC templates are managed by the root organization's own members holding
/// `organizations:update` (its superadmins).
pub fn platform(caller: &Caller) -> ApiResult<Permit<PlatformManage>> {
    let refused = || {
        ApiError::forbidden(ErrorCode::Forbidden, "Only superadmins of the root organization manage RBAC templates.")
    };
    holds::<PlatformManage>(caller).map_err(|_| refused())?;
    if caller.user.org_path.len() != 1 {
        return Err(refused());
    }
    Ok(Permit::issue(caller.home_org(), Scope::Organization, caller.actor()))
}

/// R25: a group grant reaching what the group's parent organization does not reach by R2 opens
/// an edge the access flags close: a change to the tree's structure of access, so it needs what
/// changing organizations needs (`organizations:update`: superadmins, or a custom role holding
/// it), not merely `user_groups:*`.
pub fn r25_may_open_closed_edges(caller: &Caller) -> bool {
    caller.base_permissions().contains(<crate::policy::permit::OrganizationsUpdate as crate::policy::Need>::PERM)
}

/// R26: does `caller` see `user`'s whole record in a list, as R7 lets them GET it (themself, or
/// holding `users:read`), or only the directory view?
pub fn r26_sees_full_record(caller: &Caller, user: &UserItem) -> bool {
    user.user_id == caller.user_id()
        || caller.base_permissions().contains(<crate::policy::permit::UsersRead as crate::policy::Need>::PERM)
}

fn cannot_grant(role: Role) -> ApiError {
    ApiError::forbidden(
        ErrorCode::CannotGrantRole,
        format!("Only a {} or above can grant the {} role.", role.as_str(), role.as_str()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authz::identity::RequestMeta;
    use crate::model::activity::ActorType;
    use crate::model::catalogue::PermissionSet;
    use crate::policy::permit::UsersRead;

    /// A caller of `role` whose organization is `path`'s last entry.
    fn caller(id: &str, role: Role, path: &[&str]) -> Caller {
        let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
        Caller {
            user: UserItem::new(id, path.clone(), &format!("{id}@example.com"), role, 0, None),
            org_context: path.last().cloned().unwrap_or_default(),
            meta: RequestMeta::default(),
            actor_type: ActorType::User,
            deleting: Vec::new(),
            grants: Vec::new(),
            custom_permissions: PermissionSet::EMPTY,
            declared: None,
            prefetched: Default::default(),
        }
    }

    fn permit<N: crate::policy::Need>(c: &Caller, org: &str) -> Permit<N> {
        Permit::issue(org, Scope::Organization, c.actor())
    }

    fn user(id: &str, role: Role, org: &str) -> UserItem {
        UserItem::new(id, vec!["root".into(), org.into()], &format!("{id}@example.com"), role, 0, None)
    }

    #[test]
    fn r6_admin_creates_superadmins_only_outside_their_own_organization() {
        let admin = caller("a", Role::Admin, &["root", "home"]);
        let here = permit::<UsersCreate>(&admin, "home");
        let below = permit::<UsersCreate>(&admin, "child");
        assert_eq!(
            r6_may_create_with_role(&admin, &here, Role::Superadmin).unwrap_err().code,
            "cannot_create_superadmin_here"
        );
        assert!(r6_may_create_with_role(&admin, &below, Role::Superadmin).is_ok());
        assert!(r6_may_create_with_role(&admin, &here, Role::Admin).is_ok());
        let sa = caller("s", Role::Superadmin, &["root", "home"]);
        assert!(r6_may_create_with_role(&sa, &permit(&sa, "home"), Role::Superadmin).is_ok());
    }

    #[test]
    fn r6_nobody_grants_a_role_above_their_own() {
        // A `user` who holds users:create through a custom role creates `user`s only.
        let u = caller("u", Role::User, &["root", "home"]);
        let p = permit::<UsersCreate>(&u, "home");
        assert!(r6_may_create_with_role(&u, &p, Role::User).is_ok());
        assert_eq!(r6_may_create_with_role(&u, &p, Role::Admin).unwrap_err().code, "cannot_grant_role");
        assert_eq!(r6_may_create_with_role(&u, &p, Role::Superadmin).unwrap_err().code, "cannot_grant_role");
    }

    #[test]
    fn r8_role_changes() {
        let admin = caller("a", Role::Admin, &["root", "home"]);
        let p = permit::<UsersUpdate>(&admin, "home");
        assert!(r8_may_change_role(&admin, &p, &user("x", Role::User, "home"), Role::Admin).is_ok());
        let err = r8_may_change_role(&admin, &p, &user("x", Role::User, "home"), Role::Superadmin).unwrap_err();
        assert_eq!(err.code, "cannot_manage_superadmin");
        let err = r8_may_change_role(&admin, &p, &user("x", Role::Superadmin, "home"), Role::User).unwrap_err();
        assert_eq!(err.code, "cannot_manage_superadmin");
        let err = r8_may_change_role(&admin, &p, &admin.user, Role::User).unwrap_err();
        assert_eq!(err.code, "cannot_change_own_role");
        // An own-record permit changes names, never roles.
        let own: Permit<UsersUpdate> = Permit::issue("home", Scope::OwnRecord, admin.actor());
        assert_eq!(
            r8_may_change_role(&admin, &own, &user("x", Role::User, "home"), Role::Admin).unwrap_err().code,
            "forbidden"
        );
        // Without users:update, a role change is refused as such, even one's own.
        let plain = caller("p", Role::User, &["root", "home"]);
        let own: Permit<UsersUpdate> = Permit::issue("home", Scope::OwnRecord, plain.actor());
        assert_eq!(r8_may_change_role(&plain, &own, &plain.user, Role::Admin).unwrap_err().code, "forbidden");
        // A `user` holding users:update through a custom role still grants no role above `user`.
        let mut u = caller("u", Role::User, &["root", "home"]);
        u.custom_permissions = PermissionSet::of([<UsersUpdate as crate::policy::Need>::PERM]);
        let err = r8_may_change_role(&u, &permit(&u, "home"), &user("x", Role::User, "home"), Role::Admin).unwrap_err();
        assert_eq!(err.code, "cannot_grant_role");
    }

    #[test]
    fn r9_deletions() {
        let admin = caller("a", Role::Admin, &["root", "home"]);
        let p = permit::<UsersDelete>(&admin, "home");
        assert!(r9_may_delete_user(&admin, &p, &user("x", Role::Admin, "home")).is_ok());
        assert_eq!(
            r9_may_delete_user(&admin, &p, &user("x", Role::Superadmin, "home")).unwrap_err().code,
            "cannot_manage_superadmin"
        );
        assert_eq!(r9_may_delete_user(&admin, &p, &admin.user).unwrap_err().code, "cannot_delete_self");
        let u = caller("u", Role::User, &["root", "home"]);
        assert_eq!(r9_refusal(&u, &user("x", Role::Admin, "home")).unwrap().code, "cannot_manage_role");
        assert!(r9_refusal(&u, &user("x", Role::User, "home")).is_none());
    }

    /// `permit_at` at each template level: what the routes answer (crate::authz::templates).
    #[test]
    fn template_levels_decide_permits() {
        use crate::authz::decide::permit_at;
        use crate::model::template::Visibility::*;
        use crate::policy::permit::{OrganizationsRead, OrganizationsUpdate};
        let sa = caller("s", Role::Superadmin, &["root", "home"]);
        let write = || crate::authz::holds::<OrganizationsUpdate>(&sa).unwrap();
        let read = || crate::authz::holds::<OrganizationsRead>(&sa).unwrap();
        assert!(permit_at(&sa, write(), "child", FullAccess, None).is_ok());
        assert!(permit_at(&sa, read(), "child", ReadOnly, None).is_ok());
        assert_eq!(permit_at(&sa, write(), "child", ReadOnly, None).unwrap_err().code, "rbac_read_only");
        assert_eq!(permit_at(&sa, read(), "child", NoAccess, None).unwrap_err().code, "rbac_no_access");
        let hidden = crate::store::orgs::org_not_found();
        assert_eq!(permit_at(&sa, read(), "child", NoAccess, Some(hidden)).unwrap_err().code, "organization_not_found");
        // API tokens are the caller's own: no template narrows them.
        let tokens = crate::authz::holds::<crate::policy::permit::ApiTokensCreate>(&sa).unwrap();
        assert!(permit_at(&sa, tokens, "home", NoAccess, None).is_ok());
    }

    #[test]
    fn r5_never_own_or_above() {
        let sa = caller("s", Role::Superadmin, &["root", "mid", "home"]);
        assert!(r5_may_delete_org(&sa, "home").is_err());
        assert!(r5_may_delete_org(&sa, "mid").is_err());
        assert!(r5_may_delete_org(&sa, "child").is_ok());
    }

    #[test]
    fn platform_is_the_root_organizations_superadmins() {
        assert!(platform(&caller("s", Role::Superadmin, &["root"])).is_ok());
        assert!(platform(&caller("s", Role::Superadmin, &["root", "t"])).is_err());
        assert!(platform(&caller("a", Role::Admin, &["root"])).is_err());
        // Custom roles widen the base set the decision reads.
        let mut u = caller("u", Role::User, &["root"]);
        assert!(crate::authz::holds::<UsersRead>(&u).is_err());
        u.custom_permissions = PermissionSet::of([<UsersRead as crate::policy::Need>::PERM]);
        assert!(crate::authz::holds::<UsersRead>(&u).is_ok());
    }
}
