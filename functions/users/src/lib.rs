//! The users endpoint group (seed 000): thin [`handlers`] over the [`service`] (R1, R6–R10,
//! R14) and the [`filter`], with request shapes and checks in [`input`] and responses in [`view`].

pub mod filter;
pub mod handlers;
pub mod input;
pub mod service;
pub mod verify;
pub mod view;

use axum::routing::{get, post};
use axum::Router;
use shared::policy::permit::{UsersCreate, UsersDelete, UsersRead, UsersUpdate};
use shared::policy::route::{perm, Needs, Route, Target::*};
use shared::AppState;

/// Every `(method, path)` this function serves; the infra template lists exactly these.
pub const ROUTES: &[Route] = &[
    Route::new("POST", "/users", perm::<UsersCreate>(Body("organization_id"))),
    Route::new("POST", "/users/filter", Needs::SignedIn).reading_whole_tree(),
    Route::new("POST", "/users/logged-in/filter", Needs::SignedIn).reading_whole_tree(),
    Route::new("POST", "/users/bulk-delete", perm::<UsersDelete>(Each)),
    Route::new("POST", "/users/verify", Needs::SignedIn),
    Route::new("GET", "/users/by-email/{email_id}", perm::<UsersRead>(Path("email_id"))),
    Route::new("GET", "/users/{user_id}", perm::<UsersRead>(Path("user_id"))),
    Route::new("PATCH", "/users/{user_id}", perm::<UsersUpdate>(Path("user_id"))),
    Route::new("DELETE", "/users/{user_id}", perm::<UsersDelete>(Path("user_id"))),
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
    shared::edge::http_layer::finish(r, state, env!("CARGO_PKG_NAME"), ROUTES)
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
