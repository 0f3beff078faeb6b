//! What other responses say about an organization: R16 configuration resolution through
//! ancestors and the `parent_organization` summary, with the batch read that feeds them.

use std::collections::HashMap;

use crate::error::ApiResult;
use crate::model::case_config::{default_case_configuration, CaseConfiguration};
use crate::model::org::{ConfigSource, DarrylConfiguration, OrgItem, ParentSummary, SsoConfiguration};
use crate::model::template::{builtin_visibility, TemplateItem, Visibility, VisibilitySet};
use crate::store::keys::{self, ORG_SK, TEMPLATE_SK};
use crate::store::{from_item, Store};

/// The nearest ancestor of `org` that `has` its own configuration, if its RBAC template shares
/// its organization data with its children (`child_visibility.org_data` is not `no_access`).
fn nearest_sharing<'b>(org: &OrgItem, book: &'b OrgBook, has: impl Fn(&OrgItem) -> bool) -> Option<&'b OrgItem> {
    let nearest = book.nearest(org, has)?;
    book.shares_with_children(nearest).then_some(nearest)
}

/// Where the SSO values `org` shows come from (R16): `None` if it has no SSO configuration, else
/// its source and the configuration holding the values: its own, or the nearest ancestor's own
/// (none if no ancestor has one, or if that ancestor's template does not share its data with
/// its children).
fn sso_values<'b>(org: &'b OrgItem, book: &'b OrgBook) -> Option<(ConfigSource, Option<&'b SsoConfiguration>)> {
    let own = org.sso_configuration.as_ref()?;
    if own.sso_config_source == ConfigSource::Own {
        return Some((ConfigSource::Own, Some(own)));
    }
    let own_sso = |a: &OrgItem| a.sso_configuration.as_ref().is_some_and(|s| s.sso_config_source == ConfigSource::Own);
    Some((ConfigSource::Parent, nearest_sharing(org, book, own_sso).and_then(|a| a.sso_configuration.as_ref())))
}

/// The effective SSO configuration of `org` (R16): its own, or with source `parent`, the
/// nearest ancestor's own configuration (all fields empty if no ancestor has one, or if that
/// ancestor's template does not share its data with its children).
pub fn resolve_sso(org: &OrgItem, book: &OrgBook) -> Option<SsoConfiguration> {
    let (source, values) = sso_values(org, book)?;
    Some(match values {
        Some(s) => SsoConfiguration { sso_config_source: source, ..s.clone() },
        None => SsoConfiguration {
            sso_config_source: source,
            identity_provider_name: None,
            entity_id: None,
            certificate: None,
            sso_url: None,
            logout_url: None,
        },
    })
}

/// Is SSO enabled for `org` by its effective configuration ([`resolve_sso`])?
pub fn sso_enabled(org: &OrgItem, book: &OrgBook) -> bool {
    sso_values(org, book).and_then(|(_, values)| values).is_some_and(SsoConfiguration::enabled)
}

/// The effective Darryl configuration of `org` (R16), like [`resolve_sso`].
pub fn resolve_darryl(org: &OrgItem, book: &OrgBook) -> Option<DarrylConfiguration> {
    let own = org.darryl_configuration.as_ref()?;
    if own.darryl_config_source == ConfigSource::Own {
        return Some(own.clone());
    }
    let own_darryl =
        |a: &OrgItem| a.darryl_configuration.as_ref().is_some_and(|d| d.darryl_config_source == ConfigSource::Own);
    let inherited = nearest_sharing(org, book, own_darryl).and_then(|a| a.darryl_configuration.clone());
    Some(match inherited {
        Some(d) => DarrylConfiguration { darryl_config_source: ConfigSource::Parent, ..d },
        None => {
            DarrylConfiguration { darryl_config_source: ConfigSource::Parent, logo_url: None, name: None, color: None }
        }
    })
}

/// The effective case configuration of `org`: its own, else the nearest sharing ancestor's own
/// (as R16 resolves `parent`), else the documented default.
pub fn resolve_case(org: &OrgItem, book: &OrgBook) -> CaseConfiguration {
    let own = |a: &OrgItem| a.case_configuration.is_some();
    org.case_configuration
        .as_ref()
        .or_else(|| nearest_sharing(org, book, own).and_then(|a| a.case_configuration.as_ref()))
        .unwrap_or_else(|| default_case_configuration())
        .clone()
}

/// The short form of `org` used as `parent_organization` in responses.
pub fn summary(org: &OrgItem, book: &OrgBook) -> ParentSummary {
    ParentSummary {
        organization_id: org.organization_id.clone(),
        name: org.name.clone(),
        code: org.code.clone(),
        logo_url: org.logo_url.clone(),
        sso_enabled: sso_enabled(org, book),
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

    /// Removes `id` from the book, for a response to own it.
    pub fn take(&mut self, id: &str) -> Option<OrgItem> {
        self.orgs.remove(id)
    }

    /// The visibility values of `template_id`, if built in or read into the book.
    pub fn visibility(&self, template_id: &str) -> Option<VisibilitySet> {
        builtin_visibility(template_id).cloned().or_else(|| self.templates.get(template_id).map(|t| t.visibility()))
    }

    /// Does `org`'s template let its descendants see its organization data (R16 inheritance)?
    pub fn shares_with_children(&self, org: &OrgItem) -> bool {
        self.visibility(&org.rbac_template_id).is_some_and(|v| v.child_visibility.org_data != Visibility::NoAccess)
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
        self.absorb(store, more).await?;
        // R16 inheritance depends on the `child_visibility` of the ancestor inherited from: read
        // those templates that are not built in (none in the common case).
        let mut templates: Vec<(String, String)> = Vec::new();
        for o in self.orgs.values() {
            let from_parent = |source: Option<ConfigSource>| source == Some(ConfigSource::Parent);
            let mut sources = Vec::new();
            if from_parent(o.sso_configuration.as_ref().map(|s| s.sso_config_source)) {
                sources.push(self.nearest(o, |a| {
                    a.sso_configuration.as_ref().is_some_and(|s| s.sso_config_source == ConfigSource::Own)
                }));
            }
            if from_parent(o.darryl_configuration.as_ref().map(|d| d.darryl_config_source)) {
                sources.push(self.nearest(o, |a| {
                    a.darryl_configuration.as_ref().is_some_and(|d| d.darryl_config_source == ConfigSource::Own)
                }));
            }
            for t in sources.into_iter().flatten().map(|a| &a.rbac_template_id) {
                let key = (keys::template_pk(t), TEMPLATE_SK.to_string());
                if builtin_visibility(t).is_none() && !self.templates.contains_key(t) && !templates.contains(&key) {
                    templates.push(key);
                }
            }
        }
        self.absorb(store, templates).await
    }

    /// The nearest ancestor of `org` in the book that `has` something.
    fn nearest(&self, org: &OrgItem, has: impl Fn(&OrgItem) -> bool) -> Option<&OrgItem> {
        org.ancestors.iter().rev().filter_map(|a| self.get(&a.organization_id)).find(|a| has(a))
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
