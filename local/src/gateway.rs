//! A local stand-in for API Gateway (HTTP API, payload v2): requests become the same v2 events
//! Lambda receives and go through `lambda_http`'s own event parsing into the function routers.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use http::StatusCode;
use serde_json::{json, Value};
use shared::error::ErrorCode;
use shared::AppState;

use crate::functions::function_for;

/// Largest request the gateway forwards (API Gateway's own limit is 10 MB; Lambda's 6 MB).
pub const MAX_REQUEST: usize = 6 * 1024 * 1024;

/// Builds the v2 event for a request. The body is always sent base64-encoded.
pub fn v2_event(
    method: &str,
    path_and_query: &str,
    headers: &[(String, String)],
    body: &[u8],
    source_ip: &str,
) -> Value {
    let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
    let mut hmap: HashMap<String, String> = HashMap::new();
    let mut cookies = Vec::new();
    for (k, v) in headers {
        let k = k.to_ascii_lowercase();
        if k == "cookie" {
            cookies.push(v.clone());
            continue;
        }
        hmap.entry(k)
            .and_modify(|e| {
                e.push(',');
                e.push_str(v);
            })
            .or_insert_with(|| v.clone());
    }
    let request_id = uuid::Uuid::new_v4().to_string();
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "cookies": cookies,
        "headers": hmap,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": "localhost",
            "domainPrefix": "localhost",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": source_ip,
                     "userAgent": hmap.get("user-agent").cloned().unwrap_or_default()},
            "requestId": request_id,
            "routeKey": "$default",
            "stage": "$default",
            "time": "",
            "timeEpoch": shared::model::now_ms()
        },
        "body": base64::engine::general_purpose::STANDARD.encode(body),
        "isBase64Encoded": true
    })
}

/// Whether requests without `Authorization` may pass with the seed's `User-ID` / `Organization-ID`
/// headers (local development only: a deployed API always runs the authorizer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderIdentity {
    Allowed,
    Refused,
}

/// API Gateway's own answer when the authorizer denies (it never reaches a function).
fn gateway_answer(status: StatusCode, message: &str) -> Response {
    (status, [(http::header::CONTENT_TYPE, "application/json")], json!({ "message": message }).to_string())
        .into_response()
}

/// Does what the deployed gateway does before a function runs: with an `Authorization` header,
/// runs the authorizer; when it allows, puts its context in `requestContext.authorizer.lambda`
/// and overwrites `user-id` / `organization-id` from it (the template's parameter mapping).
/// Returns the gateway's own response when the request stops here.
pub async fn apply_authorizer(state: &AppState, event: &mut Value, mode: HeaderIdentity) -> Option<Response> {
    let header = event.pointer("/headers/authorization").and_then(Value::as_str).map(str::to_string);
    if header.is_none() {
        return match mode {
            HeaderIdentity::Allowed => None,
            HeaderIdentity::Refused => Some(gateway_answer(StatusCode::UNAUTHORIZED, "Unauthorized")),
        };
    }
    match authorizer::authorize(state, header.as_deref()).await {
        authorizer::Decision::Allow(ctx) => {
            if let Some(h) = event.get_mut("headers").and_then(Value::as_object_mut) {
                h.insert("user-id".into(), Value::String(ctx.user_id.clone()));
                h.insert("organization-id".into(), Value::String(ctx.organization_id.clone()));
            }
            if let Some(rc) = event.get_mut("requestContext").and_then(Value::as_object_mut) {
                rc.insert("authorizer".into(), json!({ "lambda": ctx }));
            }
            None
        }
        authorizer::Decision::Deny(reason) => {
            tracing::info!(reason, "authorizer denied");
            Some(gateway_answer(StatusCode::FORBIDDEN, "Forbidden"))
        }
    }
}

/// Runs one v2 event through the function that owns its path, as Lambda would: the function's
/// Lambda entry (`shared::edge::lambda::handle`) and back through what API Gateway makes of its answer.
pub async fn invoke_event(state: &AppState, event: &Value) -> Result<Response, String> {
    let path = event.get("rawPath").and_then(Value::as_str).unwrap_or("/");
    let req = serde_json::from_value(event.clone()).map_err(|e| format!("bad event: {e}"))?;
    let Some(function) = function_for(path) else {
        let mut resp =
            shared::ApiError::not_found(ErrorCode::RouteNotFound, "No route matches this path.").into_response();
        if let Some(id) = event
            .pointer("/headers/x-request-id")
            .and_then(Value::as_str)
            .and_then(|v| http::HeaderValue::from_str(v).ok())
        {
            resp.headers_mut().insert("x-request-id", id);
        }
        return Ok(resp);
    };
    let router = (function.router)(state.clone());
    Ok(shared::edge::lambda::from_gateway(shared::edge::lambda::handle(router, req).await))
}

