//! Who is calling, as API Gateway says.
//!
//! Deployed, the Lambda authorizer's result arrives in `requestContext.authorizer.lambda` and the
//! gateway also overwrites the `User-ID` / `Organization-ID` headers from it, so clients cannot
//! choose them. Its `actor_type` says which credential signed in: `user` (an OIDC JWT) or `api`
//! (an API token; also assumed when absent). The authorizer context always wins.
//!
//! R29: without an authorizer context the identity headers are read only in a local run
//! (`Config::local_identity_headers`: `orgs-local serve`, the tests, `cargo lambda invoke`),
//! exactly as seed 000 describes; deployed, such a request has no identity and is 401.

use http::request::Parts;
use lambda_http::request::RequestContext;

use crate::model::activity::ActorType;

pub const USER_ID_HEADER: &str = "user-id";
pub const ORGANIZATION_ID_HEADER: &str = "organization-id";
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Facts about the request kept for logs and activity items.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RequestMeta {
    pub request_id: String,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
    /// The API token that signed the request in (the authorizer's context), if any.
    pub token_id: Option<String>,
    /// The function serving the request (its route table's name).
    pub service_id: Option<&'static str>,
}

/// The unverified identity claimed for a request (see [`crate::authz::caller`] for the verified one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub user_id: Option<String>,
    pub organization_id: Option<String>,
    /// True when it came from the authorizer (a token or a JWT), false when from headers.
    pub from_authorizer: bool,
    /// `Api` for an API token, `User` for a JWT and for the headers of a local run.
    pub actor_type: ActorType,
    pub meta: RequestMeta,
}

impl Default for Identity {
    fn default() -> Self {
        Self {
            user_id: None,
            organization_id: None,
            from_authorizer: false,
            actor_type: ActorType::User,
            meta: RequestMeta::default(),
        }
    }
}

fn header(parts: &Parts, name: &str) -> Option<String> {
    parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
}

/// The `X-Request-ID` the client sent, if it is sane (at most 128 printable ASCII characters).
/// Only this one makes a POST idempotent; an id the gateway or the service generated never does.
pub fn client_request_id(parts: &Parts) -> Option<String> {
    header(parts, REQUEST_ID_HEADER).filter(|id| id.len() <= 128 && id.bytes().all(|b| b.is_ascii_graphic()))
}

/// The request id: `X-Request-ID` if the client sent a sane one, else the gateway's, else new.
pub fn request_id(parts: &Parts) -> String {
    if let Some(id) = client_request_id(parts) {
        return id;
    }
    if let Some(RequestContext::ApiGatewayV2(ctx)) = parts.extensions.get::<RequestContext>() {
        if let Some(id) = ctx.request_id.as_deref().filter(|s| !s.is_empty()) {
            return id.to_string();
        }
    }
    uuid::Uuid::new_v4().to_string()
}

