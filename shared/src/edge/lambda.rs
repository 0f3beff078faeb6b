//! The Lambda entry of the HTTP functions: API Gateway HTTP API events (payload v2) into a
//! function's router, and its response back as the payload v2 response.
//!
//! `lambda_http` still parses the event into an `http::Request` (with its `RequestContext`); the
//! response side is ours. `lambda_http::run` decides text or binary from the response's
//! `Content-Type` and decodes text through `encoding_rs` in whatever charset that names, which
//! links every encoding table (0.15 MB of each binary, docs/PERFORMANCE.md). Every body here is
//! JSON, so the rule is simpler: a UTF-8 body is sent as text, anything else base64-encoded.
//!
//! The local server and the black-box tests invoke functions through [`handle`] too
//! (`orgs_local::gateway`), so every API test crosses this conversion both ways.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use axum::Router;
use http::header::SET_COOKIE;
use http::HeaderMap;
use lambda_http::aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use lambda_http::aws_lambda_events::encodings::Body as GatewayBody;
use lambda_http::lambda_runtime::{self, service_fn, LambdaEvent};
use lambda_http::request::LambdaRequest;
use tower::ServiceExt;

use crate::ApiError;

/// Serves `router` to the Lambda Runtime API until the sandbox ends.
pub async fn run(router: Router) -> Result<(), lambda_runtime::Error> {
    let router = &router;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<ApiGatewayV2httpRequest>| async move {
        Ok::<_, lambda_runtime::Error>(handle(router.clone(), event.payload).await)
    }))
    .await
}

/// One event through the router.
pub async fn handle(router: Router, event: ApiGatewayV2httpRequest) -> ApiGatewayV2httpResponse {
    let (parts, body) = lambda_http::Request::from(LambdaRequest::ApiGatewayV2(event)).into_parts();
    let response = match router.oneshot(http::Request::from_parts(parts, Body::new(body))).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    to_gateway(response).await
}

/// The payload v2 response: headers as they are (API Gateway joins repeated ones), `Set-Cookie`
/// moved to `cookies`, the body as text when it is UTF-8 and base64 otherwise.
async fn to_gateway(response: Response) -> ApiGatewayV2httpResponse {
    let (parts, body) = response.into_parts();
    let (status, mut headers, bytes) = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => (parts.status, parts.headers, bytes),
        Err(e) => {
            // Only a streaming body can fail here, and no route streams one.
            let (parts, body) = ApiError::internal(e).into_response().into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
            (parts.status, parts.headers, bytes)
        }
    };
    let cookies = headers.get_all(SET_COOKIE).iter().filter_map(|v| v.to_str().ok().map(str::to_owned)).collect();
    headers.remove(SET_COOKIE);
    let (body, is_base64_encoded) = if bytes.is_empty() {
        (None, false)
    } else {
        match String::from_utf8(bytes.into()) {
            Ok(text) => (Some(GatewayBody::Text(text)), false),
            Err(binary) => (Some(GatewayBody::Binary(binary.into_bytes())), true),
        }
    };
    let mut out = ApiGatewayV2httpResponse::default();
    out.status_code = i64::from(status.as_u16());
    out.headers = headers;
    out.multi_value_headers = HeaderMap::new();
    out.body = body;
    out.is_base64_encoded = is_base64_encoded;
    out.cookies = cookies;
    out
}

