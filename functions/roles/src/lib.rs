//! Custom roles (seeds 001 and 002, R17–R20): thin [`handlers`] over the services ([`service`]
//! for roles, [`members`] for who holds them), request shapes and checks in [`input`], responses
//! in [`view`].

pub mod delete;
pub mod handlers;
pub mod input;
pub mod members;
pub mod service;
pub mod user_roles;
pub mod view;

use axum::routing::{get, post, put};
use axum::Router;
use shared::policy::permit::{RolesCreate, RolesDelete, RolesRead, RolesUpdate};
use shared::policy::route::{perm, Needs, Route, Target::*};
use shared::AppState;

const ORG: shared::policy::route::Target = Path("organization_identifier");

/// Every `(method, path)` this function serves; the infra template lists exactly these.
pub const ROUTES: &[Route] = &[
    Route::new("POST", "/organizations/{organization_identifier}/roles", perm::<RolesCreate>(ORG)),
    Route::new("GET", "/organizations/{organization_identifier}/roles", perm::<RolesRead>(ORG)),
    Route::new("DELETE", "/organizations/{organization_identifier}/roles", perm::<RolesDelete>(ORG)),
    Route::new("POST", "/organizations/{organization_identifier}/roles/generate", perm::<RolesCreate>(ORG)),
    Route::new("GET", "/organizations/{organization_identifier}/roles/permissions", perm::<RolesRead>(ORG)),
    Route::new("GET", "/organizations/{organization_identifier}/roles/{role_id}", perm::<RolesRead>(ORG)),
    Route::new("PUT", "/organizations/{organization_identifier}/roles/{role_id}", perm::<RolesUpdate>(ORG)),
    Route::new("PATCH", "/organizations/{organization_identifier}/roles/{role_id}", perm::<RolesUpdate>(ORG)),
    Route::new("DELETE", "/organizations/{organization_identifier}/roles/{role_id}", perm::<RolesDelete>(ORG)),
    Route::new("GET", "/organizations/{organization_identifier}/roles/{role_id}/assignments", perm::<RolesRead>(ORG)),
    Route::new("GET", "/organizations/{organization_identifier}/roles/{role_id}/members", perm::<RolesRead>(ORG)),
    Route::new(
        "POST",
        "/organizations/{organization_identifier}/roles/{role_id}/members/bulk",
        perm::<RolesUpdate>(ORG),
    ),
    Route::new(
        "GET",
        "/organizations/{organization_identifier}/roles/{role_id}/members/{user_id}",
        perm::<RolesRead>(ORG),
    ),
    Route::new(
        "DELETE",
        "/organizations/{organization_identifier}/roles/{role_id}/members/{user_id}",
        perm::<RolesUpdate>(ORG),
    ),
    Route::new("GET", "/organizations/{organization_identifier}/users/{user_id}/roles", perm::<RolesRead>(ORG)),
    Route::new("POST", "/organizations/{organization_identifier}/users/{user_id}/roles", perm::<RolesUpdate>(ORG)),
    Route::new(
        "PUT",
        "/organizations/{organization_identifier}/users/{user_id}/roles/{role_id}",
        perm::<RolesUpdate>(ORG),
    ),
    Route::new(
        "DELETE",
        "/organizations/{organization_identifier}/users/{user_id}/roles/{role_id}",
        perm::<RolesUpdate>(ORG),
    ),
    Route::new("GET", "/organizations/{organization_identifier}/user/roles", Needs::SignedIn),
];

pub fn router(state: AppState) -> Router {
    use handlers as h;
    let org = "/organizations/{organization_identifier}";
    let r = Router::new()
        .route(&format!("{org}/roles"), post(h::create).get(h::list).delete(h::delete_all))
        .route(&format!("{org}/roles/generate"), post(h::generate))
        .route(&format!("{org}/roles/permissions"), get(h::permissions))
        .route(&format!("{org}/roles/{{role_id}}"), get(h::get_one).put(h::replace).patch(h::patch).delete(h::delete))
        .route(&format!("{org}/roles/{{role_id}}/assignments"), get(h::assignments))
        .route(&format!("{org}/roles/{{role_id}}/members"), get(h::members))
        .route(&format!("{org}/roles/{{role_id}}/members/bulk"), post(h::add_members))
        .route(&format!("{org}/roles/{{role_id}}/members/{{user_id}}"), get(h::member).delete(h::remove_member))
        .route(&format!("{org}/users/{{user_id}}/roles"), get(h::user_roles).post(h::add_user_roles))
        .route(&format!("{org}/users/{{user_id}}/roles/{{role_id}}"), put(h::put_user_role).delete(h::delete_user_role))
        .route(&format!("{org}/user/roles"), get(h::my_roles));
    shared::edge::http_layer::finish(r, state, env!("CARGO_PKG_NAME"), ROUTES)
}

/// The OpenAPI description of this function's routes (feature `openapi`).
#[cfg(feature = "openapi")]
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    handlers::create,
    handlers::list,
    handlers::delete_all,
    handlers::generate,
    handlers::permissions,
    handlers::get_one,
    handlers::replace,
    handlers::patch,
    handlers::delete,
    handlers::assignments,
    handlers::members,
    handlers::add_members,
    handlers::member,
    handlers::remove_member,
    handlers::user_roles,
    handlers::add_user_roles,
    handlers::put_user_role,
    handlers::delete_user_role,
    handlers::my_roles
))]
pub struct OpenApiDoc;
