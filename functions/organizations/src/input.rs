//! Validation of the organizations request bodies: every problem reported at once.

use shared::model::case_config;
use shared::model::org::{CreateOrgRequest, DarrylConfigurationRequest, SsoConfiguration, UpdateOrgRequest};
use shared::validate::Validator;
use shared::ApiResult;

pub const MAX_NAME: usize = 200;
pub const MAX_EMAIL_LIST: usize = 50;
pub const MAX_METADATA_ENTRIES: usize = 50;
pub const MAX_METADATA_KEY: usize = 64;
pub const MAX_METADATA_VALUE: usize = 1024;
pub const MAX_CERTIFICATE: usize = 16 * 1024;

/// Codes: 2..=64 of `[A-Za-z0-9_-]`, starting with a letter or digit, and not UUID-shaped (a
/// path identifier that parses as a UUID is always taken as an id), and not reserved (R29).
pub fn check_code(v: &mut Validator, code: &str) {
    let ok = (2..=64).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && code.as_bytes()[0].is_ascii_alphanumeric()
        && uuid::Uuid::try_parse(code).is_err();
    if !ok {
        v.add("code", "must be 2 to 64 letters, digits, '-' or '_', start with a letter or digit, and not be a UUID");
    } else if shared::validate::is_reserved_code(code) {
        v.add("code", "is reserved");
    }
}

fn check_metadata(v: &mut Validator, m: &std::collections::BTreeMap<String, String>) {
    if m.len() > MAX_METADATA_ENTRIES {
        v.add("metadata", format!("must have at most {MAX_METADATA_ENTRIES} entries"));
        return;
    }
    for (k, val) in m {
        if k.is_empty() || k.chars().count() > MAX_METADATA_KEY || k.chars().any(char::is_control) {
            v.add("metadata", format!("keys must be 1 to {MAX_METADATA_KEY} characters without control characters"));
        }
        if val.chars().count() > MAX_METADATA_VALUE {
            v.add(&format!("metadata.{k}"), format!("must be at most {MAX_METADATA_VALUE} characters"));
        }
    }
}

pub const MAX_DOMAINS: usize = 20;

/// Domains are stored lower-cased, without duplicates.
pub fn normalize_domains(mut d: Vec<String>) -> Vec<String> {
    for x in d.iter_mut() {
        *x = x.trim().to_ascii_lowercase();
    }
    d.sort();
    d.dedup();
    d
}

