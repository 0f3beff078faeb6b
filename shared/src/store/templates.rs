//! RBAC template items and their reference counts.

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};

use super::{key, Store, TxAction};
use crate::error::{ApiError, ApiResult, ErrorDetail};
use crate::keys;
use crate::model::template::{TemplateItem, TEMPLATES_GSI_PK};

pub fn template_not_found() -> ApiError {
    ApiError::not_found("rbac_template_not_found", "No RBAC template has that id.")
}

fn no_such_template() -> ApiError {
    ApiError::validation(vec![ErrorDetail::field("rbac_template_id", "no such RBAC template")])
}

/// `delta` organizations start (+1) or stop (-1) using `template_id`, inside their transaction.
/// Adding requires the template to exist.
pub fn template_ref_action(table: &str, template_id: &str, delta: i64) -> ApiResult<TxAction> {
    let u = Update::builder()
        .table_name(table)
        .set_key(Some(key(keys::template_pk(template_id), keys::TEMPLATE_SK)))
        .update_expression("ADD refs :d")
        .condition_expression("attribute_exists(PK)")
        .expression_attribute_values(":d", AttributeValue::N(delta.to_string()))
        .build()
        .map_err(ApiError::internal)?;
    Ok(TxAction { action: TransactWriteItem::builder().update(u).build(), on_condition_failed: no_such_template() })
}

impl Store<'_> {
    pub async fn get_template(&self, id: &str) -> ApiResult<Option<TemplateItem>> {
        self.get(&keys::template_pk(id), keys::TEMPLATE_SK, true).await
    }

    /// Every template (one GSI1 partition).
    pub async fn all_templates(&self) -> ApiResult<Vec<TemplateItem>> {
        self.gsi1_all(TEMPLATES_GSI_PK).await
    }
}
