//! RBAC visibility templates (seed 000): list, create, get, replace, delete, the value options
//! and the allowed movements. Templates are global: platform superadmins (superadmins of the
//! root organization) manage them; every caller may read them.

pub mod service;

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use shared::edge::extract::{JsonBody, PathId};
use shared::policy::permit::PlatformManage;
use shared::policy::route::{perm, Needs, Route, Target::*};
use shared::{ApiResult, AppState, Caller, Envelope};

use service::{Movement, Options, TemplateBody, TemplateView};

pub const ROUTES: &[Route] = &[
    Route::new("GET", "/rbac-templates", Needs::SignedIn),
    Route::new("POST", "/rbac-templates", perm::<PlatformManage>(Root)),
    Route::new("GET", "/rbac-templates/permissions", Needs::SignedIn),
    Route::new("GET", "/rbac-templates/movements", Needs::SignedIn),
    Route::new("GET", "/rbac-templates/{template_id}", Needs::SignedIn),
    Route::new("PUT", "/rbac-templates/{template_id}", perm::<PlatformManage>(Root)),
    Route::new("DELETE", "/rbac-templates/{template_id}", perm::<PlatformManage>(Root)),
];

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        get, path = "/rbac-templates",
        responses((status = 200, description = "Every RBAC template.", body = Envelope<Vec<TemplateView>>))
    )
)]
async fn list(State(state): State<AppState>, _caller: Caller) -> ApiResult<Envelope<Vec<TemplateView>>> {
    Ok(Envelope::ok("RBAC templates.", service::list(&state).await?))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        post, path = "/rbac-templates",
        request_body = TemplateBody,
        responses((status = 201, description = "RBAC template created (platform superadmins).", body = Envelope<TemplateView>))
    )
)]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<TemplateBody>,
) -> ApiResult<Envelope<TemplateView>> {
    Ok(Envelope::created("RBAC template created.", service::create(&state, &caller, body).await?))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        get, path = "/rbac-templates/permissions",
        responses((status = 200, description = "The values each visibility may take.", body = Envelope<Options>))
    )
)]
async fn options(_caller: Caller) -> ApiResult<Envelope<Options>> {
    Ok(Envelope::ok("RBAC template options.", service::options()))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        get, path = "/rbac-templates/movements",
        responses((status = 200, description = "For each template, the templates an organization may move to.", body = Envelope<Vec<Movement>>))
    )
)]
async fn movements(State(state): State<AppState>, _caller: Caller) -> ApiResult<Envelope<Vec<Movement>>> {
    Ok(Envelope::ok("Allowed RBAC movements.", service::movements(&state).await?))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        get, path = "/rbac-templates/{template_id}",
        params(("template_id" = String, Path, description = "The template id.", example = "default")),
        responses((status = 200, description = "RBAC template.", body = Envelope<TemplateView>))
    )
)]
async fn get_one(
    State(state): State<AppState>,
    _caller: Caller,
    PathId(id): PathId,
) -> ApiResult<Envelope<TemplateView>> {
    Ok(Envelope::ok("RBAC template.", service::get(&state, &id).await?))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        put, path = "/rbac-templates/{template_id}",
        params(("template_id" = String, Path, description = "The template id.", example = "default")),
        request_body = TemplateBody,
        responses((status = 200, description = "RBAC template replaced.", body = Envelope<TemplateView>))
    )
)]
async fn replace(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
    JsonBody(body): JsonBody<TemplateBody>,
) -> ApiResult<Envelope<TemplateView>> {
    Ok(Envelope::ok("RBAC template updated.", service::replace(&state, &caller, &id, body).await?))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        delete, path = "/rbac-templates/{template_id}",
        params(("template_id" = String, Path, description = "The template id.", example = "default")),
        responses((status = 200, description = "RBAC template deleted.", body = shared::edge::openapi::MessageResponse))
    )
)]
async fn delete(State(state): State<AppState>, caller: Caller, PathId(id): PathId) -> ApiResult<Envelope<()>> {
    service::delete(&state, &caller, &id).await?;
    Ok(Envelope::message("RBAC template deleted."))
}

pub fn router(state: AppState) -> Router {
    let r = Router::new()
        .route("/rbac-templates", get(list).post(create))
        .route("/rbac-templates/permissions", get(options))
        .route("/rbac-templates/movements", get(movements))
        .route("/rbac-templates/{template_id}", get(get_one).put(replace).delete(delete));
    shared::edge::http_layer::finish(r, state, env!("CARGO_PKG_NAME"), ROUTES)
}

/// The OpenAPI description of this function's routes (feature `openapi`).
#[cfg(feature = "openapi")]
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, options, movements, get_one, replace, delete))]
pub struct OpenApiDoc;