/// The committed OpenAPI document (a test keeps it current), served at `GET /openapi.json`.
pub const OPENAPI_JSON: &str = include_str!("../../docs/openapi.json");

/// Where `orgs-local serve` listens: loopback only, unless `API_BIND` names another address to
/// bind (an IP such as `0.0.0.0`, for a container): an explicit choice, never a default.
pub fn bind_addr(api_bind: Option<&str>, port: u16) -> Result<SocketAddr, String> {
    match api_bind.map(str::trim).filter(|b| !b.is_empty()) {
        None => Ok(SocketAddr::from(([127, 0, 0, 1], port))),
        Some(b) => b
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .map(|ip| SocketAddr::new(ip, port))
            .map_err(|_| format!("API_BIND must be an IP address, not {b:?}")),
    }
}

/// Is the `Host` header one of this machine's loopback names (`127.0.0.1`, `localhost`, `[::1]`,
/// any port)? A page on another site that rebinds its DNS name to 127.0.0.1 still sends its own
/// name, so the local gateway (which trusts identity headers) refuses it.
pub fn host_is_local(host: Option<&str>) -> bool {
    let Some(host) = host.map(str::trim) else {
        return false;
    };
    let name = if let Some(rest) = host.strip_prefix('[') {
        match rest.split_once(']') {
            Some((ip, port)) if port.is_empty() || port.strip_prefix(':').is_some_and(valid_port) => {
                return ip == "::1"
            }
            _ => return false,
        }
    } else {
        match host.split_once(':') {
            Some((name, port)) if valid_port(port) => name,
            Some(_) => return false,
            None => host,
        }
    };
    name == "127.0.0.1" || name.eq_ignore_ascii_case("localhost")
}

fn valid_port(p: &str) -> bool {
    p.parse::<u16>().is_ok() && p.bytes().all(|b| b.is_ascii_digit())
}

/// The gateway's one handler.
pub async fn handle(state: AppState, mode: HeaderIdentity, addr: SocketAddr, req: Request) -> Response {
    let host = req.headers().get(http::header::HOST).and_then(|h| h.to_str().ok());
    if !host_is_local(host) {
        return shared::ApiError::forbidden(
            ErrorCode::Forbidden,
            "This local gateway only answers requests for a local host.",
        )
        .with_details(vec![shared::ErrorDetail::field("Host", "must be 127.0.0.1, localhost or [::1], with any port")])
        .into_response();
    }
    if req.method() == http::Method::GET && req.uri().path() == "/openapi.json" {
        return ([(http::header::CONTENT_TYPE, "application/json")], OPENAPI_JSON).into_response();
    }
    // The development OIDC issuer of `orgs-local serve`, when installed (crate::dev_oidc).
    let req = match crate::dev_oidc::answer(req).await {
        Ok(resp) => return resp,
        Err(req) => req,
    };
    // The admin console's files, when installed (crate::console).
    let req = match crate::console::answer(req).await {
        Ok(resp) => return resp,
        Err(req) => req,
    };
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_REQUEST).await {
        Ok(b) => b,
        Err(_) => return shared::ApiError::payload_too_large(MAX_REQUEST).into_response(),
    };
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str().to_string(), v.to_string())))
        .collect();
    let pq = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let mut event = v2_event(parts.method.as_str(), pq, &headers, &bytes, &addr.ip().to_string());
    if let Some(resp) = apply_authorizer(&state, &mut event, mode).await {
        return resp;
    }
    match invoke_event(&state, &event).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "local gateway failed");
            (StatusCode::BAD_GATEWAY, "bad gateway").into_response()
        }
    }
}

/// Serves every function on `addr` until Ctrl-C.
pub async fn serve(state: AppState, addr: SocketAddr, mode: HeaderIdentity) -> Result<(), String> {
    let app = axum::Router::new().fallback(move |ConnectInfo(peer): ConnectInfo<SocketAddr>, req: Request| {
        let state = state.clone();
        async move { handle(state, mode, peer, req).await }
    });
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("bind {addr}: {e}"))?;
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
}