/// What API Gateway makes of a payload v2 response, as an HTTP response (the local server and
/// the tests): the inverse of [`to_gateway`].
pub fn from_gateway(gateway: ApiGatewayV2httpResponse) -> Response {
    let body = match gateway.body {
        None | Some(GatewayBody::Empty) => Body::empty(),
        Some(GatewayBody::Text(text)) => Body::from(text),
        Some(GatewayBody::Binary(bytes)) => Body::from(bytes),
        Some(_) => Body::empty(),
    };
    let mut response = Response::new(body);
    *response.status_mut() =
        http::StatusCode::from_u16(u16::try_from(gateway.status_code).unwrap_or(500)).unwrap_or_default();
    *response.headers_mut() = gateway.headers;
    for cookie in gateway.cookies {
        if let Ok(v) = http::HeaderValue::from_str(&cookie) {
            response.headers_mut().append(SET_COOKIE, v);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::{get, post};
    use serde_json::{json, Value};

    fn router() -> Router {
        Router::new()
            .route("/json", get(|| async { ([("content-type", "application/json")], r#"{"ok":"été"}"#) }))
            .route("/bytes", get(|| async { ([("content-type", "image/png")], vec![0x89u8, 0x50, 0xff, 0x00]) }))
            .route("/none", get(|| async { http::StatusCode::NO_CONTENT }))
            .route("/cookie", get(|| async { ([("set-cookie", "a=1"), ("x-request-id", "r1")], "plain") }))
            .route("/echo", post(|body: String| async move { body }))
    }

    fn event(method: &str, path: &str, body: Option<&str>) -> ApiGatewayV2httpRequest {
        serde_json::from_value(json!({
            "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "",
            "headers": {"content-type": "application/json"},
            "requestContext": {"accountId": "1", "apiId": "a", "domainName": "x.example", "domainPrefix": "x",
                "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7", "userAgent": "t"},
                "requestId": "id", "routeKey": "$default", "stage": "$default", "time": "t", "timeEpoch": 0},
            "body": body, "isBase64Encoded": false
        }))
        .expect("event")
    }

    /// The response as Lambda hands it to API Gateway (its JSON).
    async fn call(method: &str, path: &str, body: Option<&str>) -> Value {
        serde_json::to_value(handle(router(), event(method, path, body)).await).expect("json")
    }

    #[tokio::test]
    async fn json_is_sent_as_text() {
        let r = call("GET", "/json", None).await;
        assert_eq!(r["statusCode"], 200);
        assert_eq!(r["body"], r#"{"ok":"été"}"#);
        assert_eq!(r["isBase64Encoded"], false);
        assert_eq!(r["headers"]["content-type"], "application/json");
    }

    #[tokio::test]
    async fn bytes_that_are_not_utf8_are_base64() {
        let r = call("GET", "/bytes", None).await;
        assert_eq!(r["isBase64Encoded"], true);
        assert_eq!(r["body"], "iVD/AA==");
    }

    #[tokio::test]
    async fn no_body_and_cookies() {
        let r = call("GET", "/none", None).await;
        assert_eq!(r["statusCode"], 204);
        assert!(r.get("body").is_none(), "{r}");
        let r = call("GET", "/cookie", None).await;
        assert_eq!(r["cookies"], json!(["a=1"]));
        assert!(r["headers"].get("set-cookie").is_none(), "{r}");
        assert_eq!(r["headers"]["x-request-id"], "r1");
    }

    #[tokio::test]
    async fn the_request_body_and_unknown_routes_reach_the_router() {
        let r = call("POST", "/echo", Some(r#"{"a":1}"#)).await;
        assert_eq!(r["body"], r#"{"a":1}"#);
        assert_eq!(call("GET", "/nowhere", None).await["statusCode"], 404);
    }

    #[tokio::test]
    async fn from_gateway_inverts_to_gateway() {
        for path in ["/json", "/bytes", "/cookie"] {
            let direct = router().oneshot(http::Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
            let (dp, db) = direct.into_parts();
            let back = from_gateway(handle(router(), event("GET", path, None)).await);
            let (bp, bb) = back.into_parts();
            assert_eq!((dp.status, &dp.headers), (bp.status, &bp.headers), "{path}");
            let (db, bb) =
                (axum::body::to_bytes(db, 1 << 20).await.unwrap(), axum::body::to_bytes(bb, 1 << 20).await.unwrap());
            assert_eq!(db, bb, "{path}");
        }
    }
}