/// A DNS name: dotted labels of `[a-z0-9-]` (1–63 each, not starting or ending with `-`), at most
/// 253 characters in all.
pub fn is_domain(d: &str) -> bool {
    let d = d.trim();
    d.len() <= 253
        && d.contains('.')
        && d.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

fn check_domains(v: &mut Validator, list: &[String]) {
    if list.len() > MAX_DOMAINS {
        v.add("domains", format!("must have at most {MAX_DOMAINS} entries"));
        return;
    }
    for (i, d) in list.iter().enumerate() {
        if !is_domain(d) {
            v.add(&format!("domains[{i}]"), "must be a domain name such as example.com");
        }
    }
}

fn check_sso(v: &mut Validator, s: &SsoConfiguration) {
    if let Some(n) = &s.identity_provider_name {
        v.text("sso_configuration.identity_provider_name", n, MAX_NAME);
    }
    if let Some(n) = &s.entity_id {
        v.text("sso_configuration.entity_id", n, 2048);
    }
    if let Some(c) = &s.certificate {
        if c.len() > MAX_CERTIFICATE {
            v.add("sso_configuration.certificate", format!("must be at most {MAX_CERTIFICATE} bytes"));
        }
    }
    if let Some(u) = &s.sso_url {
        v.url("sso_configuration.sso_url", u);
    }
    if let Some(u) = &s.logout_url {
        v.url("sso_configuration.logout_url", u);
    }
}

fn check_darryl(v: &mut Validator, d: &DarrylConfigurationRequest) {
    if let Some(n) = &d.name {
        v.text("darryl_configuration.name", n, MAX_NAME);
    }
    if let Some(c) = &d.color {
        v.text("darryl_configuration.color", c, 32);
    }
}

/// Checks a create body; on success every required field is present.
pub fn check_create(b: &CreateOrgRequest) -> ApiResult<()> {
    let mut v = Validator::new();
    if let Some(n) = v.required("name", &b.name) {
        v.text("name", n, MAX_NAME);
    }
    if let Some(c) = &b.code {
        check_code(&mut v, c);
    }
    if let Some(e) = v.required("contact_email", &b.contact_email) {
        v.email("contact_email", e);
    }
    if let Some(e) = &b.updates_email {
        v.email("updates_email", e);
    }
    if let Some(p) = v.required("parent_organization_id", &b.parent_organization_id) {
        v.id("parent_organization_id", p);
    }
    v.required("can_have_child_organizations", &b.can_have_child_organizations);
    if let Some(l) = &b.updates_email_for_escalations_from_parent {
        v.email_list("updates_email_for_escalations_from_parent", l, MAX_EMAIL_LIST);
    }
    if let Some(l) = &b.updates_email_for_escalations_from_children {
        v.email_list("updates_email_for_escalations_from_children", l, MAX_EMAIL_LIST);
    }
    if let Some(u) = &b.logo_url {
        v.url("logo_url", u);
    }
    if let Some(s) = &b.sso_configuration {
        check_sso(&mut v, s);
    }
    if let Some(d) = &b.darryl_configuration {
        check_darryl(&mut v, d);
    }
    if let Some(c) = &b.case_configuration {
        case_config::check(&mut v, "case_configuration", &c.resolve());
    }
    if let Some(t) = v.required("rbac_template_id", &b.rbac_template_id) {
        v.id("rbac_template_id", t);
    }
    if let Some(m) = &b.metadata {
        check_metadata(&mut v, m);
    }
    if let Some(d) = &b.domains {
        check_domains(&mut v, d);
    }
    v.finish()
}

/// Checks an update body. `null` is refused for fields that cannot be empty.
pub fn check_update(b: &UpdateOrgRequest) -> ApiResult<()> {
    let mut v = Validator::new();
    match &b.name {
        Some(None) => v.add("name", "cannot be null"),
        Some(Some(n)) => v.text("name", n, MAX_NAME),
        None => {}
    }
    if let Some(Some(e)) = &b.contact_email {
        v.email("contact_email", e);
    }
    if let Some(Some(e)) = &b.updates_email {
        v.email("updates_email", e);
    }
    if let Some(Some(l)) = &b.updates_email_for_escalations_from_parent {
        v.email_list("updates_email_for_escalations_from_parent", l, MAX_EMAIL_LIST);
    }
    if let Some(Some(l)) = &b.updates_email_for_escalations_from_children {
        v.email_list("updates_email_for_escalations_from_children", l, MAX_EMAIL_LIST);
    }
    if let Some(Some(u)) = &b.logo_url {
        v.url("logo_url", u);
    }
    if let Some(Some(s)) = &b.sso_configuration {
        check_sso(&mut v, s);
    }
    if let Some(Some(d)) = &b.darryl_configuration {
        check_darryl(&mut v, d);
    }
    if let Some(Some(c)) = &b.case_configuration {
        case_config::check(&mut v, "case_configuration", &c.resolve());
    }
    match &b.rbac_template_id {
        Some(None) => v.add("rbac_template_id", "cannot be null"),
        Some(Some(t)) => v.id("rbac_template_id", t),
        None => {}
    }
    if let Some(Some(m)) = &b.metadata {
        check_metadata(&mut v, m);
    }
    if let Some(Some(d)) = &b.domains {
        check_domains(&mut v, d);
    }
    v.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_reports_every_missing_field() {
        let err = check_create(&CreateOrgRequest::default()).unwrap_err();
        let fields: Vec<_> = err.details.iter().filter_map(|d| d.field.clone()).collect();
        for f in ["name", "contact_email", "parent_organization_id", "can_have_child_organizations", "rbac_template_id"]
        {
            assert!(fields.contains(&f.to_string()), "{f} missing from {fields:?}");
        }
    }

    #[test]
    fn domains() {
        for (d, ok) in [
            ("acme.io", true),
            ("a-b.co.uk", true),
            ("localhost", false),
            ("-a.io", false),
            ("a..io", false),
            ("a b.io", false),
        ] {
            assert_eq!(is_domain(d), ok, "{d}");
        }
        assert_eq!(normalize_domains(vec!["B.io".into(), "b.io".into(), "a.io".into()]), vec!["a.io", "b.io"]);
    }

    #[test]
    fn codes() {
        for (code, ok) in [
            ("acme", true),
            ("a", false),
            ("-x", false),
            ("a b", false),
            ("00000000-0000-0000-0000-000000000000", false),
            ("www", false),
            ("WWW", false),
            ("Admin", false),
            ("localhost", false),
            ("www2", true),
            ("apis", true),
        ] {
            let mut v = Validator::new();
            check_code(&mut v, code);
            assert_eq!(v.is_ok(), ok, "{code}");
        }
    }
}
