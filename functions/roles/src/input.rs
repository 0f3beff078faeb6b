//! Request shapes of the roles routes and their checks. Every bad field is a 400 naming it, and
//! nothing is written.

use serde::Deserialize;
use shared::model::catalogue::{Perm, PermissionSet};
use shared::model::org::patch_field;
use shared::model::role::RoleStage;
use shared::validate::Validator;
use shared::ApiResult;

/// Members added by one bulk call (seed 002), and roles added to a user by one call.
pub const MAX_BULK: usize = 100;
/// Custom roles one user may hold.
pub const MAX_ROLES_PER_USER: usize = 20;
pub const MAX_NAME: usize = 100;
pub const MAX_NAMESPACE: usize = 100;
pub const MAX_DESCRIPTION: usize = 1000;

/// Seed 001's role body. `id` is optional: a slug of the caller's choosing, else a UUID.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({
    "name": "Support lead", "namespace": "support", "description": "Manages support users",
    "stage": "GA", "permissions": ["users:read", "users:update"]
})))]
pub struct RoleRequest {
    /// A slug (`a-z`, `0-9`, `-`, `_`; at most 64) for the new role's id; unused, or a UUID is given.
    #[cfg_attr(feature = "openapi", schema(schema_with = shared::openapi_fields::role_slug_opt))]
    pub id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true, schema_with = shared::openapi_fields::text_100))]
    pub name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = shared::openapi_fields::text_100_opt))]
    pub namespace: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = shared::openapi_fields::text_1000_opt))]
    pub description: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<RoleStage>))]
    pub stage: Option<String>,
    /// Catalogue permission ids (GET /permissions).
    #[cfg_attr(feature = "openapi", schema(schema_with = permission_ids_opt))]
    pub permissions: Option<Vec<String>>,
}

/// Catalogue permission ids (`GET /permissions`), at most 64.
#[cfg(feature = "openapi")]
fn permission_ids_opt() -> utoipa::openapi::Array {
    use shared::openapi_fields::{list, string};
    let ids = string(false).enum_values(Some(shared::model::catalogue::all_permission_ids())).build();
    list(ids, 64, true)
}

/// The PUT body as documented: a role body without `id` (ids never change; sent, it is a 400).
#[cfg(feature = "openapi")]
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Support lead", "stage": "GA", "permissions": ["users:read"]}))]
#[allow(dead_code)]
pub struct ReplaceRoleRequest {
    #[schema(schema_with = shared::openapi_fields::text_100)]
    pub name: String,
    #[schema(schema_with = shared::openapi_fields::text_100_opt)]
    pub namespace: Option<String>,
    #[schema(schema_with = shared::openapi_fields::text_1000_opt)]
    pub description: Option<String>,
    pub stage: Option<RoleStage>,
    #[schema(schema_with = permission_ids_opt)]
    pub permissions: Option<Vec<String>>,
}

/// PATCH: only the fields sent change; `null` clears `namespace` or `description`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({"stage": "DEPRECATED"})))]
pub struct PatchRoleRequest {
    #[cfg_attr(feature = "openapi", schema(schema_with = shared::openapi_fields::text_100_opt))]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "patch_field")]
    #[cfg_attr(feature = "openapi", schema(schema_with = shared::openapi_fields::text_100_opt))]
    pub namespace: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[cfg_attr(feature = "openapi", schema(schema_with = shared::openapi_fields::text_1000_opt))]
    pub description: Option<Option<String>>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<RoleStage>))]
    pub stage: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = permission_ids_opt))]
    pub permissions: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({"namespace": "acme"})))]
pub struct GenerateRequest {
    /// Prefixes the generated roles' names (`<namespace>:<feature>:viewer`).
    #[cfg_attr(feature = "openapi", schema(schema_with = shared::openapi_fields::text_100_opt))]
    pub namespace: Option<String>,
}

/// Seed 002's bulk body.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
// No example: member ids exist only in a running system.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkMembersRequest {
    #[cfg_attr(feature = "openapi", schema(required = true, schema_with = shared::openapi_fields::id_list_100))]
    pub members: Option<Vec<String>>,
}

/// Seed 001's body of `POST .../users/{user_id}/roles`: 1 to [`MAX_BULK`] role ids (a bare
/// array; repeats are one assignment).
#[cfg(feature = "openapi")]
pub struct RoleIdList;

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for RoleIdList {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::RefOr::T(utoipa::openapi::schema::Schema::Array(shared::openapi_fields::id_list_100()))
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for RoleIdList {}

/// `?page=&size=&query=` (page from 0, size 1 to 100, default 100; `query` matches names).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct ListQuery {
    #[cfg_attr(feature = "openapi", param(minimum = 0, maximum = 100_000))]
    pub page: Option<u32>,
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100))]
    pub size: Option<u32>,
    /// Case-insensitive substring of the role's name (of a member's email or names).
    #[cfg_attr(feature = "openapi", param(max_length = 200))]
    pub query: Option<String>,
}

/// Seed 001's `?start=&limit=` (defaults 0 and 100).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct AssignmentsQuery {
    #[cfg_attr(feature = "openapi", param(minimum = 0, maximum = 1_000_000))]
    pub start: Option<u32>,
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100))]
    pub limit: Option<u32>,
}

/// A caller-chosen role id: `a-z`, `0-9`, `-`, `_`, starting with a letter or digit, ≤ 64.
pub fn is_role_slug(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && id.as_bytes()[0].is_ascii_alphanumeric()
}

fn check_stage(v: &mut Validator, stage: &Option<String>) -> Option<RoleStage> {
    let s = stage.as_deref()?;
    let parsed = RoleStage::parse(s);
    if parsed.is_none() {
        v.add("stage", "must be one of ALPHA, BETA, GA, DEPRECATED, DISABLED");
    }
    parsed
}

