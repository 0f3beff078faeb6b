//! The verified caller: the claimed identity checked against the store.
//!
//! A missing or unknown `User-ID` is 401. The `Organization-ID` context defaults to the caller's
//! own organization and otherwise must be fully accessible to them (R2), else 403. Access to
//! other organizations is always computed from the caller's own organization: the context only
//! says where the caller acts, it never widens what they can reach.

use crate::error::ErrorCode;
use axum::extract::FromRequestParts;
use http::request::Parts;

use crate::authz::identity::{identity_from_parts, Identity, RequestMeta};
use crate::error::{ApiError, ApiResult};
use crate::policy::reach::Reach;
use crate::runtime::config::AppState;
use std::collections::{BTreeMap, HashMap};

use crate::authz::templates::{level, Aspect, TemplateBook};
use crate::model::activity::ActorType;
use crate::model::catalogue::PermissionSet;
use crate::model::group::{Grant, GroupItem};
use crate::model::template::Visibility;
use crate::model::user::{Role, UserItem, UserStatus};
use crate::store::deletions::{path_deleting, roots_in};
use crate::store::from_item;
use crate::store::keys;
use crate::store::orgs::EdgeItem;
use crate::store::roles::{grants_in, is_roles_item, roles_key};
use crate::validate::is_identifier;

/// The caller's reach over an organization and the template deciding what it may do there
/// (`None` for their own organization, whose template the edges do not carry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    pub reach: Reach,
    pub template_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Caller {
    pub user: UserItem,
    /// The organization the caller acts in (validated accessible).
    pub org_context: String,
    pub meta: RequestMeta,
    pub actor_type: ActorType,
    /// Roots of subtrees being deleted (the registry, read with the user): everything under
    /// them is invisible to this request.
    pub deleting: Vec<String>,
    /// What the caller's groups grant (R12), read with every request.
    pub grants: Vec<Grant>,
    /// What the caller's custom roles grant (R18), which applies wherever their built-in role
    /// does (`Caller::base_permissions`).
    pub custom_permissions: PermissionSet,
    /// What the matched route declares it needs (`crate::policy::route`); `None` outside a router.
    pub declared: Option<crate::policy::route::Needs>,
}

impl Caller {
    pub fn role(&self) -> Role {
        self.user.role
    }

    pub fn home_org(&self) -> &str {
        &self.user.organization_id
    }

    pub fn user_id(&self) -> &str {
        &self.user.user_id
    }

    /// Is an organization with this path (root first) being deleted?
    pub fn hides(&self, path: &[String]) -> bool {
        crate::store::deletions::path_deleting(path, &self.deleting)
    }

    /// The edges that decide the caller's reach over `org_id`: from their own organization, and
    /// from every grant that covers descendants (none for their own organization).
    pub fn reach_keys(&self, org_id: &str) -> Vec<(String, String)> {
        if org_id == self.home_org() {
            return Vec::new();
        }
        let mut keys = vec![(keys::org_pk(self.home_org()), keys::edge_sk(org_id))];
        for g in self.grants.iter().filter(|g| g.select_all_child_orgs && g.organization_id != org_id) {
            keys.push((keys::org_pk(&g.organization_id), keys::edge_sk(org_id)));
        }
        keys
    }

    /// The caller's reach over `org_id` given the edges [`Caller::reach_keys`] named: their own
    /// organization; R2 from it; or a grant (R12): the granted organization itself when
    /// `include_current_organization`, and with `select_all_child_orgs` every descendant the
    /// granted organization fully reaches, present and future.
    pub fn reach_from(&self, org_id: &str, edges: &[EdgeItem]) -> Reach {
        if org_id == self.home_org() {
            return Reach::Full;
        }
        if self.grants.iter().any(|g| g.organization_id == org_id && g.include_current_organization) {
            return Reach::Full;
        }
        let mut best = Reach::None;
        for e in edges.iter().filter(|e| e.descendant_id == org_id) {
            let r = if e.ancestor_id == self.home_org() {
                e.reach
            } else if e.reach == Reach::Full
                && self.grants.iter().any(|g| g.select_all_child_orgs && g.organization_id == e.ancestor_id)
            {
                Reach::Full
            } else {
                Reach::None
            };
            best = match (best, r) {
                (Reach::Full, _) | (_, Reach::Full) => Reach::Full,
                (Reach::Listed, _) | (_, Reach::Listed) => Reach::Listed,
                _ => Reach::None,
            };
        }
        best
    }

