//! The users endpoint group (seed 000): thin [`handlers`] over the [`service`] (R1, R6–R10,
//! R14) and the [`filter`], with request shapes and checks in [`input`] and responses in [`view`].

pub mod filter;
pub mod handlers;
pub mod input;
pub mod service;
pub mod view;

use axum::routing::{get, post};
use axum::Router;
use shared::AppState;

/// Every `(method, path)` this function serves; the infra template lists exactly these.
pub const ROUTES: &[(&str, &str)] = &[
    ("POST", "/users"),
    ("POST", "/users/filter"),
    ("POST", "/users/logged-in/filter"),
    ("POST", "/users/bulk-delete"),
    ("POST", "/users/verify"),
    ("GET", "/users/by-email/{email_id}"),
    ("GET", "/users/{user_id}"),
    ("PATCH", "/users/{user_id}"),
    ("DELETE", "/users/{user_id}"),
];

pub fn router(state: AppState) -> Router {
    let r = Router::new()
        .route("/users", post(handlers::create))
        .route("/users/filter", post(handlers::filter))
        .route("/users/logged-in/filter", post(handlers::logged_in_filter))
        .route("/users/bulk-delete", post(handlers::bulk_delete))
        .route("/users/verify", post(handlers::verify))
        .route("/users/by-email/{email_id}", get(handlers::by_email))
        .route("/users/{user_id}", get(handlers::get_one).patch(handlers::update).delete(handlers::delete));
    shared::http_layer::finish(r, state)
}

/// The OpenAPI description of this function's routes (feature `openapi`).
#[cfg(feature = "openapi")]
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    handlers::create,
    handlers::filter,
    handlers::logged_in_filter,
    handlers::bulk_delete,
    handlers::verify,
    handlers::by_email,
    handlers::get_one,
    handlers::update,
    handlers::delete
))]
pub struct OpenApiDoc;