fn check_permissions(v: &mut Validator, perms: &Option<Vec<String>>) -> PermissionSet {
    let Some(perms) = perms else { return PermissionSet::EMPTY };
    if perms.len() > 64 {
        v.add("permissions", "has more entries than the catalogue");
    }
    let mut out = Vec::new();
    for (i, p) in perms.iter().enumerate() {
        match Perm::parse(p) {
            Some(p) => out.push(p),
            None => v.add(&format!("permissions[{i}]"), "is not a permission of the catalogue (GET /permissions)"),
        }
    }
    PermissionSet::of(out)
}

fn check_texts(v: &mut Validator, name: Option<&str>, namespace: Option<&str>, description: Option<&str>) {
    if let Some(n) = name {
        v.text("name", n, MAX_NAME);
    }
    if let Some(n) = namespace {
        v.text("namespace", n, MAX_NAMESPACE);
    }
    if let Some(d) = description {
        v.text("description", d, MAX_DESCRIPTION);
    }
}

/// A checked role body: its stage and permissions parsed.
pub struct CheckedRole {
    pub stage: RoleStage,
    pub permissions: PermissionSet,
}

/// POST and PUT: `name` required; `id` (POST only) a slug.
pub fn check_role(b: &RoleRequest, allow_id: bool) -> ApiResult<CheckedRole> {
    let mut v = Validator::new();
    if let Some(id) = &b.id {
        if !allow_id {
            v.add("id", "cannot be changed");
        } else if !is_role_slug(id) {
            v.add("id", "must be 1 to 64 of a-z, 0-9, '-' and '_', starting with a letter or digit");
        }
    }
    v.required("name", &b.name);
    check_texts(&mut v, b.name.as_deref(), b.namespace.as_deref(), b.description.as_deref());
    let stage = check_stage(&mut v, &b.stage).unwrap_or_default();
    let permissions = check_permissions(&mut v, &b.permissions);
    v.finish()?;
    Ok(CheckedRole { stage, permissions })
}

/// PATCH: what is sent must be valid.
pub fn check_patch(b: &PatchRoleRequest) -> ApiResult<(Option<RoleStage>, Option<PermissionSet>)> {
    let mut v = Validator::new();
    check_texts(
        &mut v,
        b.name.as_deref(),
        b.namespace.clone().flatten().as_deref(),
        b.description.clone().flatten().as_deref(),
    );
    let stage = check_stage(&mut v, &b.stage);
    let permissions = b.permissions.is_some().then(|| check_permissions(&mut v, &b.permissions));
    v.finish()?;
    Ok((stage, permissions))
}

pub fn check_generate(b: &GenerateRequest) -> ApiResult<()> {
    let mut v = Validator::new();
    if let Some(ns) = &b.namespace {
        v.text("namespace", ns, MAX_NAMESPACE);
    }
    v.finish()
}

/// A list of user or role ids (`field[i]` named when one is malformed), 1 to [`MAX_BULK`],
/// without duplicates.
pub fn check_ids(field: &str, ids: &[String]) -> ApiResult<Vec<String>> {
    let mut v = Validator::new();
    if ids.is_empty() {
        v.add(field, "must not be empty");
    }
    if ids.len() > MAX_BULK {
        v.add(field, format!("must have at most {MAX_BULK} entries"));
    }
    let mut out: Vec<String> = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        v.id(&format!("{field}[{i}]"), id);
        if !out.contains(id) {
            out.push(id.clone());
        }
    }
    v.finish()?;
    Ok(out)
}

/// `(page, size, query)` with defaults, checked.
pub fn check_list(q: &ListQuery) -> ApiResult<(u32, u32, Option<String>)> {
    let mut v = Validator::new();
    let (page, size) = shared::edge::paging::page_and_size(&mut v, q.page, q.size);
    if let Some(s) = &q.query {
        v.text("query", s, 200);
    }
    v.finish()?;
    Ok((page, size, q.query.as_ref().map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty())))
}

pub fn check_assignments(q: &AssignmentsQuery) -> ApiResult<(usize, usize)> {
    let mut v = Validator::new();
    let limit = q.limit.unwrap_or(100);
    if limit == 0 || limit > 100 {
        v.add("limit", "must be between 1 and 100");
    }
    let start = q.start.unwrap_or(0);
    if start > 1_000_000 {
        v.add("start", "is too large");
    }
    v.finish()?;
    Ok((start as usize, limit as usize))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        for ok in ["viewer", "org-admin_2", "0x"] {
            assert!(is_role_slug(ok), "{ok}");
        }
        for bad in ["", "-a", "Viewer", "a#b", "a b", &"x".repeat(65)] {
            assert!(!is_role_slug(bad), "{bad}");
        }
    }

    #[test]
    fn unknown_permissions_and_stage_are_named() {
        let b = RoleRequest {
            name: Some("r".into()),
            stage: Some("SOON".into()),
            permissions: Some(vec!["users:read".into(), "users:fly".into()]),
            ..Default::default()
        };
        let e = check_role(&b, true).err().expect("refused");
        let fields: Vec<_> = e.details.iter().filter_map(|d| d.field.clone()).collect();
        assert_eq!(fields, ["stage", "permissions[1]"]);
    }

    #[test]
    fn name_required_and_id_only_on_create() {
        let e = check_role(&RoleRequest::default(), true).err().expect("refused");
        assert_eq!(e.details[0].field.as_deref(), Some("name"));
        let b = RoleRequest { id: Some("x".into()), name: Some("r".into()), ..Default::default() };
        assert!(check_role(&b, false).is_err());
        assert!(check_role(&b, true).is_ok());
    }
}
