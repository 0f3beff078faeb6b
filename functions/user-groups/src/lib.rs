//! User groups (seed 000, R11, R12): thin [`handlers`] over the [`service`], request shapes
//! and checks in [`input`], responses in [`view`].

pub mod grants;
pub mod handlers;
pub mod input;
pub mod service;
pub mod view;

use axum::routing::{get, post};
use axum::Router;
use shared::AppState;

/// Every `(method, path)` this function serves; the infra template lists exactly these.
pub const ROUTES: &[(&str, &str)] = &[
    ("POST", "/user-groups"),
    ("POST", "/user-groups/filter"),
    ("GET", "/user-groups/{user_group_id}"),
    ("PATCH", "/user-groups/{user_group_id}"),
    ("DELETE", "/user-groups/{user_group_id}"),
];

pub fn router(state: AppState) -> Router {
    let r = Router::new()
        .route("/user-groups", post(handlers::create))
        .route("/user-groups/filter", post(handlers::filter))
        .route("/user-groups/{user_group_id}", get(handlers::get_one).patch(handlers::update).delete(handlers::delete));
    shared::http_layer::finish(r, state)
}

/// The OpenAPI description of this function's routes (feature `openapi`).
#[cfg(feature = "openapi")]
#[derive(utoipa::OpenApi)]
#[openapi(paths(handlers::create, handlers::filter, handlers::get_one, handlers::update, handlers::delete))]
pub struct OpenApiDoc;
