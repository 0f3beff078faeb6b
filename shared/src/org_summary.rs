//! What other responses say about an organization: R16 configuration resolution through
//! ancestors and the `parent_organization` summary, with the batch read that feeds them.

use std::collections::HashMap;

use crate::error::ApiResult;
use crate::keys::{self, ORG_SK, TEMPLATE_SK};
use crate::model::org::{ConfigSource, DarrylConfiguration, OrgItem, ParentSummary, SsoConfiguration};
use crate::model::template::TemplateItem;
use crate::store::{from_item, Store};

/// The effective SSO configuration of `org` (R16): its own, or with source `parent`, the
/// nearest ancestor's own configuration (all fields empty if no ancestor has one).
pub fn resolve_sso<'a>(org: &OrgItem, lookup: &impl Fn(&str) -> Option<&'a OrgItem>) -> Option<SsoConfiguration> {
    let own = org.sso_configuration.as_ref()?;
    if own.sso_config_source == ConfigSource::Own {
        return Some(own.clone());
    }
    let inherited = org
        .ancestors
        .iter()
        .rev()
        .filter_map(|a| lookup(&a.organization_id))
        .find_map(|a| a.sso_configuration.as_ref().filter(|s| s.sso_config_source == ConfigSource::Own).cloned());
    Some(match inherited {
        Some(s) => SsoConfiguration { sso_config_source: ConfigSource::Parent, ..s },
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
pub fn resolve_darryl<'a>(org: &OrgItem, lookup: &impl Fn(&str) -> Option<&'a OrgItem>) -> Option<DarrylConfiguration> {
    let own = org.darryl_configuration.as_ref()?;
    if own.darryl_config_source == ConfigSource::Own {
        return Some(own.clone());
    }
    let inherited =
        org.ancestors.iter().rev().filter_map(|a| lookup(&a.organization_id)).find_map(|a| {
            a.darryl_configuration.as_ref().filter(|d| d.darryl_config_source == ConfigSource::Own).cloned()
        });
    Some(match inherited {
        Some(d) => DarrylConfiguration { darryl_config_source: ConfigSource::Parent, ..d },
        None => {
            DarrylConfiguration { darryl_config_source: ConfigSource::Parent, logo_url: None, name: None, color: None }
        }
    })
}

/// The short form of `org` used as `parent_organization` in responses.
pub fn summary<'a>(org: &OrgItem, lookup: &impl Fn(&str) -> Option<&'a OrgItem>) -> ParentSummary {
    ParentSummary {
        organization_id: org.organization_id.clone(),
        name: org.name.clone(),
        code: org.code.clone(),
        logo_url: org.logo_url.clone(),
        sso_enabled: resolve_sso(org, lookup).is_some_and(|s| s.enabled()),
    }
}

/// Organizations and templates read in one go for rendering.
#[derive(Default)]
pub struct OrgBook {
    pub orgs: HashMap<String, OrgItem>,
    pub templates: HashMap<String, TemplateItem>,
}

impl OrgBook {
    pub fn get(&self, id: &str) -> Option<&OrgItem> {
        self.orgs.get(id)
    }

    pub fn insert(&mut self, org: OrgItem) {
        self.orgs.insert(org.organization_id.clone(), org);
    }

    /// Reads `org_ids` with all their ancestors (those not already in the book), and the given
    /// templates: one BatchGetItem per 100 keys.
    pub async fn load(&mut self, store: &Store<'_>, org_ids: &[String], template_ids: &[String]) -> ApiResult<()> {
        let mut wanted: Vec<(String, String)> = Vec::new();
        let mut want = |id: &str, book: &Self| {
            if !book.orgs.contains_key(id) {
                wanted.push((keys::org_pk(id), ORG_SK.to_string()));
            }
        };
        for id in org_ids {
            want(id, self);
            if let Some(o) = self.orgs.get(id) {
                for a in &o.ancestors {
                    want(&a.organization_id, self);
                }
            }
        }
        for t in template_ids {
            if !self.templates.contains_key(t) {
                wanted.push((keys::template_pk(t), TEMPLATE_SK.to_string()));
            }
        }
        self.absorb(store, wanted).await?;
        // Ancestors of organizations that were just read.
        let mut more = Vec::new();
        for id in org_ids {
            if let Some(o) = self.orgs.get(id) {
                for a in &o.ancestors {
                    if !self.orgs.contains_key(&a.organization_id) {
                        more.push((keys::org_pk(&a.organization_id), ORG_SK.to_string()));
                    }
                }
            }
        }
        self.absorb(store, more).await
    }

    async fn absorb(&mut self, store: &Store<'_>, wanted: Vec<(String, String)>) -> ApiResult<()> {
        if wanted.is_empty() {
            return Ok(());
        }
        for item in store.batch_get_raw(wanted, false).await? {
            let sk = item.get(keys::SK).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
            if sk == ORG_SK {
                self.insert(from_item(item)?);
            } else if sk == TEMPLATE_SK {
                let t: TemplateItem = from_item(item)?;
                self.templates.insert(t.template_id.clone(), t);
            }
        }
        Ok(())
    }
}
