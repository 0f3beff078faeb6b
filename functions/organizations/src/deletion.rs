//! DELETE /organizations/{organization_identifier} (R5) and its progress.

use serde_json::{json, Map};
use shared::authz::load::load_accessible;
use shared::authz::rules::r5_may_delete_org;
use shared::authz::{holds, permit_as_ancestor, permit_in};
use shared::error::ErrorCode;
use shared::jobs::purge::{get_job, mark_deletion_actions, run_job, Budget, JobStatus, JobView};
use shared::model::activity::ActivityKind;
use shared::policy::permit::OrganizationsDelete;
use shared::store::activity::Change;
use shared::validate::path_identifier;
use shared::{ApiError, ApiResult, AppState, Caller};

fn deletion_not_found() -> ApiError {
    ApiError::not_found(ErrorCode::DeletionNotFound, "No deletion of that organization is visible to the caller.")
}

/// The job of `identifier`'s deletion, if the caller (a superadmin above it) may see it.
async fn visible_job(
    state: &AppState,
    caller: &Caller,
    identifier: &str,
) -> ApiResult<Option<shared::jobs::purge::JobItem>> {
    let store = state.store();
    let Some(org_id) = store.resolve_org_identifier(identifier).await? else { return Ok(None) };
    let job = get_job(&store, &org_id).await?;
    Ok(job.filter(|j| {
        holds::<OrganizationsDelete>(caller).is_ok() && j.visible_to.iter().any(|a| a == caller.home_org())
    }))
}

/// Superadmin only; never the caller's own organization or an ancestor of it. Marks the
/// subtree deleted in one transaction (it vanishes from every read at once), then purges it for
/// up to the inline budget; the worker finishes what is left. A repeated request while the purge
/// runs answers with the same job.
pub async fn delete(state: &AppState, caller: &Caller, identifier: &str) -> ApiResult<JobView> {
    let held = holds::<OrganizationsDelete>(caller)?;
    path_identifier(identifier, "organization identifier")?;
    if let Some(job) = visible_job(state, caller, identifier).await? {
        if job.status == JobStatus::Running {
            return Ok(JobView::from(&job));
        }
    }
    let org = load_accessible(state, caller, identifier).await?;
    r5_may_delete_org(caller, &org.organization_id)?;
    // Deleting changes the organization's data: its template must let the caller write it,
    // unless the caller is a superadmin of an ancestor that reaches it by R2 (R24).
    let permit = match permit_as_ancestor(caller, held, &org) {
        Some(permit) => permit,
        None => permit_in(state, caller, held, &org).await?,
    };
    let store = state.store();
    let (mut actions, job) = mark_deletion_actions(&store, &permit, &org)?;
    let parent = org.parent_organization_id.clone().unwrap_or_default();
    let mut changes = Map::new();
    changes.insert("name".into(), json!({"from": org.name}));
    changes.insert("code".into(), json!({"from": org.code}));
    actions.push(store.activity_action(
        &permit,
        Change {
            kind: ActivityKind::OrganizationDeleted,
            organization_id: &parent,
            target_type: "organization",
            target_id: &org.organization_id,
            changes,
        },
    )?);
    match store.transact(actions).await {
        Ok(()) => {}
        Err(e) if e.code == ErrorCode::DeletionInProgress => {
            let job = get_job(&store, &org.organization_id).await?.ok_or(e)?;
            return Ok(JobView::from(&job));
        }
        Err(e) => return Err(e),
    }
    if let Err(e) = run_job(state, &org.organization_id, Budget::time(state.config.delete_inline_budget)).await {
        // The deletion is recorded and invisible already; the worker will finish it.
        tracing::warn!(error = %e, "inline purge stopped");
    }
    let job = get_job(&store, &org.organization_id).await?.unwrap_or(job);
    Ok(JobView::from(&job))
}

pub async fn progress(state: &AppState, caller: &Caller, identifier: &str) -> ApiResult<JobView> {
    path_identifier(identifier, "organization identifier")?;
    let job = visible_job(state, caller, identifier).await?.ok_or_else(deletion_not_found)?;
    Ok(JobView::from(&job))
}