    /// The caller's reach over `org_id` (at most one consistent BatchGetItem).
    pub async fn reach(&self, state: &AppState, org_id: &str) -> ApiResult<Reach> {
        Ok(self.reaches(state, &[org_id.to_string()]).await?.remove(org_id).map_or(Reach::None, |a| a.reach))
    }

    /// The caller's reach over each of `org_ids`, with each one's template (one consistent
    /// BatchGetItem per 100 edges).
    pub async fn reaches(&self, state: &AppState, org_ids: &[String]) -> ApiResult<HashMap<String, Access>> {
        let keys: Vec<(String, String)> = org_ids.iter().flat_map(|o| self.reach_keys(o)).collect();
        let edges: Vec<EdgeItem> = if keys.is_empty() {
            Vec::new()
        } else {
            state.store().batch_get_raw(keys, true).await?.into_iter().map(from_item).collect::<ApiResult<_>>()?
        };
        Ok(org_ids
            .iter()
            .map(|o| {
                let template_id = edges.iter().find(|e| e.descendant_id == *o).map(|e| e.template_id.clone());
                (o.clone(), Access { reach: self.reach_from(o, &edges), template_id })
            })
            .collect())
    }

    /// The caller's user-management level (crate::authz::templates) in each of `org_ids`: `no_access`
    /// where they do not fully reach it or it is being deleted. One consistent BatchGetItem for
    /// the edges, +1 when an organization uses a template that is not built in.
    pub async fn user_mgmt(&self, state: &AppState, org_ids: &[String]) -> ApiResult<HashMap<String, Visibility>> {
        let access = self.reaches(state, org_ids).await?;
        self.user_mgmt_of(state, &access).await
    }

    /// Every organization the caller fully reaches whose users and user groups their templates
    /// let them see, sorted: what user and group filters look at. Linear in the accessible set.
    pub async fn user_mgmt_visible_orgs(&self, state: &AppState) -> ApiResult<Vec<String>> {
        let all = self.accessible_orgs(state).await?;
        let mut orgs: Vec<String> = self
            .user_mgmt_of(state, &all)
            .await?
            .into_iter()
            .filter(|(_, level)| *level != Visibility::NoAccess)
            .map(|(o, _)| o)
            .collect();
        orgs.sort();
        Ok(orgs)
    }

    /// The user-management level over every organization of `accessible` (from
    /// [`Caller::reaches`] or [`Caller::accessible_orgs`]), `no_access` for those not fully
    /// reached (+1 BatchGetItem when a template is not built in).
    pub async fn user_mgmt_of<'a>(
        &self,
        state: &AppState,
        accessible: impl IntoIterator<Item = (&'a String, &'a Access)> + Clone,
    ) -> ApiResult<HashMap<String, Visibility>> {
        let book =
            TemplateBook::load(state, accessible.clone().into_iter().filter_map(|(_, a)| a.template_id.as_deref()))
                .await?;
        Ok(accessible
            .into_iter()
            .map(|(org, a)| {
                let level = match &a.template_id {
                    _ if a.reach != Reach::Full => Visibility::NoAccess,
                    _ if org == self.home_org() => Visibility::FullAccess,
                    Some(t) => level(self, org, &book.get(t), Aspect::UserMgmt),
                    None => Visibility::NoAccess,
                };
                (org.clone(), level)
            })
            .collect())
    }

    /// Every organization the caller reaches (R2 from their own organization, `Listed` ones
    /// included, plus their grants), by id, with its template. Linear in the accessible set:
    /// for whole-set routes.
    pub async fn accessible_orgs(&self, state: &AppState) -> ApiResult<BTreeMap<String, Access>> {
        let store = state.store();
        let mut out: BTreeMap<String, Access> = BTreeMap::new();
        // Every organization below the caller's (granted ones included) has an edge from it.
        let mut templates: HashMap<String, String> = HashMap::new();
        for e in store.all_edges(self.home_org()).await? {
            if e.reach != Reach::None {
                out.insert(
                    e.descendant_id.clone(),
                    Access { reach: e.reach, template_id: Some(e.template_id.clone()) },
                );
            }
            if !self.grants.is_empty() {
                templates.insert(e.descendant_id, e.template_id);
            }
        }
        let full = |id: &str, templates: &HashMap<String, String>| Access {
            reach: Reach::Full,
            template_id: templates.get(id).cloned(),
        };
        for g in &self.grants {
            if g.include_current_organization {
                out.insert(g.organization_id.clone(), full(&g.organization_id, &templates));
            }
            if g.select_all_child_orgs {
                for e in store.all_edges(&g.organization_id).await? {
                    if e.reach == Reach::Full && e.descendant_id != g.organization_id {
                        out.insert(e.descendant_id.clone(), full(&e.descendant_id, &templates));
                    }
                }
            }
        }
        Ok(out)
    }
}

