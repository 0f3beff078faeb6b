//! The activity log (seed 003, R21): every change of the service writes its activity item in its
//! own transaction; this function reads them, newest first, a page per Query.

pub mod handlers;
pub mod input;
pub mod view;

use axum::routing::get;
use axum::Router;
use shared::policy::permit::ActivitiesRead;
use shared::policy::route::{perm, Route, Target::*};
use shared::AppState;

/// Every `(method, path)` this function serves; the infra template lists exactly these.
pub const ROUTES: &[Route] = &[
    Route::new(
        "GET",
        "/organizations/{organization_identifier}/activities",
        perm::<ActivitiesRead>(Path("organization_identifier")),
    ),
    Route::new(
        "GET",
        "/organizations/{organization_identifier}/activities/{activity_id}",
        perm::<ActivitiesRead>(Path("organization_identifier")),
    ),
];

pub fn router(state: AppState) -> Router {
    let r = Router::new()
        .route("/organizations/{organization_identifier}/activities", get(handlers::list))
        .route("/organizations/{organization_identifier}/activities/{activity_id}", get(handlers::get_one));
    shared::edge::http_layer::finish(r, state, env!("CARGO_PKG_NAME"), ROUTES)
}

/// The OpenAPI description of this function's routes (feature `openapi`).
#[cfg(feature = "openapi")]
#[derive(utoipa::OpenApi)]
#[openapi(paths(handlers::list, handlers::get_one))]
pub struct OpenApiDoc;
