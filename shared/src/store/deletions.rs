//! The deletions registry: which organization subtrees are being purged.
//!
//! `DELETIONS` / `SHARD#<n>` items each hold the full set (`orgs`, a string set) of subtree roots
//! whose deletion has started and not finished; a deletion adds its root to every shard in its
//! marking transaction and removes it when the purge is done. Readers pick a shard by key, so the
//! hot item's reads spread over [`keys::DELETION_SHARDS`] partitions. The set is tiny (deletions
//! take seconds to minutes), and it is read in the same BatchGetItem as the caller's user item.
//!
//! Every write under an organization carries [`not_deleting_check`]: a condition that no
//! organization on its path is in the set. DynamoDB serialises that check against the marking
//! transaction, so nothing can be created or changed inside a subtree once its deletion started.

use crate::error::ErrorCode;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, TransactWriteItem, Update};

use super::{key, Item, TxAction};
use crate::error::{ApiError, ApiResult};
use crate::store::keys;

pub fn being_deleted() -> ApiError {
    ApiError::conflict(ErrorCode::OrganizationBeingDeleted, "The organization is being deleted.")
}

/// The roots in a registry shard item.
pub fn roots_in(item: &Item) -> Vec<String> {
    item.get("orgs").and_then(|v| v.as_ss().ok()).cloned().unwrap_or_default()
}

/// Is any organization of `path` (root first) under deletion, given the registry's `roots`?
pub fn path_deleting(path: &[String], roots: &[String]) -> bool {
    !roots.is_empty() && path.iter().any(|p| roots.contains(p))
}

/// A condition, inside a write transaction, that no organization of `path` is being deleted.
pub fn not_deleting_check(table: &str, path: &[String]) -> ApiResult<TxAction> {
    let shard = keys::deletion_shard_for(path.last().map(String::as_str).unwrap_or_default());
    let mut cond = String::from("attribute_not_exists(orgs)");
    let mut values = std::collections::HashMap::new();
    if !path.is_empty() {
        let parts: Vec<String> = (0..path.len()).map(|i| format!("NOT contains(orgs, :p{i})")).collect();
        cond = format!("{cond} OR ({})", parts.join(" AND "));
        for (i, p) in path.iter().enumerate() {
            values.insert(format!(":p{i}"), AttributeValue::S(p.clone()));
        }
    }
    let cc = ConditionCheck::builder()
        .table_name(table)
        .set_key(Some(key(keys::DELETIONS_PK, shard)))
        .condition_expression(cond)
        .set_expression_attribute_values(if values.is_empty() { None } else { Some(values) })
        .build()
        .map_err(ApiError::internal)?;
    Ok(TxAction {
        action: TransactWriteItem::builder().condition_check(cc).build(),
        on_condition_failed: being_deleted(),
    })
}

fn shard_update(table: &str, n: u32, expr: &str, root: &str) -> ApiResult<TxAction> {
    let u = Update::builder()
        .table_name(table)
        .set_key(Some(key(keys::DELETIONS_PK, keys::deletion_shard_sk(n))))
        .update_expression(expr)
        .expression_attribute_values(":r", AttributeValue::Ss(vec![root.to_string()]))
        .build()
        .map_err(ApiError::internal)?;
    Ok(TxAction { action: TransactWriteItem::builder().update(u).build(), on_condition_failed: being_deleted() })
}

/// Actions adding `root` to every shard (inside the marking transaction).
pub fn mark_actions(table: &str, root: &str) -> ApiResult<Vec<TxAction>> {
    (0..keys::DELETION_SHARDS).map(|n| shard_update(table, n, "ADD orgs :r", root)).collect()
}

/// Actions removing `root` from every shard (when its purge is done).
pub fn unmark_actions(table: &str, root: &str) -> ApiResult<Vec<TxAction>> {
    (0..keys::DELETION_SHARDS).map(|n| shard_update(table, n, "DELETE orgs :r", root)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_meet_roots() {
        let path = vec!["r".to_string(), "a".to_string(), "b".to_string()];
        assert!(path_deleting(&path, &["a".to_string()]));
        assert!(!path_deleting(&path, &["x".to_string()]));
        assert!(!path_deleting(&path, &[]));
    }
}
