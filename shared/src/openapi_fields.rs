//! The schemas of the field kinds `shared::validate` checks (feature `openapi`), for request
//! fields to state what the service accepts: `#[schema(schema_with = openapi_fields::email)]`.
//! Each is the same rule as its `Validator` method, so a value the schema allows passes it.

use utoipa::openapi::schema::{ArrayBuilder, KnownFormat, Object, ObjectBuilder, SchemaFormat, SchemaType, Type};
use utoipa::openapi::{Array, RefOr, Schema};

use crate::validate::MAX_ID_LEN;

/// Control and bidirectional control characters (`Validator::text` refuses them).
const CONTROLS: &str = "\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069";

pub fn string(nullable: bool) -> ObjectBuilder {
    let t = if nullable { SchemaType::from_iter([Type::String, Type::Null]) } else { SchemaType::new(Type::String) };
    ObjectBuilder::new().schema_type(t)
}

/// `Validator::text`: some non-space, at most `max` characters, no control characters.
pub fn text(max: usize, nullable: bool) -> Object {
    let pattern = format!("^[^{CONTROLS}]*[^\\s{CONTROLS}][^{CONTROLS}]*$");
    string(nullable).min_length(Some(1)).max_length(Some(max)).pattern(Some(pattern)).build()
}

/// `Validator::id`: `[A-Za-z0-9_-]{1,64}`.
pub fn id_of(nullable: bool) -> Object {
    string(nullable).pattern(Some(format!("^[A-Za-z0-9_-]{{1,{MAX_ID_LEN}}}$"))).build()
}

/// `Validator::email` (`is_email`): an address of at most 254 characters.
pub fn email_of(nullable: bool) -> Object {
    string(nullable).format(Some(SchemaFormat::KnownFormat(KnownFormat::Email))).max_length(Some(254)).build()
}

/// `Validator::url`: `http(s)://` and no whitespace or control characters, at most 2048.
pub fn url_of(nullable: bool) -> Object {
    let pattern = format!("^https?://[^\\s{CONTROLS}]{{2,}}$");
    string(nullable).max_length(Some(2048)).pattern(Some(pattern)).build()
}

pub fn list(items: Object, max: usize, nullable: bool) -> Array {
    let t = if nullable { SchemaType::from_iter([Type::Array, Type::Null]) } else { SchemaType::new(Type::Array) };
    ArrayBuilder::new().schema_type(t).items(items).max_items(Some(max)).build()
}

