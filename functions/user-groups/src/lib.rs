//! User groups (seed 000, R11, R12): thin [`handlers`] over the [`service`], request shapes
//! and checks in [`input`], responses in [`view`].

pub mod filter;
pub mod grants;
pub mod handlers;
pub mod input;
pub mod service;
pub mod view;

use axum::routing::{get, post};
use axum::Router;
use shared::policy::permit::{UserGroupsCreate, UserGroupsDelete, UserGroupsRead, UserGroupsUpdate};
use shared::policy::route::{perm, Route, Target::*};
use shared::AppState;

/// Every `(method, path)` this function serves; the infra template lists exactly these.
pub const ROUTES: &[Route] = &[
    Route::new("POST", "/user-groups", perm::<UserGroupsCreate>(Body("parent_organization_id"))),
    Route::new("POST", "/user-groups/filter", perm::<UserGroupsRead>(Each)).reading_whole_tree(),
    Route::new("GET", "/user-groups/{user_group_id}", perm::<UserGroupsRead>(Path("user_group_id"))),
    Route::new("PATCH", "/user-groups/{user_group_id}", perm::<UserGroupsUpdate>(Path("user_group_id"))),
    Route::new("DELETE", "/user-groups/{user_group_id}", perm::<UserGroupsDelete>(Path("user_group_id"))),
];

pub fn router(state: AppState) -> Router {
    let r = Router::new()
        .route("/user-groups", post(handlers::create))
        .route("/user-groups/filter", post(handlers::filter))
        .route("/user-groups/{user_group_id}", get(handlers::get_one).patch(handlers::update).delete(handlers::delete));
    shared::edge::http_layer::finish(r, state, env!("CARGO_PKG_NAME"), ROUTES)
}

/// The OpenAPI description of this function's routes (feature `openapi`).
#[cfg(feature = "openapi")]
#[derive(utoipa::OpenApi)]
#[openapi(paths(handlers::create, handlers::filter, handlers::get_one, handlers::update, handlers::delete))]
pub struct OpenApiDoc;
