//! Seed 004's request body with its own field names, and the decisions' bodies. Every bad field
//! is a 400 naming it; unknown fields too.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::validate::Validator;
use shared::{ApiError, ApiResult, ErrorDetail};
use time::macros::format_description;
use time::Date;

/// Entries of each array of the body.
pub const MAX_ENTRIES: usize = 100;
/// Characters of each custom property and free text.
pub const MAX_TEXT: usize = 1024;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Endpoint {
    pub endpointname: Option<String>,
    pub cp1: Option<String>,
    pub cp2: Option<String>,
    pub cp3: Option<String>,
    pub cp4: Option<String>,
    pub cp5: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoleRef {
    pub rolename: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rule {
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Entitlement {
    pub entitlementvalue: Option<String>,
    pub entitlementtype: Option<String>,
    pub endpoint: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Owner {
    #[cfg_attr(feature = "openapi", schema(max_length = 1024))]
    pub owner: Option<String>,
    pub rank: Option<f64>,
    /// SUPERADMIN, ADMIN, BULKADMIN or READONLY.
    #[cfg_attr(feature = "openapi", schema(schema_with = owner_policy))]
    pub policy: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttributeGroup {
    pub attributegroupname: Option<String>,
    pub attributes: Option<String>,
    pub value: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub attributevalues: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserRef {
    pub username: Option<String>,
}

/// Seed 004's body. `customproperty1` to `customproperty28` are strings too.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({
    "organizationname": "Acme Labs", "description": "R&D",
    "organizationtype": "company", "startdate": "01-15-2027", "enddate": "12-31-2027",
    "owners": [{"owner": "ada@acme.io", "rank": 1, "policy": "ADMIN"}], "customproperty1": "cost-center-7"
})))]
pub struct CreateRequest {
    #[cfg_attr(feature = "openapi", schema(required = true, schema_with = shared::openapi_fields::text_200))]
    pub organizationname: Option<String>,
    /// The parent: an organization's id, code or name that the requester reaches (default: their
    /// own organization).
    #[cfg_attr(feature = "openapi", schema(schema_with = shared::openapi_fields::text_200_opt))]
    pub parentorganization: Option<String>,
    #[cfg_attr(feature = "openapi", schema(max_length = 1024))]
    pub comments: Option<String>,
    #[cfg_attr(feature = "openapi", schema(max_length = 1024))]
    pub username: Option<String>,
    #[cfg_attr(feature = "openapi", schema(max_length = 1024))]
    pub description: Option<String>,
    #[cfg_attr(feature = "openapi", schema(max_length = 1024))]
    pub primarycontact: Option<String>,
    /// `data security`, `grouping`, `request rules` or `company` (any case).
    #[cfg_attr(feature = "openapi", schema(schema_with = organization_type))]
    pub organizationtype: Option<String>,
    /// MM-dd-yyyy.
    #[cfg_attr(feature = "openapi", schema(schema_with = shared::openapi_fields::date_mdy_opt))]
    pub startdate: Option<String>,
    /// MM-dd-yyyy, not before `startdate`.
    #[cfg_attr(feature = "openapi", schema(schema_with = shared::openapi_fields::date_mdy_opt))]
    pub enddate: Option<String>,
    #[cfg_attr(feature = "openapi", schema(max_items = 100))]
    pub endpoints: Option<Vec<Endpoint>>,
    #[cfg_attr(feature = "openapi", schema(max_items = 100))]
    pub roles: Option<Vec<RoleRef>>,
    #[cfg_attr(feature = "openapi", schema(max_items = 100))]
    pub rules: Option<Vec<Rule>>,
    #[cfg_attr(feature = "openapi", schema(max_items = 100))]
    pub entitlements: Option<Vec<Entitlement>>,
    #[cfg_attr(feature = "openapi", schema(max_items = 100))]
    pub owners: Option<Vec<Owner>>,
    #[cfg_attr(feature = "openapi", schema(max_items = 100))]
    pub attributes: Option<Vec<AttributeGroup>>,
    #[cfg_attr(feature = "openapi", schema(max_items = 100))]
    pub users: Option<Vec<UserRef>>,
    pub dynamicattrsvalidation: Option<bool>,
    /// `customproperty1` … `customproperty28`; any other field is refused.
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom: BTreeMap<String, Value>,
}

/// One of `values`, or `null`.
#[cfg(feature = "openapi")]
fn one_of(values: &[&str]) -> utoipa::openapi::Object {
    use utoipa::openapi::{schema::SchemaType, ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .enum_values(Some(values.iter().map(|t| Some(t.to_string())).chain([None])))
        .build()
}
#[cfg(feature = "openapi")]
fn organization_type() -> utoipa::openapi::Object {
    one_of(&ORGANIZATION_TYPES)
}
#[cfg(feature = "openapi")]
fn owner_policy() -> utoipa::openapi::Object {
    one_of(&POLICIES)
}

pub const POLICIES: [&str; 4] = ["SUPERADMIN", "ADMIN", "BULKADMIN", "READONLY"];
pub const ORGANIZATION_TYPES: [&str; 4] = ["data security", "grouping", "request rules", "company"];

/// MM-dd-yyyy.
pub fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s, format_description!("[month]-[day]-[year]")).ok()
}

