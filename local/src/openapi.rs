//! The OpenAPI 3.1 document of the whole API, generated from the code (feature `openapi`).
//!
//! Each function crate describes its routes with `utoipa::path` annotations on its handlers and
//! `ToSchema` derives on its request and response types (`OpenApiDoc`). This module merges them
//! and adds what holds for every operation, from the one place that decides it:
//! - the tag: the function that serves the route (from [`FUNCTIONS`]), and a unique operationId;
//! - the error responses (`4XX`, `5XX`): every error is the `{message, error}` envelope, and
//!   401 / 403 may also be API Gateway's own `{message}` (the authorizer refused the token);
//! - the identity: a bearer token (deployed) or the `User-ID` / `Organization-ID` headers;
//! - links from each create (201) to the operations on the created resource ([`to_json`]).
//!
//! `docs/openapi.json` is [`to_json`]'s output; a test fails when it is not current.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::schema::AnyOfBuilder;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::server::Server;
use utoipa::openapi::tag::Tag;
use utoipa::openapi::{ContentBuilder, InfoBuilder, OpenApi, Ref, RefOr, Required, ResponseBuilder, Schema};
use utoipa::{OpenApi as _, ToSchema};

use crate::functions::FUNCTIONS;

/// Where the document is committed, relative to the workspace root.
pub const DOCUMENT_PATH: &str = "docs/openapi.json";

const DESCRIPTION: &str = "The organizations, users, user groups, API tokens, permissions and RBAC templates API.\n\n\
Success bodies are `{\"message\", \"data\"}` (lists add `total` or `next_cursor`); every error is \
`{\"message\", \"error\": {\"code\", \"details\": [{\"field\", \"issue\"}]}}`. Timestamps are epoch milliseconds.\n\n\
Deployed, callers send `Authorization: Bearer <token>` and API Gateway writes the `User-ID` and \
`Organization-ID` headers from the authorizer's answer; locally (`orgs-local serve`) those two headers \
may be sent directly. `X-Request-ID` is echoed in every response and makes a retried POST idempotent.";

/// The operations of a path item, with their methods.
fn operations(item: &mut PathItem) -> Vec<(&'static str, &mut Operation)> {
    let PathItem { get, put, post, delete, patch, .. } = item;
    [("GET", get), ("PUT", put), ("POST", post), ("DELETE", delete), ("PATCH", patch)]
        .into_iter()
        .filter_map(|(m, o)| o.as_mut().map(|o| (m, o)))
        .collect()
}

/// The function that serves `method path` (exactly as listed in its ROUTES).
fn owner(method: &str, path: &str) -> Option<&'static str> {
    FUNCTIONS.iter().find(|f| f.routes.iter().any(|r| r.method == method && r.path == path)).map(|f| f.name)
}

/// The response field holding the value of a path parameter of the created resource.
fn field_of(param: &str) -> &str {
    match param {
        "organization_identifier" => "organization_id",
        p => p,
    }
}

/// `request_body = Option<T>` says "may be absent"; utoipa writes it as a required body that may
/// be JSON `null`. An empty body is what the routes accept (`OptionalJsonBody`), not `null`.
fn optional_body(op: &mut Operation) {
    let Some(body) = op.request_body.as_mut() else { return };
    for content in body.content.values_mut() {
        if let Some(RefOr::T(Schema::OneOf(one))) = &content.schema {
            let is_null = |s: &RefOr<Schema>| serde_json::to_value(s).ok() == Some(serde_json::json!({"type": "null"}));
            if one.items.len() == 2 && one.items.iter().any(is_null) {
                content.schema = one.items.iter().find(|s| !is_null(s)).cloned();
                body.required = Some(Required::False);
            }
        }
    }
}

