//! An organization's `case_configuration` (seed 000's shape): the case categories, the option
//! lists a case's fields take their values from, and how statuses rank a case's priority.
//!
//! Settable on create and PATCH (the whole object, replaced; `null` on PATCH clears it). A field
//! left out of a request takes the documented default's value
//! (`shared/src/views/defaults/case_configuration.json`). An organization without its own
//! inherits its nearest ancestor's (R16's rule, without a source field), else the default
//! (docs/DECISIONS.md "Case configuration").

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

mod check;
pub use check::check;

pub const MAX_CATEGORIES: usize = 50;
pub const MAX_SUB_CATEGORIES: usize = 50;
pub const MAX_OPTIONS: usize = 20;
pub const MAX_STATUS_REFS: usize = 20;
pub const MAX_DISABLED_FEATURES: usize = 50;
pub const MAX_LABEL: usize = 100;
pub const MAX_STYLE: usize = 256;
pub const MAX_KEY: u32 = 1000;
/// The whole object, serialised, at most this many bytes (it is stored in the organization item).
pub const MAX_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubCategory {
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]*[^\\s\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069][^\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]*$"
        )
    )]
    pub sub_category_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseCategory {
    /// Unique (case-insensitive) among the categories.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]*[^\\s\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069][^\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]*$"
        )
    )]
    pub category_name: String,
    /// Names unique (case-insensitive) within the category.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 50))]
    pub sub_categories: Vec<SubCategory>,
}

/// An icon shown before or after an option's label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Adornment {
    #[serde(default, rename = "type")]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub kind: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub src: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub size: Option<String>,
}

/// How a client draws an option: free-form presentation values, each at most 256 characters.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StyleConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub bg_color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub font_color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub font_size: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub border: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub border_radius: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub size: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_adornments: Option<Adornment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_adornments: Option<Adornment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub text_class: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_clock_icon: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub wrapper_class: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_modified_at_time: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub tooltip_title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub icon_src: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub icon_color: Option<String>,
}

/// One value of a case field (severity, status, ...): `key` is what cases store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseOption {
    /// Unique within its list.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 1000))]
    pub key: u32,
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]*[^\\s\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069][^\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]*$"
        )
    )]
    pub label: String,
    #[serde(default)]
    pub style_config: StyleConfig,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DisabledFeature {
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]*[^\\s\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069][^\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]*$"
        )
    )]
    pub name: String,
}

/// Keys of `status_options`, by how a case with that status ranks.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriorityConfig {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 20))]
    pub need_attention_statuses: Vec<u32>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 20))]
    pub active_statuses: Vec<u32>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 20))]
    pub closed_statuses: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CasePriorityConfig {
    #[serde(default)]
    pub analyst_priority_config: PriorityConfig,
    #[serde(default)]
    pub customer_priority_config: PriorityConfig,
}

/// The whole `case_configuration` as stored and returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseConfiguration {
    pub case_categories: Vec<CaseCategory>,
    pub severity_options: Vec<CaseOption>,
    pub disposition_options: Vec<CaseOption>,
    pub status_options: Vec<CaseOption>,
    pub finding_risk_options: Vec<CaseOption>,
    pub action_status_options: Vec<CaseOption>,
    pub disabled_features: Vec<DisabledFeature>,
    pub case_priority_config: CasePriorityConfig,
    pub case_closed_statuses: Vec<u32>,
    pub reply_to_email: Option<String>,
}

/// `case_configuration` in a create or PATCH body: every field optional, a field left out takes
/// the default's value. Status references (`case_priority_config`, `case_closed_statuses`) must
/// be keys of the resulting `status_options`; keys are unique within each option list.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseConfigurationRequest {
    #[cfg_attr(feature = "openapi", schema(max_items = 50))]
    pub case_categories: Option<Vec<CaseCategory>>,
    #[cfg_attr(feature = "openapi", schema(max_items = 20))]
    pub severity_options: Option<Vec<CaseOption>>,
    #[cfg_attr(feature = "openapi", schema(max_items = 20))]
    pub disposition_options: Option<Vec<CaseOption>>,
    #[cfg_attr(feature = "openapi", schema(max_items = 20))]
    pub status_options: Option<Vec<CaseOption>>,
    #[cfg_attr(feature = "openapi", schema(max_items = 20))]
    pub finding_risk_options: Option<Vec<CaseOption>>,
    #[cfg_attr(feature = "openapi", schema(max_items = 20))]
    pub action_status_options: Option<Vec<CaseOption>>,
    #[cfg_attr(feature = "openapi", schema(max_items = 50))]
    pub disabled_features: Option<Vec<DisabledFeature>>,
    pub case_priority_config: Option<CasePriorityConfig>,
    #[cfg_attr(feature = "openapi", schema(max_items = 20))]
    pub case_closed_statuses: Option<Vec<u32>>,
    #[cfg_attr(feature = "openapi", schema(format = Email, max_length = 254))]
    pub reply_to_email: Option<String>,
}

/// The documented default (`shared/src/views/defaults/case_configuration.json`).
pub fn default_case_configuration() -> &'static CaseConfiguration {
    static V: OnceLock<CaseConfiguration> = OnceLock::new();
    V.get_or_init(|| {
        serde_json::from_str(include_str!("../views/defaults/case_configuration.json"))
            .expect("the default case configuration parses")
    })
}

impl CaseConfigurationRequest {
    /// The configuration this request sets: its fields over the default's.
    pub fn resolve(&self) -> CaseConfiguration {
        let d = default_case_configuration();
        let pick = |v: &Option<Vec<CaseOption>>, d: &Vec<CaseOption>| v.clone().unwrap_or_else(|| d.clone());
        CaseConfiguration {
            case_categories: self.case_categories.clone().unwrap_or_else(|| d.case_categories.clone()),
            severity_options: pick(&self.severity_options, &d.severity_options),
            disposition_options: pick(&self.disposition_options, &d.disposition_options),
            status_options: pick(&self.status_options, &d.status_options),
            finding_risk_options: pick(&self.finding_risk_options, &d.finding_risk_options),
            action_status_options: pick(&self.action_status_options, &d.action_status_options),
            disabled_features: self.disabled_features.clone().unwrap_or_else(|| d.disabled_features.clone()),
            case_priority_config: self.case_priority_config.clone().unwrap_or_else(|| d.case_priority_config.clone()),
            case_closed_statuses: self.case_closed_statuses.clone().unwrap_or_else(|| d.case_closed_statuses.clone()),
            reply_to_email: self.reply_to_email.clone().or_else(|| d.reply_to_email.clone()),
        }
    }
}
