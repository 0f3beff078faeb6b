//! What every function router shares: a request span with the request id, the id echoed in the
//! `X-Request-ID` response header, idempotent POSTs keyed by the client's `X-Request-ID`
//! ([`crate::edge::idempotency`]), and 404 / 405 answered in the error envelope.

use crate::error::ErrorCode;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tracing::Instrument;

use crate::authz::identity::{client_request_id, identity_from_parts, request_id, REQUEST_ID_HEADER};
use crate::error::ApiError;
use crate::runtime::config::AppState;

async fn not_found() -> Response {
    ApiError::not_found(ErrorCode::RouteNotFound, "No route matches this path.").into_response()
}

async fn method_not_allowed() -> Response {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
        "This method is not allowed on this path.",
    )
    .into_response()
}

async fn request_context(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let id = request_id(&parts);
    // Decided before the header is overwritten: only an id the client sent counts.
    let identity = identity_from_parts(&parts, state.config.local_identity_headers);
    let idempotent = crate::edge::idempotency::applies(
        &parts.method,
        parts.uri.path(),
        client_request_id(&parts).as_deref(),
        &identity,
    );
    let header = HeaderValue::from_str(&id).unwrap_or_else(|_| HeaderValue::from_static("invalid"));
    // Handlers read the same id back from the header.
    parts.headers.insert(REQUEST_ID_HEADER, header.clone());
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %parts.method,
        path = %parts.uri.path(),
        user_id = tracing::field::Empty,
    );
    let req = Request::from_parts(parts, body);
    async move {
        let started = std::time::Instant::now();
        let mut resp = if idempotent {
            crate::edge::idempotency::serve(&state, &identity, &id, req, next).await
        } else {
            next.run(req).await
        };
        resp.headers_mut().insert(REQUEST_ID_HEADER, header);
        tracing::info!(status = resp.status().as_u16(), elapsed_us = started.elapsed().as_micros() as u64, "done");
        resp
    }
    .instrument(span)
    .await
}

/// Finishes a function's router (`service`: the function's name): fallbacks, request context,
/// state.
pub fn finish(
    router: Router<AppState>,
    state: AppState,
    service: &'static str,
    routes: &'static [crate::policy::route::Route],
) -> Router {
    router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), request_context))
        .layer(axum::Extension(crate::policy::route::RouteTable { service, routes }))
        .with_state(state)
}
