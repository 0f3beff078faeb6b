//! Rendering organization items into responses: parent summaries, features and the caller's
//! permissions, and the `configuration` object (R16 resolution lives in `shared::org_summary`).

use std::sync::OnceLock;

use crate::access::Reach;
use crate::catalogue::{all_features, role_permissions, Permission};
use crate::model::org::{OrgConfiguration, OrgItem, OrgResponse, RbacConfiguration};
use crate::model::template::VisibilitySet;
use crate::org_summary::{resolve_darryl, resolve_sso, summary, OrgBook};
use crate::visibility::{effective_permission, level, Aspect};
use crate::{ApiResult, AppState, Caller};

/// The documented default case configuration (`shared/src/defaults/case_configuration.json`).
pub fn default_case_configuration() -> &'static serde_json::Value {
    static V: OnceLock<serde_json::Value> = OnceLock::new();
    V.get_or_init(|| serde_json::from_str(include_str!("defaults/case_configuration.json")).unwrap_or_default())
}

pub fn host_url(state: &AppState, org: &OrgItem) -> Option<String> {
    org.code.as_ref().map(|c| format!("https://{}.{}", c.to_lowercase(), state.config.public_host_domain))
}

/// Renders `orgs` (each with the caller's reach over it) in order. One BatchGetItem per 100
/// distinct ancestors and templates not already in hand.
pub async fn render(
    state: &AppState,
    caller: &Caller,
    orgs: Vec<(OrgItem, Reach)>,
    with_config: bool,
) -> ApiResult<Vec<OrgResponse>> {
    let mut book = OrgBook::default();
    for (o, _) in &orgs {
        book.insert(o.clone());
    }
    let ids: Vec<String> = orgs.iter().map(|(o, _)| o.organization_id.clone()).collect();
    let templates: Vec<String> =
        if with_config { orgs.iter().map(|(o, _)| o.rbac_template_id.clone()).collect() } else { Vec::new() };
    book.load(&state.store(), &ids, &templates).await?;
    let features = all_features();
    let role_perms = role_permissions(caller.role());
    let out = orgs
        .into_iter()
        .map(|(o, reach)| {
            let parent_organization =
                o.parent_organization_id.as_deref().and_then(|p| book.get(p)).map(|p| summary(p, &book));
            // What the role may do here, narrowed by the template (crate::visibility). Listed-only
            // organizations (R15) show that they exist, never what the caller may do there.
            let set = book.visibility(&o.rbac_template_id).unwrap_or_else(VisibilitySet::none);
            let org_data = level(caller, &o.organization_id, &set, Aspect::OrgData);
            let user_mgmt = level(caller, &o.organization_id, &set, Aspect::UserMgmt);
            let permissions: Vec<Permission> = if reach == Reach::Full {
                role_perms
                    .iter()
                    .filter(|p| effective_permission(&p.permission_id, org_data, user_mgmt))
                    .cloned()
                    .collect()
            } else {
                Vec::new()
            };
            let configuration = with_config.then(|| OrgConfiguration {
                case_configuration: default_case_configuration().clone(),
                sso_configuration: resolve_sso(&o, &book),
                darryl_configuration: resolve_darryl(&o, &book),
                metabase_configuration: o.metabase_configuration.clone(),
                rbac_configuration: book.templates.get(&o.rbac_template_id).map(|t| RbacConfiguration {
                    template_id: t.template_id.clone(),
                    parent_visibility: t.parent_visibility.clone(),
                    child_visibility: t.child_visibility.clone(),
                    org_visibility: t.org_visibility.clone(),
                }),
            });
            OrgResponse {
                host_url: host_url(state, &o),
                organization_id: o.organization_id,
                name: o.name,
                code: o.code,
                contact_email: o.contact_email,
                updates_email: o.updates_email,
                parent_organization_id: o.parent_organization_id,
                parent_organization,
                updates_email_for_escalations_from_parent: o.updates_email_for_escalations_from_parent,
                can_have_child_organizations: o.can_have_child_organizations,
                parent_has_access_to_descendants: o.parent_has_access_to_descendants,
                parent_has_access: o.parent_has_access,
                updates_email_for_escalations_from_children: o.updates_email_for_escalations_from_children,
                logo_url: o.logo_url,
                metadata: o.metadata,
                domains: o.domains,
                features: features.clone(),
                permissions,
                created_at: o.created_at,
                created_by: o.created_by,
                modified_at: o.modified_at,
                version: o.version,
                configuration,
            }
        })
        .collect();
    Ok(out)
}
