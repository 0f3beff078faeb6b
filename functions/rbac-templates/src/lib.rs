//! RBAC visibility templates (seed 000): list, create, get, replace, delete, the value options
//! and the allowed movements. Templates are global: platform superadmins (superadmins of the
//! root organization) manage them; every caller may read them.

pub mod service;

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use shared::extract::{JsonBody, PathId};
use shared::{ApiResult, AppState, Caller, Envelope};

use service::{Movement, Options, TemplateBody, TemplateView};

pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/rbac-templates"),
    ("POST", "/rbac-templates"),
    ("GET", "/rbac-templates/permissions"),
    ("GET", "/rbac-templates/movements"),
    ("GET", "/rbac-templates/{template_id}"),
    ("PUT", "/rbac-templates/{template_id}"),
    ("DELETE", "/rbac-templates/{template_id}"),
];

async fn list(State(state): State<AppState>, _caller: Caller) -> ApiResult<Envelope<Vec<TemplateView>>> {
    Ok(Envelope::ok("RBAC templates.", service::list(&state).await?))
}

async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<TemplateBody>,
) -> ApiResult<Envelope<TemplateView>> {
    Ok(Envelope::created("RBAC template created.", service::create(&state, &caller, body).await?))
}

async fn options(_caller: Caller) -> ApiResult<Envelope<Options>> {
    Ok(Envelope::ok("RBAC template options.", service::options()))
}

async fn movements(State(state): State<AppState>, _caller: Caller) -> ApiResult<Envelope<Vec<Movement>>> {
    Ok(Envelope::ok("Allowed RBAC movements.", service::movements(&state).await?))
}

async fn get_one(
    State(state): State<AppState>,
    _caller: Caller,
    PathId(id): PathId,
) -> ApiResult<Envelope<TemplateView>> {
    Ok(Envelope::ok("RBAC template.", service::get(&state, &id).await?))
}

async fn replace(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
    JsonBody(body): JsonBody<TemplateBody>,
) -> ApiResult<Envelope<TemplateView>> {
    Ok(Envelope::ok("RBAC template updated.", service::replace(&state, &caller, &id, body).await?))
}

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
    shared::http_layer::finish(r, state)
}
