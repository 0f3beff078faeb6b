//! HTTP handlers: extract, call the service, wrap in the envelope. No logic lives here.

use axum::extract::{Request, State};
use axum::http::HeaderMap;
use serde::Deserialize;
use shared::edge::extract::{JsonBody, OptionalJsonBody, PathId, QueryParams};
use shared::model::org::{CreateOrgRequest, OrgFilterRequest, OrgResponse, UpdateOrgRequest};
use shared::views::org_view::OrgEntry;
use shared::{ApiResult, AppState, Caller, Envelope};

use crate::service;

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        post, path = "/organizations",
        request_body = CreateOrgRequest,
        responses((status = 201, description = "Organization created (R3).", body = Envelope<OrgResponse>))
    )
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<CreateOrgRequest>,
) -> ApiResult<Envelope<OrgResponse>> {
    let org = service::create(&state, &caller, body).await?;
    Ok(Envelope::created("Organization created.", org))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct ListQuery {
    /// Page size, 1 to 100 (default 100).
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100))]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[cfg_attr(feature = "openapi", param(max_length = 512))]
    pub cursor: Option<String>,
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        get, path = "/organizations",
        params(ListQuery),
        responses((status = 200, description = "Accessible organizations, one page (`next_cursor`).", body = Envelope<Vec<OrgResponse>>))
    )
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<ListQuery>,
) -> ApiResult<Envelope<Vec<OrgResponse>>> {
    let filter = OrgFilterRequest { limit: q.limit, cursor: q.cursor, ..Default::default() };
    let (orgs, next) = crate::filter::filter(&state, &caller, filter).await?;
    // Without `include_organizations_with_no_access` every organization listed is reached fully.
    let orgs = orgs.into_iter().filter_map(OrgEntry::full).collect();
    Ok(Envelope::page("Accessible organizations.", orgs, next))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        post, path = "/organizations/filter",
        request_body = Option<OrgFilterRequest>,
        responses((status = 200, description = "Filtered organizations, one page (R15). An organization listed only because of `include_organizations_with_no_access` is an `OrgSummary` (R27).", body = Envelope<Vec<OrgEntry>>))
    )
)]
pub async fn filter(
    State(state): State<AppState>,
    caller: Caller,
    OptionalJsonBody(body): OptionalJsonBody<OrgFilterRequest>,
) -> ApiResult<Envelope<Vec<OrgEntry>>> {
    let (orgs, next) = crate::filter::filter(&state, &caller, body).await?;
    Ok(Envelope::page("Filtered organizations.", orgs, next))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        get, path = "/organizations/{organization_identifier}",
        params(("organization_identifier" = String, Path, description = "The organization id or code.", example = "root")),
        responses((status = 200, description = "Organization details.", body = Envelope<OrgResponse>))
    )
)]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
) -> ApiResult<Envelope<OrgResponse>> {
    let org = service::get(&state, &caller, &id).await?;
    Ok(Envelope::ok("Organization details.", org))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        patch, path = "/organizations/{organization_identifier}",
        params(("organization_identifier" = String, Path, description = "The organization id or code.", example = "root"), ("If-Match" = Option<String>, Header, nullable = false, pattern = "^\"?[0-9]{1,19}\"?$", description = "The `version` last seen (a number, optionally in double quotes): the update fails with 409 if it changed.")),
        request_body = UpdateOrgRequest,
        responses((status = 200, description = "Organization updated (R4). A superadmin of an ancestor who moved it to a template hiding its data from parents gets only its `OrgSummary` (R24).", body = Envelope<OrgEntry>))
    )
)]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
    headers: HeaderMap,
    JsonBody(body): JsonBody<UpdateOrgRequest>,
) -> ApiResult<Envelope<OrgEntry>> {
    let expected = shared::edge::extract::if_match(&headers)?;
    let org = service::update(&state, &caller, &id, body, expected).await?;
    Ok(Envelope::ok("Organization updated.", org))
}

#[derive(Debug, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogoResponse {
    pub logo_url: String,
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        post, path = "/organizations/{organization_identifier}/logo",
        params(("organization_identifier" = String, Path, description = "The organization id or code.", example = "root")),
        request_body(content = crate::openapi::LogoUploadForm, content_type = "multipart/form-data"),
        responses((status = 200, description = "Logo stored; its public URL.", body = Envelope<LogoResponse>))
    )
)]
pub async fn upload_logo(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
    req: Request,
) -> ApiResult<Envelope<LogoResponse>> {
    let upload = crate::multipart::read_logo_upload(req).await?;
    let logo_url = service::upload_logo(&state, &caller, &id, upload).await?;
    Ok(Envelope::ok("Logo uploaded.", LogoResponse { logo_url }))
}

/// R5: 200 when the subtree is gone, 202 while its purge continues in the background.
#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        delete, path = "/organizations/{organization_identifier}",
        params(("organization_identifier" = String, Path, description = "The organization id or code.", example = "root")),
        responses(
            (status = 200, description = "The organization and its subtree are deleted (R5).", body = Envelope<shared::jobs::purge::JobView>),
            (status = 202, description = "Deletion started; it finishes in the background.", body = Envelope<shared::jobs::purge::JobView>)
        )
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
) -> ApiResult<Envelope<shared::jobs::purge::JobView>> {
    let job = crate::deletion::delete(&state, &caller, &id).await?;
    Ok(match job.status {
        shared::jobs::purge::JobStatus::Done => Envelope::ok("Organization deleted.", job),
        shared::jobs::purge::JobStatus::Running => Envelope {
            status: axum::http::StatusCode::ACCEPTED,
            ..Envelope::ok("Organization deletion started; it finishes in the background.", job)
        },
    })
}

/// Extension: the progress of a deletion.
#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        get, path = "/organizations/{organization_identifier}/deletion",
        params(("organization_identifier" = String, Path, description = "The organization id or code.", example = "root")),
        responses((status = 200, description = "Progress of the organization's deletion.", body = Envelope<shared::jobs::purge::JobView>))
    )
)]
pub async fn deletion(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
) -> ApiResult<Envelope<shared::jobs::purge::JobView>> {
    Ok(Envelope::ok("Deletion progress.", crate::deletion::progress(&state, &caller, &id).await?))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        post, path = "/organizations/{organization_identifier}/metabase/recreate",
        params(("organization_identifier" = String, Path, description = "The organization id or code.", example = "root")),
        responses((status = 200, description = "Metabase collection and dashboards recreated.", body = Envelope<shared::model::org::MetabaseConfiguration>))
    )
)]
pub async fn recreate_metabase(
    State(state): State<AppState>,
    caller: Caller,
    PathId(id): PathId,
) -> ApiResult<Envelope<shared::model::org::MetabaseConfiguration>> {
    let org = crate::metabase::recreate(&state, &caller, &id).await?;
    Ok(Envelope::ok("Metabase resources recreated.", org.metabase_configuration))
}

/// The seed answers `{"jwt": ...}`; the envelope's `data` carries the same object.
#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        get, path = "/metabase/session",
        responses((status = 200, description = "A signed Metabase embedding JWT for the caller's organization.", body = crate::openapi::MetabaseSession))
    )
)]
pub async fn metabase_session(State(state): State<AppState>, caller: Caller) -> ApiResult<axum::response::Response> {
    let jwt = crate::metabase::session(&state, &caller).await?;
    let body = serde_json::json!({"message": "Metabase session.", "jwt": jwt, "data": {"jwt": jwt}});
    Ok(shared::envelope::json_response(axum::http::StatusCode::OK, &body))
}