/// Merges the functions' documents and adds the cross-cutting parts (see the module docs).
pub fn document() -> OpenApi {
    let mut doc = organizations::OpenApiDoc::openapi();
    doc.merge(users::OpenApiDoc::openapi());
    doc.merge(user_groups::OpenApiDoc::openapi());
    doc.merge(api_tokens::OpenApiDoc::openapi());
    doc.merge(permissions::OpenApiDoc::openapi());
    doc.merge(rbac_templates::OpenApiDoc::openapi());
    doc.merge(roles::OpenApiDoc::openapi());
    doc.merge(activities::OpenApiDoc::openapi());
    doc.merge(organization_requests::OpenApiDoc::openapi());

    doc.info = InfoBuilder::new()
        .title("orgs")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(DESCRIPTION))
        .license(Some(utoipa::openapi::LicenseBuilder::new().name("Apache-2.0").identifier(Some("Apache-2.0")).build()))
        .build();
    doc.servers = Some(vec![Server::new("http://127.0.0.1:3000")]);
    doc.tags = Some(FUNCTIONS.iter().map(|f| Tag::new(f.name)).collect());

    let components = doc.components.get_or_insert_with(Default::default);
    let mut schemas = Vec::new();
    <shared::edge::openapi::ErrorResponse as ToSchema>::schemas(&mut schemas);
    schemas.push(("ErrorResponse".into(), <shared::edge::openapi::ErrorResponse as utoipa::PartialSchema>::schema()));
    schemas.push(("GatewayError".into(), <shared::edge::openapi::GatewayError as utoipa::PartialSchema>::schema()));
    components.schemas.extend(schemas);
    components
        .add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    components.add_security_scheme("user_id", SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("User-ID"))));
    components.add_security_scheme(
        "organization_id",
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("Organization-ID"))),
    );
    // Either the two identity headers (local, or as the gateway forwards them) or a bearer token.
    doc.security = Some(vec![
        SecurityRequirement::new("user_id", Vec::<String>::new()).add("organization_id", Vec::<String>::new()),
        SecurityRequirement::new("bearer", Vec::<String>::new()),
    ]);

    let error = |what: &str| {
        ResponseBuilder::new()
            .description(what)
            .content(
                "application/json",
                ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorResponse"))).build(),
            )
            .build()
    };
    // 401 / 403 may also come from API Gateway itself (the authorizer said no): `{message}` only.
    let auth_error = |what: &str| {
        let either = AnyOfBuilder::new()
            .item(Ref::from_schema_name("ErrorResponse"))
            .item(Ref::from_schema_name("GatewayError"))
            .build();
        ResponseBuilder::new()
            .description(what)
            .content("application/json", ContentBuilder::new().schema(Some(Schema::AnyOf(either))).build())
            .build()
    };

    for (path, item) in doc.paths.paths.iter_mut() {
        for (method, op) in operations(item) {
            let tag = owner(method, path).unwrap_or_else(|| panic!("{method} {path} is in no function's ROUTES"));
            let id = format!("{}_{}", tag.replace('-', "_"), op.operation_id.as_deref().unwrap_or("op"));
            op.operation_id = Some(id);
            op.tags = Some(vec![tag.to_string()]);
            optional_body(op);
            op.responses.responses.insert("401".into(), RefOr::T(auth_error("The caller is not identified.")));
            op.responses.responses.insert("403".into(), RefOr::T(auth_error("The caller may not do this.")));
            op.responses.responses.insert("4XX".into(), RefOr::T(error("The request was refused (see `error.code`).")));
            op.responses.responses.insert("5XX".into(), RefOr::T(error("The service failed or is unavailable.")));
        }
    }
    doc
}

/// Adds, to each create's 201 response on a path `P`, a link to every operation on `P/{param}`
/// with `param` taken from the created resource (schemathesis follows them in its stateful phase).
/// Written as JSON: utoipa 5 serialises `Link.operation_id` without renaming it to `operationId`.
fn add_links(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    let mut targets: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for (path, item) in paths.iter() {
        let Some((parent, last)) = path.rsplit_once('/') else { continue };
        if !last.starts_with('{') || parent.contains('{') {
            continue;
        }
        let param = last.trim_matches(['{', '}']).to_string();
        for op in item.as_object().into_iter().flat_map(|o| o.values()) {
            if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                targets.entry(parent.to_string()).or_default().push((id.to_string(), param.clone()));
            }
        }
    }
    for (parent, targets) in targets {
        let Some(created) = paths.get_mut(&parent).and_then(|i| i.pointer_mut("/post/responses/201")) else { continue };
        let links: Map<String, Value> = targets
            .into_iter()
            .map(|(id, param)| {
                let from = format!("$response.body#/data/{}", field_of(&param));
                (id.clone(), json!({ "operationId": id, "parameters": { param: from } }))
            })
            .collect();
        created["links"] = Value::Object(links);
    }
}

/// Seed 004's organization request body flattens `customproperty1` … `customproperty28` beside its
/// named fields (utoipa writes that as `allOf` with an open object); the code refuses any other
/// field and takes only strings of at most 1024 characters there. Written as one closed object.
fn close_custom_properties(doc: &mut Value) {
    let Some(schema) = doc.pointer_mut("/components/schemas/CreateRequest") else { return };
    let Some(named) = schema.get("allOf").and_then(|a| a.get(1)).cloned() else { return };
    let description = schema.get("description").cloned();
    let example = schema.get("example").cloned();
    *schema = named;
    schema["additionalProperties"] = json!(false);
    schema["patternProperties"] =
        json!({"^customproperty([1-9]|1[0-9]|2[0-8])$": {"type": "string", "maxLength": 1024}});
    if let Some(d) = description {
        schema["description"] = d;
    }
    if let Some(e) = example {
        schema["example"] = e;
    }
}

/// The document as committed: pretty JSON (keys sorted) with a final newline.
pub fn to_json() -> String {
    let mut doc = serde_json::to_value(document()).expect("the OpenAPI document serialises");
    add_links(&mut doc);
    close_custom_properties(&mut doc);
    let mut s = serde_json::to_string_pretty(&doc).expect("JSON serialises");
    s.push('\n');
    s
}
