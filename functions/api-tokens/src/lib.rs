//! User-level API tokens (seed 000, R13): thin [`handlers`] over the [`service`].

pub mod handlers;
pub mod service;

use axum::routing::{delete, post};
use axum::Router;
use shared::AppState;

/// Every `(method, path)` this function serves; the infra template lists exactly these.
pub const ROUTES: &[(&str, &str)] =
    &[("POST", "/api-tokens"), ("GET", "/api-tokens"), ("DELETE", "/api-tokens/{token_id}")];

pub fn router(state: AppState) -> Router {
    let r = Router::new()
        .route("/api-tokens", post(handlers::create).get(handlers::list))
        .route("/api-tokens/{token_id}", delete(handlers::delete));
    shared::http_layer::finish(r, state)
}

/// The OpenAPI description of this function's routes (feature `openapi`).
#[cfg(feature = "openapi")]
#[derive(utoipa::OpenApi)]
#[openapi(paths(handlers::create, handlers::list, handlers::delete))]
pub struct OpenApiDoc;