fn is_custom_property(k: &str) -> bool {
    k.strip_prefix("customproperty")
        .and_then(|n| if n.starts_with('0') { None } else { n.parse::<u8>().ok() })
        .is_some_and(|n| (1..=28).contains(&n))
}

fn text(v: &mut Validator, field: &str, s: &Option<String>) {
    if let Some(s) = s {
        if s.chars().count() > MAX_TEXT {
            v.add(field, format!("must be at most {MAX_TEXT} characters"));
        }
    }
}

fn entries<T>(v: &mut Validator, field: &str, list: &Option<Vec<T>>) {
    if list.as_ref().is_some_and(|l| l.len() > MAX_ENTRIES) {
        v.add(field, format!("must have at most {MAX_ENTRIES} entries"));
    }
}

/// Checks seed 004's body (R22); returns it as stored (the validated fields).
pub fn check_create(b: &CreateRequest) -> ApiResult<serde_json::Map<String, Value>> {
    let mut v = Validator::new();
    if let Some(n) = v.required("organizationname", &b.organizationname) {
        v.text("organizationname", n, 200);
    }
    if let Some(p) = &b.parentorganization {
        v.text("parentorganization", p, 200);
    }
    for (field, s) in [
        ("comments", &b.comments),
        ("username", &b.username),
        ("description", &b.description),
        ("primarycontact", &b.primarycontact),
    ] {
        text(&mut v, field, s);
    }
    if let Some(t) = &b.organizationtype {
        if !ORGANIZATION_TYPES.iter().any(|o| o.eq_ignore_ascii_case(t)) {
            v.add("organizationtype", format!("must be one of: {}", ORGANIZATION_TYPES.join(", ")));
        }
    }
    let mut date = |field: &str, s: &Option<String>| {
        let s = s.as_deref()?;
        let d = parse_date(s);
        if d.is_none() {
            v.add(field, "must be a date as MM-dd-yyyy");
        }
        d
    };
    let (start, end) = (date("startdate", &b.startdate), date("enddate", &b.enddate));
    if let (Some(s), Some(e)) = (start, end) {
        if e < s {
            v.add("enddate", "must not be before startdate");
        }
    }
    entries(&mut v, "endpoints", &b.endpoints);
    entries(&mut v, "roles", &b.roles);
    entries(&mut v, "rules", &b.rules);
    entries(&mut v, "entitlements", &b.entitlements);
    entries(&mut v, "owners", &b.owners);
    entries(&mut v, "attributes", &b.attributes);
    entries(&mut v, "users", &b.users);
    for (i, o) in b.owners.iter().flatten().enumerate() {
        if let Some(p) = &o.policy {
            if !POLICIES.contains(&p.as_str()) {
                v.add(&format!("owners[{i}].policy"), format!("must be one of: {}", POLICIES.join(", ")));
            }
        }
        text(&mut v, &format!("owners[{i}].owner"), &o.owner);
    }
    for (k, val) in &b.custom {
        if !is_custom_property(k) {
            v.add(k, "is not a field of an organization request");
        } else {
            match val.as_str() {
                Some(s) if s.chars().count() <= MAX_TEXT => {}
                Some(_) => v.add(k, format!("must be at most {MAX_TEXT} characters")),
                None => v.add(k, "must be a string"),
            }
        }
    }
    v.finish()?;
    match serde_json::to_value(b) {
        Ok(Value::Object(mut m)) => {
            m.retain(|_, v| !v.is_null());
            Ok(m)
        }
        _ => Err(ApiError::internal("a request body did not serialize to an object")),
    }
}

