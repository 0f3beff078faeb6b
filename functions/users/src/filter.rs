//! `POST /users/filter` and `POST /users/logged-in/filter` (R10): only users of organizations
//! the caller fully reaches and whose users their templates let the caller see; no filter means
//! all of them.
//!
//! Cost: one Query per 1,000 closure edges of the caller's organization, one GSI1 Query per
//! candidate organization (8 at a time), one BatchGetItem to render the page. Linear in the
//! number of accessible organizations and their users: cheap up to a few hundred organizations
//! and ~10,000 users; beyond that, narrow with `organization_id_list` (see docs/DATA.md).

use std::cmp::Ordering;

use shared::edge::paging::sorted_page;
use std::collections::HashSet;

use futures_util::stream::{self, StreamExt, TryStreamExt};
use shared::model::user::UserItem;
use shared::policy::reach::Reach;
use shared::{ApiResult, AppState, Caller};

use crate::input::{self, ListUserFilter, PageQuery, SortField};
use crate::view::{render, UserEntry};

/// Concurrent GSI1 queries per request.
const CONCURRENCY: usize = 8;

/// The organizations whose users the filter looks at.
async fn candidate_orgs(state: &AppState, caller: &Caller, f: &ListUserFilter) -> ApiResult<Vec<String>> {
    let store = state.store();
    let accessible = caller.user_mgmt_visible_orgs(state).await?;
    let accessible_set: HashSet<&String> = accessible.iter().collect();
    let mut orgs: Vec<String> = match &f.organization_id_list {
        None => accessible.clone(),
        Some(list) => {
            let mut chosen: Vec<String> = list.iter().filter(|o| accessible_set.contains(o)).cloned().collect();
            if f.include_child_users_with_org_context_access == Some(true) {
                // Add every accessible descendant of the listed organizations.
                for o in chosen.clone() {
                    for e in store.all_edges(&o).await? {
                        if e.reach == Reach::Full && accessible_set.contains(&e.descendant_id) {
                            chosen.push(e.descendant_id);
                        }
                    }
                }
            }
            chosen
        }
    };
    if let Some(targets) = &f.accessible_organization_list {
        // Users who can access the targets: users of each target, and of each accessible
        // ancestor of it that fully reaches it.
        let targets: Vec<String> = targets.iter().filter(|t| accessible_set.contains(t)).cloned().collect();
        let target_items = store.orgs(&targets, false).await?;
        let mut edge_pairs = Vec::new();
        let mut can_access: HashSet<String> = targets.iter().cloned().collect();
        for t in target_items.values() {
            for a in &t.ancestors {
                if accessible_set.contains(&a.organization_id) {
                    edge_pairs.push((a.organization_id.as_str(), t.organization_id.as_str()));
                }
            }
        }
        for e in store.edges_between(edge_pairs, false).await? {
            if e.reach == Reach::Full {
                can_access.insert(e.ancestor_id);
            }
        }
        orgs.retain(|o| can_access.contains(o));
    }
    orgs.sort();
    orgs.dedup();
    Ok(orgs)
}

fn matches(u: &UserItem, f: &ListUserFilter) -> bool {
    let contains = |l: &Option<Vec<String>>, v: &str| l.as_ref().is_none_or(|l| l.iter().any(|x| x == v));
    if let Some(s) = f.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let s = s.to_lowercase();
        let hit = [&u.first_name, &u.last_name, &u.preferred_name]
            .iter()
            .any(|n| n.as_deref().is_some_and(|n| n.to_lowercase().contains(&s)))
            || u.email.contains(&s);
        if !hit {
            return false;
        }
    }
    contains(&f.user_id_list, &u.user_id)
        && f.email_id_list.as_ref().is_none_or(|l| l.iter().any(|e| e.trim().eq_ignore_ascii_case(&u.email)))
        && f.status_list.as_ref().is_none_or(|l| l.contains(&u.status))
        && f.role_list.as_ref().is_none_or(|l| l.contains(&u.role))
        && (f.never_logged_in != Some(true) || u.last_login.is_none())
        && (f.only_logged_in_users != Some(true) || u.last_login.is_some())
        && f.created_by.as_ref().is_none_or(|l| u.created_by.as_ref().is_some_and(|c| l.contains(c)))
        && (f.exclude_system_users != Some(true) || !u.is_internal)
}

fn compare(a: &UserItem, b: &UserItem, field: &str) -> Ordering {
    let lower = |s: &Option<String>| s.as_ref().map(|s| s.to_lowercase());
    match field {
        "first_name" => lower(&a.first_name).cmp(&lower(&b.first_name)),
        "last_name" => lower(&a.last_name).cmp(&lower(&b.last_name)),
        "preferred_name" => lower(&a.preferred_name).cmp(&lower(&b.preferred_name)),
        "email" => a.email.cmp(&b.email),
        "role" => a.role.cmp(&b.role),
        "status" => a.status.as_str().cmp(b.status.as_str()),
        "created_by" => a.created_by.cmp(&b.created_by),
        "last_login" => a.last_login.cmp(&b.last_login),
        "organization_id" => a.organization_id.cmp(&b.organization_id),
        _ => a.created_at.cmp(&b.created_at),
    }
}

/// R26: does `caller` see `user`'s whole record in a list, as R7 lets them GET it (themself, or a
/// role holding `users:read`), or only the directory view? The filter lists only users of
/// organizations whose users the caller's templates let them see.
pub fn sees_full_record(caller: &Caller, user: &UserItem) -> bool {
    shared::authz::rules::r26_sees_full_record(caller, user)
}

/// Filters, sorts (stable: ties by `user_id`), counts and pages.
pub async fn filter(
    state: &AppState,
    caller: &Caller,
    f: ListUserFilter,
    sort: Vec<SortField>,
    page: PageQuery,
) -> ApiResult<(Vec<UserEntry>, u64)> {
    input::check_filter(&f, &sort, &page)?;
    let orgs = candidate_orgs(state, caller, &f).await?;
    let store = state.store();
    let per_org: Vec<Vec<UserItem>> =
        stream::iter(orgs.into_iter().map(|o| async move { store.users_of_org(&o).await }))
            .buffer_unordered(CONCURRENCY)
            .try_collect()
            .await?;
    let users: Vec<UserItem> =
        per_org.into_iter().flatten().filter(|u| !caller.hides(&u.org_path) && matches(u, &f)).collect();
    let sort = if sort.is_empty() { vec![SortField { field: "created_at".into(), sort_order: 1 }] } else { sort };
    let (mut page_users, total) = sorted_page(users, &sort, &page, compare, |a, b| a.user_id.cmp(&b.user_id));
    let full: Vec<bool> = page_users.iter().map(|u| sees_full_record(caller, u)).collect();
    // The directory view shows no groups: theirs are not read.
    for (u, _) in page_users.iter_mut().zip(&full).filter(|(_, full)| !**full) {
        u.group_ids.clear();
    }
    let rendered = render(state, page_users).await?;
    Ok((rendered.into_iter().zip(full).map(|(u, full)| UserEntry::new(u, full)).collect(), total))
}