/// Reads the claimed identity from the request: the authorizer's context, or (only when
/// `local_identity_headers`, R29) the identity headers.
pub fn identity_from_parts(parts: &Parts, local_identity_headers: bool) -> Identity {
    let mut meta = RequestMeta { request_id: request_id(parts), ..Default::default() };
    let mut from_ctx: Option<(Option<String>, Option<String>, ActorType)> = None;
    if let Some(RequestContext::ApiGatewayV2(ctx)) = parts.extensions.get::<RequestContext>() {
        meta.source_ip = ctx.http.source_ip.clone().filter(|s| !s.is_empty());
        meta.user_agent = ctx.http.user_agent.clone().filter(|s| !s.is_empty());
        if let Some(auth) = &ctx.authorizer {
            let field =
                |k: &str| auth.fields.get(k).and_then(|v| v.as_str()).map(str::to_string).filter(|s| !s.is_empty());
            if !auth.fields.is_empty() {
                // Only the authorizer's explicit `user` is interactive; anything else is a token.
                let actor_type =
                    if field("actor_type").as_deref() == Some("user") { ActorType::User } else { ActorType::Api };
                meta.token_id = field("token_id").filter(|_| actor_type == ActorType::Api);
                from_ctx = Some((field("user_id"), field("organization_id"), actor_type));
            }
        }
    }
    if meta.user_agent.is_none() {
        meta.user_agent = header(parts, "user-agent");
    }
    match from_ctx {
        Some((user_id, organization_id, actor_type)) => {
            Identity { user_id, organization_id, from_authorizer: true, actor_type, meta }
        }
        None if local_identity_headers => Identity {
            user_id: header(parts, USER_ID_HEADER),
            organization_id: header(parts, ORGANIZATION_ID_HEADER),
            from_authorizer: false,
            actor_type: ActorType::User,
            meta,
        },
        None => Identity { meta, ..Default::default() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(event: &str) -> Parts {
        let req = lambda_http::request::from_str(event).unwrap();
        req.into_parts().0
    }

    const WITH_AUTH: &str = r#"{
      "version": "2.0", "routeKey": "GET /organizations", "rawPath": "/organizations", "rawQueryString": "",
      "headers": {"user-id": "forged", "organization-id": "forged-org", "x-request-id": "req-1"},
      "requestContext": {"accountId": "1", "apiId": "a", "domainName": "x", "domainPrefix": "x",
        "http": {"method": "GET", "path": "/organizations", "protocol": "HTTP/1.1", "sourceIp": "10.0.0.1", "userAgent": "t"},
        "requestId": "gw-1", "routeKey": "GET /organizations", "stage": "$default", "time": "t", "timeEpoch": 0,
        "authorizer": {"lambda": {"user_id": "u-real", "organization_id": "o-real"}}},
      "isBase64Encoded": false}"#;

    #[test]
    fn authorizer_context_beats_headers() {
        for local in [false, true] {
            let id = identity_from_parts(&parts(WITH_AUTH), local);
            assert_eq!(id.user_id.as_deref(), Some("u-real"));
            assert_eq!(id.organization_id.as_deref(), Some("o-real"));
            assert!(id.from_authorizer);
            assert_eq!(id.actor_type, ActorType::Api, "a context without actor_type is a token's");
        }
        let id = identity_from_parts(&parts(WITH_AUTH), false);
        assert_eq!(id.meta.request_id, "req-1");
        assert_eq!(id.meta.source_ip.as_deref(), Some("10.0.0.1"));
    }

    #[test]
    fn headers_without_authorizer() {
        let ev = WITH_AUTH.replace(
            r#""authorizer": {"lambda": {"user_id": "u-real", "organization_id": "o-real"}}"#,
            r#""authorizer": null"#,
        );
        let id = identity_from_parts(&parts(&ev), true);
        assert_eq!(id.user_id.as_deref(), Some("forged"));
        assert_eq!(id.organization_id.as_deref(), Some("forged-org"));
        assert!(!id.from_authorizer);
        assert_eq!(id.actor_type, ActorType::User);
    }

    #[test]
    fn no_headers_identity_unless_local() {
        let ev = WITH_AUTH.replace(
            r#""authorizer": {"lambda": {"user_id": "u-real", "organization_id": "o-real"}}"#,
            r#""authorizer": null"#,
        );
        let id = identity_from_parts(&parts(&ev), false);
        assert_eq!((id.user_id, id.organization_id), (None, None));
        assert!(!id.from_authorizer);
        assert_eq!(id.meta.request_id, "req-1");
    }

    #[test]
    fn actor_type_from_the_context() {
        for (ctx, want) in [("user", ActorType::User), ("api", ActorType::Api), ("system", ActorType::Api)] {
            let ev = WITH_AUTH.replace(r#""o-real"}"#, &format!(r#""o-real", "actor_type": "{ctx}"}}"#));
            assert_eq!(identity_from_parts(&parts(&ev), false).actor_type, want, "{ctx}");
        }
    }
}
