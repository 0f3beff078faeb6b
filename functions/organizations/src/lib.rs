//! The organizations endpoint group (seed 000): thin handlers in [`handlers`] over the
//! [`service`], with responses rendered by `shared::views::org_view`.

pub mod ancestor;
pub mod deletion;
pub mod filter;
pub mod handlers;
pub mod input;
pub mod metabase;
pub mod multipart;
pub mod patch;
pub mod service;

use axum::routing::{get, post};
use axum::Router;
use shared::policy::permit::{
    DashboardsRead, OrganizationsCreate, OrganizationsDelete, OrganizationsRead, OrganizationsUpdate,
};
use shared::policy::route::{perm, Route, Target::*};
use shared::AppState;

/// Every `(method, path)` this function serves, in API Gateway route syntax. The infra template
/// must list exactly these (a test checks it).
pub const ROUTES: &[Route] = &[
    Route::new("POST", "/organizations", perm::<OrganizationsCreate>(Body("parent_organization_id"))),
    Route::new("GET", "/organizations", perm::<OrganizationsRead>(Each)),
    Route::new("POST", "/organizations/filter", perm::<OrganizationsRead>(Each)),
    Route::new(
        "GET",
        "/organizations/{organization_identifier}",
        perm::<OrganizationsRead>(Path("organization_identifier")),
    ),
    Route::new(
        "PATCH",
        "/organizations/{organization_identifier}",
        perm::<OrganizationsUpdate>(Path("organization_identifier")),
    ),
    Route::new(
        "DELETE",
        "/organizations/{organization_identifier}",
        perm::<OrganizationsDelete>(Path("organization_identifier")),
    ),
    Route::new(
        "POST",
        "/organizations/{organization_identifier}/logo",
        perm::<OrganizationsUpdate>(Path("organization_identifier")),
    ),
    Route::new(
        "GET",
        "/organizations/{organization_identifier}/deletion",
        perm::<OrganizationsDelete>(Path("organization_identifier")),
    ),
    Route::new(
        "POST",
        "/organizations/{organization_identifier}/metabase/recreate",
        perm::<OrganizationsUpdate>(Path("organization_identifier")),
    ),
    Route::new("GET", "/metabase/session", perm::<DashboardsRead>(Context)),
];

pub fn router(state: AppState) -> Router {
    let r = Router::new()
        .route("/organizations", post(handlers::create).get(handlers::list))
        .route("/organizations/filter", post(handlers::filter))
        .route(
            "/organizations/{organization_identifier}",
            get(handlers::get_one).patch(handlers::update).delete(handlers::delete),
        )
        .route("/organizations/{organization_identifier}/logo", post(handlers::upload_logo))
        .route("/organizations/{organization_identifier}/deletion", get(handlers::deletion))
        .route("/organizations/{organization_identifier}/metabase/recreate", post(handlers::recreate_metabase))
        .route("/metabase/session", get(handlers::metabase_session));
    shared::edge::http_layer::finish(r, state, env!("CARGO_PKG_NAME"), ROUTES)
}

#[cfg(feature = "openapi")]
pub use openapi::Doc as OpenApiDoc;

/// The OpenAPI description of this function's routes (feature `openapi`).
#[cfg(feature = "openapi")]
pub mod openapi {
    use serde::Serialize;
    use utoipa::ToSchema;

    use crate::handlers;

    #[derive(utoipa::OpenApi)]
    #[openapi(paths(
        handlers::create,
        handlers::list,
        handlers::filter,
        handlers::get_one,
        handlers::update,
        handlers::delete,
        handlers::upload_logo,
        handlers::deletion,
        handlers::recreate_metabase,
        handlers::metabase_session,
    ))]
    pub struct Doc;

    /// Where an uploaded logo is used.
    #[derive(Serialize, ToSchema)]
    #[serde(rename_all = "lowercase")]
    pub enum LogoUsage {
        Login,
        Darryl,
    }

    /// `multipart/form-data` body of the logo upload.
    #[derive(Serialize, ToSchema)]
    pub struct LogoUploadForm {
        /// The image (PNG, JPEG, GIF or WebP; SVG is refused).
        #[schema(value_type = String, format = Binary)]
        pub logo: Vec<u8>,
        /// Where the logo is used; `login` when absent (seed 000).
        #[schema(nullable = false)]
        pub usage_type: Option<LogoUsage>,
    }

    #[derive(Serialize, ToSchema)]
    pub struct MetabaseJwt {
        pub jwt: String,
    }

    /// `GET /metabase/session`: the seed's `{"jwt": ...}`, also as the envelope's `data`.
    #[derive(Serialize, ToSchema)]
    pub struct MetabaseSession {
        pub message: String,
        pub jwt: String,
        pub data: MetabaseJwt,
    }
}
