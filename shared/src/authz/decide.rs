//! Effective permissions and permits (R18): built-in role ∪ custom roles, narrowed by the RBAC
//! template that governs the organization (`crate::authz::templates`).

use crate::error::ErrorCode;
use std::marker::PhantomData;

use crate::authz::caller::Caller;
use crate::authz::load::load_accessible;
use crate::authz::templates::{level, no_access_error, read_only_error, TemplateBook};
use crate::error::{ApiError, ApiResult};
use crate::model::catalogue::PermissionSet;
use crate::model::org::OrgItem;
use crate::model::template::{Visibility, VisibilitySet};
use crate::policy::grants::{builtin, level_allows, narrow};
use crate::policy::permit::SelfService;
use crate::policy::reach::{edges_for_new_org, Reach};
use crate::policy::route::Needs;
use crate::policy::{Actor, Aspect, Need, Permit, Scope};
use crate::runtime::config::AppState;
use crate::store::orgs::org_not_found;

impl Caller {
    /// What the caller holds wherever their built-in role applies (R18): the role's permissions
    /// ∪ those of their custom roles (roles of their own organization; empty until custom roles
    /// are assigned). Templates narrow it per organization ([`effective`]).
    pub fn base_permissions(&self) -> PermissionSet {
        builtin(self.role()).union(self.custom_permissions)
    }

    /// The caller as activity items record them.
    pub fn actor(&self) -> Actor {
        Actor {
            actor_type: self.actor_type,
            actor_id: self.user.user_id.clone(),
            actor_organization_id: Some(self.user.organization_id.clone()),
            ip: self.meta.source_ip.clone(),
            details: self.meta.user_agent.clone(),
            request_id: self.meta.request_id.clone(),
            token_id: self.meta.token_id.clone(),
            service_id: self.meta.service_id.map(str::to_string),
        }
    }
}

/// The caller's effective permissions in `org_id`, which they fully reach, governed by a
/// template with values `set`. Every answer about permissions (`permissions` in responses,
/// `user_permissions` filters, `GET /permissions/disabled`) and every permit comes from here.
pub fn effective(caller: &Caller, org_id: &str, set: &VisibilitySet) -> PermissionSet {
    narrow(
        caller.base_permissions(),
        level(caller, org_id, set, Aspect::OrgData),
        level(caller, org_id, set, Aspect::UserMgmt),
    )
}

/// Proof that the caller holds `N` somewhere: the first step of every decision. It is a fact
/// about the caller alone, so it may be copied (a retried write decides again from it).
#[derive(Debug)]
pub struct Held<N: Need>(PhantomData<N>);

impl<N: Need> Clone for Held<N> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<N: Need> Copy for Held<N> {}

/// Does the caller hold `N::PERM` by role or custom role? Otherwise 403 `forbidden`, before any
/// read: someone who may never do this learns nothing about the target. `N` must be what the
/// matched route declares (`crate::policy::route`): deciding anything else is a bug, refused with 500.
pub fn holds<N: Need>(caller: &Caller) -> ApiResult<Held<N>> {
    match caller.declared {
        None => {}
        Some(Needs::Perm(p, _)) if p == N::PERM => {}
        Some(declared) => {
            return Err(ApiError::internal(format!("the route declares {declared:?} but decides {}", N::PERM)));
        }
    }
    also_holds::<N>(caller)
}

/// [`holds`] for a permission beyond the route's own: what decides which parts of an answer the
/// caller sees (a filter listing users and organizations shows those they may read).
pub fn also_holds<N: Need>(caller: &Caller) -> ApiResult<Held<N>> {
    if caller.base_permissions().contains(N::PERM) {
        Ok(Held(PhantomData))
    } else {
        Err(ApiError::forbidden(ErrorCode::Forbidden, format!("This needs the permission {}.", N::PERM)))
    }
}

/// The permit for `N` at a known template `level` of `N`'s aspect in `org_id` (which the caller
/// fully reaches). `hidden` is the error for `no_access` when the thing must look absent.
pub fn permit_at<N: Need>(
    caller: &Caller,
    _held: Held<N>,
    org_id: &str,
    level: Visibility,
    hidden: Option<ApiError>,
) -> ApiResult<Permit<N>> {
    let aspect = Aspect::of(N::PERM.feature);
    match (aspect, level) {
        (None, _) => {}
        (Some(_), l) if level_allows(l, N::PERM.access) => {}
        (Some(a), Visibility::ReadOnly) => return Err(read_only_error(a)),
        (Some(a), _) => return Err(hidden.unwrap_or_else(|| no_access_error(a))),
    }
    Ok(Permit::issue(org_id, Scope::Organization, caller.actor()))
}

