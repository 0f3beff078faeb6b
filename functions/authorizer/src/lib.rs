//! The Lambda authorizer: `Authorization: Bearer <credential>` → allow with context
//! `{user_id, organization_id, actor_type, token_id?}`, or deny. Every denial looks the same to
//! the client; the reason is only logged (never the credential).
//!
//! Two credentials (docs/SECURITY.md): an API token (the project's format,
//! [`shared::token::well_formed`]; `actor_type` `api`, with its `token_id`), or an OIDC JWT
//! from a configured issuer (anything with two dots; R31, [`oidc`]; `actor_type` `user`).
//!
//! Token checks, cheapest first: header shape and token checksum (no read), the token's hash item
//! (one GetItem), the creator with the deletions registry (one consistent BatchGetItem: deleted,
//! deactivated, or being-deleted users are denied).
//! An allowed request records `last_used_at` on the token and `last_login` on the user, each at
//! most once per [`TOUCH_INTERVAL_MS`], so busy tokens cost no writes. The token item is read
//! with its owner (same BatchGetItem), and both times are in the items just read (consistently),
//! so a recent one is not even attempted: a conditional write whose condition fails is still
//! billed a write unit, and a request that writes nothing is two round trips.

pub mod jwks;
pub mod oidc;

use serde::Serialize;
use shared::model::activity::ActorType;
use shared::model::now_ms;
use shared::model::user::{UserItem, UserStatus};
use shared::store::deletions::path_deleting;
use shared::store::tokens::TokenItem;
use shared::{token, AppState};

pub mod token_policy;

/// How often `last_used_at` / `last_login` may be written per token / user.
pub const TOUCH_INTERVAL_MS: i64 = 5 * 60 * 1000;

/// The authorizer context API Gateway hands to the functions (and maps onto the headers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthContext {
    pub user_id: String,
    pub organization_id: String,
    /// `api` for an API token, `user` for a JWT (`shared::authz::identity` reads it).
    pub actor_type: ActorType,
    /// The token's id (API tokens only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_id: Option<String>,
}

/// Allow with a context, or deny with a reason for the logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allow(AuthContext),
    Deny(&'static str),
}

/// What an `Authorization: Bearer <credential>` header carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential<'a> {
    /// An API token (well formed: the project's prefix and checksum).
    Token(&'a str),
    /// Three dot-separated parts: tried as an OIDC JWT.
    Jwt(&'a str),
}

/// The credential of an `Authorization: Bearer <credential>` header value, if well formed.
pub fn bearer(header: Option<&str>) -> Result<Credential<'_>, &'static str> {
    let value = header.ok_or("missing authorization header")?.trim();
    let (scheme, rest) = value.split_once(' ').ok_or("not a bearer credential")?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err("not a bearer credential");
    }
    let t = rest.trim();
    if token::well_formed(t) {
        Ok(Credential::Token(t))
    } else if t.bytes().filter(|b| *b == b'.').count() == 2 && t.len() <= oidc::MAX_JWT_LEN {
        Ok(Credential::Jwt(t))
    } else {
        Err("malformed token")
    }
}

