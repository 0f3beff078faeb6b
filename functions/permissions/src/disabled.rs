//! `GET /permissions/disabled`: what the caller may not do, per feature and access type, and
//! where (docs/DECISIONS.md "Disabled permissions").
//!
//! Two sources, each an entity of the seed's shape `{scope, org_hierarchy, organization_ids,
//! metadata}`:
//! - the caller's role: a permission the role does not hold is disabled everywhere (`scope` 0,
//!   `org_hierarchy` `all_orgs`, `metadata.reason` `role`);
//! - the RBAC templates (crate `shared::authz::templates`): `current_org` from the caller's own
//!   organization's `org_visibility`, `child_orgs` from the `parent_visibility` of the
//!   organizations below it that the caller reaches, `parent_orgs` from the `child_visibility` of
//!   the organizations above it (`scope` 1: only the listed `organization_ids`; `metadata` names
//!   the template and the value). `read_only` disables Create, Update and Delete; `no_access`
//!   all four.
//!
//! Calls: the caller's accessible set (one Query per 1,000 edges, more with grants), one
//! BatchGetItem for the organizations above the caller's, +1 for templates that are not built in.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{json, Value};
use shared::authz::effective;
use shared::authz::templates::TemplateBook;
use shared::model::catalogue::{Perm, ACCESS_TYPES, FEATURES};
use shared::model::template::{Visibility, VisibilitySet};
use shared::policy::grants::{governing_level, level_allows};
use shared::policy::reach::Reach;
use shared::{ApiResult, AppState, Caller};

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Entity {
    /// 0: every organization of `org_hierarchy`; 1: only `organization_ids`.
    pub scope: u8,
    /// `all_orgs`, `current_org`, `child_orgs` or `parent_orgs`.
    pub org_hierarchy: &'static str,
    pub organization_ids: Vec<String>,
    pub metadata: Value,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessEntry {
    /// `Create`, `Read`, `Update` or `Delete`.
    pub access_type: &'static str,
    pub entities: Vec<Entity>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DisabledFeature {
    pub feature: String,
    pub access_list: Vec<AccessEntry>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Disabled {
    pub disabled_permissions: Vec<DisabledFeature>,
}

fn access_type(a: &str) -> &'static str {
    match a {
        "create" => "Create",
        "read" => "Read",
        "update" => "Update",
        _ => "Delete",
    }
}

/// The template value behind `perm` for organizations in `hierarchy` (what `metadata` names).
fn governing(perm: Perm, hierarchy: &str, set: &VisibilitySet) -> Visibility {
    match hierarchy {
        "child_orgs" => governing_level(perm, set.parent_visibility.org_data, set.parent_visibility.user_mgmt),
        // Users of one's own organization are a matter of roles.
        "current_org" => governing_level(perm, set.org_visibility.org_data, Visibility::FullAccess),
        // Ancestors' users are never reachable from below (R2), whatever the template says.
        _ => governing_level(perm, set.child_visibility.org_data, Visibility::FullAccess),
    }
}

/// The organizations of each hierarchy with their templates: the caller's own, the ones below it
/// they fully reach, the ones above it.
async fn hierarchy(state: &AppState, caller: &Caller) -> ApiResult<Vec<(&'static str, String, String)>> {
    let mut out = Vec::new();
    for (org, access) in caller.accessible_orgs(state).await? {
        if access.reach != Reach::Full {
            continue;
        }
        let h = if org == caller.home_org() { "current_org" } else { "child_orgs" };
        out.push((h, org, access.template_id.unwrap_or_default()));
    }
    let above: Vec<&String> = caller.user.org_path.iter().filter(|o| *o != caller.home_org()).collect();
    if !above.is_empty() {
        for o in state.store().orgs(above, false).await?.into_values() {
            out.push(("parent_orgs", o.organization_id, o.rbac_template_id));
        }
    }
    Ok(out)
}

pub async fn disabled(state: &AppState, caller: &Caller) -> ApiResult<Disabled> {
    let orgs = hierarchy(state, caller).await?;
    let book = TemplateBook::load(state, orgs.iter().map(|(_, _, t)| t.as_str())).await?;
    let mut features = Vec::new();
    for (feature, _) in FEATURES {
        let mut access_list = Vec::new();
        for a in ACCESS_TYPES {
            let Some(perm) = Perm::parse(&format!("{feature}:{a}")) else { continue };
            let mut entities = Vec::new();
            if !caller.base_permissions().contains(perm) {
                entities.push(Entity {
                    scope: 0,
                    org_hierarchy: "all_orgs",
                    organization_ids: Vec::new(),
                    metadata: json!({"reason": "role", "role": caller.role()}),
                });
            } else {
                // One entity per (hierarchy, template, value) that disables it, ids sorted.
                let mut groups: BTreeMap<(&str, String, Visibility), Vec<String>> = BTreeMap::new();
                for (h, org, t) in &orgs {
                    let set = book.get(t);
                    let value = governing(perm, h, &set);
                    // Below and at the caller's organization the routes' own decision says it.
                    let refused = match *h {
                        "parent_orgs" => !level_allows(value, perm.access),
                        _ => !effective(caller, org, &set).contains(perm),
                    };
                    if refused {
                        groups.entry((h, t.clone(), value)).or_default().push(org.clone());
                    }
                }
                for ((h, t, value), mut ids) in groups {
                    ids.sort();
                    entities.push(Entity {
                        scope: 1,
                        org_hierarchy: h,
                        organization_ids: ids,
                        metadata: json!({"reason": "rbac_template", "template_id": t, "visibility": value}),
                    });
                }
            }
            if !entities.is_empty() {
                access_list.push(AccessEntry { access_type: access_type(a), entities });
            }
        }
        if !access_list.is_empty() {
            features.push(DisabledFeature { feature: feature.to_string(), access_list });
        }
    }
    Ok(Disabled { disabled_permissions: features })
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::model::template::{OrgDataVisibility, ParentVisibility};
    use Visibility::*;

    fn set(pu: Visibility, pd: Visibility, cd: Visibility, od: Visibility) -> VisibilitySet {
        VisibilitySet {
            parent_visibility: ParentVisibility { user_mgmt: pu, org_data: pd },
            child_visibility: OrgDataVisibility { org_data: cd },
            org_visibility: OrgDataVisibility { org_data: od },
        }
    }

    #[test]
    fn each_hierarchy_reads_its_side_of_the_template() {
        let s = set(ReadOnly, NoAccess, FullAccess, ReadOnly);
        let p = |id: &str| Perm::parse(id).unwrap();
        assert_eq!(governing(p("users:read"), "child_orgs", &s), ReadOnly);
        assert_eq!(governing(p("roles:update"), "child_orgs", &s), ReadOnly);
        assert_eq!(governing(p("cases:read"), "child_orgs", &s), NoAccess);
        assert_eq!(governing(p("organizations:read"), "current_org", &s), ReadOnly);
        assert_eq!(governing(p("users:read"), "current_org", &s), FullAccess);
        assert_eq!(governing(p("dashboards:read"), "parent_orgs", &s), FullAccess);
        assert_eq!(governing(p("api_tokens:read"), "child_orgs", &s), FullAccess);
    }
}
