//! Listing and filtering organizations (R2, R10, R12, R15, R27): the filter's checks, and the
//! pages built from the caller's closure edges or group grants.

use shared::authz::templates::{Aspect, TemplateBook};
use shared::authz::{holds, org_permit};
use shared::model::catalogue::{self, Perm, PermissionSet};
use shared::model::org::{OrgFilterRequest, OrgItem};
use shared::model::template::Visibility;
use shared::policy::reach::Reach;
use shared::views::org_view::{render_entries, OrgEntry};
use shared::{ApiError, ApiResult, AppState, Caller, ErrorDetail};

use crate::service::{DEFAULT_PAGE, MAX_PAGE};

/// Query rounds one filter request may spend filling a page.
const MAX_FILL_ROUNDS: usize = 3;
/// Queries of 1,000 closure edges one round may spend finding direct children
/// (`parent_organization_id`): a node with up to 10,000 descendants opens in one round.
const CHILD_QUERY_ROUNDS: usize = 10;

/// Checks the filter's fields before any read.
fn check_filter(f: &OrgFilterRequest) -> ApiResult<u32> {
    let mut details = Vec::new();
    let limit = f.limit.unwrap_or(DEFAULT_PAGE);
    if limit == 0 || limit > MAX_PAGE {
        details.push(ErrorDetail::field("limit", format!("must be between 1 and {MAX_PAGE}")));
    }
    if let Some(feature) = &f.feature {
        if catalogue::feature(feature).is_none() {
            details.push(ErrorDetail::field("feature", "is not a feature of the catalogue"));
        }
    }
    for (i, p) in f.user_permissions.iter().flatten().enumerate() {
        if catalogue::permission(p).is_none() {
            details.push(ErrorDetail::field(format!("user_permissions[{i}]"), "is not a permission of the catalogue"));
        }
    }
    if f.parent_organization_id.is_some() && f.root_organization_id.is_some() {
        details.push(ErrorDetail::field("parent_organization_id", "replaces root_organization_id: give one of them"));
    }
    if f.user_permissions.as_ref().is_some_and(|p| p.len() > 50) {
        details.push(ErrorDetail::field("user_permissions", "must have at most 50 entries"));
    }
    if details.is_empty() {
        Ok(limit)
    } else {
        Err(ApiError::validation(details))
    }
}

/// The filter's own choices, fixed per request.
struct Keep<'a> {
    caller: &'a Caller,
    f: &'a OrgFilterRequest,
    include_listed: bool,
    include_desc_blockers: bool,
    /// `user_permissions`, validated.
    wanted: PermissionSet,
}

impl Keep<'_> {
    fn reach_ok(&self, r: Reach) -> bool {
        r == Reach::Full || (self.include_listed && r == Reach::Listed)
    }

    /// `user_permissions`: the caller's effective permissions there (the same function every
    /// permit and every `permissions` field uses) hold all of them.
    fn org_ok(&self, org: &OrgItem, reach: Reach, templates: &TemplateBook) -> bool {
        // Subtrees being deleted are gone from every list at once.
        !self.caller.hides(&org.path())
            && self.f.can_have_child_organizations.is_none_or(|c| c == org.can_have_child_organizations)
            && (self.include_desc_blockers || org.parent_has_access_to_descendants)
            && (self.wanted.is_empty()
                || (reach == Reach::Full
                    && shared::authz::effective(
                        self.caller,
                        &org.organization_id,
                        &templates.get(&org.rbac_template_id),
                    )
                    .covers(self.wanted)))
    }

    /// Loads `candidates` (one BatchGetItem per 100) and keeps those the filter accepts, in order.
    async fn load(&self, state: &AppState, candidates: Vec<(String, Reach)>) -> ApiResult<Vec<(OrgItem, Reach)>> {
        let candidates: Vec<(String, Reach)> = candidates.into_iter().filter(|(_, r)| self.reach_ok(*r)).collect();
        if candidates.is_empty() {
            return Ok(Vec::new());
        }
        let mut items: std::collections::HashMap<String, OrgItem> =
            state.store().orgs(candidates.iter().map(|(id, _)| id), false).await?;
        // Organization data the templates hide from the caller is not listed (crate::visibility).
        let templates = TemplateBook::load(state, items.values().map(|o| o.rbac_template_id.as_str())).await?;
        let seen = |o: &OrgItem| templates.level_at(self.caller, o, Aspect::OrgData) != Visibility::NoAccess;
        Ok(candidates
            .into_iter()
            .filter_map(|(id, reach)| items.remove(&id).map(|o| (o, reach)))
            .filter(|(o, reach)| self.org_ok(o, *reach, &templates) && seen(o))
            .collect())
    }
}

