//! HTTP handlers: decide, read one Query's page, wrap in the envelope.

use std::collections::HashMap;

use axum::extract::{Path, State};
use shared::authz::{holds, org_permit};
use shared::edge::extract::QueryParams;
use shared::error::ErrorCode;
use shared::policy::permit::ActivitiesRead;
use shared::store::activity::ActivityQuery;
use shared::validate::path_identifier;
use shared::{ApiError, ApiResult, AppState, Caller, Envelope};

use crate::input::{self, ActivitiesQuery};
use crate::view::{self, ActivityResponse};

fn not_found() -> ApiError {
    ApiError::not_found(ErrorCode::ActivityNotFound, "The organization has no activity with that id.")
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        get, path = "/organizations/{organization_identifier}/activities",
        params(("organization_identifier" = String, Path, description = "The organization id or code."), ActivitiesQuery),
        responses((status = 200, description = "One page of the organization's activities, newest first (R21), with `next_cursor` when more follow.", body = Envelope<Vec<ActivityResponse>>))
    )
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(org): Path<String>,
    QueryParams(q): QueryParams<ActivitiesQuery>,
) -> ApiResult<Envelope<Vec<ActivityResponse>>> {
    let held = holds::<ActivitiesRead>(&caller)?;
    let q = input::check(&q)?;
    let (org, _) = org_permit(&state, &caller, held, &org).await?;
    let (items, next) = state
        .store()
        .activities_page(&ActivityQuery {
            organization_id: &org.organization_id,
            kind: q.kind.as_deref(),
            actor_id: q.actor_id.as_deref(),
            from_ms: q.from_ms,
            to_ms: q.to_ms,
            limit: q.limit,
            after: q.cursor,
        })
        .await?;
    let data = items.into_iter().map(view::activity).collect();
    Ok(Envelope::page("Activities.", data, next.as_deref().map(shared::store::cursor::encode)))
}

#[cfg_attr(
    feature = "openapi",
    utoipa::path(
        get, path = "/organizations/{organization_identifier}/activities/{activity_id}",
        params(
            ("organization_identifier" = String, Path, description = "The organization id or code."),
            ("activity_id" = String, Path, description = "The activity id.")
        ),
        responses((status = 200, description = "One activity of the organization.", body = Envelope<ActivityResponse>))
    )
)]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    Path(p): Path<HashMap<String, String>>,
) -> ApiResult<Envelope<ActivityResponse>> {
    let held = holds::<ActivitiesRead>(&caller)?;
    let (org, id) = (p.get("organization_identifier").cloned(), p.get("activity_id").cloned());
    let (org, id) = (org.unwrap_or_default(), id.unwrap_or_default());
    path_identifier(&id, "activity id")?;
    let (org, _) = org_permit(&state, &caller, held, &org).await?;
    let item = state.store().get_activity(&org.organization_id, &id).await?.ok_or_else(not_found)?;
    Ok(Envelope::ok("Activity.", view::activity(item)))
}
