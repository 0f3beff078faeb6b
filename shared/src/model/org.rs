//! Organizations: the stored item, the request bodies and the response shape of seed 000.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::case_config::CaseConfiguration;
use crate::model::catalogue::{FeatureList, PermissionSet};
use crate::model::template::{OrgDataVisibility, ParentVisibility};

/// Where an organization's SSO / Darryl configuration comes from (R16).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ConfigSource {
    /// The organization's own values.
    #[serde(rename = "self")]
    Own,
    /// The nearest ancestor's own configuration.
    Parent,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SsoConfiguration {
    pub sso_config_source: ConfigSource,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi_fields::text_200_opt))]
    pub identity_provider_name: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi_fields::text_2048_opt))]
    pub entity_id: Option<String>,
    /// PEM text, at most 16 KiB (UTF-8 bytes).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 16384))]
    pub certificate: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi_fields::url_opt))]
    pub sso_url: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi_fields::url_opt))]
    pub logout_url: Option<String>,
}

impl SsoConfiguration {
    /// SSO counts as enabled when an identity provider URL is configured.
    pub fn enabled(&self) -> bool {
        self.sso_url.as_deref().is_some_and(|u| !u.is_empty())
    }
}

/// Darryl configuration as sent by clients (`OrganizationDarrylConfigurationRequest`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DarrylConfigurationRequest {
    pub darryl_config_source: ConfigSource,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi_fields::text_200_opt))]
    pub name: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi_fields::text_32_opt))]
    pub color: Option<String>,
}

/// Darryl configuration as stored and returned: the request plus the uploaded logo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DarrylConfiguration {
    #[serde(default)]
    pub logo_url: Option<String>,
    pub darryl_config_source: ConfigSource,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub color: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dashboard {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MetabaseConfiguration {
    pub enabled: bool,
    #[serde(default)]
    pub dashboards: Vec<Dashboard>,
    /// Extension: the Metabase collection holding the organization's dashboards (set by
    /// `POST /organizations/{id}/metabase/recreate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collection_id: Option<u64>,
}

impl MetabaseConfiguration {
    /// Never configured: what an absent attribute reads as.
    pub fn is_off(&self) -> bool {
        *self == Self::default()
    }
}

/// One ancestor of an organization with the access flags it was created with (immutable).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AncestorRef {
    pub organization_id: String,
    pub parent_has_access: bool,
    pub parent_has_access_to_descendants: bool,
}

/// An organization item (`PK = ORG#<id>`, `SK = ORG`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub organization_id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updates_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_organization_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub updates_email_for_escalations_from_parent: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub updates_email_for_escalations_from_children: Vec<String>,
    pub can_have_child_organizations: bool,
    pub parent_has_access_to_descendants: bool,
    pub parent_has_access: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sso_configuration: Option<SsoConfiguration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub darryl_configuration: Option<DarrylConfiguration>,
    #[serde(default, skip_serializing_if = "MetabaseConfiguration::is_off")]
    pub metabase_configuration: MetabaseConfiguration,
    /// Its own case configuration (absent: inherited, `shared::model::case_config`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_configuration: Option<CaseConfiguration>,
    pub rbac_template_id: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
    /// Extension: email domains owned by this organization (unique across organizations).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub domains: Vec<String>,
    /// Root first, parent last. Parents never change, so this never changes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ancestors: Vec<AncestorRef>,
    pub created_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    pub modified_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_by: Option<String>,
    /// Optimistic-locking version, +1 on every update.
    pub version: u64,
    /// Set (to the time it started) when a deletion of this organization and its subtree has
    /// started; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleting: Option<i64>,
}

impl OrgItem {
    pub fn depth(&self) -> usize {
        self.ancestors.len()
    }

    /// This organization as an ancestor of a new child.
    pub fn as_ancestor(&self) -> AncestorRef {
        AncestorRef {
            organization_id: self.organization_id.clone(),
            parent_has_access: self.parent_has_access,
            parent_has_access_to_descendants: self.parent_has_access_to_descendants,
        }
    }

