use aws_sdk_dynamodb::types::{ConditionCheck, Delete, Put, TransactWriteItem, Update};

use super::*;

/// Put `item`, failing with `on_fail` if an item with its key already exists.
pub fn put_new<T: Serialize>(table: &str, item: &T, on_fail: ApiError) -> ApiResult<TxAction> {
    put_if(table, item, Some("attribute_not_exists(PK)"), None, on_fail)
}

/// Put `item` under an optional condition with `:v`-style values.
pub fn put_if<T: Serialize>(
    table: &str,
    item: &T,
    condition: Option<&str>,
    values: Option<HashMap<String, AttributeValue>>,
    on_fail: ApiError,
) -> ApiResult<TxAction> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(to_item(item)?))
        .set_condition_expression(condition.map(str::to_string))
        .set_expression_attribute_values(values)
        .build()
        .map_err(ApiError::internal)?;
    Ok(TxAction { action: TransactWriteItem::builder().put(put).build(), on_condition_failed: on_fail })
}

/// Delete the item at `pk`/`sk` under a condition.
pub fn delete_if(
    table: &str,
    pk: &str,
    sk: &str,
    condition: &str,
    values: Option<HashMap<String, AttributeValue>>,
    on_fail: ApiError,
) -> ApiResult<TxAction> {
    let d = Delete::builder()
        .table_name(table)
        .set_key(Some(key(pk, sk)))
        .condition_expression(condition)
        .set_expression_attribute_values(values)
        .build()
        .map_err(ApiError::internal)?;
    Ok(TxAction { action: TransactWriteItem::builder().delete(d).build(), on_condition_failed: on_fail })
}

/// Update the item at `pk`/`sk` with `update` under `condition`.
pub fn update_if(
    table: &str,
    pk: &str,
    sk: &str,
    update: &str,
    condition: &str,
    values: Option<HashMap<String, AttributeValue>>,
    on_fail: ApiError,
) -> ApiResult<TxAction> {
    let u = Update::builder()
        .table_name(table)
        .set_key(Some(key(pk, sk)))
        .update_expression(update)
        .condition_expression(condition)
        .set_expression_attribute_values(values)
        .build()
        .map_err(ApiError::internal)?;
    Ok(TxAction { action: TransactWriteItem::builder().update(u).build(), on_condition_failed: on_fail })
}

/// `{":name": S(value)}` for a condition.
pub fn s_value(name: &str, value: &str) -> Option<HashMap<String, AttributeValue>> {
    Some([(name.to_string(), AttributeValue::S(value.to_string()))].into())
}

/// Check a condition on another item without writing it.
pub fn check(
    table: &str,
    pk: &str,
    sk: &str,
    condition: &str,
    values: Option<HashMap<String, AttributeValue>>,
    on_fail: ApiError,
) -> ApiResult<TxAction> {
    let cc = ConditionCheck::builder()
        .table_name(table)
        .set_key(Some(key(pk, sk)))
        .condition_expression(condition)
        .set_expression_attribute_values(values)
        .build()
        .map_err(ApiError::internal)?;
    Ok(TxAction { action: TransactWriteItem::builder().condition_check(cc).build(), on_condition_failed: on_fail })
}
