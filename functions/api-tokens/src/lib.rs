//! User-level API tokens (seed 000, R13): thin [`handlers`] over the [`service`].

pub mod expiry;
pub mod handlers;
pub mod service;

use axum::routing::{delete, post};
use axum::Router;
use shared::policy::permit::{ApiTokensCreate, ApiTokensDelete, ApiTokensRead};
use shared::policy::route::{perm, Route, Target::*};
use shared::AppState;

/// Every `(method, path)` this function serves; the infra template lists exactly these.
pub const ROUTES: &[Route] = &[
    Route::new("POST", "/api-tokens", perm::<ApiTokensCreate>(Own)),
    Route::new("GET", "/api-tokens", perm::<ApiTokensRead>(Own)),
    Route::new("DELETE", "/api-tokens/{token_id}", perm::<ApiTokensDelete>(Own)),
];

pub fn router(state: AppState) -> Router {
    let r = Router::new()
        .route("/api-tokens", post(handlers::create).get(handlers::list))
        .route("/api-tokens/{token_id}", delete(handlers::delete));
    // Outermost, so every answer (errors, idempotent replays included) carries it (R28).
    shared::edge::http_layer::finish(r, state, env!("CARGO_PKG_NAME"), ROUTES)
        .layer(axum::middleware::map_response(no_store))
}

/// Token responses are never cached, by browsers or proxies (R28).
async fn no_store(mut resp: axum::response::Response) -> axum::response::Response {
    resp.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    resp
}

/// The OpenAPI description of this function's routes (feature `openapi`).
#[cfg(feature = "openapi")]
#[derive(utoipa::OpenApi)]
#[openapi(paths(handlers::create, handlers::list, handlers::delete))]
pub struct OpenApiDoc;
