//! Permits: the proof that an access decision was taken.
//!
//! A [`Permit<N>`] says "this caller may do `N::PERM` in organization `org_id`", and only
//! `crate::authz` issues one (after reach, effective permissions and the template). The store's
//! write functions take a permit of the kind they need (`create_user_actions` takes a
//! `Permit<UsersCreate>`), and transaction actions cannot be built outside the store, so a
//! write no decision allowed does not compile. This is the design of lldap's access-control
//! crate: a write handle exists only after the check.
//!
//! Background jobs (the purge, the local bootstrap) act for the system: [`SystemPermit`].

use std::marker::PhantomData;

use crate::error::{ApiError, ApiResult};
use crate::model::activity::ActorType;
use crate::model::catalogue::{Access, FeatureId, Perm};

/// A permission a route or a write needs, as a type.
pub trait Need: sealed::Sealed {
    const PERM: Perm;
}

mod sealed {
    pub trait Sealed {}
}

macro_rules! needs {
    ($($(#[$doc:meta])* $name:ident = $feature:ident $access:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name;
        impl sealed::Sealed for $name {}
        impl Need for $name {
            const PERM: Perm = Perm::new(FeatureId::$feature, Access::$access);
        }
    )*};
}

needs! {
    OrganizationsCreate = Organizations Create;
    OrganizationsRead = Organizations Read;
    OrganizationsUpdate = Organizations Update;
    OrganizationsDelete = Organizations Delete;
    UsersCreate = Users Create;
    UsersRead = Users Read;
    UsersUpdate = Users Update;
    UsersDelete = Users Delete;
    UserGroupsCreate = UserGroups Create;
    UserGroupsRead = UserGroups Read;
    UserGroupsUpdate = UserGroups Update;
    UserGroupsDelete = UserGroups Delete;
    ApiTokensCreate = ApiTokens Create;
    ApiTokensRead = ApiTokens Read;
    ApiTokensDelete = ApiTokens Delete;
    DashboardsRead = Dashboards Read;
    RolesCreate = Roles Create;
    RolesRead = Roles Read;
    /// Also what assigning and removing a role's members needs (seed 001: `org.user.roles.update`).
    RolesUpdate = Roles Update;
    RolesDelete = Roles Delete;
    ActivitiesRead = Activities Read;
    OrganizationRequestsCreate = OrganizationRequests Create;
    OrganizationRequestsRead = OrganizationRequests Read;
    /// Managing the platform's RBAC templates: `organizations:update` held in the root
    /// organization by one of its own members (`crate::authz::rules::platform`).
    PlatformManage = Organizations Update;
}

/// The needs a caller may meet on their own record without holding them (R7, R8: anyone reads
/// themself and changes their own names).
pub trait SelfService: Need {}

impl SelfService for UsersRead {}
impl SelfService for UsersUpdate {}

/// Who acts, as the activity item records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub actor_type: ActorType,
    pub actor_id: String,
    pub actor_organization_id: Option<String>,
    pub ip: Option<String>,
    pub details: Option<String>,
    pub request_id: String,
    /// The API token the actor used, if any (R21).
    pub token_id: Option<String>,
    /// The function that acted (seed 003's `service_id`).
    pub service_id: Option<String>,
}

/// How far a permit reaches inside its organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Everything `N::PERM` covers in the organization.
    Organization,
    /// The caller's own record only (R8: anyone may change their own names).
    OwnRecord,
}

/// The decision that the caller may do `N::PERM` in organization `org_id`.
#[derive(Debug, Clone)]
pub struct Permit<N: Need> {
    org_id: String,
    scope: Scope,
    actor: Actor,
    need: PhantomData<N>,
}

impl<N: Need> Permit<N> {
    /// Only `crate::authz` calls this (a test in `tests/tests/api/permits.rs` checks that no
    /// other module of the workspace does).
    pub(crate) fn issue(org_id: &str, scope: Scope, actor: Actor) -> Permit<N> {
        Permit { org_id: org_id.to_string(), scope, actor, need: PhantomData }
    }

    /// The organization the permit is for.
    pub fn org_id(&self) -> &str {
        &self.org_id
    }

    pub fn scope(&self) -> Scope {
        self.scope
    }

    pub fn perm(&self) -> Perm {
        N::PERM
    }
}

/// The jobs that act for the system rather than for a caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemJob {
    /// `orgs-local setup`: the root organization and the first superadmin.
    Bootstrap,
    /// The durable deletion of an organization subtree (R5).
    Purge,
}

