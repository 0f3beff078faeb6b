//! R13: only admins and superadmins hold tokens; a token acts with exactly its creator's current
//! rights (the functions resolve the creator on every request); only the creator lists or deletes
//! their tokens; the secret is shown once and stored as a hash (and sealed, if a key is set).
//! R28: tokens expire ([`expiry`]), and an API-token caller never receives a secret it did not
//! create.

use serde::Serialize;
use serde_json::{json, Map};
use shared::authz::decide::own_tokens;
use shared::authz::holds;
use shared::error::ErrorCode;
use shared::model::activity::{ActivityKind, ActorType};
use shared::model::now_ms;
use shared::policy::permit::{ApiTokensCreate, ApiTokensDelete, ApiTokensRead};
use shared::store::activity::Change;
use shared::store::tokens::{token_not_found, TokenItem};
use shared::validate::{path_identifier, Validator};
use shared::{token, ApiError, ApiResult, AppState, Caller};

use crate::expiry;

/// Most tokens one user may hold.
pub const MAX_TOKENS_PER_USER: usize = 20;
pub const MAX_NAME: usize = 100;

/// A token's metadata, never its secret: in lists, and what `return_active_token_if_exists`
/// answers a caller authenticated by an API token (R28).
#[derive(Debug, Clone, Serialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenSummary {
    pub token_id: String,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    /// When the token stops working (epoch ms); null only for tokens made before expiry existed.
    pub expires_at: Option<i64>,
}

/// A token with its secret: only in the response that creates it (and its idempotent replay), or
/// returns it to a caller signed in interactively.
#[derive(Debug, Clone, Serialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenWithSecret {
    pub token_id: String,
    pub name: String,
    pub token: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    /// When the token stops working (epoch ms); null only for tokens made before expiry existed.
    pub expires_at: Option<i64>,
}

/// What `POST /api-tokens` answers: the secret, or (an API-token caller's active token) metadata.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TokenResponse {
    WithSecret(TokenWithSecret),
    Metadata(TokenSummary),
}

fn summary(t: &TokenItem) -> TokenSummary {
    TokenSummary {
        token_id: t.token_id.clone(),
        name: t.name.clone(),
        created_at: t.created_at,
        last_used_at: t.last_used_at,
        expires_at: t.expires_at,
    }
}

/// The caller's active (unexpired) token named `name`, newest first, as this caller may see it:
/// with its secret for an interactive caller (when it can be unsealed), metadata only for a
/// caller authenticated by an API token, so a stolen token never yields another (R28).
fn active_token(
    state: &AppState,
    caller: &Caller,
    mut tokens: Vec<TokenItem>,
    name: &str,
    now: i64,
) -> Option<TokenResponse> {
    tokens.sort_by_key(|t| std::cmp::Reverse(t.created_at));
    let mut active = tokens.into_iter().filter(|t| t.name == name && !t.expired(now));
    if caller.actor_type != ActorType::User {
        return active.next().map(|t| TokenResponse::Metadata(summary(&t)));
    }
    active.find_map(|t| {
        let secret = state.config.token_sealer.as_ref()?.open(&t.token_id, t.secret_sealed.as_deref()?)?;
        let s = summary(&t);
        Some(TokenResponse::WithSecret(TokenWithSecret {
            token_id: s.token_id,
            name: s.name,
            token: secret,
            created_at: s.created_at,
            last_used_at: s.last_used_at,
            expires_at: s.expires_at,
        }))
    })
}

