//! Rendering organization items into responses: parent summaries, features and the caller's
//! permissions, and the `configuration` object with R16 resolution through ancestors.

use std::collections::HashMap;
use std::sync::OnceLock;

use shared::access::Reach;
use shared::catalogue::{all_features, role_permissions};
use shared::keys::{self, ORG_SK, TEMPLATE_SK};
use shared::model::org::{
    ConfigSource, DarrylConfiguration, OrgConfiguration, OrgItem, OrgResponse, ParentSummary,
    RbacConfiguration, SsoConfiguration,
};
use shared::model::template::TemplateItem;
use shared::store::from_item;
use shared::{ApiResult, AppState, Caller};

/// The documented default case configuration (shared/src/defaults/case_configuration.json).
pub fn default_case_configuration() -> &'static serde_json::Value {
    static V: OnceLock<serde_json::Value> = OnceLock::new();
    V.get_or_init(|| {
        serde_json::from_str(include_str!(
            "../../../shared/src/defaults/case_configuration.json"
        ))
        .unwrap_or_default()
    })
}

/// The effective SSO configuration of `org` (R16): its own, or with source `parent`, the
/// nearest ancestor's own configuration (all fields empty if no ancestor has one).
pub fn resolve_sso<'a>(
    org: &OrgItem,
    lookup: &impl Fn(&str) -> Option<&'a OrgItem>,
) -> Option<SsoConfiguration> {
    let own = org.sso_configuration.as_ref()?;
    if own.sso_config_source == ConfigSource::Own {
        return Some(own.clone());
    }
    let inherited = org
        .ancestors
        .iter()
        .rev()
        .filter_map(|a| lookup(&a.organization_id))
        .find_map(|a| {
            a.sso_configuration
                .as_ref()
                .filter(|s| s.sso_config_source == ConfigSource::Own)
                .cloned()
        });
    Some(match inherited {
        Some(s) => SsoConfiguration {
            sso_config_source: ConfigSource::Parent,
            ..s
        },
        None => SsoConfiguration {
            sso_config_source: ConfigSource::Parent,
            identity_provider_name: None,
            entity_id: None,
            certificate: None,
            sso_url: None,
            logout_url: None,
        },
    })
}

/// The effective Darryl configuration of `org` (R16), like [`resolve_sso`].
pub fn resolve_darryl<'a>(
    org: &OrgItem,
    lookup: &impl Fn(&str) -> Option<&'a OrgItem>,
) -> Option<DarrylConfiguration> {
    let own = org.darryl_configuration.as_ref()?;
    if own.darryl_config_source == ConfigSource::Own {
        return Some(own.clone());
    }
    let inherited = org
        .ancestors
        .iter()
        .rev()
        .filter_map(|a| lookup(&a.organization_id))
        .find_map(|a| {
            a.darryl_configuration
                .as_ref()
                .filter(|d| d.darryl_config_source == ConfigSource::Own)
                .cloned()
        });
    Some(match inherited {
        Some(d) => DarrylConfiguration {
            darryl_config_source: ConfigSource::Parent,
            ..d
        },
        None => DarrylConfiguration {
            darryl_config_source: ConfigSource::Parent,
            logo_url: None,
            name: None,
            color: None,
        },
    })
}

pub fn host_url(state: &AppState, org: &OrgItem) -> Option<String> {
    org.code.as_ref().map(|c| {
        format!(
            "https://{}.{}",
            c.to_lowercase(),
            state.config.public_host_domain
        )
    })
}

/// Renders `orgs` (each with the caller's reach over it) in order. One BatchGetItem per 100
/// distinct ancestors and templates not already in hand.
pub async fn render(
    state: &AppState,
    caller: &Caller,
    orgs: Vec<(OrgItem, Reach)>,
    with_config: bool,
) -> ApiResult<Vec<OrgResponse>> {
    let mut known: HashMap<String, OrgItem> = orgs
        .iter()
        .map(|(o, _)| (o.organization_id.clone(), o.clone()))
        .collect();
    let mut wanted: Vec<(String, String)> = Vec::new();
    for (o, _) in &orgs {
        for a in &o.ancestors {
            if !known.contains_key(&a.organization_id) {
                wanted.push((keys::org_pk(&a.organization_id), ORG_SK.to_string()));
            }
        }
        if with_config {
            wanted.push((
                keys::template_pk(&o.rbac_template_id),
                TEMPLATE_SK.to_string(),
            ));
        }
    }
    let mut templates: HashMap<String, TemplateItem> = HashMap::new();
    if !wanted.is_empty() {
        for item in state.store().batch_get_raw(wanted, false).await? {
            let sk = item
                .get(keys::SK)
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_default();
            if sk == ORG_SK {
                let o: OrgItem = from_item(item)?;
                known.insert(o.organization_id.clone(), o);
            } else if sk == TEMPLATE_SK {
                let t: TemplateItem = from_item(item)?;
                templates.insert(t.template_id.clone(), t);
            }
        }
    }
    let lookup = |id: &str| known.get(id);
    let features = all_features();
    let permissions = role_permissions(caller.role());
    let out = orgs
        .into_iter()
        .map(|(o, reach)| {
            let parent_organization =
                o.parent_organization_id
                    .as_deref()
                    .and_then(lookup)
                    .map(|p| ParentSummary {
                        organization_id: p.organization_id.clone(),
                        name: p.name.clone(),
                        code: p.code.clone(),
                        logo_url: p.logo_url.clone(),
                        sso_enabled: resolve_sso(p, &lookup).is_some_and(|s| s.enabled()),
                    });
            let configuration = with_config.then(|| OrgConfiguration {
                case_configuration: default_case_configuration().clone(),
                sso_configuration: resolve_sso(&o, &lookup),
                darryl_configuration: resolve_darryl(&o, &lookup),
                metabase_configuration: o.metabase_configuration.clone(),
                rbac_configuration: templates
                    .get(&o.rbac_template_id)
                    .map(|t| RbacConfiguration {
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
                updates_email_for_escalations_from_parent: o
                    .updates_email_for_escalations_from_parent,
                can_have_child_organizations: o.can_have_child_organizations,
                parent_has_access_to_descendants: o.parent_has_access_to_descendants,
                parent_has_access: o.parent_has_access,
                updates_email_for_escalations_from_children: o
                    .updates_email_for_escalations_from_children,
                logo_url: o.logo_url,
                metadata: o.metadata,
                features: features.clone(),
                // Listed-only organizations (R15) show that they exist, never what the caller may do there.
                permissions: if reach == Reach::Full {
                    permissions.clone()
                } else {
                    Vec::new()
                },
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
