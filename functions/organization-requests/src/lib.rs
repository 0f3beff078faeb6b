//! Organization requests (seed 004, R22, R23): thin [`handlers`] over the [`service`], seed
//! 004's body and the decisions' bodies in [`input`], responses in [`view`].

pub mod handlers;
pub mod input;
pub mod service;
pub mod view;

use axum::routing::{get, post};
use axum::Router;
use shared::policy::permit::{OrganizationRequestsCreate, OrganizationRequestsRead, OrganizationsCreate};
use shared::policy::route::{perm, Route, Target::*};
use shared::AppState;

/// Every `(method, path)` this function serves; the infra template lists exactly these.
pub const ROUTES: &[Route] = &[
    Route::new("POST", "/organization-requests", perm::<OrganizationRequestsCreate>(Body("parentorganization"))),
    Route::new("GET", "/organization-requests", perm::<OrganizationRequestsRead>(Each)),
    Route::new("GET", "/organization-requests/{request_id}", perm::<OrganizationRequestsRead>(Path("request_id"))),
    Route::new("POST", "/organization-requests/{request_id}/approve", perm::<OrganizationsCreate>(Path("request_id"))),
    Route::new("POST", "/organization-requests/{request_id}/reject", perm::<OrganizationsCreate>(Path("request_id"))),
];

pub fn router(state: AppState) -> Router {
    let r = Router::new()
        .route("/organization-requests", post(handlers::create).get(handlers::list))
        .route("/organization-requests/{request_id}", get(handlers::get_one))
        .route("/organization-requests/{request_id}/approve", post(handlers::approve))
        .route("/organization-requests/{request_id}/reject", post(handlers::reject));
    shared::edge::http_layer::finish(r, state, env!("CARGO_PKG_NAME"), ROUTES)
}

/// The OpenAPI description of this function's routes (feature `openapi`).
#[cfg(feature = "openapi")]
#[derive(utoipa::OpenApi)]
#[openapi(paths(handlers::create, handlers::list, handlers::get_one, handlers::approve, handlers::reject))]
pub struct OpenApiDoc;