/// A permit for a background job. Function crates never hold one (checked by the same test).
#[derive(Debug, Clone)]
pub struct SystemPermit {
    job: SystemJob,
    actor: Actor,
}

impl SystemPermit {
    pub fn for_job(job: SystemJob, actor: Actor) -> SystemPermit {
        SystemPermit { job, actor }
    }

    pub fn job(&self) -> SystemJob {
        self.job
    }
}

/// Anything that authorizes a write: every permit, and the system's.
pub trait Authorizes {
    /// Who acts under it (what the activity item records).
    fn actor(&self) -> &Actor;

    /// Does it authorize writes in organization `org_id`?
    fn covers(&self, org_id: &str) -> bool;

    /// May it act on behalf of user `user_id` (their own tokens)? The actor themself only; the
    /// system for anyone.
    fn may_act_for(&self, user_id: &str) -> bool {
        self.actor().actor_id == user_id
    }

    /// Is it for the acting user's own record only ([`Scope::OwnRecord`])?
    fn own_record_only(&self) -> bool {
        false
    }

    /// [`Authorizes::ensure_covers`] for a user's record: its organization, and for an
    /// own-record permit the actor themself.
    fn ensure_covers_user(&self, org_id: &str, user_id: &str) -> ApiResult<()> {
        self.ensure_covers(org_id)?;
        if self.own_record_only() && self.actor().actor_id != user_id {
            return Err(ApiError::internal("an own-record permit was used for another user"));
        }
        Ok(())
    }

    /// [`Authorizes::covers`] as the store checks it before building a write: a permit for one
    /// organization never writes another's items (a bug, hence a 500 and no write).
    fn ensure_covers(&self, org_id: &str) -> ApiResult<()> {
        if self.covers(org_id) {
            Ok(())
        } else {
            Err(ApiError::internal(format!("a permit was used outside its organization ({org_id})")))
        }
    }
}

impl<N: Need> Authorizes for Permit<N> {
    fn actor(&self) -> &Actor {
        &self.actor
    }

    fn covers(&self, org_id: &str) -> bool {
        self.org_id == org_id
    }

    fn own_record_only(&self) -> bool {
        self.scope == Scope::OwnRecord
    }
}

impl Authorizes for SystemPermit {
    fn actor(&self) -> &Actor {
        &self.actor
    }

    fn covers(&self, _org_id: &str) -> bool {
        true
    }

    fn may_act_for(&self, _user_id: &str) -> bool {
        true
    }
}

/// Authorizes the writes of `N`: a permit for `N`, or the system's.
pub trait Allows<N: Need>: Authorizes {}

impl<N: Need> Allows<N> for Permit<N> {}
impl<N: Need> Allows<N> for SystemPermit {}

/// Authorizes rewriting who belongs to which group (a group's members and each member's list of
/// groups): managing groups, or deleting the users who leave them.
pub trait RewritesMemberships: Authorizes {}

impl RewritesMemberships for Permit<UserGroupsCreate> {}
impl RewritesMemberships for Permit<UserGroupsUpdate> {}
impl RewritesMemberships for Permit<UserGroupsDelete> {}
impl RewritesMemberships for Permit<UsersDelete> {}
impl RewritesMemberships for SystemPermit {}

/// Authorizes adding or removing role members (the assignment item and the user's `role_ids`):
/// changing a role's members, deleting the role, or deleting the user who holds it.
pub trait RewritesRoleMembers: Authorizes {}

impl RewritesRoleMembers for Permit<RolesUpdate> {}
impl RewritesRoleMembers for Permit<RolesDelete> {}
impl RewritesRoleMembers for Permit<UsersDelete> {}
impl RewritesRoleMembers for SystemPermit {}

/// Authorizes deleting API tokens: their owner's own deletion (R13), or deleting the user who
/// owns them (whose deletion checks the user's organization).
pub trait DeletesTokens: Authorizes {
    fn may_delete_token_of(&self, owner_id: &str) -> bool;
}

impl DeletesTokens for Permit<ApiTokensDelete> {
    fn may_delete_token_of(&self, owner_id: &str) -> bool {
        self.may_act_for(owner_id)
    }
}

impl DeletesTokens for Permit<UsersDelete> {
    fn may_delete_token_of(&self, _owner_id: &str) -> bool {
        true
    }
}

impl DeletesTokens for SystemPermit {
    fn may_delete_token_of(&self, _owner_id: &str) -> bool {
        true
    }
}
