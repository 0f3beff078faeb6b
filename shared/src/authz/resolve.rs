//! Resolving the claimed identity into a [`Caller`]: one consistent BatchGetItem reads the user,
//! the deletions registry, the `ROLES` item of the claimed organization (R18) and, where the
//! route declares its target in the path, the keys that decide that target
//! (`crate::store::ahead`).

use std::collections::HashMap;

use axum::extract::{FromRequestParts, RawPathParams};
use http::request::Parts;

use crate::authz::caller::Caller;
use crate::authz::identity::{identity_from_parts, Identity};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::model::catalogue::PermissionSet;
use crate::model::group::{Grant, GroupItem};
use crate::model::user::{UserItem, UserStatus};
use crate::policy::reach::Reach;
use crate::policy::route::{Needs, RouteTable, Target};
use crate::runtime::config::AppState;
use crate::store::ahead::{key_of, keys_for, Key, Prefetched};
use crate::store::deletions::{path_deleting, roots_in};
use crate::store::from_item;
use crate::store::keys;
use crate::store::roles::{grants_in, roles_key};
use crate::validate::is_identifier;

/// The user and the deletions registry, in one consistent BatchGetItem.
pub async fn user_and_registry(state: &AppState, user_id: &str) -> ApiResult<(Option<UserItem>, Vec<String>)> {
    let read = identity_read(state, user_id, None, Vec::new()).await?;
    Ok((read.user, read.deleting))
}

/// [`user_and_registry`], with the items under `ahead` read in the same BatchGetItem.
pub async fn user_and_registry_with(
    state: &AppState,
    user_id: &str,
    ahead: Vec<Key>,
) -> ApiResult<(Option<UserItem>, Vec<String>, Prefetched)> {
    let read = identity_read(state, user_id, None, ahead).await?;
    Ok((read.user, read.deleting, read.prefetched))
}

/// What one identity read returns.
struct IdentityRead {
    user: Option<UserItem>,
    deleting: Vec<String>,
    /// The `ROLES` item of the organization asked for (empty when it has none).
    roles: Option<(String, HashMap<String, PermissionSet>)>,
    prefetched: Prefetched,
}

/// The user, the deletions registry, when `roles_org` is given what that organization's custom
/// roles grant, and the `ahead` keys of the route's target: one consistent BatchGetItem. The
/// organization is the one the caller claims (deployed, the authorizer's: their own), read
/// before the user says where they belong, so custom roles cost no round trip of their own
/// (R18), and neither does reading the target (issue 23).
async fn identity_read(
    state: &AppState,
    user_id: &str,
    roles_org: Option<&str>,
    ahead: Vec<Key>,
) -> ApiResult<IdentityRead> {
    let user_key = (keys::user_pk(user_id), keys::USER_SK.to_string());
    let registry_key = (keys::DELETIONS_PK.to_string(), keys::deletion_shard_for(user_id));
    let roles = roles_org.map(roles_key);
    let mut wanted = vec![user_key.clone(), registry_key.clone()];
    wanted.extend(roles.clone());
    wanted.extend(ahead.iter().cloned());
    let items = state.store().batch_get_raw(wanted, true).await?;
    let prefetched = Prefetched::new(ahead, &items);
    let mut read = IdentityRead {
        user: None,
        deleting: Vec::new(),
        roles: roles_org.map(|o| (o.to_string(), HashMap::new())),
        prefetched,
    };
    for item in items {
        let key = key_of(&item);
        if key.as_ref() == Some(&registry_key) {
            read.deleting = roots_in(&item);
        } else if roles.is_some() && key == roles {
            if let Some((_, grants)) = read.roles.as_mut() {
                *grants = grants_in(&item);
            }
        } else if key.as_ref() == Some(&user_key) {
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
    resolve_ahead(state, identity, None, &[], false).await
}

/// [`resolve`], reading ahead what decides the route's `target` path parameter
/// (`crate::store::ahead`), and for a route reading the `whole_tree` every closure edge below the
/// claimed organization, queried while the identity is read and kept only if it is the caller's
/// own (deployed it always is: the authorizer names it).
pub async fn resolve_ahead(
    state: &AppState,
    identity: Identity,
    target: Option<&str>,
    params: &[(String, String)],
    whole_tree: bool,
) -> ApiResult<Caller> {
    let user_id = identity.user_id.filter(|u| is_identifier(u)).ok_or_else(ApiError::unauthenticated)?;
    let claimed_org = identity.organization_id.as_deref().filter(|o| is_identifier(o));
    let ahead = keys_for(target, params, claimed_org);
    let store = state.store();
    let tree = async {
        match claimed_org.filter(|_| whole_tree) {
            Some(org) => store.all_edges(org).await.map(|edges| Some((org, edges))),
            None => Ok(None),
        }
    };
    let (read, tree) = tokio::try_join!(identity_read(state, &user_id, claimed_org, ahead), tree)?;
    if let (Some((org, edges)), Some(user)) = (tree, read.user.as_ref()) {
        if user.organization_id == org {
            read.prefetched.set_edges(org, edges);
        }
    }
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
        prefetched: read.prefetched,
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

/// The caller as claimed, not checked yet: for a route that reads what its path or body names
/// while the caller is resolved, one round trip instead of two. Nothing read that way may be
/// answered or written before [`PendingCaller::resolve`] has succeeded and the route's permit is
/// decided; a route that refuses its input still resolves the caller first, so that an unknown
/// caller is 401 whatever they sent.
pub struct PendingCaller {
    identity: Identity,
    table: Option<RouteTable>,
    declared: Option<Needs>,
    target: Option<&'static str>,
    params: Vec<(String, String)>,
    whole_tree: bool,
}

impl PendingCaller {
    /// Resolves the caller (`Caller`'s extractor is this, at once).
    pub async fn resolve(self, state: &AppState) -> ApiResult<Caller> {
        let mut caller = resolve_ahead(state, self.identity, self.target, &self.params, self.whole_tree).await?;
        if let Some(table) = self.table {
            caller.meta.service_id = Some(table.service);
            caller.declared = self.declared;
        }
        tracing::Span::current().record("user_id", caller.user.user_id.as_str());
        Ok(caller)
    }
}

impl FromRequestParts<AppState> for PendingCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let identity = identity_from_parts(parts, state.config.local_identity_headers);
        if !identity.user_id.as_deref().is_some_and(is_identifier) {
            return Err(ApiError::unauthenticated());
        }
        let matched = parts.extensions.get::<axum::extract::MatchedPath>().map(|m| m.as_str().to_string());
        let table = parts.extensions.get::<RouteTable>().copied();
        let route = table.zip(matched.as_deref()).and_then(|(t, path)| t.route(parts.method.as_str(), path));
        let declared = route.map(|r| r.needs);
        let whole_tree = route.is_some_and(|r| r.reads_whole_tree);
        let target = match declared {
            Some(Needs::Perm(_, Target::Path(name))) => Some(name),
            _ => None,
        };
        let params: Vec<(String, String)> = match target {
            Some(_) => RawPathParams::from_request_parts(parts, state)
                .await
                .map(|p| p.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
                .unwrap_or_default(),
            None => Vec::new(),
        };
        Ok(PendingCaller { identity, table, declared, target, params, whole_tree })
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        PendingCaller::from_request_parts(parts, state).await?.resolve(state).await
    }
}
