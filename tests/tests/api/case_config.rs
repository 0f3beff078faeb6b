//! `configuration.case_configuration`: set on create and PATCH, validated, inherited from the
//! nearest ancestor that has its own, else the documented default (docs/DECISIONS.md "Case
//! configuration").

use orgs_tests::TestApi;
use serde_json::{json, Value};

fn case_config(api_response: &Value) -> Value {
    api_response["data"]["configuration"]["case_configuration"].clone()
}

async fn read(api: &TestApi, org: &str) -> Value {
    let r = api.get(&format!("/organizations/{org}")).send().await;
    r.expect(200);
    case_config(&r.body)
}

fn statuses() -> Value {
    json!([{"key": 10, "label": "New"}, {"key": 20, "label": "Done", "style_config": {"bg_color": "#000"}}])
}

#[tokio::test]
async fn set_on_create_inherited_by_children_and_replaced_or_cleared_by_patch() {
    let api = TestApi::new().await;
    let default = read(&api, &api.root_org).await;
    assert!(default["severity_options"].as_array().unwrap().len() >= 3, "the documented default");

    let own = json!({
        "case_categories": [{"category_name": "Fraud", "sub_categories": [{"sub_category_name": "Card"}]}],
        "status_options": statuses(),
        "case_priority_config": {"analyst_priority_config": {"need_attention_statuses": [10], "closed_statuses": [20]}},
        "case_closed_statuses": [20],
        "reply_to_email": "cases@acme.io"
    });
    let parent = api.create_org(&api.root_org, json!({"case_configuration": own})).await;
    let c = read(&api, &parent).await;
    assert_eq!(c["case_categories"][0]["category_name"], "Fraud");
    assert_eq!(c["status_options"][1]["style_config"]["bg_color"], "#000");
    assert_eq!(c["case_closed_statuses"], json!([20]));
    assert_eq!(c["reply_to_email"], "cases@acme.io");
    assert_eq!(c["case_priority_config"]["customer_priority_config"]["active_statuses"], json!([]));
    assert_eq!(c["severity_options"], default["severity_options"], "left out: the default's value");

    // A child without its own shows its parent's.
    let child = api.create_org(&parent, json!({})).await;
    assert_eq!(read(&api, &child).await, c);

    // PATCH replaces the whole object ...
    let r = api
        .patch(
            &format!("/organizations/{child}"),
            json!({"case_configuration": {"disabled_features": [{"name": "sla"}]}}),
        )
        .send()
        .await;
    r.expect(200);
    assert_eq!(case_config(&r.body)["disabled_features"], json!([{"name": "sla"}]));
    assert_eq!(case_config(&r.body)["status_options"], default["status_options"]);
    assert_eq!(read(&api, &parent).await, c, "the parent's is untouched");
    // ... and `null` clears it: inherited again.
    api.patch(&format!("/organizations/{child}"), json!({"case_configuration": null})).send().await.expect(200);
    assert_eq!(read(&api, &child).await, c);
}

#[tokio::test]
async fn invalid_case_configuration_is_a_400_naming_the_field_and_nothing_is_written() {
    let api = TestApi::new().await;
    let org = api.create_org(&api.root_org, json!({})).await;
    let before = read(&api, &org).await;
    let bad = [
        (
            json!({"status_options": [{"key": 1, "label": "A"}, {"key": 1, "label": "B"}]}),
            "case_configuration.status_options[1].key",
        ),
        (json!({"case_closed_statuses": [99]}), "case_configuration.case_closed_statuses[0]"),
        (json!({"severity_options": [{"key": 1, "label": " "}]}), "case_configuration.severity_options[0].label"),
        (json!({"reply_to_email": "not-an-email"}), "case_configuration.reply_to_email"),
        (
            json!({"case_categories": [{"category_name": "X"}, {"category_name": "x"}]}),
            "case_configuration.case_categories[1].category_name",
        ),
        (
            json!({"severity_options": [{"key": 1, "label": "A", "style_config": {"bg_color": "x".repeat(257)}}]}),
            "case_configuration.severity_options[0].style_config.bg_color",
        ),
    ];
    for (config, field) in bad {
        let r = api.patch(&format!("/organizations/{org}"), json!({"case_configuration": config})).send().await;
        r.expect(400);
        assert_eq!(r.body["error"]["code"], "validation_failed");
        let fields: Vec<&str> =
            r.body["error"]["details"].as_array().unwrap().iter().filter_map(|d| d["field"].as_str()).collect();
        assert!(fields.contains(&field), "{field} not in {fields:?}");
    }
    // An unknown field inside is refused too (deny_unknown_fields), naming nothing written.
    let r = api.patch(&format!("/organizations/{org}"), json!({"case_configuration": {"colour": "red"}})).send().await;
    r.expect(400);
    assert_eq!(read(&api, &org).await, before, "nothing written");
    // On create as well: a 400, no organization.
    let body = json!({"name": "Bad", "contact_email": "ops@x.io", "parent_organization_id": api.root_org, "can_have_child_organizations": false,
                      "rbac_template_id": "default", "case_configuration": {"case_closed_statuses": [99]}});
    let before = api.item_count().await;
    api.post("/organizations", body).send().await.expect(400);
    assert_eq!(api.item_count().await, before);
}
