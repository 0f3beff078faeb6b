//! Group grants: R11 (a grant names a strict descendant of the group's parent organization) and
//! R25 (a grant that reaches what the parent organization does not reach by R2 opens an edge the
//! access flags close: only a superadmin may write it). docs/DECISIONS.md "R25: opening a closed
//! edge is a superadmin's act".

use std::collections::HashMap;

use shared::error::ErrorCode;
use shared::model::group::Grant;
use shared::policy::reach::Reach;
use shared::{ApiError, ApiResult, AppState, Caller, ErrorDetail};

/// Who may write a grant that crosses a closed edge, or add members to a group holding one (R25).
pub fn may_open_closed_edges(caller: &Caller) -> bool {
    shared::authz::rules::r25_may_open_closed_edges(caller)
}

fn grant_field(i: usize) -> String {
    format!("accessible_organizations[{i}].organization_id")
}

fn crosses_closed_edge(details: Vec<ErrorDetail>) -> ApiError {
    ApiError::forbidden(
        ErrorCode::GrantCrossesClosedEdge,
        "Only superadmins may grant access across an edge the organizations' access flags close.",
    )
    .with_details(details)
}

/// What the group's parent organization reaches of each granted organization: the R2 verdict on
/// the closure edge parent → granted (absent: not a descendant), and for `select_all_child_orgs`
/// grants whether the granted organization closes its descendants to its parent.
struct GrantReach {
    edges: HashMap<String, Reach>,
    closes_descendants: HashMap<String, bool>,
}

impl GrantReach {
    /// One consistent BatchGetItem: the edges from `parent` to every granted organization and,
    /// `with_orgs`, the items of those granted with `select_all_child_orgs` (for their flag).
    async fn read(state: &AppState, parent: &str, grants: &[Grant], with_orgs: bool) -> ApiResult<Self> {
        let mut reach = GrantReach { edges: HashMap::new(), closes_descendants: HashMap::new() };
        let edges = grants.iter().map(|g| (parent, g.organization_id.as_str()));
        let orgs = grants.iter().filter(|g| with_orgs && g.select_all_child_orgs).map(|g| &g.organization_id);
        let (edges, orgs) = state.store().edges_and_orgs(edges, orgs, true).await?;
        for o in orgs.into_values() {
            reach.closes_descendants.insert(o.organization_id, !o.parent_has_access_to_descendants);
        }
        for e in edges {
            reach.edges.insert(e.descendant_id, e.reach);
        }
        Ok(reach)
    }

    /// R11: the grant names a strict descendant of `parent`.
    fn names_a_descendant(&self, parent: &str, g: &Grant) -> bool {
        g.organization_id != parent && self.edges.contains_key(&g.organization_id)
    }

    /// R25: does `g` give anything `parent` does not reach by R2? The granted organization itself
    /// when the edge is not `Full`; with `select_all_child_orgs`, also its descendants when it
    /// closes them to its parent (`parent_has_access_to_descendants = false`): they are given as
    /// the granted organization reaches them, which its parent does not. Unknown is crossing.
    fn crosses(&self, g: &Grant) -> bool {
        self.edges.get(&g.organization_id) != Some(&Reach::Full)
            || (g.select_all_child_orgs && self.closes_descendants.get(&g.organization_id).copied().unwrap_or(true))
    }

    /// 400 for grants that do not name a strict descendant of `parent` (R11), then 403 for those
    /// of `checked` (by position) that cross a closed edge when the caller may not open one (R25).
    fn check(
        &self,
        caller: &Caller,
        parent: &str,
        grants: &[Grant],
        checked: impl Fn(&Grant) -> bool,
    ) -> ApiResult<()> {
        let not_below: Vec<ErrorDetail> = grants
            .iter()
            .enumerate()
            .filter(|(_, g)| !self.names_a_descendant(parent, g))
            .map(|(i, _)| ErrorDetail::field(grant_field(i), "must be a descendant of the group's parent organization"))
            .collect();
        if !not_below.is_empty() {
            return Err(ApiError::validation(not_below));
        }
        if may_open_closed_edges(caller) {
            return Ok(());
        }
        let crossing: Vec<ErrorDetail> = grants
            .iter()
            .enumerate()
            .filter(|(_, g)| checked(g) && self.crosses(g))
            .map(|(i, _)| {
                ErrorDetail::field(
                    grant_field(i),
                    "reaches an organization the group's parent organization does not reach: only a superadmin may grant it",
                )
            })
            .collect();
        if crossing.is_empty() {
            Ok(())
        } else {
            Err(crosses_closed_edge(crossing))
        }
    }
}

/// The grants of a new group under the organization `parent` (its id): R11, and R25 for every
/// grant.
pub async fn check_create(state: &AppState, caller: &Caller, parent: &str, grants: &[Grant]) -> ApiResult<()> {
    if grants.is_empty() {
        return Ok(());
    }
    let reach = GrantReach::read(state, parent, grants, !may_open_closed_edges(caller)).await?;
    reach.check(caller, parent, grants, |_| true)
}

/// A PATCH of a group under `parent` (its parent organization's id) holding `old` grants: `new` is the list sent when it differs. R11 for the
/// new list; R25 for its grants that are new or changed (grants kept as they were are not
/// written by this caller); and when the request `adds_members`, the resulting list must not
/// cross a closed edge unless the caller may open one (adding a member extends the opening to
/// them). At most one consistent BatchGetItem, none when neither applies.
pub async fn check_update(
    state: &AppState,
    caller: &Caller,
    parent: &str,
    old: &[Grant],
    new: Option<&[Grant]>,
    adds_members: bool,
) -> ApiResult<()> {
    let may_open = may_open_closed_edges(caller);
    let resulting = new.unwrap_or(old);
    let members_checked = adds_members && !may_open && !resulting.is_empty();
    if new.is_none() && !members_checked {
        return Ok(());
    }
    let reach = GrantReach::read(state, parent, resulting, !may_open).await?;
    if let Some(new) = new {
        reach.check(caller, parent, new, |g| !old.contains(g))?;
    }
    if members_checked && resulting.iter().any(|g| reach.crosses(g)) {
        return Err(crosses_closed_edge(vec![ErrorDetail::field(
            "user_ids",
            "the group grants access across a closed edge: only a superadmin may add members to it",
        )]));
    }
    Ok(())
}