    /// Ancestors and this organization, root first.
    pub fn path(&self) -> Vec<String> {
        let mut p: Vec<String> = self.ancestors.iter().map(|a| a.organization_id.clone()).collect();
        p.push(self.organization_id.clone());
        p
    }

    /// True when `org_id` is this organization or one of its ancestors.
    pub fn is_self_or_below(&self, org_id: &str) -> bool {
        self.organization_id == org_id || self.ancestors.iter().any(|a| a.organization_id == org_id)
    }
}

pub use crate::model::org_input::{patch_field, CreateOrgRequest, OrgFilterRequest, UpdateOrgRequest};

/// `parent_organization` in responses.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ParentSummary {
    pub organization_id: String,
    pub name: String,
    pub code: Option<String>,
    pub logo_url: Option<String>,
    pub sso_enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RbacConfiguration {
    pub template_id: String,
    pub parent_visibility: ParentVisibility,
    pub child_visibility: OrgDataVisibility,
    pub org_visibility: OrgDataVisibility,
}

/// The `configuration` object (on get, create, update, and lists when asked for).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgConfiguration {
    /// The organization's own, else its nearest ancestor's (R16), else the default.
    pub case_configuration: CaseConfiguration,
    pub sso_configuration: Option<SsoConfiguration>,
    pub darryl_configuration: Option<DarrylConfiguration>,
    pub metabase_configuration: MetabaseConfiguration,
    pub rbac_configuration: Option<RbacConfiguration>,
}

/// An organization as returned by every organizations route.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgResponse {
    pub organization_id: String,
    pub name: String,
    pub code: Option<String>,
    pub contact_email: Option<String>,
    pub updates_email: Option<String>,
    pub parent_organization_id: Option<String>,
    pub parent_organization: Option<ParentSummary>,
    pub updates_email_for_escalations_from_parent: Vec<String>,
    pub can_have_child_organizations: bool,
    pub parent_has_access_to_descendants: bool,
    pub parent_has_access: bool,
    pub updates_email_for_escalations_from_children: Vec<String>,
    pub host_url: Option<String>,
    pub logo_url: Option<String>,
    pub metadata: BTreeMap<String, String>,
    /// Extension: email domains owned by the organization.
    pub domains: Vec<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<crate::model::catalogue::Feature>))]
    pub features: FeatureList,
    // What the caller may do here (empty for organizations they only see listed).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<crate::model::catalogue::Permission>))]
    pub permissions: PermissionSet,
    pub created_at: i64,
    pub created_by: Option<String>,
    pub modified_at: i64,
    /// Extension: the optimistic-locking version (send it back as `If-Match` to update safely).
    pub version: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub configuration: Option<OrgConfiguration>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_distinguishes_absent_null_and_value() {
        let p: UpdateOrgRequest = serde_json::from_str(r#"{"updates_email": null, "name": "x"}"#).unwrap();
        assert_eq!(p.updates_email, Some(None));
        assert_eq!(p.name, Some(Some("x".to_string())));
        assert_eq!(p.contact_email, None);
    }

    #[test]
    fn unknown_fields_are_refused() {
        assert!(serde_json::from_str::<UpdateOrgRequest>(r#"{"parent_has_access": false}"#).is_err());
        assert!(serde_json::from_str::<CreateOrgRequest>(r#"{"version": 3}"#).is_err());
    }

    #[test]
    fn config_source_values() {
        let s: SsoConfiguration = serde_json::from_str(r#"{"sso_config_source":"self"}"#).unwrap();
        assert_eq!(s.sso_config_source, ConfigSource::Own);
        let s: SsoConfiguration = serde_json::from_str(r#"{"sso_config_source":"parent"}"#).unwrap();
        assert_eq!(s.sso_config_source, ConfigSource::Parent);
    }
}
