//! The checks of a resolved case configuration (the limits are `super`'s constants).

use std::collections::HashSet;

use super::*;
use crate::validate::Validator;

fn check_style(v: &mut Validator, field: &str, s: &StyleConfig) {
    let texts = [
        ("bg_color", &s.bg_color),
        ("font_color", &s.font_color),
        ("font_size", &s.font_size),
        ("border", &s.border),
        ("border_radius", &s.border_radius),
        ("size", &s.size),
        ("text_class", &s.text_class),
        ("wrapper_class", &s.wrapper_class),
        ("tooltip_title", &s.tooltip_title),
        ("icon_src", &s.icon_src),
        ("icon_color", &s.icon_color),
    ];
    let adornments = [("start_adornments", &s.start_adornments), ("end_adornments", &s.end_adornments)];
    let adornment_texts = adornments.iter().filter_map(|(n, a)| a.as_ref().map(|a| (n, a))).flat_map(|(n, a)| {
        [("type", &a.kind), ("src", &a.src), ("size", &a.size)].map(|(f, t)| (format!("{n}.{f}"), t))
    });
    let all = texts.iter().map(|(n, t)| (n.to_string(), *t)).chain(adornment_texts);
    for (name, text) in all {
        if text.as_ref().is_some_and(|t| t.chars().count() > MAX_STYLE) {
            v.add(&format!("{field}.{name}"), format!("must be at most {MAX_STYLE} characters"));
        }
    }
}

fn check_options(v: &mut Validator, field: &str, list: &[CaseOption]) {
    if list.len() > MAX_OPTIONS {
        return v.add(field, format!("must have at most {MAX_OPTIONS} entries"));
    }
    let mut keys = HashSet::new();
    for (i, o) in list.iter().enumerate() {
        if o.key > MAX_KEY {
            v.add(&format!("{field}[{i}].key"), format!("must be 0 to {MAX_KEY}"));
        } else if !keys.insert(o.key) {
            v.add(&format!("{field}[{i}].key"), "repeats a key of this list");
        }
        v.text(&format!("{field}[{i}].label"), &o.label, MAX_LABEL);
        check_style(v, &format!("{field}[{i}].style_config"), &o.style_config);
    }
}

fn check_names<'a>(v: &mut Validator, field: &str, what: &str, names: impl Iterator<Item = &'a str>) {
    let mut seen = HashSet::new();
    for (i, n) in names.enumerate() {
        v.text(&format!("{field}[{i}].{what}"), n, MAX_LABEL);
        if !seen.insert(n.trim().to_lowercase()) {
            v.add(&format!("{field}[{i}].{what}"), "repeats a name of this list");
        }
    }
}

fn check_status_refs(v: &mut Validator, field: &str, refs: &[u32], statuses: &HashSet<u32>) {
    if refs.len() > MAX_STATUS_REFS {
        return v.add(field, format!("must have at most {MAX_STATUS_REFS} entries"));
    }
    for (i, k) in refs.iter().enumerate() {
        if !statuses.contains(k) {
            v.add(&format!("{field}[{i}]"), "must be a key of status_options");
        }
    }
}

/// Checks a resolved configuration, reporting fields as `{prefix}.<path>`.
pub fn check(v: &mut Validator, prefix: &str, c: &CaseConfiguration) {
    let f = |name: &str| format!("{prefix}.{name}");
    if c.case_categories.len() > MAX_CATEGORIES {
        v.add(&f("case_categories"), format!("must have at most {MAX_CATEGORIES} entries"));
    } else {
        check_names(
            v,
            &f("case_categories"),
            "category_name",
            c.case_categories.iter().map(|c| c.category_name.as_str()),
        );
        for (i, cat) in c.case_categories.iter().enumerate() {
            let field = f(&format!("case_categories[{i}].sub_categories"));
            if cat.sub_categories.len() > MAX_SUB_CATEGORIES {
                v.add(&field, format!("must have at most {MAX_SUB_CATEGORIES} entries"));
            } else {
                check_names(
                    v,
                    &field,
                    "sub_category_name",
                    cat.sub_categories.iter().map(|s| s.sub_category_name.as_str()),
                );
            }
        }
    }
    check_options(v, &f("severity_options"), &c.severity_options);
    check_options(v, &f("disposition_options"), &c.disposition_options);
    check_options(v, &f("status_options"), &c.status_options);
    check_options(v, &f("finding_risk_options"), &c.finding_risk_options);
    check_options(v, &f("action_status_options"), &c.action_status_options);
    if c.disabled_features.len() > MAX_DISABLED_FEATURES {
        v.add(&f("disabled_features"), format!("must have at most {MAX_DISABLED_FEATURES} entries"));
    } else {
        check_names(v, &f("disabled_features"), "name", c.disabled_features.iter().map(|d| d.name.as_str()));
    }
    let statuses: HashSet<u32> = c.status_options.iter().map(|o| o.key).collect();
    for (who, p) in [
        ("analyst_priority_config", &c.case_priority_config.analyst_priority_config),
        ("customer_priority_config", &c.case_priority_config.customer_priority_config),
    ] {
        for (list, refs) in [
            ("need_attention_statuses", &p.need_attention_statuses),
            ("active_statuses", &p.active_statuses),
            ("closed_statuses", &p.closed_statuses),
        ] {
            check_status_refs(v, &f(&format!("case_priority_config.{who}.{list}")), refs, &statuses);
        }
    }
    check_status_refs(v, &f("case_closed_statuses"), &c.case_closed_statuses, &statuses);
    if let Some(e) = &c.reply_to_email {
        v.email(&f("reply_to_email"), e);
    }
    if v.is_ok() && serde_json::to_vec(c).map(|b| b.len()).unwrap_or(usize::MAX) > MAX_BYTES {
        v.add(prefix, format!("must be at most {MAX_BYTES} bytes as JSON"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(body: serde_json::Value) -> Vec<String> {
        let r: CaseConfigurationRequest = serde_json::from_value(body).expect("parses");
        let mut v = Validator::new();
        check(&mut v, "case_configuration", &r.resolve());
        match v.finish() {
            Ok(()) => Vec::new(),
            Err(e) => e.details.into_iter().filter_map(|d| d.field).collect(),
        }
    }

    #[test]
    fn the_default_is_valid_and_fills_what_is_left_out() {
        assert!(checked(serde_json::json!({})).is_empty());
        let r: CaseConfigurationRequest =
            serde_json::from_value(serde_json::json!({"case_categories": []})).expect("parses");
        let c = r.resolve();
        assert!(c.case_categories.is_empty());
        assert_eq!(c.status_options, default_case_configuration().status_options);
    }

    #[test]
    fn refusals_name_the_field() {
        let fields = checked(serde_json::json!({
            "status_options": [{"key": 1, "label": "Open"}, {"key": 1, "label": " "}],
            "case_closed_statuses": [9],
            "reply_to_email": "nope",
            "case_categories": [{"category_name": "A"}, {"category_name": "a"}],
        }));
        for f in [
            "case_configuration.status_options[1].key",
            "case_configuration.status_options[1].label",
            "case_configuration.case_closed_statuses[0]",
            "case_configuration.reply_to_email",
            "case_configuration.case_categories[1].category_name",
            // the default's priority lists name statuses 2 to 5, gone now
            "case_configuration.case_priority_config.analyst_priority_config.active_statuses[0]",
        ] {
            assert!(fields.iter().any(|x| x == f), "{f} not in {fields:?}");
        }
        assert!(serde_json::from_value::<CaseConfigurationRequest>(serde_json::json!({"colour": 1})).is_err());
    }
}