pub fn id() -> Object {
    id_of(false)
}
pub fn id_opt() -> Object {
    id_of(true)
}
pub fn email() -> Object {
    email_of(false)
}
pub fn email_opt() -> Object {
    email_of(true)
}
pub fn url_opt() -> Object {
    url_of(true)
}
pub fn text_100() -> Object {
    text(100, false)
}
pub fn text_100_opt() -> Object {
    text(100, true)
}
pub fn text_200() -> Object {
    text(200, false)
}
pub fn text_200_opt() -> Object {
    text(200, true)
}
pub fn text_1000_opt() -> Object {
    text(1000, true)
}
/// At most 50 addresses (`Validator::email_list` as the organizations use it).
pub fn email_list_50_opt() -> Array {
    list(email_of(false), 50, true)
}
/// At most `n` ids.
pub fn id_list_opt(n: usize) -> Array {
    list(id_of(false), n, true)
}
/// `organizations::input::check_code`: 2 to 64 of `[A-Za-z0-9_-]` from a letter or digit (and
/// neither UUID-shaped nor reserved, which a pattern does not say).
pub fn code_opt() -> Object {
    string(true).pattern(Some("^[A-Za-z0-9][A-Za-z0-9_-]{1,63}$".to_string())).build()
}
/// `organizations::input::is_domain`: a dotted DNS name.
pub fn domains_opt() -> Array {
    let label = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
    let domain = string(false).max_length(Some(253)).pattern(Some(format!("^{label}(\\.{label})+$"))).build();
    list(domain, 20, true)
}
/// Organization metadata: at most 50 entries, keys 1 to 64 characters without control characters,
/// values at most 1024 characters.
pub fn metadata_opt() -> Object {
    let key = string(false).min_length(Some(1)).max_length(Some(64)).pattern(Some(format!("^[^{CONTROLS}]+$")));
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Object, Type::Null]))
        .property_names(Some(key.build()))
        .additional_properties(Some(RefOr::T(Schema::Object(string(false).max_length(Some(1024)).build()))))
        .max_properties(Some(50))
        .build()
}
pub fn text_32_opt() -> Object {
    text(32, true)
}
pub fn text_2048_opt() -> Object {
    text(2048, true)
}
/// `users::input::check_password`: 8 to 128 characters without control characters.
pub fn password_opt() -> Object {
    let pattern = format!("^[^{CONTROLS}]*$");
    string(true)
        .min_length(Some(crate::password::MIN_PASSWORD))
        .max_length(Some(crate::password::MAX_PASSWORD))
        .pattern(Some(pattern))
        .build()
}
/// Free text that may be empty: at most `max` characters without control characters.
pub fn plain(max: usize, nullable: bool) -> Object {
    string(nullable).max_length(Some(max)).pattern(Some(format!("^[^{CONTROLS}]*$"))).build()
}
pub fn plain_1000_opt() -> Object {
    plain(1000, true)
}
/// At most 50 distinct ids (group members).
pub fn id_set_50_opt() -> Array {
    let mut a = list(id_of(false), 50, true);
    a.unique_items = true;
    a
}
/// At most 50 case category names.
pub fn text_100_list_50_opt() -> Array {
    list(text(100, false), 50, true)
}
/// A caller-chosen role id (`roles::input::is_role_slug`).
pub fn role_slug_opt() -> Object {
    string(true).pattern(Some("^[a-z0-9][a-z0-9_-]{0,63}$".to_string())).build()
}
/// 1 to 100 ids (bulk membership changes).
pub fn id_list_100() -> Array {
    let mut a = list(id_of(false), 100, false);
    a.min_items = Some(1);
    a
}
/// At most 50 ids (a template's allowlist).
pub fn id_list_50() -> Array {
    list(id_of(false), 50, false)
}
pub fn text_1024() -> Object {
    text(1024, false)
}
/// A date as `MM-dd-yyyy` (that the day exists in its month is checked by the service).
pub fn date_mdy_opt() -> Object {
    string(true).pattern(Some("^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])-[0-9]{4}$".to_string())).build()
}
/// Sort keys (`paging::check_sort`): each a field of `fields` with `sort_order` 1 or -1.
pub fn sort_of(fields: &[&str]) -> Array {
    let key = ObjectBuilder::new()
        .schema_type(SchemaType::new(Type::Object))
        .property(
            "field",
            ObjectBuilder::new().schema_type(SchemaType::new(Type::String)).enum_values(Some(fields.to_vec())),
        )
        .property(
            "sort_order",
            ObjectBuilder::new().schema_type(SchemaType::new(Type::Integer)).enum_values(Some([1, -1])),
        )
        .required("field")
        .required("sort_order")
        .additional_properties(Some(utoipa::openapi::schema::AdditionalProperties::FreeForm(false)))
        .build();
    list(key, fields.len(), true)
}
/// At most 100 ids (list filters).
pub fn id_list_100_opt() -> Array {
    list(id_of(false), 100, true)
}
/// 1 to `max` distinct ids (`users::input::check_id_list`).
pub fn id_set(max: usize) -> Array {
    let mut a = list(id_of(false), max, false);
    a.min_items = Some(1);
    a.unique_items = true;
    a
}
/// 1 to `max` email addresses.
pub fn emails(max: usize) -> Array {
    let mut a = list(email_of(false), max, false);
    a.min_items = Some(1);
    a
}
