//! The organizations request bodies (`POST`, `PATCH`, filter), with the constraints their checks
//! (`organizations::input`) apply stated for the OpenAPI document.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

use crate::model::case_config::CaseConfigurationRequest;
use crate::model::org::{DarrylConfigurationRequest, SsoConfiguration};

/// Deserialises a present field (value or `null`) as `Some(..)`, so that with `#[serde(default)]`
/// an absent field is `None`, `null` is `Some(None)` and a value is `Some(Some(v))`.
pub fn patch_field<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// `POST /organizations` body. Every field is optional at the serde level so that validation can
/// report all missing and invalid fields at once.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({
    "name": "Acme", "contact_email": "ops@acme.io", "parent_organization_id": "root",
    "can_have_child_organizations": true, "rbac_template_id": "default"
})))]
pub struct CreateOrgRequest {
    #[cfg_attr(feature = "openapi", schema(required = true, schema_with = crate::openapi_fields::text_200))]
    pub name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi_fields::code_opt))]
    pub code: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true, schema_with = crate::openapi_fields::email))]
    pub contact_email: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi_fields::email_opt))]
    pub updates_email: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true, schema_with = crate::openapi_fields::id))]
    pub parent_organization_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi_fields::email_list_50_opt))]
    pub updates_email_for_escalations_from_parent: Option<Vec<String>>,
    #[cfg_attr(feature = "openapi", schema(required = true, value_type = bool))]
    pub can_have_child_organizations: Option<bool>,
    pub parent_has_access_to_descendants: Option<bool>,
    pub parent_has_access: Option<bool>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi_fields::email_list_50_opt))]
    pub updates_email_for_escalations_from_children: Option<Vec<String>>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi_fields::url_opt))]
    pub logo_url: Option<String>,
    pub sso_configuration: Option<SsoConfiguration>,
    pub darryl_configuration: Option<DarrylConfigurationRequest>,
    pub case_configuration: Option<CaseConfigurationRequest>,
    #[cfg_attr(feature = "openapi", schema(required = true, schema_with = crate::openapi_fields::id))]
    pub rbac_template_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi_fields::metadata_opt))]
    pub metadata: Option<BTreeMap<String, String>>,
    /// Extension: email domains this organization owns (unique across organizations).
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi_fields::domains_opt))]
    pub domains: Option<Vec<String>>,
}

type Patch<T> = Option<Option<T>>;

/// `PATCH /organizations/{organization_identifier}` body: absent = unchanged, `null` = cleared.
/// Parent and access flags are not here: they never change after creation.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({"name": "Acme Inc.", "updates_email": null})))]
pub struct UpdateOrgRequest {
    #[serde(default, deserialize_with = "patch_field")]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi_fields::text_200))]
    pub name: Patch<String>,
    #[serde(default, deserialize_with = "patch_field")]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi_fields::email_opt))]
    pub contact_email: Patch<String>,
    #[serde(default, deserialize_with = "patch_field")]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi_fields::email_opt))]
    pub updates_email: Patch<String>,
    #[serde(default, deserialize_with = "patch_field")]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi_fields::email_list_50_opt))]
    pub updates_email_for_escalations_from_parent: Patch<Vec<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi_fields::email_list_50_opt))]
    pub updates_email_for_escalations_from_children: Patch<Vec<String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi_fields::url_opt))]
    pub logo_url: Patch<String>,
    #[serde(default, deserialize_with = "patch_field")]
    pub enable_metabase: Patch<bool>,
    #[serde(default, deserialize_with = "patch_field")]
    pub sso_configuration: Patch<SsoConfiguration>,
    #[serde(default, deserialize_with = "patch_field")]
    pub darryl_configuration: Patch<DarrylConfigurationRequest>,
    #[serde(default, deserialize_with = "patch_field")]
    pub case_configuration: Patch<CaseConfigurationRequest>,
    #[serde(default, deserialize_with = "patch_field")]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi_fields::id))]
    pub rbac_template_id: Patch<String>,
    #[serde(default, deserialize_with = "patch_field")]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi_fields::metadata_opt))]
    pub metadata: Patch<BTreeMap<String, String>>,
    #[serde(default, deserialize_with = "patch_field")]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi_fields::domains_opt))]
    pub domains: Patch<Vec<String>>,
}

/// `POST /organizations/filter` body.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgFilterRequest {
    #[serde(default)]
    pub user_permissions: Option<Vec<String>>,
    #[serde(default)]
    pub include_organization_configuration: Option<bool>,
    #[serde(default)]
    pub root_organization_id: Option<String>,
    /// Extension: only the direct children of this organization (id or code), e.g. to open one
    /// node of a tree; in place of `root_organization_id` (both given: 400).
    #[serde(default)]
    pub parent_organization_id: Option<String>,
    #[serde(default)]
    pub can_have_child_organizations: Option<bool>,
    #[serde(default)]
    pub include_organizations_with_no_access: Option<bool>,
    #[serde(default)]
    pub include_organizations_with_inaccessible_descendants: Option<bool>,
    #[serde(default)]
    pub feature: Option<String>,
    /// Extension: page size, 1 to 100 (default 100: the seed's lists are whole, and a page of
    /// 100 is what one request answers within its budget; docs/DECISIONS.md "Pagination").
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100))]
    pub limit: Option<u32>,
    /// Extension: the `next_cursor` of the previous page.
    #[serde(default)]
    pub cursor: Option<String>,
}
