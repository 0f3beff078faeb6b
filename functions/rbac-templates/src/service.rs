//! The RBAC templates service.

use serde::{Deserialize, Serialize};

use serde_json::{json, Map, Value};
use shared::authz::rules::platform;
use shared::error::ErrorCode;
use shared::model::activity::ActivityKind;
use shared::model::now_ms;
use shared::model::template::{builtin_visibility, OrgDataVisibility, ParentVisibility, TemplateItem, Visibility};
use shared::policy::permit::PlatformManage;
use shared::policy::Permit;
use shared::store::activity::Change;
use shared::store::templates::template_not_found;
use shared::validate::Validator;
use shared::{ApiError, ApiResult, AppState, Caller};

/// `POST /rbac-templates` and `PUT /rbac-templates/{id}` body (`allowlist` is an extension: the
/// templates an organization on this one may move to).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateBody {
    #[cfg_attr(feature = "openapi", schema(schema_with = shared::openapi_fields::id))]
    pub template_id: String,
    #[cfg_attr(feature = "openapi", schema(schema_with = shared::openapi_fields::text_200))]
    pub display_name: String,
    pub parent_visibility: ParentVisibility,
    pub child_visibility: OrgDataVisibility,
    pub org_visibility: OrgDataVisibility,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = shared::openapi_fields::id_list_50))]
    pub allowlist: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Movement {
    pub template_id: String,
    pub allowlist: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ParentOptions {
    pub user_mgmt: Vec<Visibility>,
    pub org_data: Vec<Visibility>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DataOptions {
    pub org_data: Vec<Visibility>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

fn activity(
    state: &AppState,
    permit: &Permit<PlatformManage>,
    kind: ActivityKind,
    id: &str,
    changes: Map<String, Value>,
) -> ApiResult<shared::store::TxAction> {
    state.store().activity_action(
        permit,
        Change { kind, organization_id: permit.org_id(), target_type: "rbac_template", target_id: id, changes },
    )
}

/// `{field: {from, to}}` for every field of the template that differs (`from` null on create).
fn template_changes(from: Option<&TemplateBody>, to: &TemplateBody) -> Map<String, Value> {
    let as_json = |b: &TemplateBody| {
        json!({
            "display_name": b.display_name.trim(),
            "parent_visibility": b.parent_visibility,
            "child_visibility": b.child_visibility,
            "org_visibility": b.org_visibility,
            "allowlist": b.allowlist,
        })
    };
    let new = as_json(to);
    let old = from.map(as_json).unwrap_or(Value::Null);
    let mut out = Map::new();
    for (field, value) in new.as_object().into_iter().flatten() {
        let before = old.get(field).cloned().unwrap_or(Value::Null);
        if before != *value {
            out.insert(field.clone(), json!({"from": before, "to": value}));
        }
    }
    out
}

fn builtin_refused() -> ApiError {
    ApiError::conflict(
        ErrorCode::RbacTemplateBuiltin,
        "Built-in templates keep their visibility values and cannot be deleted; create a template instead.",
    )
}

pub async fn create(state: &AppState, caller: &Caller, b: TemplateBody) -> ApiResult<TemplateView> {
    let permit = platform(caller)?;
    check(&b)?;
    let b_copy = b.clone();
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
            store.create_template_action(&permit, &t)?,
            activity(
                state,
                &permit,
                ActivityKind::RbacTemplateCreated,
                &t.template_id,
                template_changes(None, &b_copy),
            )?,
        ])
        .await?;
    Ok(t.into())
}

/// Replaces the template's own fields (never its reference count).
pub async fn replace(state: &AppState, caller: &Caller, id: &str, b: TemplateBody) -> ApiResult<TemplateView> {
    let permit = platform(caller)?;
    check(&b)?;
    if b.template_id != id {
        return Err(ApiError::bad_request(
            ErrorCode::TemplateIdMismatch,
            "The body's template_id must match the path.",
        ));
    }
    let store = state.store();
    let current = store.get_template(id).await?.ok_or_else(template_not_found)?;
    if builtin_visibility(id).is_some_and(|v| {
        v.parent_visibility != b.parent_visibility
            || v.child_visibility != b.child_visibility
            || v.org_visibility != b.org_visibility
    }) {
        return Err(builtin_refused());
    }
    let before = TemplateBody {
        template_id: current.template_id.clone(),
        display_name: current.display_name.clone(),
        parent_visibility: current.parent_visibility.clone(),
        child_visibility: current.child_visibility.clone(),
        org_visibility: current.org_visibility.clone(),
        allowlist: current.allowlist.clone(),
    };
    let changes = template_changes(Some(&before), &b);
    if changes.is_empty() {
        return Ok(current.into());
    }
    let replaced = TemplateItem {
        display_name: b.display_name.trim().to_string(),
        parent_visibility: b.parent_visibility,
        child_visibility: b.child_visibility,
        org_visibility: b.org_visibility,
        allowlist: b.allowlist,
        ..current.clone()
    };
    store
        .transact(vec![
            store.replace_template_action(&permit, &replaced, current.version)?,
            activity(state, &permit, ActivityKind::RbacTemplateUpdated, id, changes)?,
        ])
        .await?;
    // The template as written (the update sets exactly these fields and the next version).
    Ok(TemplateItem { version: current.version + 1, ..replaced }.into())
}

/// A template in use by any organization cannot be deleted (409 `rbac_template_in_use`).
pub async fn delete(state: &AppState, caller: &Caller, id: &str) -> ApiResult<()> {
    let permit = platform(caller)?;
    let store = state.store();
    let t = store.get_template(id).await?.ok_or_else(template_not_found)?;
    if builtin_visibility(id).is_some() {
        return Err(builtin_refused());
    }
    store
        .transact(vec![
            store.delete_template_action(&permit, &t)?,
            activity(state, &permit, ActivityKind::RbacTemplateDeleted, id, Map::new())?,
        ])
        .await
}