/// Creates a token, or with `return_existing` returns the caller's newest active token of that
/// name ([`active_token`]). Returns the answer and whether a token was created.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    name: Option<String>,
    expires_at: Option<serde_json::Value>,
    return_existing: bool,
) -> ApiResult<(TokenResponse, bool)> {
    let permit = own_tokens(caller, holds::<ApiTokensCreate>(caller)?);
    let now = now_ms();
    let mut v = Validator::new();
    if let Some(n) = v.required("name", &name) {
        v.text("name", n, MAX_NAME);
    }
    let expires_at = expiry::expiry(&mut v, expires_at.as_ref(), now, expiry::max_lifetime_ms());
    v.finish()?;
    let name = name.unwrap_or_default().trim().to_string();
    let store = state.store();
    let existing = store.tokens_of(caller.user_id()).await?;
    let count = existing.len();
    if return_existing {
        if let Some(t) = active_token(state, caller, existing, &name, now) {
            return Ok((t, false));
        }
    }
    // R28: a stolen token never yields another. Minting a token is an interactive act (an OIDC
    // sign-in, or a local run's identity headers), as GitHub and Auth0 make it: a new token
    // minted with a token would outlive the revocation of the one it was minted with.
    if caller.actor_type != ActorType::User {
        return Err(ApiError::forbidden(
            ErrorCode::InteractiveSignInRequired,
            "Creating an API token needs an interactive sign-in (an OIDC JWT), not an API token.",
        ));
    }
    if count >= MAX_TOKENS_PER_USER {
        return Err(ApiError::conflict(
            ErrorCode::TokenLimitReached,
            format!("A user may hold at most {MAX_TOKENS_PER_USER} tokens; delete one first."),
        ));
    }
    let secret = token::generate().map_err(ApiError::internal)?;
    let id = uuid::Uuid::new_v4().to_string();
    let mut item = TokenItem {
        pk: String::new(),
        sk: String::new(),
        token_id: id.clone(),
        name: name.clone(),
        user_id: caller.user_id().to_string(),
        created_at: now,
        last_used_at: None,
        secret_sha256: token::hash(&secret),
        secret_sealed: state.config.token_sealer.as_ref().and_then(|s| s.seal(&id, &secret)),
        expires_at,
    };
    shared::store::reads::fill_token_keys(&mut item);
    let mut actions = store.create_token_actions(&permit, &item)?;
    let mut changes = Map::new();
    changes.insert("name".into(), json!({"to": name}));
    actions.push(store.activity_action(
        &permit,
        Change {
            kind: ActivityKind::ApiTokenCreated,
            organization_id: caller.home_org(),
            target_type: "api_token",
            target_id: &id,
            changes,
        },
    )?);
    store.transact(actions).await?;
    let created =
        TokenWithSecret { token_id: id, name, token: secret, created_at: now, last_used_at: None, expires_at };
    Ok((TokenResponse::WithSecret(created), true))
}

/// The caller's own tokens, oldest first.
pub async fn list(state: &AppState, caller: &Caller) -> ApiResult<Vec<TokenSummary>> {
    holds::<ApiTokensRead>(caller)?;
    let mut tokens = state.store().tokens_of(caller.user_id()).await?;
    tokens.sort_by(|a, b| a.created_at.cmp(&b.created_at).then_with(|| a.token_id.cmp(&b.token_id)));
    Ok(tokens.iter().map(summary).collect())
}

/// Deletes one of the caller's own tokens; anyone else's is a 404.
pub async fn delete(state: &AppState, caller: &Caller, token_id: &str) -> ApiResult<()> {
    let permit = own_tokens(caller, holds::<ApiTokensDelete>(caller)?);
    path_identifier(token_id, "token id")?;
    let store = state.store();
    let token = store.get_token(caller.user_id(), token_id).await?.ok_or_else(token_not_found)?;
    let mut actions = store.delete_token_actions(&permit, &token)?;
    let mut changes = Map::new();
    changes.insert("name".into(), json!({"from": token.name}));
    actions.push(store.activity_action(
        &permit,
        Change {
            kind: ActivityKind::ApiTokenDeleted,
            organization_id: caller.home_org(),
            target_type: "api_token",
            target_id: token_id,
            changes,
        },
    )?);
    store.transact(actions).await
}
