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
use crate::model::activity::ActorType;
use crate::model::user::{Role, UserItem, UserStatus};
use crate::validate::is_identifier;

#[derive(Debug, Clone)]
pub struct Caller {
    pub user: UserItem,
    /// The organization the caller acts in (validated accessible).
    pub org_context: String,
    pub meta: RequestMeta,
    pub actor_type: ActorType,
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

    /// The caller's reach over `org_id`: their own organization is always `Full`; otherwise the
    /// stored edge verdict (one consistent GetItem).
    pub async fn reach(&self, state: &AppState, org_id: &str) -> ApiResult<Reach> {
        if org_id == self.home_org() {
            return Ok(Reach::Full);
        }
        state.store().reach(self.home_org(), org_id).await
    }
}

/// Checks the claimed identity: 1 GetItem for the user, +1 for the context when it is not home.
pub async fn resolve(state: &AppState, identity: Identity) -> ApiResult<Caller> {
    let user_id = identity.user_id.filter(|u| is_identifier(u)).ok_or_else(ApiError::unauthenticated)?;
    let user = state.store().get_user(&user_id).await?.ok_or_else(ApiError::unauthenticated)?;
    if user.status != UserStatus::Active {
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
            ctx
        }
    };
    let actor_type = if identity.from_authorizer { ActorType::Api } else { ActorType::User };
    Ok(Caller { user, org_context, meta: identity.meta, actor_type })
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
