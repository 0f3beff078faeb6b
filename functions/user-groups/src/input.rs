//! Request shapes of the user-groups routes and their checks.

use serde::Deserialize;
pub use shared::edge::paging::{PageQuery, SortField};
use shared::model::group::Grant;
use shared::model::org::patch_field;
use shared::validate::Validator;
use shared::ApiResult;

/// Members of one group (every membership change is one transaction with the users it touches).
pub const MAX_MEMBERS: usize = 50;
pub const MAX_GRANTS: usize = 20;
/// Groups one user may belong to.
pub const MAX_GROUPS_PER_USER: usize = 20;
pub const MAX_CATEGORIES: usize = 50;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({
    "name": "Support", "description": "First-line support", "parent_organization_id": "root"
})))]
pub struct CreateGroupRequest {
    #[cfg_attr(feature = "openapi", schema(required = true, schema_with = shared::openapi_fields::text_200))]
    pub name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = shared::openapi_fields::plain_1000_opt))]
    pub description: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true, schema_with = shared::openapi_fields::id))]
    pub parent_organization_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = shared::openapi_fields::id_set_50_opt))]
    pub user_ids: Option<Vec<String>>,
    #[cfg_attr(feature = "openapi", schema(max_items = 20))]
    pub accessible_organizations: Option<Vec<Grant>>,
    pub can_assign_cases: Option<bool>,
    #[cfg_attr(feature = "openapi", schema(schema_with = shared::openapi_fields::text_100_list_50_opt))]
    pub case_categories: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({"description": "Second-line support"})))]
pub struct UpdateGroupRequest {
    #[serde(default, deserialize_with = "patch_field")]
    #[cfg_attr(feature = "openapi", schema(schema_with = shared::openapi_fields::text_200))]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[cfg_attr(feature = "openapi", schema(schema_with = shared::openapi_fields::plain_1000_opt))]
    pub description: Option<Option<String>>,
    #[cfg_attr(feature = "openapi", schema(schema_with = shared::openapi_fields::id_set_50_opt))]
    pub user_ids: Option<Vec<String>>,
    #[cfg_attr(feature = "openapi", schema(max_items = 20))]
    pub accessible_organizations: Option<Vec<Grant>>,
    pub can_assign_cases: Option<bool>,
    #[cfg_attr(feature = "openapi", schema(schema_with = shared::openapi_fields::text_100_list_50_opt))]
    pub case_categories: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgRef {
    pub organization_id: String,
}

/// `ListUserGroupFilter` of seed 000.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListUserGroupFilter {
    pub search: Option<String>,
    pub accessible_organization_list: Option<Vec<OrgRef>>,
    pub user_id_list: Option<Vec<String>>,
    pub parent_organization_id_list: Option<Vec<String>>,
    pub no_organization_linked: Option<bool>,
    pub no_user_present: Option<bool>,
    pub user_group_types: Option<Vec<String>>,
    pub category_names: Option<Vec<String>>,
    pub permissions: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FilterGroupsRequest {
    pub filter: Option<ListUserGroupFilter>,
    pub sort: Option<Vec<SortField>>,
}

pub const SORT_FIELDS: [&str; 4] = ["name", "created_at", "modified_at", "parent_organization_id"];

pub fn check_common(
    v: &mut Validator,
    description: Option<&str>,
    user_ids: Option<&[String]>,
    grants: Option<&[Grant]>,
    categories: Option<&[String]>,
) {
    if let Some(d) = description {
        if d.chars().count() > 1000 || d.chars().any(char::is_control) {
            v.add("description", "must be at most 1000 characters without control characters");
        }
    }
    if let Some(ids) = user_ids {
        if ids.len() > MAX_MEMBERS {
            v.add("user_ids", format!("must have at most {MAX_MEMBERS} entries"));
        }
        for (i, id) in ids.iter().enumerate() {
            v.id(&format!("user_ids[{i}]"), id);
            if ids[..i].contains(id) {
                v.add(&format!("user_ids[{i}]"), "is repeated");
            }
        }
    }
    if let Some(gs) = grants {
        if gs.len() > MAX_GRANTS {
            v.add("accessible_organizations", format!("must have at most {MAX_GRANTS} entries"));
        }
        for (i, g) in gs.iter().enumerate() {
            v.id(&format!("accessible_organizations[{i}].organization_id"), &g.organization_id);
            if gs[..i].iter().any(|x| x.organization_id == g.organization_id) {
                v.add(&format!("accessible_organizations[{i}].organization_id"), "is repeated");
            }
            if !g.select_all_child_orgs && !g.include_current_organization {
                v.add(
                    &format!("accessible_organizations[{i}]"),
                    "grants nothing: set select_all_child_orgs or include_current_organization",
                );
            }
        }
    }
    if let Some(cs) = categories {
        if cs.len() > MAX_CATEGORIES {
            v.add("case_categories", format!("must have at most {MAX_CATEGORIES} entries"));
        }
        for (i, c) in cs.iter().enumerate() {
            v.text(&format!("case_categories[{i}]"), c, 100);
        }
    }
}

pub fn check_create(b: &CreateGroupRequest) -> ApiResult<()> {
    let mut v = Validator::new();
    if let Some(n) = v.required("name", &b.name) {
        v.text("name", n, 200);
    }
    if let Some(p) = v.required("parent_organization_id", &b.parent_organization_id) {
        v.id("parent_organization_id", p);
    }
    check_common(
        &mut v,
        b.description.as_deref(),
        b.user_ids.as_deref(),
        b.accessible_organizations.as_deref(),
        b.case_categories.as_deref(),
    );
    v.finish()
}

pub fn check_update(b: &UpdateGroupRequest) -> ApiResult<()> {
    let mut v = Validator::new();
    match &b.name {
        Some(None) => v.add("name", "cannot be null"),
        Some(Some(n)) => v.text("name", n, 200),
        None => {}
    }
    check_common(
        &mut v,
        b.description.as_ref().and_then(|d| d.as_deref()),
        b.user_ids.as_deref(),
        b.accessible_organizations.as_deref(),
        b.case_categories.as_deref(),
    );
    v.finish()
}

pub fn check_filter(f: &ListUserGroupFilter, sort: &[SortField], page: &PageQuery) -> ApiResult<()> {
    let mut v = Validator::new();
    shared::edge::paging::check_page(&mut v, page);
    shared::edge::paging::check_sort(&mut v, sort, &SORT_FIELDS);
    for (i, t) in f.user_group_types.iter().flatten().enumerate() {
        if t != "default" {
            v.add(&format!("filter.user_group_types[{i}]"), "must be: default");
        }
    }
    for (i, p) in f.permissions.iter().flatten().enumerate() {
        if shared::model::catalogue::permission(p).is_none() {
            v.add(&format!("filter.permissions[{i}]"), "is not a permission of the catalogue");
        }
    }
    for (field, list) in [
        ("filter.user_id_list", &f.user_id_list),
        ("filter.parent_organization_id_list", &f.parent_organization_id_list),
    ] {
        for (i, id) in list.iter().flatten().enumerate() {
            v.id(&format!("{field}[{i}]"), id);
        }
    }
    v.finish()
}
