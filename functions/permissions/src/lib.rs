//! The permissions catalogue (seed 000): `GET /permissions` and, per caller,
//! `GET /permissions/disabled` (see [`disabled`]).

pub mod disabled;

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use shared::model::catalogue::{all_permission_ids, permission, Permission};
use shared::policy::route::{Needs, Route};
use shared::{ApiResult, AppState, Caller, Envelope};

pub const ROUTES: &[Route] = &[
    Route::new("GET", "/permissions", Needs::SignedIn),
    Route::new("GET", "/permissions/disabled", Needs::SignedIn).reading_whole_tree(),
];

/// Every permission of the catalogue (any authenticated caller).
#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        get, path = "/permissions",
        responses((status = 200, description = "The permissions catalogue, with `total`.", body = Envelope<Vec<Permission>>))
    )
)]
pub async fn list(_caller: Caller) -> ApiResult<Envelope<Vec<Permission>>> {
    let all: Vec<Permission> = all_permission_ids().filter_map(|p| permission(&p)).collect();
    let total = all.len() as u64;
    Ok(Envelope::ok("Permissions.", all).with_total(total))
}

/// What the caller may not do, per feature and access type, and where.
#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        get, path = "/permissions/disabled",
        responses((status = 200, description = "What the caller may not do, per feature and access type, and where.", body = Envelope<disabled::Disabled>))
    )
)]
pub async fn list_disabled(State(state): State<AppState>, caller: Caller) -> ApiResult<Envelope<disabled::Disabled>> {
    Ok(Envelope::ok("Disabled permissions.", disabled::disabled(&state, &caller).await?))
}

pub fn router(state: AppState) -> Router {
    shared::edge::http_layer::finish(
        Router::new().route("/permissions", get(list)).route("/permissions/disabled", get(list_disabled)),
        state,
        env!("CARGO_PKG_NAME"),
        ROUTES,
    )
}

/// The OpenAPI description of this function's routes (feature `openapi`).
#[cfg(feature = "openapi")]
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, list_disabled))]
pub struct OpenApiDoc;
