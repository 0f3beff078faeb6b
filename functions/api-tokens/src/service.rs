//! R13: only admins and superadmins hold tokens; a token acts with exactly its creator's current
//! rights (the functions resolve the creator on every request); only the creator lists or deletes
//! their tokens; the secret is shown once and stored as a hash (and sealed, if a key is set).

use serde::Serialize;
use serde_json::{json, Map};
use shared::authz::decide::own_tokens;
use shared::authz::holds;
use shared::error::ErrorCode;
use shared::model::activity::ActivityKind;
use shared::model::now_ms;
use shared::policy::permit::{ApiTokensCreate, ApiTokensDelete, ApiTokensRead};
use shared::store::activity::Change;
use shared::store::tokens::{token_not_found, TokenItem};
use shared::validate::{path_identifier, Validator};
use shared::{token, ApiError, ApiResult, AppState, Caller};

/// Most tokens one user may hold.
pub const MAX_TOKENS_PER_USER: usize = 20;
pub const MAX_NAME: usize = 100;

/// A token as listed: never the secret.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenSummary {
    pub token_id: String,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// A token with its secret: only in the response that creates (or returns) it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenWithSecret {
    pub token_id: String,
    pub name: String,
    pub token: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

fn summary(t: &TokenItem) -> TokenSummary {
    TokenSummary {
        token_id: t.token_id.clone(),
        name: t.name.clone(),
        created_at: t.created_at,
        last_used_at: t.last_used_at,
    }
}

/// Creates a token, or with `return_existing` returns the caller's newest token of that name
/// (when its secret can be unsealed). Returns the token and whether it was created.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    name: Option<String>,
    return_existing: bool,
) -> ApiResult<(TokenWithSecret, bool)> {
    let permit = own_tokens(caller, holds::<ApiTokensCreate>(caller)?);
    let mut v = Validator::new();
    if let Some(n) = v.required("name", &name) {
        v.text("name", n, MAX_NAME);
    }
    v.finish()?;
    let name = name.unwrap_or_default().trim().to_string();
    let store = state.store();
    let mut existing = store.tokens_of(caller.user_id()).await?;
    if return_existing {
        existing.sort_by_key(|t| std::cmp::Reverse(t.created_at));
        let reusable = existing.iter().filter(|t| t.name == name).find_map(|t| {
            let sealer = state.config.token_sealer.as_ref()?;
            let secret = sealer.open(&t.token_id, t.secret_sealed.as_deref()?)?;
            Some(TokenWithSecret {
                token_id: t.token_id.clone(),
                name: t.name.clone(),
                token: secret,
                created_at: t.created_at,
                last_used_at: t.last_used_at,
            })
        });
        if let Some(t) = reusable {
            return Ok((t, false));
        }
    }
    if existing.len() >= MAX_TOKENS_PER_USER {
        return Err(ApiError::conflict(
            ErrorCode::TokenLimitReached,
            format!("A user may hold at most {MAX_TOKENS_PER_USER} tokens; delete one first."),
        ));
    }
    let secret = token::generate().map_err(ApiError::internal)?;
    let id = uuid::Uuid::new_v4().to_string();
    let now = now_ms();
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
    Ok((TokenWithSecret { token_id: id, name, token: secret, created_at: now, last_used_at: None }, true))
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