/// The user and the deletions registry, in one consistent BatchGetItem.
pub async fn user_and_registry(state: &AppState, user_id: &str) -> ApiResult<(Option<UserItem>, Vec<String>)> {
    let read = identity_read(state, user_id, None).await?;
    Ok((read.user, read.deleting))
}

/// What one identity read returns.
struct IdentityRead {
    user: Option<UserItem>,
    deleting: Vec<String>,
    /// The `ROLES` item of the organization asked for (empty when it has none).
    roles: Option<(String, HashMap<String, PermissionSet>)>,
}

/// The user, the deletions registry and, when `roles_org` is given, what that organization's
/// custom roles grant: one consistent BatchGetItem. The organization is the one the caller
/// claims (deployed, the authorizer's: their own), read before the user says where they belong,
/// so custom roles cost no round trip of their own (R18).
async fn identity_read(state: &AppState, user_id: &str, roles_org: Option<&str>) -> ApiResult<IdentityRead> {
    let mut keys = vec![
        (keys::user_pk(user_id), keys::USER_SK.to_string()),
        (keys::DELETIONS_PK.to_string(), keys::deletion_shard_for(user_id)),
    ];
    keys.extend(roles_org.map(roles_key));
    let mut read =
        IdentityRead { user: None, deleting: Vec::new(), roles: roles_org.map(|o| (o.to_string(), HashMap::new())) };
    for item in state.store().batch_get_raw(keys, true).await? {
        if item.get(keys::PK).and_then(|v| v.as_s().ok()).is_some_and(|pk| pk == keys::DELETIONS_PK) {
            read.deleting = roots_in(&item);
        } else if is_roles_item(&item) {
            if let Some((_, grants)) = read.roles.as_mut() {
                *grants = grants_in(&item);
            }
        } else {
            read.user = Some(from_item::<UserItem>(item)?);
        }
    }
    Ok(read)
}

/// What `user`'s custom roles grant (R18), read from their organization's `ROLES` item (none
/// read for a user holding no role): for the authorizer, which decides from the owner alone.
pub async fn custom_grants(state: &AppState, user: &UserItem) -> ApiResult<PermissionSet> {
    custom_permissions(state, user, None).await
}

/// What the user's custom roles grant (R18): nothing for a user with none, else from the
/// `ROLES` item of their organization, read with the identity when the claim named it (+1
/// GetItem otherwise). Roles deleted or DISABLED grant nothing.
async fn custom_permissions(
    state: &AppState,
    user: &UserItem,
    roles: Option<(String, HashMap<String, PermissionSet>)>,
) -> ApiResult<PermissionSet> {
    if user.role_ids.is_empty() {
        return Ok(PermissionSet::EMPTY);
    }
    let grants = match roles {
        Some((org, grants)) if org == user.organization_id => grants,
        _ => {
            let (pk, sk) = roles_key(&user.organization_id);
            let item = state.store().batch_get_raw(vec![(pk, sk)], true).await?.pop();
            item.as_ref().map(grants_in).unwrap_or_default()
        }
    };
    Ok(user.role_ids.iter().filter_map(|r| grants.get(r)).fold(PermissionSet::EMPTY, |a, b| a.union(*b)))
}

