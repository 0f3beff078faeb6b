//! Whether an API token may still be used (R28), once its hash item and its owner are read: no
//! extra read. A token stops working when it expires, when its owner is deleted (no user item:
//! denied before this by `authorize`) or inactive, and when its owner can no longer hold
//! `api_tokens:create` (e.g. demoted to `user`): tokens belong to those who may create them.

use shared::model::catalogue::PermissionSet;
use shared::model::user::{UserItem, UserStatus};
use shared::policy::permit::{ApiTokensCreate, Need};
use shared::store::tokens::TokenHashItem;

/// `Ok` when the token `found` (owned by `owner`) may authenticate a request at `now` (epoch ms);
/// otherwise the reason, for the logs only.
/// `custom` is what the owner's custom roles grant (R18; read only when the built-in role alone
/// does not hold `api_tokens:create`, see [`needs_custom`]).
pub fn token_usable(
    found: &TokenHashItem,
    owner: &UserItem,
    custom: PermissionSet,
    now: i64,
) -> Result<(), &'static str> {
    if found.user_id != owner.user_id {
        return Err("token owner mismatch");
    }
    if owner.status != UserStatus::Active {
        return Err("token owner deleted, inactive or being deleted");
    }
    if found.expires_at.is_some_and(|at| at <= now) {
        return Err("token expired");
    }
    if !owner_permissions(owner).union(custom).contains(ApiTokensCreate::PERM) {
        return Err("token owner may no longer hold api tokens");
    }
    Ok(())
}

/// What the owner's built-in role holds wherever they act.
fn owner_permissions(owner: &UserItem) -> PermissionSet {
    shared::policy::builtin(owner.role)
}

/// Must the owner's custom roles be read to decide (their built-in role alone does not hold
/// `api_tokens:create`, and they hold some)? Only then does a token use cost one more read.
pub fn needs_custom(owner: &UserItem) -> bool {
    !owner_permissions(owner).contains(ApiTokensCreate::PERM) && !owner.role_ids.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stored user with this role (as stored: no role comparisons in function crates).
    fn owner(role: &str) -> UserItem {
        serde_json::from_value(serde_json::json!({
            "PK": "USER#u", "SK": "USER", "GSI1PK": "g", "GSI1SK": "g", "user_id": "u",
            "organization_id": "o", "email": "u@x.io", "role": role, "status": "active",
            "created_at": 1, "modified_at": 1, "version": 1
        }))
        .expect("a user item")
    }

    fn hash_item(expires_at: Option<i64>) -> TokenHashItem {
        TokenHashItem {
            pk: "TOKENHASH#h".into(),
            sk: "TOKEN".into(),
            token_id: "t".into(),
            user_id: "u".into(),
            expires_at,
        }
    }

    #[test]
    fn usable_until_it_expires() {
        assert_eq!(token_usable(&hash_item(None), &owner("admin"), PermissionSet::EMPTY, 100), Ok(()));
        assert_eq!(token_usable(&hash_item(Some(101)), &owner("superadmin"), PermissionSet::EMPTY, 100), Ok(()));
        assert_eq!(
            token_usable(&hash_item(Some(100)), &owner("admin"), PermissionSet::EMPTY, 100),
            Err("token expired")
        );
    }

    #[test]
    fn only_owners_who_may_hold_tokens() {
        assert_eq!(
            token_usable(&hash_item(None), &owner("user"), PermissionSet::EMPTY, 100),
            Err("token owner may no longer hold api tokens")
        );
        let mut other = owner("admin");
        other.user_id = "someone-else".into();
        assert!(token_usable(&hash_item(None), &other, PermissionSet::EMPTY, 100).is_err());
    }

    #[test]
    fn a_custom_role_can_hold_the_right_to_tokens() {
        let granted = PermissionSet::of([ApiTokensCreate::PERM]);
        assert_eq!(token_usable(&hash_item(None), &owner("user"), granted, 100), Ok(()));
        let mut u = owner("user");
        assert!(!needs_custom(&u), "no role: nothing to read");
        u.role_ids = vec!["r".into()];
        assert!(needs_custom(&u));
        assert!(!needs_custom(&owner("admin")), "the built-in role decides alone");
    }
}
