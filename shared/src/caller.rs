//! The verified caller: the claimed identity checked against the store.
//!
//! A missing or unknown `User-ID` is 401. The `Organization-ID` context defaults to the caller's
//! own organization and otherwise must be fully accessible to them (R2), else 403. Access to
//! other organizations is always computed from the caller's own organization: the context only
//! says where the caller acts, it never widens what they can reach.

use axum::extract::FromRequestParts;
use http::request::Parts;

use crate::access::Reach;
use crate::config::AppState;
use crate::error::{ApiError, ApiResult};
use crate::identity::{identity_from_parts, Identity, RequestMeta};
use crate::keys;
use crate::model::activity::ActorType;
use crate::model::user::{Role, UserItem, UserStatus};
use crate::store::deletions::{path_deleting, roots_in};
use crate::store::from_item;
use crate::validate::is_identifier;

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

    /// The caller's reach over `org_id`: their own organization is always `Full`; otherwise the
    /// stored edge verdict (one consistent GetItem).
    pub async fn reach(&self, state: &AppState, org_id: &str) -> ApiResult<Reach> {
        if org_id == self.home_org() {
            return Ok(Reach::Full);
        }
        state.store().reach(self.home_org(), org_id).await
    }
}

/// The user and the deletions registry, in one consistent BatchGetItem.
pub async fn user_and_registry(state: &AppState, user_id: &str) -> ApiResult<(Option<UserItem>, Vec<String>)> {
    let keys = vec![
        (keys::user_pk(user_id), keys::USER_SK.to_string()),
        (keys::DELETIONS_PK.to_string(), keys::deletion_shard_for(user_id)),
    ];
    let mut user = None;
    let mut deleting = Vec::new();
    for item in state.store().batch_get_raw(keys, true).await? {
        if item.get(keys::PK).and_then(|v| v.as_s().ok()).is_some_and(|pk| pk == keys::DELETIONS_PK) {
            deleting = roots_in(&item);
        } else {
            user = Some(from_item::<UserItem>(item)?);
        }
    }
    Ok((user, deleting))
}

/// Checks the claimed identity: one BatchGetItem (user + deletions registry), +1 GetItem for the
/// context when it is not the caller's own organization.
pub async fn resolve(state: &AppState, identity: Identity) -> ApiResult<Caller> {
    let user_id = identity.user_id.filter(|u| is_identifier(u)).ok_or_else(ApiError::unauthenticated)?;
    let (user, deleting) = user_and_registry(state, &user_id).await?;
    let user = user.ok_or_else(ApiError::unauthenticated)?;
    // Users of a subtree being deleted are gone from the moment the deletion starts.
    if user.status != UserStatus::Active || path_deleting(&user.org_path, &deleting) {
        return Err(ApiError::unauthenticated());
    }
    let org_context = match identity.organization_id {
        None => user.organization_id.clone(),
        Some(ctx) if ctx == user.organization_id => ctx,
        Some(ctx) => {
            let forbidden = || {
                ApiError::forbidden(
                    "organization_context_forbidden",
                    "The Organization-ID is not accessible to the caller.",
                )
            };
            if !is_identifier(&ctx) {
                return Err(forbidden());
            }
            if state.store().reach(&user.organization_id, &ctx).await? != Reach::Full {
                return Err(forbidden());
            }
            // A context inside a subtree being deleted (rare: only while deletions run).
            if !deleting.is_empty() {
                let edges = deleting.iter().map(|r| (keys::org_pk(r), keys::edge_sk(&ctx))).collect();
                if !state.store().batch_get_raw(edges, true).await?.is_empty() {
                    return Err(forbidden());
                }
            }
            ctx
        }
    };
    let actor_type = if identity.from_authorizer { ActorType::Api } else { ActorType::User };
    Ok(Caller { user, org_context, meta: identity.meta, actor_type, deleting })
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let identity = identity_from_parts(parts);
        let caller = resolve(state, identity).await?;
        tracing::Span::current().record("user_id", caller.user.user_id.as_str());
        Ok(caller)
    }
}
