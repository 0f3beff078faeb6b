//! API token items: the token under its creator (`PK = USER#<user>`, `SK = TOKEN#<token_id>`)
//! and its lookup item by hash (`PK = TOKENHASH#<sha256>`, `SK = TOKEN`).

use crate::error::ErrorCode;
use serde::{Deserialize, Serialize};

use super::{from_item, tx, Store, TxAction};
use crate::error::{ApiError, ApiResult};
use crate::policy::permit::ApiTokensCreate;
use crate::policy::{Allows, DeletesTokens};
use crate::store::keys;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub token_id: String,
    pub name: String,
    pub user_id: String,
    pub created_at: i64,
    #[serde(default)]
    pub last_used_at: Option<i64>,
    /// Hex SHA-256 of the secret.
    pub secret_sha256: String,
    /// The secret sealed under `TOKEN_ENCRYPTION_KEY` (absent when no key was configured).
    #[serde(default)]
    pub secret_sealed: Option<String>,
    /// When the token stops working (epoch ms, R28); absent on tokens made before expiry existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}

impl TokenItem {
    /// Is the token past its expiry at `now`?
    pub fn expired(&self, now: i64) -> bool {
        self.expires_at.is_some_and(|e| e <= now)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenHashItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub token_id: String,
    pub user_id: String,
    /// A copy of the token's `expires_at`, so that the authorizer needs no second read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}

pub fn token_not_found() -> ApiError {
    ApiError::not_found(ErrorCode::TokenNotFound, "The caller has no token with that id.")
}

impl Store<'_> {
    /// Every token of `user_id` (one Query: a user holds at most a few dozen).
    pub async fn tokens_of(&self, user_id: &str) -> ApiResult<Vec<TokenItem>> {
        let (items, _) = self.query_prefix(&keys::user_pk(user_id), keys::TOKEN_PREFIX, 100, None, true).await?;
        items.into_iter().map(from_item).collect()
    }

    pub async fn get_token(&self, user_id: &str, token_id: &str) -> ApiResult<Option<TokenItem>> {
        self.get(&keys::user_pk(user_id), &keys::token_sk(token_id), true).await
    }

    /// The key of `user_id`'s token `token_id` (for reading it with its owner).
    pub fn token_key(user_id: &str, token_id: &str) -> (String, String) {
        (keys::user_pk(user_id), keys::token_sk(token_id))
    }

    /// The lookup item for a presented secret (one GetItem by its hash).
    pub async fn token_by_secret(&self, secret: &str) -> ApiResult<Option<TokenHashItem>> {
        self.get(&keys::token_hash_pk(&crate::token::hash(secret)), keys::TOKEN_SK, true).await
    }

    /// Only the token's owner creates it (R13).
    pub fn create_token_actions(
        &self,
        permit: &impl Allows<ApiTokensCreate>,
        token: &TokenItem,
    ) -> ApiResult<Vec<TxAction>> {
        if !permit.may_act_for(&token.user_id) {
            return Err(ApiError::internal("a token can only be created by its owner"));
        }
        let exists = || ApiError::conflict(ErrorCode::TokenExists, "Retry the request.");
        Ok(vec![
            tx::put_new(self.table, token, exists())?,
            tx::put_new(
                self.table,
                &TokenHashItem {
                    pk: keys::token_hash_pk(&token.secret_sha256),
                    sk: keys::TOKEN_SK.into(),
                    token_id: token.token_id.clone(),
                    user_id: token.user_id.clone(),
                    expires_at: token.expires_at,
                },
                exists(),
            )?,
        ])
    }

    pub fn delete_token_actions(&self, permit: &impl DeletesTokens, token: &TokenItem) -> ApiResult<Vec<TxAction>> {
        if !permit.may_delete_token_of(&token.user_id) {
            return Err(ApiError::internal("only a token's owner deletes it"));
        }
        let gone = token_not_found;
        Ok(vec![
            tx::delete_if(self.table, &token.pk, &token.sk, "attribute_exists(PK)", None, gone())?,
            tx::delete_if(
                self.table,
                &keys::token_hash_pk(&token.secret_sha256),
                keys::TOKEN_SK,
                "attribute_exists(PK)",
                None,
                gone(),
            )?,
        ])
    }

    /// Records a use of the token, at most once per `min_interval_ms` (no write on every request).
    pub async fn touch_token(&self, user_id: &str, token_id: &str, now: i64, min_interval_ms: i64) -> ApiResult<()> {
        self.set_time_if_older(&keys::user_pk(user_id), &keys::token_sk(token_id), "last_used_at", now, min_interval_ms)
            .await
    }
}
