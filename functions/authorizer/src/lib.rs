//! The Lambda authorizer: `Authorization: Bearer <token>` → allow with context
//! `{user_id, organization_id, token_id}`, or deny. Every denial looks the same to the client;
//! the reason is only logged (never the token).
//!
//! Checks, cheapest first: header shape and token checksum (no read), the token's hash item
//! (one GetItem), the creator with the deletions registry (one consistent BatchGetItem: deleted,
//! deactivated, or being-deleted users are denied).
//! An allowed request records `last_used_at` on the token and `last_login` on the user, each at
//! most once per [`TOUCH_INTERVAL_MS`], so busy tokens cost no writes. The user's `last_login` is
//! in the item just read (consistently), so a recent one is not even attempted: a conditional
//! write whose condition fails is still billed a write unit.

use serde::Serialize;
use shared::model::now_ms;
use shared::model::user::UserStatus;
use shared::store::deletions::path_deleting;
use shared::{token, AppState};

pub mod token_policy;

/// How often `last_used_at` / `last_login` may be written per token / user.
pub const TOUCH_INTERVAL_MS: i64 = 5 * 60 * 1000;

/// The authorizer context API Gateway hands to the functions (and maps onto the headers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthContext {
    pub user_id: String,
    pub organization_id: String,
    pub token_id: String,
}

/// Allow with a context, or deny with a reason for the logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allow(AuthContext),
    Deny(&'static str),
}

/// The token of an `Authorization: Bearer <token>` header value, if well formed.
pub fn bearer(header: Option<&str>) -> Result<&str, &'static str> {
    let value = header.ok_or("missing authorization header")?.trim();
    let (scheme, rest) = value.split_once(' ').ok_or("not a bearer credential")?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err("not a bearer credential");
    }
    let t = rest.trim();
    if token::well_formed(t) {
        Ok(t)
    } else {
        Err("malformed token")
    }
}

pub async fn authorize(state: &AppState, authorization: Option<&str>) -> Decision {
    let secret = match bearer(authorization) {
        Ok(t) => t,
        Err(reason) => return Decision::Deny(reason),
    };
    let store = state.store();
    let found = match store.token_by_secret(secret).await {
        Ok(Some(t)) => t,
        Ok(None) => return Decision::Deny("unknown or revoked token"),
        Err(_) => return Decision::Deny("store unavailable"),
    };
    let user = match shared::authz::caller::user_and_registry(state, &found.user_id).await {
        Ok((Some(u), deleting)) if u.status == UserStatus::Active && !path_deleting(&u.org_path, &deleting) => u,
        Ok(_) => return Decision::Deny("token owner deleted, inactive or being deleted"),
        Err(_) => return Decision::Deny("store unavailable"),
    };
    let now = now_ms();
    if let Err(reason) = token_policy::token_usable(&found, &user, now) {
        return Decision::Deny(reason);
    }
    let login_due = login_due(user.last_login, now);
    let (a, b) = tokio::join!(store.touch_token(&user.user_id, &found.token_id, now, TOUCH_INTERVAL_MS), async {
        if login_due {
            store.record_login(&user.user_id, now, TOUCH_INTERVAL_MS).await
        } else {
            Ok(())
        }
    });
    if a.is_err() || b.is_err() {
        tracing::warn!("could not record token use or login");
    }
    Decision::Allow(AuthContext {
        user_id: user.user_id,
        organization_id: user.organization_id,
        token_id: found.token_id,
    })
}

/// Whether `last_login` (as read) is old enough to record again; the conditional write still
/// settles races between concurrent authorizations.
fn login_due(last_login: Option<i64>, now: i64) -> bool {
    last_login.is_none_or(|t| now - t >= TOUCH_INTERVAL_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_is_recorded_at_most_every_interval() {
        assert!(login_due(None, 1_000));
        assert!(!login_due(Some(1_000), 1_000 + TOUCH_INTERVAL_MS - 1));
        assert!(login_due(Some(1_000), 1_000 + TOUCH_INTERVAL_MS));
    }

    #[test]
    fn bearer_parsing() {
        let t = token::generate().unwrap();
        assert_eq!(bearer(Some(&format!("Bearer {t}"))), Ok(t.as_str()));
        assert_eq!(bearer(Some(&format!("bearer  {t} "))), Ok(t.as_str()));
        assert_eq!(bearer(None), Err("missing authorization header"));
        assert_eq!(bearer(Some(&format!("Basic {t}"))), Err("not a bearer credential"));
        assert_eq!(bearer(Some("Bearer orgs_nope")), Err("malformed token"));
        assert_eq!(bearer(Some(&t)), Err("not a bearer credential"));
    }
}
