//! Group responses: members with their names, grants with the organizations' names and codes,
//! the parent organization's summary.

use std::collections::HashMap;

use serde::Serialize;
use shared::model::group::GroupItem;
use shared::model::org::ParentSummary;
use shared::model::user::UserItem;
use shared::views::org_summary::{summary, OrgBook};
use shared::{ApiResult, AppState};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    pub user_id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GrantView {
    pub organization_id: String,
    pub name: Option<String>,
    pub code: Option<String>,
    pub select_all_child_orgs: bool,
    pub include_current_organization: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupResponse {
    pub user_group_id: String,
    pub name: String,
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    pub users: Vec<Member>,
    pub accessible_organizations: Vec<GrantView>,
    pub parent_organization: Option<ParentSummary>,
    pub created_at: i64,
    pub created_by: Option<String>,
    pub modified_at: i64,
    pub can_assign_cases: bool,
    pub case_categories: Vec<String>,
    /// Extension: the optimistic-locking version (send it as `If-Match` to update safely).
    pub version: u64,
}

/// Renders groups: one BatchGetItem per 100 members, one per 100 organizations and ancestors,
/// the two issued together.
pub async fn render(state: &AppState, groups: Vec<GroupItem>) -> ApiResult<Vec<GroupResponse>> {
    let store = state.store();
    let mut book = OrgBook::default();
    let mut orgs: Vec<String> = groups.iter().flat_map(|g| g.parent_path.iter().cloned()).collect();
    orgs.extend(groups.iter().flat_map(|g| g.accessible_organizations.iter().map(|a| a.organization_id.clone())));
    // Members and organizations are independent: read together.
    let (members, ()) = tokio::try_join!(
        store.users(groups.iter().flat_map(|g| g.user_ids.iter()), false),
        book.load(&store, &orgs, &[])
    )?;
    let members: HashMap<String, UserItem> = members;
    let lookup = |id: &str| book.get(id);
    Ok(groups
        .into_iter()
        .map(|g| GroupResponse {
            users: g
                .user_ids
                .iter()
                .map(|u| Member {
                    user_id: u.clone(),
                    first_name: members.get(u).and_then(|m| m.first_name.clone()),
                    last_name: members.get(u).and_then(|m| m.last_name.clone()),
                })
                .collect(),
            accessible_organizations: g
                .accessible_organizations
                .iter()
                .map(|a| GrantView {
                    organization_id: a.organization_id.clone(),
                    name: lookup(&a.organization_id).map(|o| o.name.clone()),
                    code: lookup(&a.organization_id).and_then(|o| o.code.clone()),
                    select_all_child_orgs: a.select_all_child_orgs,
                    include_current_organization: a.include_current_organization,
                })
                .collect(),
            parent_organization: lookup(&g.parent_organization_id).map(|p| summary(p, &book)),
            user_group_id: g.user_group_id,
            name: g.name,
            description: g.description,
            kind: g.kind,
            created_at: g.created_at,
            created_by: g.created_by,
            modified_at: g.modified_at,
            can_assign_cases: g.can_assign_cases,
            case_categories: g.case_categories,
            version: g.version,
        })
        .collect())
}
