//! Request shapes of the users routes and their checks.

use serde::Deserialize;
pub use shared::edge::paging::{PageQuery, SortField};
use shared::model::org::patch_field;
use shared::model::user::{Role, UserStatus};
use shared::password::{MAX_PASSWORD, MIN_PASSWORD};
use shared::validate::Validator;
use shared::ApiResult;

pub const MAX_NAME: usize = 100;
pub const MAX_BULK_DELETE: usize = 25;
pub const MAX_VERIFY: usize = 100;
pub const MAX_LIST_FILTER: usize = 100;

/// `POST /users`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({
    "first_name": "Ada", "last_name": "Lovelace", "email": "ada@acme.io",
    "password": "correct horse battery staple", "organization_id": "root", "role": "admin"
})))]
pub struct CreateUserRequest {
    #[cfg_attr(feature = "openapi", schema(schema_with = shared::openapi_fields::text_100_opt))]
    pub first_name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = shared::openapi_fields::text_100_opt))]
    pub last_name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = shared::openapi_fields::text_100_opt))]
    pub preferred_name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true, schema_with = shared::openapi_fields::email))]
    pub email: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = shared::openapi_fields::password_opt))]
    pub password: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true, schema_with = shared::openapi_fields::id))]
    pub organization_id: Option<String>,
    pub role: Option<Role>,
}

type Patch<T> = Option<Option<T>>;

/// `PATCH /users/{user_id}`: absent = unchanged, `null` = cleared (names only).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({"preferred_name": "Ada", "role": "user"})))]
pub struct UpdateUserRequest {
    #[serde(default, deserialize_with = "patch_field")]
    #[cfg_attr(feature = "openapi", schema(schema_with = shared::openapi_fields::text_100_opt))]
    pub first_name: Patch<String>,
    #[serde(default, deserialize_with = "patch_field")]
    #[cfg_attr(feature = "openapi", schema(schema_with = shared::openapi_fields::text_100_opt))]
    pub last_name: Patch<String>,
    #[serde(default, deserialize_with = "patch_field")]
    #[cfg_attr(feature = "openapi", schema(schema_with = shared::openapi_fields::text_100_opt))]
    pub preferred_name: Patch<String>,
    #[serde(default, deserialize_with = "patch_field")]
    #[cfg_attr(feature = "openapi", schema(value_type = Role))]
    pub role: Patch<Role>,
}

/// `ListUserFilter` of seed 000.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListUserFilter {
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub search: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = shared::openapi_fields::id_list_100_opt))]
    pub organization_id_list: Option<Vec<String>>,
    #[cfg_attr(feature = "openapi", schema(schema_with = shared::openapi_fields::id_list_100_opt))]
    pub user_id_list: Option<Vec<String>>,
    #[cfg_attr(feature = "openapi", schema(max_items = 100))]
    pub email_id_list: Option<Vec<String>>,
    pub status_list: Option<Vec<UserStatus>>,
    pub role_list: Option<Vec<Role>>,
    pub never_logged_in: Option<bool>,
    #[cfg_attr(feature = "openapi", schema(schema_with = shared::openapi_fields::id_list_100_opt))]
    pub created_by: Option<Vec<String>>,
    pub only_logged_in_users: Option<bool>,
    pub exclude_system_users: Option<bool>,
    #[cfg_attr(feature = "openapi", schema(schema_with = shared::openapi_fields::id_list_100_opt))]
    pub accessible_organization_list: Option<Vec<String>>,
    pub include_child_users_with_org_context_access: Option<bool>,
}

/// `POST /users/filter` body.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FilterUsersRequest {
    pub filter: Option<ListUserFilter>,
    #[cfg_attr(feature = "openapi", schema(schema_with = user_sort))]
    pub sort: Option<Vec<SortField>>,
}