/// The permit for `N` in `org`, already loaded and fully reached: what its template lets the
/// caller do. Organization data a parent may not see is 404 like an unreachable organization.
pub fn permit_with<N: Need>(
    caller: &Caller,
    held: Held<N>,
    org: &OrgItem,
    set: &VisibilitySet,
) -> ApiResult<Permit<N>> {
    let aspect = Aspect::of(N::PERM.feature).unwrap_or(Aspect::OrgData);
    let lvl = level(caller, &org.organization_id, set, aspect);
    let from_above = org.organization_id != caller.home_org();
    let hidden = (from_above && aspect == Aspect::OrgData).then(org_not_found);
    permit_at(caller, held, &org.organization_id, lvl, hidden)
}

/// [`permit_with`], reading the organization's template when it is not built in (+1 GetItem).
pub async fn permit_in<N: Need>(
    state: &AppState,
    caller: &Caller,
    held: Held<N>,
    org: &OrgItem,
) -> ApiResult<Permit<N>> {
    let book = TemplateBook::load(state, [org.rbac_template_id.as_str()]).await?;
    permit_with(caller, held, org, &book.get(&org.rbac_template_id))
}

/// Resolves `identifier` (id or code), loads the organization if the caller fully reaches it
/// (else 404) and decides `N` there.
pub async fn org_permit<N: Need>(
    state: &AppState,
    caller: &Caller,
    held: Held<N>,
    identifier: &str,
) -> ApiResult<(OrgItem, Permit<N>)> {
    let org = load_accessible(state, caller, identifier).await?;
    let permit = permit_in(state, caller, held, &org).await?;
    Ok((org, permit))
}

/// [`org_permit`], with the caller's effective permissions in the organization (what R19
/// compares a role against).
pub async fn org_permit_effective<N: Need>(
    state: &AppState,
    caller: &Caller,
    held: Held<N>,
    identifier: &str,
) -> ApiResult<(OrgItem, Permit<N>, PermissionSet)> {
    let org = load_accessible(state, caller, identifier).await?;
    let book = TemplateBook::load(state, [org.rbac_template_id.as_str()]).await?;
    let set = book.get(&org.rbac_template_id);
    let permit = permit_with(caller, held, &org, &set)?;
    let effective = effective(caller, &org.organization_id, &set);
    Ok((org, permit, effective))
}

/// The permit for changes to the caller's own record (R8: anyone may change their own names),
/// which needs no permission beyond being signed in. Its scope is [`Scope::OwnRecord`].
pub fn own_record<N: SelfService>(caller: &Caller) -> Permit<N> {
    Permit::issue(caller.home_org(), Scope::OwnRecord, caller.actor())
}

/// The permit for the caller's own API tokens (R13): in their own organization, which no
/// template narrows for them (`crate::policy::Aspect::of`).
pub fn own_tokens<N: Need>(caller: &Caller, _held: Held<N>) -> Permit<N> {
    Permit::issue(caller.home_org(), Scope::OwnRecord, caller.actor())
}

/// R24: a caller holding `N` (moving a template, deleting) whose own organization is a strict
/// ancestor of `org` reaching it by R2 gets the permit whatever `org`'s template says: an
/// organization narrows what its parents see day to day, never locks them out of those two acts.
/// The R2 verdict is the closure edge's, recomputed from the immutable flags `org` carries (no
/// read). A group grant never counts: it delegates day-to-day access to the group's members; it
/// is not the structural place above `org` that R5 lets delete it.
pub fn permit_as_ancestor<N: Need>(caller: &Caller, _held: Held<N>, org: &OrgItem) -> Option<Permit<N>> {
    let reaches = org.organization_id != caller.home_org()
        && edges_for_new_org(&org.organization_id, &org.ancestors, org.parent_has_access)
            .iter()
            .any(|e| e.ancestor_id == caller.home_org() && e.reach == Reach::Full);
    reaches.then(|| Permit::issue(&org.organization_id, Scope::Organization, caller.actor()))
}
