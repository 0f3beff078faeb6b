//! Applying an organization update's body to the item, recording each change for the activity log.

use serde_json::{json, Map, Value};
use shared::model::org::{DarrylConfiguration, OrgItem, UpdateOrgRequest};

use crate::input;

pub(crate) fn diff(changes: &mut Map<String, Value>, field: &str, from: Value, to: Value) {
    if from != to {
        changes.insert(field.to_string(), json!({"from": from, "to": to}));
    }
}

/// Applies `body` to `org`, recording what changed. Returns the template id moved to, if any.
pub(crate) fn apply_patch(
    org: &mut OrgItem,
    body: &UpdateOrgRequest,
    changes: &mut Map<String, Value>,
) -> Option<String> {
    macro_rules! set {
        ($field:ident, $value:expr) => {{
            let new = $value;
            diff(changes, stringify!($field), json!(org.$field), json!(new));
            org.$field = new;
        }};
    }
    if let Some(Some(n)) = &body.name {
        set!(name, n.trim().to_string());
    }
    if let Some(v) = &body.contact_email {
        set!(contact_email, v.clone());
    }
    if let Some(v) = &body.updates_email {
        set!(updates_email, v.clone());
    }
    if let Some(v) = &body.updates_email_for_escalations_from_parent {
        set!(updates_email_for_escalations_from_parent, v.clone().unwrap_or_default());
    }
    if let Some(v) = &body.updates_email_for_escalations_from_children {
        set!(updates_email_for_escalations_from_children, v.clone().unwrap_or_default());
    }
    if let Some(v) = &body.logo_url {
        set!(logo_url, v.clone());
    }
    if let Some(v) = &body.metadata {
        set!(metadata, v.clone().unwrap_or_default());
    }
    if let Some(v) = &body.domains {
        set!(domains, input::normalize_domains(v.clone().unwrap_or_default()));
    }
    if let Some(v) = &body.sso_configuration {
        let redact = |s: &Option<shared::model::org::SsoConfiguration>| {
            json!(s.as_ref().map(|s| shared::model::org::SsoConfiguration {
                certificate: s.certificate.as_ref().map(|_| "(set)".into()),
                ..s.clone()
            }))
        };
        diff(changes, "sso_configuration", redact(&org.sso_configuration), redact(v));
        org.sso_configuration = v.clone();
    }
    if let Some(v) = &body.darryl_configuration {
        let new = v.as_ref().map(|d| DarrylConfiguration {
            // An uploaded Darryl logo survives edits of name and colour.
            logo_url: org.darryl_configuration.as_ref().and_then(|o| o.logo_url.clone()),
            darryl_config_source: d.darryl_config_source,
            name: d.name.clone(),
            color: d.color.clone(),
        });
        set!(darryl_configuration, new);
    }
    if let Some(v) = &body.case_configuration {
        set!(case_configuration, v.as_ref().map(|c| c.resolve()));
    }
    if let Some(v) = &body.enable_metabase {
        let enabled = v.unwrap_or(false);
        diff(changes, "enable_metabase", json!(org.metabase_configuration.enabled), json!(enabled));
        org.metabase_configuration.enabled = enabled;
    }
    match &body.rbac_template_id {
        Some(Some(t)) if *t != org.rbac_template_id => {
            let t = t.clone();
            set!(rbac_template_id, t.clone());
            Some(t)
        }
        _ => None,
    }
}
