//! User responses: the seed's shape, `password` always null (R14), the user's organization as
//! `parent_organization`, the user's features and permissions, and their groups.

use serde::Serialize;
use shared::model::catalogue::{all_features, FeatureList, PermissionSet};
use shared::model::org::ParentSummary;
use shared::model::user::{Role, UserGroupRef, UserItem, UserStatus};
use shared::store::Store;
use shared::views::org_summary::{summary, OrgBook};
use shared::{ApiResult, AppState};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserResponse {
    pub user_id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub preferred_name: Option<String>,
    pub email: String,
    /// Always null: passwords are write-only.
    pub password: Option<String>,
    /// Extension: the user's organization id (also in `parent_organization`).
    pub organization_id: String,
    pub parent_organization: Option<ParentSummary>,
    pub created_at: i64,
    pub created_by: Option<String>,
    /// Extension.
    pub modified_at: i64,
    pub status: UserStatus,
    pub role: Role,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<shared::model::catalogue::Feature>))]
    pub features: FeatureList,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<shared::model::catalogue::Permission>))]
    pub permissions: PermissionSet,
    pub user_groups: Vec<UserGroupRef>,
    pub last_login: Option<i64>,
    pub is_internal: bool,
    /// Extension: the optimistic-locking version (send it as `If-Match` to update safely).
    pub version: u64,
}

pub fn user_response(book: &OrgBook, groups: &HashMap<String, UserGroupRef>, u: UserItem) -> UserResponse {
    let user_groups = u.group_ids.iter().filter_map(|g| groups.get(g).cloned()).collect();
    UserResponse {
        parent_organization: book.get(&u.organization_id).map(|o| summary(o, book)),
        features: all_features(),
        permissions: shared::policy::builtin(u.role),
        user_id: u.user_id,
        first_name: u.first_name,
        last_name: u.last_name,
        preferred_name: u.preferred_name,
        email: u.email,
        password: None,
        organization_id: u.organization_id,
        created_at: u.created_at,
        created_by: u.created_by,
        modified_at: u.modified_at,
        status: u.status,
        role: u.role,
        user_groups,
        last_login: u.last_login,
        is_internal: u.is_internal,
        version: u.version,
    }
}

/// Renders users with their organizations and groups (one BatchGetItem per 100 organizations
/// and ancestors, and one per 100 groups when any user is in one).
pub async fn render(state: &AppState, users: Vec<UserItem>) -> ApiResult<Vec<UserResponse>> {
    render_with(&state.store(), users).await
}

/// [`render`] through `store` (a caller's, answering what was read ahead).
pub async fn render_with(store: &Store<'_>, users: Vec<UserItem>) -> ApiResult<Vec<UserResponse>> {
    let mut book = OrgBook::default();
    // The path holds the organization and its ancestors: one pass reads them all.
    let orgs: Vec<String> = users.iter().flat_map(|u| u.org_path.iter().cloned()).collect();
    // The organizations and the groups, read concurrently: one round trip.
    let group_ids = users.iter().flat_map(|u| u.group_ids.iter());
    let ((), found) = tokio::try_join!(book.load(store, &orgs, &[]), store.groups(group_ids, false))?;
    let mut groups = HashMap::new();
    for g in found.into_values() {
        groups.insert(
            g.user_group_id.clone(),
            UserGroupRef { user_group_id: g.user_group_id, name: g.name, kind: g.kind },
        );
    }
    Ok(users.into_iter().map(|u| user_response(&book, &groups, u)).collect())
}

pub async fn render_one(state: &AppState, user: UserItem) -> ApiResult<UserResponse> {
    render(state, vec![user]).await?.pop().ok_or_else(|| shared::ApiError::internal("render returned nothing"))
}

/// Another user as a caller who may not GET them sees them in a list (R26): the directory view,
/// exactly these fields (no permissions, features, groups, activity timestamps or version).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserDirectoryEntry {
    pub user_id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub preferred_name: Option<String>,
    pub email: String,
    pub organization_id: String,
    pub parent_organization: Option<ParentSummary>,
    pub role: Role,
    pub status: UserStatus,
}

impl From<UserResponse> for UserDirectoryEntry {
    fn from(u: UserResponse) -> Self {
        UserDirectoryEntry {
            user_id: u.user_id,
            first_name: u.first_name,
            last_name: u.last_name,
            preferred_name: u.preferred_name,
            email: u.email,
            organization_id: u.organization_id,
            parent_organization: u.parent_organization,
            role: u.role,
            status: u.status,
        }
    }
}

/// A user in a filter result: the full record (`UserResponse`) or the directory view
/// (`UserDirectoryEntry`), which a client tells apart by the fields it lacks (e.g. `version`).
// Full records are the common case: boxing them would add an allocation to nearly every item.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum UserEntry {
    Full(UserResponse),
    Directory(UserDirectoryEntry),
}

impl UserEntry {
    pub fn new(u: UserResponse, full: bool) -> Self {
        if full {
            UserEntry::Full(u)
        } else {
            UserEntry::Directory(u.into())
        }
    }
}