pub async fn authorize(state: &AppState, authorization: Option<&str>) -> Decision {
    let secret = match bearer(authorization) {
        Ok(Credential::Token(t)) => t,
        Ok(Credential::Jwt(jwt)) => return oidc::authorize_jwt(state, jwt).await,
        Err(reason) => return Decision::Deny(reason),
    };
    let store = state.store();
    let found = match store.token_by_secret(secret).await {
        Ok(Some(t)) => t,
        Ok(None) => return Decision::Deny("unknown or revoked token"),
        Err(_) => return Decision::Deny("store unavailable"),
    };
    // The token item itself comes with its owner: its `last_used_at` says whether to record use.
    let token_key = shared::store::Store::token_key(&found.user_id, &found.token_id);
    let read = shared::authz::caller::user_and_registry_with(state, &found.user_id, vec![token_key.clone()]).await;
    let (user, last_used) = match read {
        Ok((Some(u), deleting, ahead)) if u.status == UserStatus::Active && !path_deleting(&u.org_path, &deleting) => {
            let token = ahead.take(&token_key).flatten().map(shared::store::from_item::<TokenItem>);
            match token {
                Some(Ok(t)) => (u, t.last_used_at),
                _ => return Decision::Deny("token revoked"),
            }
        }
        Ok(_) => return Decision::Deny("token owner deleted, inactive or being deleted"),
        Err(_) => return Decision::Deny("store unavailable"),
    };
    let custom = if token_policy::needs_custom(&user) {
        match shared::authz::caller::custom_grants(state, &user).await {
            Ok(c) => c,
            Err(_) => return Decision::Deny("store unavailable"),
        }
    } else {
        Default::default()
    };
    let now = now_ms();
    if let Err(reason) = token_policy::token_usable(&found, &user, custom, now) {
        return Decision::Deny(reason);
    }
    let (use_due, login_due) = (due(last_used, now), due(user.last_login, now));
    let (a, b) = tokio::join!(
        async {
            if use_due {
                store.touch_token(&user.user_id, &found.token_id, now, TOUCH_INTERVAL_MS).await
            } else {
                Ok(())
            }
        },
        async {
            if login_due {
                store.record_login(&user.user_id, now, TOUCH_INTERVAL_MS).await
            } else {
                Ok(())
            }
        }
    );
    if a.is_err() || b.is_err() {
        tracing::warn!("could not record token use or login");
    }
    Decision::Allow(AuthContext {
        user_id: user.user_id,
        organization_id: user.organization_id,
        actor_type: ActorType::Api,
        token_id: Some(found.token_id),
    })
}

/// The user named by a verified credential, if they may sign in: present, active, and not in a
/// subtree being deleted (one consistent BatchGetItem).
pub(crate) async fn active_user(state: &AppState, user_id: &str) -> Result<UserItem, &'static str> {
    match shared::authz::caller::user_and_registry(state, user_id).await {
        Ok((Some(u), deleting)) if u.status == UserStatus::Active && !path_deleting(&u.org_path, &deleting) => Ok(u),
        Ok(_) => Err("user deleted, inactive or being deleted"),
        Err(_) => Err("store unavailable"),
    }
}

/// Records a sign-in on the user at most once per [`TOUCH_INTERVAL_MS`] (best effort).
pub(crate) async fn record_login(state: &AppState, user: &UserItem) {
    let now = now_ms();
    if due(user.last_login, now) && state.store().record_login(&user.user_id, now, TOUCH_INTERVAL_MS).await.is_err() {
        tracing::warn!("could not record login");
    }
}

/// Whether a time (`last_login`, `last_used_at`, as read) is old enough to record again; the
/// conditional write still settles races between concurrent authorizations.
fn due(last: Option<i64>, now: i64) -> bool {
    last.is_none_or(|t| now - t >= TOUCH_INTERVAL_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_is_recorded_at_most_every_interval() {
        assert!(due(None, 1_000));
        assert!(!due(Some(1_000), 1_000 + TOUCH_INTERVAL_MS - 1));
        assert!(due(Some(1_000), 1_000 + TOUCH_INTERVAL_MS));
    }

    #[test]
    fn bearer_parsing() {
        let t = token::generate().unwrap();
        assert_eq!(bearer(Some(&format!("Bearer {t}"))), Ok(Credential::Token(t.as_str())));
        assert_eq!(bearer(Some(&format!("bearer  {t} "))), Ok(Credential::Token(t.as_str())));
        assert_eq!(bearer(Some("Bearer eyJh.eyJz.c2ln")), Ok(Credential::Jwt("eyJh.eyJz.c2ln")));
        assert_eq!(bearer(Some("Bearer a.b.c.d")), Err("malformed token"));
        assert_eq!(bearer(Some("Bearer a.b")), Err("malformed token"));
        assert_eq!(bearer(None), Err("missing authorization header"));
        assert_eq!(bearer(Some(&format!("Basic {t}"))), Err("not a bearer credential"));
        assert_eq!(bearer(Some("Bearer orgs_nope")), Err("malformed token"));
        assert_eq!(bearer(Some(&t)), Err("not a bearer credential"));
    }
}