/// `POST /users/logged-in/filter` body.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoggedInFilterRequest {
    #[cfg_attr(feature = "openapi", schema(schema_with = shared::openapi_fields::id_list_100_opt))]
    pub accessible_organization_list: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkDeleteRequest {
    #[cfg_attr(feature = "openapi", schema(required = true, schema_with = bulk_delete_ids))]
    pub user_id_list: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerifyRequest {
    #[cfg_attr(feature = "openapi", schema(required = true, schema_with = verify_emails))]
    pub email_ids: Option<Vec<String>>,
}

#[cfg(feature = "openapi")]
fn bulk_delete_ids() -> utoipa::openapi::Array {
    shared::openapi_fields::id_set(MAX_BULK_DELETE)
}

#[cfg(feature = "openapi")]
fn verify_emails() -> utoipa::openapi::Array {
    shared::openapi_fields::emails(MAX_VERIFY)
}

#[cfg(feature = "openapi")]
fn user_sort() -> utoipa::openapi::Array {
    shared::openapi_fields::sort_of(&SORT_FIELDS)
}

/// Fields a user list may be sorted by.
pub const SORT_FIELDS: [&str; 10] = [
    "first_name",
    "last_name",
    "preferred_name",
    "email",
    "role",
    "status",
    "created_at",
    "created_by",
    "last_login",
    "organization_id",
];

fn check_name(v: &mut Validator, field: &str, value: &Option<String>) {
    if let Some(n) = value {
        v.text(field, n, MAX_NAME);
    }
}

pub fn check_password(v: &mut Validator, p: &str) {
    let n = p.chars().count();
    if !(MIN_PASSWORD..=MAX_PASSWORD).contains(&n) {
        v.add("password", format!("must be {MIN_PASSWORD} to {MAX_PASSWORD} characters"));
    } else if p.chars().any(char::is_control) {
        v.add("password", "must not contain control characters");
    }
}

pub fn check_create(b: &CreateUserRequest) -> ApiResult<()> {
    let mut v = Validator::new();
    check_name(&mut v, "first_name", &b.first_name);
    check_name(&mut v, "last_name", &b.last_name);
    check_name(&mut v, "preferred_name", &b.preferred_name);
    if let Some(e) = v.required("email", &b.email) {
        v.email("email", e.trim());
    }
    if let Some(p) = &b.password {
        check_password(&mut v, p);
    }
    if let Some(o) = v.required("organization_id", &b.organization_id) {
        v.id("organization_id", o);
    }
    v.finish()
}

pub fn check_update(b: &UpdateUserRequest) -> ApiResult<()> {
    let mut v = Validator::new();
    for (field, value) in
        [("first_name", &b.first_name), ("last_name", &b.last_name), ("preferred_name", &b.preferred_name)]
    {
        if let Some(Some(n)) = value {
            v.text(field, n, MAX_NAME);
        }
    }
    if let Some(None) = b.role {
        v.add("role", "cannot be null");
    }
    v.finish()
}

fn check_ids(v: &mut Validator, field: &str, list: &Option<Vec<String>>) {
    if let Some(l) = list {
        if l.len() > MAX_LIST_FILTER {
            v.add(field, format!("must have at most {MAX_LIST_FILTER} entries"));
        }
        for (i, id) in l.iter().enumerate() {
            v.id(&format!("{field}[{i}]"), id);
        }
    }
}

pub fn check_filter(f: &ListUserFilter, sort: &[SortField], page: &PageQuery) -> ApiResult<()> {
    let mut v = Validator::new();
    shared::edge::paging::check_page(&mut v, page);
    if let Some(s) = &f.search {
        if s.chars().count() > 200 {
            v.add("filter.search", "must be at most 200 characters");
        }
    }
    check_ids(&mut v, "filter.organization_id_list", &f.organization_id_list);
    check_ids(&mut v, "filter.user_id_list", &f.user_id_list);
    check_ids(&mut v, "filter.created_by", &f.created_by);
    check_ids(&mut v, "filter.accessible_organization_list", &f.accessible_organization_list);
    if let Some(l) = &f.email_id_list {
        if l.len() > MAX_LIST_FILTER {
            v.add("filter.email_id_list", format!("must have at most {MAX_LIST_FILTER} entries"));
        }
    }
    if f.never_logged_in == Some(true) && f.only_logged_in_users == Some(true) {
        v.add("filter.never_logged_in", "cannot be combined with only_logged_in_users");
    }
    shared::edge::paging::check_sort(&mut v, sort, &SORT_FIELDS);
    v.finish()
}

/// A list of ids for bulk routes: present, 1..=max entries, each an identifier, no duplicates.
pub fn check_id_list(field: &str, list: &Option<Vec<String>>, max: usize) -> ApiResult<Vec<String>> {
    let mut v = Validator::new();
    match v.required(field, list) {
        Some(l) if l.is_empty() || l.len() > max => v.add(field, format!("must have 1 to {max} entries")),
        Some(l) => {
            for (i, id) in l.iter().enumerate() {
                v.id(&format!("{field}[{i}]"), id);
                if l[..i].contains(id) {
                    v.add(&format!("{field}[{i}]"), "is repeated");
                }
            }
        }
        None => {}
    }
    v.finish()?;
    Ok(list.clone().unwrap_or_default())
}
