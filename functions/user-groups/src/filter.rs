//! R10: the groups of the organizations the caller fully reaches, filtered, sorted and paged.

use futures_util::stream::{self, StreamExt, TryStreamExt};
use shared::authz::holds;
use shared::model::catalogue::{Perm, PermissionSet};
use shared::model::group::GroupItem;
use shared::policy::permit::UserGroupsRead;
use shared::{ApiResult, AppState, Caller};

use crate::input::{self, ListUserGroupFilter, PageQuery, SortField};
use crate::view::{render, GroupResponse};

fn matches(g: &GroupItem, f: &ListUserGroupFilter) -> bool {
    if let Some(s) = f.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let s = s.to_lowercase();
        let hit = g.name.to_lowercase().contains(&s)
            || g.description.as_deref().is_some_and(|d| d.to_lowercase().contains(&s));
        if !hit {
            return false;
        }
    }
    f.accessible_organization_list.as_ref().is_none_or(|l| {
        l.iter().any(|o| g.accessible_organizations.iter().any(|a| a.organization_id == o.organization_id))
    }) && f.user_id_list.as_ref().is_none_or(|l| l.iter().any(|u| g.user_ids.contains(u)))
        && (f.no_organization_linked != Some(true) || g.accessible_organizations.is_empty())
        && (f.no_user_present != Some(true) || g.user_ids.is_empty())
        && f.user_group_types.as_ref().is_none_or(|l| l.contains(&g.kind))
        && f.category_names.as_ref().is_none_or(|l| l.iter().any(|c| g.case_categories.contains(c)))
}

/// R10: groups of organizations the caller fully reaches; no filter = all of them.
pub async fn filter(
    state: &AppState,
    caller: &Caller,
    f: ListUserGroupFilter,
    sort: Vec<SortField>,
    page: PageQuery,
) -> ApiResult<(Vec<GroupResponse>, u64)> {
    holds::<UserGroupsRead>(caller)?;
    input::check_filter(&f, &sort, &page)?;
    let mut orgs = caller.user_mgmt_visible_orgs(state).await?;
    if let Some(l) = &f.parent_organization_id_list {
        orgs.retain(|o| l.contains(o));
    }
    // Groups carry no permissions of their own: `permissions` keeps all groups when the caller
    // holds them all, none otherwise.
    let wanted = PermissionSet::of(f.permissions.iter().flatten().filter_map(|p| Perm::parse(p)));
    if !caller.base_permissions().covers(wanted) {
        orgs.clear();
    }
    let store = state.store();
    let per_org: Vec<Vec<GroupItem>> =
        stream::iter(orgs.into_iter().map(|o| async move { store.groups_of_org(&o).await }))
            .buffer_unordered(8)
            .try_collect()
            .await?;
    let groups: Vec<GroupItem> =
        per_org.into_iter().flatten().filter(|g| !caller.hides(&g.parent_path) && matches(g, &f)).collect();
    let sort = if sort.is_empty() { vec![SortField { field: "created_at".into(), sort_order: 1 }] } else { sort };
    let compare = |a: &GroupItem, b: &GroupItem, field: &str| match field {
        "name" => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
        "modified_at" => a.modified_at.cmp(&b.modified_at),
        "parent_organization_id" => a.parent_organization_id.cmp(&b.parent_organization_id),
        _ => a.created_at.cmp(&b.created_at),
    };
    let (page_groups, total) =
        shared::edge::paging::sorted_page(groups, &sort, &page, compare, |a, b| a.user_group_id.cmp(&b.user_group_id));
    Ok((render(state, page_groups).await?, total))
}