/// GET /organizations and POST /organizations/filter (R2, R10, R12, R15, R27): one page of the
/// organizations the caller reaches below the root (default: their own organization, included).
pub async fn filter(
    state: &AppState,
    caller: &Caller,
    f: OrgFilterRequest,
) -> ApiResult<(Vec<OrgEntry>, Option<String>)> {
    let limit = check_filter(&f)? as usize;
    let keep = Keep {
        caller,
        f: &f,
        include_listed: f.include_organizations_with_no_access.unwrap_or(false),
        include_desc_blockers: f.include_organizations_with_inaccessible_descendants.unwrap_or(true),
        wanted: PermissionSet::of(f.user_permissions.iter().flatten().filter_map(|p| Perm::parse(p))),
    };
    let children_only = f.parent_organization_id.is_some();
    let root = match f.parent_organization_id.as_deref().or(f.root_organization_id.as_deref()) {
        None => None,
        Some(ident) => {
            let held = holds::<shared::policy::permit::OrganizationsRead>(caller)?;
            Some(org_permit(state, caller, held, ident).await?.0)
        }
    };
    let (out, cursor) = if caller.grants.is_empty() {
        page_from_edges(state, caller, &keep, root.as_ref(), children_only, limit).await?
    } else {
        page_with_grants(state, caller, &keep, root.as_ref(), children_only, limit).await?
    };
    // `feature` is validated above; every catalogue feature is enabled for every organization
    // until per-organization feature switches exist, so it selects nothing away.
    let with_config = f.include_organization_configuration.unwrap_or(false);
    let rendered = render_entries(state, caller, out, with_config).await?;
    Ok((rendered, cursor))
}

/// Without grants: Query pages of the closure edges below the root (a few rounds to fill a page).
async fn page_from_edges(
    state: &AppState,
    caller: &Caller,
    keep: &Keep<'_>,
    root: Option<&OrgItem>,
    children_only: bool,
    limit: usize,
) -> ApiResult<(Vec<(OrgItem, Reach)>, Option<String>)> {
    let store = state.store();
    // The root's own descendant flag stands between the caller and the root's descendants.
    let (root_id, explicit_root, root_blocks_below) = match root {
        None => (caller.home_org().to_string(), false, false),
        Some(r) => (
            r.organization_id.clone(),
            true,
            r.organization_id != caller.home_org() && !r.parent_has_access_to_descendants,
        ),
    };
    let mut out = Vec::new();
    let mut cursor = keep.f.cursor.clone();
    for _ in 0..MAX_FILL_ROUNDS {
        let want = (limit - out.len()) as i32;
        let (edges, next) = if children_only {
            store.child_edges_page(&root_id, want as usize, cursor.as_deref(), CHILD_QUERY_ROUNDS).await?
        } else {
            store.edges_page(&root_id, want, cursor.as_deref()).await?
        };
        cursor = next;
        let candidates: Vec<(String, Reach)> = edges
            .into_iter()
            .filter(|e| !(explicit_root && e.descendant_id == root_id))
            .map(|e| (e.descendant_id, if root_blocks_below { Reach::None } else { e.reach }))
            .collect();
        out.extend(keep.load(state, candidates).await?);
        if cursor.is_none() || out.len() >= limit {
            break;
        }
    }
    Ok((out, cursor))
}

/// With grants (R12): the whole accessible set (own subtree and every grant), in id order,
/// paged by the last id. Linear in the accessible set; documented in docs/DATA.md.
async fn page_with_grants(
    state: &AppState,
    caller: &Caller,
    keep: &Keep<'_>,
    root: Option<&OrgItem>,
    children_only: bool,
    limit: usize,
) -> ApiResult<(Vec<(OrgItem, Reach)>, Option<String>)> {
    let mut accessible = caller.accessible_orgs(state).await?;
    if let Some(r) = root {
        let below: std::collections::HashSet<String> = state
            .store()
            .all_edges(&r.organization_id)
            .await?
            .into_iter()
            .filter(|e| !children_only || e.distance == 1)
            .map(|e| e.descendant_id)
            .collect();
        accessible.retain(|id, _| *id != r.organization_id && below.contains(id));
    }
    let after_id = keep.f.cursor.as_deref().map(shared::store::reads::org_list_after).transpose()?;
    let rest: Vec<(String, Reach)> = accessible
        .into_iter()
        .filter(|(id, _)| after_id.as_ref().is_none_or(|a| id > a))
        .map(|(id, a)| (id, a.reach))
        .collect();
    let mut out = Vec::new();
    let mut last_consumed: Option<String> = None;
    'pages: for chunk in rest.chunks(limit) {
        let kept: std::collections::HashMap<String, (OrgItem, Reach)> = keep
            .load(state, chunk.to_vec())
            .await?
            .into_iter()
            .map(|(o, r)| (o.organization_id.clone(), (o, r)))
            .collect();
        for (id, _) in chunk {
            if out.len() == limit {
                break 'pages;
            }
            last_consumed = Some(id.clone());
            if let Some(x) = kept.get(id) {
                out.push(x.clone());
            }
        }
    }
    // More remain when the last id looked at is not the last candidate.
    let cursor = match &last_consumed {
        Some(l) if rest.last().is_some_and(|(id, _)| id != l) => Some(shared::store::reads::org_list_cursor(l)),
        _ => None,
    };
    Ok((out, cursor))
}
