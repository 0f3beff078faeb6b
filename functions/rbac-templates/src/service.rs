//! The RBAC templates service.

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};
use serde_json::Map;
use shared::model::now_ms;
use shared::model::template::{OrgDataVisibility, ParentVisibility, TemplateItem, Visibility};
use shared::store::activity::{Actor, Change};
use shared::store::templates::template_not_found;
use shared::store::{key, map_sdk_error, tx};
use shared::validate::Validator;
use shared::{keys, ApiError, ApiResult, AppState, Caller};

/// `POST /rbac-templates` and `PUT /rbac-templates/{id}` body (`allowlist` is an extension: the
/// templates an organization on this one may move to).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateBody {
    pub template_id: String,
    pub display_name: String,
    pub parent_visibility: ParentVisibility,
    pub child_visibility: OrgDataVisibility,
    pub org_visibility: OrgDataVisibility,
    #[serde(default)]
    pub allowlist: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TemplateView {
    pub template_id: String,
    pub display_name: String,
    pub parent_visibility: ParentVisibility,
    pub child_visibility: OrgDataVisibility,
    pub org_visibility: OrgDataVisibility,
    pub allowlist: Vec<String>,
    pub version: u64,
}

impl From<TemplateItem> for TemplateView {
    fn from(t: TemplateItem) -> Self {
        TemplateView {
            template_id: t.template_id,
            display_name: t.display_name,
            parent_visibility: t.parent_visibility,
            child_visibility: t.child_visibility,
            org_visibility: t.org_visibility,
            allowlist: t.allowlist,
            version: t.version,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Movement {
    pub template_id: String,
    pub allowlist: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ParentOptions {
    pub user_mgmt: Vec<Visibility>,
    pub org_data: Vec<Visibility>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DataOptions {
    pub org_data: Vec<Visibility>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Options {
    pub parent_visibility: ParentOptions,
    pub child_visibility: DataOptions,
    pub org_visibility: DataOptions,
}

const VALUES: [Visibility; 3] = [Visibility::FullAccess, Visibility::ReadOnly, Visibility::NoAccess];

pub fn options() -> Options {
    Options {
        parent_visibility: ParentOptions { user_mgmt: VALUES.to_vec(), org_data: VALUES.to_vec() },
        child_visibility: DataOptions { org_data: VALUES.to_vec() },
        org_visibility: DataOptions { org_data: VALUES.to_vec() },
    }
}

/// Platform superadmins: superadmins of the root organization (which has no parent).
fn require_platform_superadmin(caller: &Caller) -> ApiResult<()> {
    if caller.role().manages_organizations() && caller.user.org_path.len() == 1 {
        Ok(())
    } else {
        Err(ApiError::forbidden("forbidden", "Only superadmins of the root organization manage RBAC templates."))
    }
}

fn check(b: &TemplateBody) -> ApiResult<()> {
    let mut v = Validator::new();
    v.id("template_id", &b.template_id);
    v.text("display_name", &b.display_name, 200);
    if b.allowlist.len() > 50 {
        v.add("allowlist", "must have at most 50 entries");
    }
    for (i, t) in b.allowlist.iter().enumerate() {
        v.id(&format!("allowlist[{i}]"), t);
    }
    v.finish()
}

fn item<T: Serialize>(v: &T) -> ApiResult<AttributeValue> {
    serde_dynamo::to_attribute_value(v).map_err(|e| ApiError::internal(format!("encode: {e}")))
}

pub async fn list(state: &AppState) -> ApiResult<Vec<TemplateView>> {
    let mut all = state.store().all_templates().await?;
    all.sort_by(|a, b| a.template_id.cmp(&b.template_id));
    Ok(all.into_iter().map(TemplateView::from).collect())
}

pub async fn movements(state: &AppState) -> ApiResult<Vec<Movement>> {
    Ok(list(state)
        .await?
        .into_iter()
        .map(|t| Movement { template_id: t.template_id, allowlist: t.allowlist })
        .collect())
}

pub async fn get(state: &AppState, id: &str) -> ApiResult<TemplateView> {
    Ok(state.store().get_template(id).await?.ok_or_else(template_not_found)?.into())
}

fn activity(state: &AppState, caller: &Caller, kind: &str, id: &str) -> ApiResult<shared::store::TxAction> {
    state.store().activity_action(
        &Actor::of(caller),
        Change {
            kind,
            organization_id: caller.home_org(),
            target_type: "rbac_template",
            target_id: id,
            changes: Map::new(),
        },
    )
}

pub async fn create(state: &AppState, caller: &Caller, b: TemplateBody) -> ApiResult<TemplateView> {
    require_platform_superadmin(caller)?;
    check(&b)?;
    let t = TemplateItem::new(
        &b.template_id,
        b.display_name.trim(),
        b.parent_visibility,
        b.child_visibility,
        b.org_visibility,
        b.allowlist,
        now_ms(),
    );
    let store = state.store();
    store
        .transact(vec![
            tx::put_new(
                store.table,
                &t,
                ApiError::conflict("rbac_template_exists", "A template with that id exists."),
            )?,
            activity(state, caller, "rbac_template.created", &t.template_id)?,
        ])
        .await?;
    Ok(t.into())
}

/// Replaces the template's own fields (never its reference count).
pub async fn replace(state: &AppState, caller: &Caller, id: &str, b: TemplateBody) -> ApiResult<TemplateView> {
    require_platform_superadmin(caller)?;
    check(&b)?;
    if b.template_id != id {
        return Err(ApiError::bad_request("template_id_mismatch", "The body's template_id must match the path."));
    }
    let store = state.store();
    let current = store.get_template(id).await?.ok_or_else(template_not_found)?;
    let res = store
        .client
        .update_item()
        .table_name(store.table)
        .set_key(Some(key(keys::template_pk(id), keys::TEMPLATE_SK)))
        .update_expression("SET display_name = :n, parent_visibility = :p, child_visibility = :c, org_visibility = :o, allowlist = :a, version = :next")
        .condition_expression("version = :v")
        .expression_attribute_values(":n", AttributeValue::S(b.display_name.trim().to_string()))
        .expression_attribute_values(":p", item(&b.parent_visibility)?)
        .expression_attribute_values(":c", item(&b.child_visibility)?)
        .expression_attribute_values(":o", item(&b.org_visibility)?)
        .expression_attribute_values(":a", item(&b.allowlist)?)
        .expression_attribute_values(":v", AttributeValue::N(current.version.to_string()))
        .expression_attribute_values(":next", AttributeValue::N((current.version + 1).to_string()))
        .send()
        .await;
    match res {
        Ok(_) => {}
        Err(aws_sdk_dynamodb::error::SdkError::ServiceError(se))
            if se.err().is_conditional_check_failed_exception() =>
        {
            return Err(ApiError::conflict("version_conflict", "The template was changed by another request; retry."))
        }
        Err(e) => return Err(map_sdk_error(e)),
    }
    get(state, id).await
}

/// A template in use by any organization cannot be deleted (409 `rbac_template_in_use`).
pub async fn delete(state: &AppState, caller: &Caller, id: &str) -> ApiResult<()> {
    require_platform_superadmin(caller)?;
    let store = state.store();
    let t = store.get_template(id).await?.ok_or_else(template_not_found)?;
    store
        .transact(vec![
            tx::delete_if(
                store.table,
                &t.pk,
                &t.sk,
                "attribute_not_exists(refs) OR refs <= :zero",
                Some([(":zero".to_string(), AttributeValue::N("0".into()))].into()),
                ApiError::conflict("rbac_template_in_use", "Organizations use this template; move them first."),
            )?,
            activity(state, caller, "rbac_template.deleted", id)?,
        ])
        .await
}