/// What the user's groups grant (one consistent BatchGetItem; none for users in no group).
async fn load_grants(state: &AppState, user: &UserItem, deleting: &[String]) -> ApiResult<Vec<Grant>> {
    if user.group_ids.is_empty() {
        return Ok(Vec::new());
    }
    let keys = user.group_ids.iter().map(|g| (keys::group_pk(g), keys::GROUP_SK.to_string())).collect();
    let mut grants = Vec::new();
    for item in state.store().batch_get_raw(keys, true).await? {
        let g: GroupItem = from_item(item)?;
        if g.user_ids.contains(&user.user_id) && !path_deleting(&g.parent_path, deleting) {
            grants.extend(g.accessible_organizations);
        }
    }
    Ok(grants)
}

/// Checks the claimed identity: one BatchGetItem (user + deletions registry), +1 for the user's
/// groups when they have any, +1 for the context when it is not the caller's own organization.
pub async fn resolve(state: &AppState, identity: Identity) -> ApiResult<Caller> {
    let user_id = identity.user_id.filter(|u| is_identifier(u)).ok_or_else(ApiError::unauthenticated)?;
    let claimed_org = identity.organization_id.as_deref().filter(|o| is_identifier(o));
    let read = identity_read(state, &user_id, claimed_org).await?;
    let (user, deleting) = (read.user.ok_or_else(ApiError::unauthenticated)?, read.deleting);
    // Users of a subtree being deleted are gone from the moment the deletion starts.
    if user.status != UserStatus::Active || path_deleting(&user.org_path, &deleting) {
        return Err(ApiError::unauthenticated());
    }
    let (grants, custom_permissions) =
        tokio::try_join!(load_grants(state, &user, &deleting), custom_permissions(state, &user, read.roles))?;
    // `Api` only for an API token (R28 withholds token secrets from it); a JWT or the headers of
    // a local run are `User`.
    let actor_type = identity.actor_type;
    let mut caller = Caller {
        org_context: user.organization_id.clone(),
        user,
        meta: identity.meta,
        actor_type,
        deleting,
        grants,
        custom_permissions,
        declared: None,
    };
    if let Some(ctx) = identity.organization_id.filter(|c| *c != caller.user.organization_id) {
        let forbidden = || {
            ApiError::forbidden(
                ErrorCode::OrganizationContextForbidden,
                "The Organization-ID is not accessible to the caller.",
            )
        };
        if !is_identifier(&ctx) || caller.reach(state, &ctx).await? != Reach::Full {
            return Err(forbidden());
        }
        // A context inside a subtree being deleted (rare: only while deletions run).
        if !caller.deleting.is_empty() {
            let edges = caller.deleting.iter().map(|r| (keys::org_pk(r), keys::edge_sk(&ctx))).collect();
            if caller.deleting.contains(&ctx) || !state.store().batch_get_raw(edges, true).await?.is_empty() {
                return Err(forbidden());
            }
        }
        caller.org_context = ctx;
    }
    Ok(caller)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let identity = identity_from_parts(parts, state.config.local_identity_headers);
        let mut caller = resolve(state, identity).await?;
        let matched = parts.extensions.get::<axum::extract::MatchedPath>().map(|m| m.as_str().to_string());
        if let Some(table) = parts.extensions.get::<crate::policy::route::RouteTable>() {
            caller.meta.service_id = Some(table.service);
            if let Some(path) = matched {
                caller.declared = table.needs(parts.method.as_str(), &path);
            }
        }
        tracing::Span::current().record("user_id", caller.user.user_id.as_str());
        Ok(caller)
    }
}
