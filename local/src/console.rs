//! The admin console (`console/`, built to `console/dist`), served by `orgs-local serve` at
//! `/console` with tower-http's `ServeDir`: files as they are, and `index.html` for any other
//! path below `/console` (the console routes in the browser). Deployed, CloudFront serves the same
//! files from a private bucket with the same Content-Security-Policy (infra/template.yaml).

use std::path::PathBuf;
use std::sync::OnceLock;

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, StatusCode, Uri};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

/// Where the console is mounted.
pub const PATH: &str = "/console";

/// The policy the console runs under: its own scripts and styles only, no inline script; API
/// calls to this origin; logos from the local S3 stand-in (any loopback port).
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
img-src 'self' data: blob: http://127.0.0.1:* http://localhost:*; connect-src 'self'; \
frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

static DIR: OnceLock<PathBuf> = OnceLock::new();

/// Serves the console from `dir` (`console/dist` of the repository, by default).
pub fn install(dir: PathBuf) {
    let _ = DIR.set(dir);
}

/// The console's answer to `req`, if its path is under [`PATH`].
pub async fn answer(req: Request) -> Result<Response, Request> {
    let Some(rest) = req.uri().path().strip_prefix(PATH).map(str::to_string) else { return Err(req) };
    if !(rest.is_empty() || rest.starts_with('/')) {
        return Err(req);
    }
    let Some(dir) = DIR.get() else {
        return Ok((StatusCode::NOT_FOUND, "the console is not served: build it with ./scripts/serve").into_response());
    };
    if rest.is_empty() {
        return Ok((StatusCode::PERMANENT_REDIRECT, [(header::LOCATION, "/console/")]).into_response());
    }
    let index = dir.join("index.html");
    if !index.is_file() {
        return Ok((StatusCode::NOT_FOUND, "console/dist/index.html is missing: run npm run build in console/")
            .into_response());
    }
    // ServeDir sees the path below /console; the query stays.
    let (mut parts, body) = req.into_parts();
    let below = match parts.uri.query() {
        Some(q) => format!("{rest}?{q}"),
        None => rest,
    };
    parts.uri = below.parse::<Uri>().unwrap_or_else(|_| Uri::from_static("/"));
    let service = ServeDir::new(dir).fallback(ServeFile::new(index));
    let mut resp = match service.oneshot(Request::from_parts(parts, body)).await {
        Ok(r) => r.map(axum::body::Body::new),
        Err(never) => match never {},
    };
    let h = resp.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    Ok(resp)
}