/// The approver's choices for the new organization (R23).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({
    "code": "acme-labs", "contact_email": "ops@acme.io", "rbac_template_id": "default",
    "can_have_child_organizations": false
})))]
pub struct ApproveRequest {
    #[cfg_attr(feature = "openapi", schema(schema_with = shared::openapi_fields::code_opt))]
    pub code: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true, schema_with = shared::openapi_fields::email))]
    pub contact_email: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true, schema_with = shared::openapi_fields::id))]
    pub rbac_template_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true, value_type = bool))]
    pub can_have_child_organizations: Option<bool>,
    pub parent_has_access: Option<bool>,
    pub parent_has_access_to_descendants: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({"reason": "Use the existing Labs organization."})))]
pub struct RejectRequest {
    #[cfg_attr(feature = "openapi", schema(required = true, schema_with = shared::openapi_fields::text_1024))]
    pub reason: Option<String>,
}

pub fn check_reject(b: &RejectRequest) -> ApiResult<String> {
    let mut v = Validator::new();
    if let Some(r) = v.required("reason", &b.reason) {
        v.text("reason", r, MAX_TEXT);
    }
    v.finish()?;
    Ok(b.reason.clone().unwrap_or_default().trim().to_string())
}

/// `?status=&organization_id=&page=&size=`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct ListQuery {
    /// `pending`, `approved` or `rejected`.
    pub status: Option<String>,
    /// The requests addressed to this organization (id or code), for a caller who may create
    /// organizations there; without it, the caller's own requests.
    #[cfg_attr(feature = "openapi", param(max_length = 64))]
    pub organization_id: Option<String>,
    #[cfg_attr(feature = "openapi", param(minimum = 0, maximum = 100_000))]
    pub page: Option<u32>,
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100))]
    pub size: Option<u32>,
}

pub fn check_list(q: &ListQuery) -> ApiResult<(Option<shared::model::org_request::RequestStatus>, u32, u32)> {
    let mut v = Validator::new();
    let status = q.status.as_deref().and_then(|s| {
        let st = shared::model::org_request::RequestStatus::parse(s);
        if st.is_none() {
            v.add("status", "must be pending, approved or rejected");
        }
        st
    });
    let (page, size) = shared::edge::paging::page_and_size(&mut v, q.page, q.size);
    if let Some(o) = &q.organization_id {
        v.id("organization_id", o);
    }
    v.finish()?;
    Ok((status, page, size))
}

/// 400 naming `field` (for the parent's resolution).
pub fn field_error(field: &str, issue: &str) -> ApiError {
    ApiError::validation(vec![ErrorDetail::field(field, issue)])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(b: serde_json::Value) -> Vec<String> {
        let b: CreateRequest = serde_json::from_value(b).unwrap();
        check_create(&b).err().map(|e| e.details.iter().filter_map(|d| d.field.clone()).collect()).unwrap_or_default()
    }

    #[test]
    fn seed_004_fields_are_checked_by_name() {
        assert_eq!(fields(json!({})), ["organizationname"]);
        assert!(fields(json!({"organizationname": "x", "customproperty28": "v", "startdate": "02-28-2027"})).is_empty());
        assert_eq!(fields(json!({"organizationname": "x", "customproperty29": "v"})), ["customproperty29"]);
        assert_eq!(fields(json!({"organizationname": "x", "customproperty01": "v"})), ["customproperty01"]);
        assert_eq!(fields(json!({"organizationname": "x", "customproperty3": 7})), ["customproperty3"]);
        assert_eq!(fields(json!({"organizationname": "x", "colour": "red"})), ["colour"]);
        assert_eq!(fields(json!({"organizationname": "x", "startdate": "2027-01-15"})), ["startdate"]);
        assert_eq!(fields(json!({"organizationname": "x", "startdate": "02-30-2027"})), ["startdate"]);
        assert_eq!(
            fields(json!({"organizationname": "x", "startdate": "03-01-2027", "enddate": "02-28-2027"})),
            ["enddate"]
        );
        assert_eq!(fields(json!({"organizationname": "x", "owners": [{"policy": "OWNER"}]})), ["owners[0].policy"]);
        assert_eq!(fields(json!({"organizationname": "x", "organizationtype": "club"})), ["organizationtype"]);
        let many: Vec<_> = (0..101).map(|_| json!({"rolename": "r"})).collect();
        assert_eq!(fields(json!({"organizationname": "x", "roles": many})), ["roles"]);
    }

    use serde_json::json;
}
