//! RBAC template items and their reference counts.

use crate::error::ErrorCode;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};

use std::collections::HashMap;

use super::{key, to_item, tx, Store, TxAction};
use crate::error::{ApiError, ApiResult, ErrorDetail};
use crate::model::template::{OrgDataVisibility, ParentVisibility, TemplateItem, TEMPLATES_GSI_PK};
use crate::policy::permit::PlatformManage;
use crate::policy::Permit;
use crate::store::keys;

pub fn template_not_found() -> ApiError {
    ApiError::not_found(ErrorCode::RbacTemplateNotFound, "No RBAC template has that id.")
}

fn no_such_template() -> ApiError {
    ApiError::validation(vec![ErrorDetail::field("rbac_template_id", "no such RBAC template")])
}

/// `delta` organizations start (+1) or stop (-1) using `template_id`, inside their transaction.
/// Adding requires the template to exist.
pub(crate) fn template_ref_action(table: &str, template_id: &str, delta: i64) -> ApiResult<TxAction> {
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

    /// The action creating template `t` (its id must be free).
    pub fn create_template_action(&self, _permit: &Permit<PlatformManage>, t: &TemplateItem) -> ApiResult<TxAction> {
        tx::put_new(self.table, t, ApiError::conflict(ErrorCode::RbacTemplateExists, "A template with that id exists."))
    }

    /// The action replacing template `t`'s own fields (never its reference count) if it is still
    /// at `expected_version`.
    pub fn replace_template_action(
        &self,
        _permit: &Permit<PlatformManage>,
        t: &TemplateItem,
        expected_version: u64,
    ) -> ApiResult<TxAction> {
        let item = to_item(t)?;
        let field = |name: &str| item.get(name).cloned().unwrap_or(AttributeValue::Null(true));
        let values: HashMap<String, AttributeValue> = [
            (":n", field("display_name")),
            (":p", field("parent_visibility")),
            (":c", field("child_visibility")),
            (":o", field("org_visibility")),
            (":a", field("allowlist")),
            (":v", AttributeValue::N(expected_version.to_string())),
            (":next", AttributeValue::N((expected_version + 1).to_string())),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        tx::update_if(
            self.table,
            &keys::template_pk(&t.template_id),
            keys::TEMPLATE_SK,
            "SET display_name = :n, parent_visibility = :p, child_visibility = :c, org_visibility = :o, allowlist = :a, version = :next",
            "version = :v",
            Some(values),
            ApiError::conflict(ErrorCode::VersionConflict, "The template was changed by another request; retry."),
        )
    }

    /// The action deleting template `t` unless an organization uses it.
    pub fn delete_template_action(&self, _permit: &Permit<PlatformManage>, t: &TemplateItem) -> ApiResult<TxAction> {
        tx::delete_if(
            self.table,
            &t.pk,
            &t.sk,
            "attribute_not_exists(refs) OR refs <= :zero",
            Some([(":zero".to_string(), AttributeValue::N("0".into()))].into()),
            ApiError::conflict(ErrorCode::RbacTemplateInUse, "Organizations use this template; move them first."),
        )
    }

    /// Every template (one GSI1 partition).
    pub async fn all_templates(&self) -> ApiResult<Vec<TemplateItem>> {
        self.gsi1_all(TEMPLATES_GSI_PK).await
    }
}

/// The template constructor lives in the store: it fills the keys.
impl TemplateItem {
    pub fn new(
        id: &str,
        name: &str,
        parent: ParentVisibility,
        child: OrgDataVisibility,
        org: OrgDataVisibility,
        allowlist: Vec<String>,
        now: i64,
    ) -> Self {
        TemplateItem {
            pk: keys::template_pk(id),
            sk: keys::TEMPLATE_SK.to_string(),
            gsi1pk: TEMPLATES_GSI_PK.to_string(),
            gsi1sk: id.to_string(),
            template_id: id.to_string(),
            display_name: name.to_string(),
            parent_visibility: parent,
            child_visibility: child,
            org_visibility: org,
            allowlist,
            created_at: now,
            version: 1,
            refs: 0,
        }
    }
}
