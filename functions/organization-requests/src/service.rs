//! R22, R23: anyone asks for a child of an organization they reach; a caller who may create
//! organizations under it approves (creating it through POST /organizations' own checks and
//! transaction, which also marks the request) or rejects. A request is decided once.

use std::collections::BTreeMap;

use serde_json::{json, Map};
use shared::authz::load::load_accessible;
use shared::authz::{also_holds, holds, org_permit, permit_in};
use shared::model::activity::ActivityKind;
use shared::model::now_ms;
use shared::model::org::{CreateOrgRequest, OrgItem};
use shared::model::org_request::{OrgRequestItem, RequestStatus};
use shared::policy::permit::{OrganizationRequestsCreate, OrganizationRequestsRead, OrganizationsCreate};
use shared::policy::{Authorizes, Permit};
use shared::store::activity::Change;
use shared::store::deletions::not_deleting_check;
use shared::store::org_requests::{new_request, request_not_found};
use shared::store::TxAction;
use shared::validate::path_identifier;
use shared::{ApiError, ApiResult, AppState, Caller};

use crate::input::{self, field_error, ApproveRequest, CreateRequest, ListQuery, RejectRequest};
use crate::view::{self, RequestResponse};

fn activity(
    state: &AppState,
    permit: &impl Authorizes,
    kind: ActivityKind,
    r: &OrgRequestItem,
    changes: Map<String, serde_json::Value>,
) -> ApiResult<TxAction> {
    state.store().activity_action(
        permit,
        Change {
            kind,
            organization_id: &r.parent_organization_id,
            target_type: "organization_request",
            target_id: &r.request_id,
            changes,
        },
    )
}

/// The parent seed 004 names: an id or code the caller reaches, else a name unique among the
/// organizations they reach; the caller's own organization when absent.
async fn resolve_parent(state: &AppState, caller: &Caller, named: Option<&str>) -> ApiResult<OrgItem> {
    let Some(named) = named.map(str::trim).filter(|n| !n.is_empty()) else {
        return load_accessible(state, caller, &caller.org_context).await;
    };
    if path_identifier(named, "parentorganization").is_ok() {
        if let Ok(org) = load_accessible(state, caller, named).await {
            return Ok(org);
        }
    }
    let reached: Vec<String> = caller
        .accessible_orgs(state)
        .await?
        .into_iter()
        .filter(|(_, a)| a.reach == shared::policy::reach::Reach::Full)
        .map(|(id, _)| id)
        .chain(std::iter::once(caller.home_org().to_string()))
        .collect();
    let orgs = state.store().orgs(&reached, false).await?;
    let mut by_name: Vec<&OrgItem> = orgs.values().filter(|o| o.name.eq_ignore_ascii_case(named)).collect();
    match by_name.len() {
        1 => load_accessible(state, caller, &by_name.remove(0).organization_id).await,
        0 => Err(field_error("parentorganization", "no organization you reach has this id, code or name")),
        _ => Err(field_error("parentorganization", "several organizations you reach have this name: use its code")),
    }
}

pub async fn create(state: &AppState, caller: &Caller, b: CreateRequest) -> ApiResult<RequestResponse> {
    let held = holds::<OrganizationRequestsCreate>(caller)?;
    let stored = input::check_create(&b)?;
    let parent = resolve_parent(state, caller, b.parentorganization.as_deref()).await?;
    let permit = permit_in(state, caller, held, &parent).await?;
    let now = now_ms();
    let name = b.organizationname.unwrap_or_default().trim().to_string();
    let id = uuid::Uuid::now_v7().to_string();
    let r = new_request(&id, &name, parent.path(), (caller.user_id(), caller.home_org()), stored, now);
    let store = state.store();
    let mut actions = store.create_org_request_actions(&permit, &r)?;
    actions.push(not_deleting_check(store.table, &parent.path())?);
    actions.push(store.org_exists_check(&parent.organization_id)?);
    let mut changes = Map::new();
    changes.insert("organizationname".into(), json!({"to": r.organizationname}));
    actions.push(activity(state, &permit, ActivityKind::OrganizationRequestCreated, &r, changes)?);
    store.transact(actions).await?;
    Ok(view::request(&r))
}

/// The permit to decide requests addressed to `r`'s parent, with that parent, if the caller
/// holds one there.
type Decider = (OrgItem, Permit<OrganizationsCreate>);

async fn decider(state: &AppState, caller: &Caller, r: &OrgRequestItem) -> Option<Decider> {
    let held = also_holds::<OrganizationsCreate>(caller).ok()?;
    org_permit(state, caller, held, &r.parent_organization_id).await.ok()
}

/// A request the caller may see: their own, or one they may decide (404 otherwise).
async fn load(state: &AppState, caller: &Caller, id: &str) -> ApiResult<(OrgRequestItem, Option<Decider>)> {
    path_identifier(id, "request id")?;
    let r = caller.store(state).get_org_request(id).await?.ok_or_else(request_not_found)?;
    if caller.hides(&r.parent_path) {
        return Err(request_not_found());
    }
    let decider = decider(state, caller, &r).await;
    if decider.is_none() && r.requester_id != caller.user_id() {
        return Err(request_not_found());
    }
    Ok((r, decider))
}

pub async fn get(state: &AppState, caller: &Caller, id: &str) -> ApiResult<RequestResponse> {
    holds::<OrganizationRequestsRead>(caller)?;
    Ok(view::request(&load(state, caller, id).await?.0))
}

/// The caller's own requests, or (`organization_id`) those addressed to an organization where
/// they may create organizations; newest first.
pub async fn list(state: &AppState, caller: &Caller, q: ListQuery) -> ApiResult<(Vec<RequestResponse>, u64)> {
    holds::<OrganizationRequestsRead>(caller)?;
    let (status, page, size) = input::check_list(&q)?;
    let store = state.store();
    let mut items = match &q.organization_id {
        None => store.org_requests_of(caller.user_id()).await?,
        Some(org) => {
            let held = also_holds::<OrganizationsCreate>(caller)?;
            if uuid::Uuid::try_parse(org).is_ok() {
                // By id: the requests are read while the permit is decided, and answered only
                // if it is granted.
                let (permit, items) = tokio::join!(org_permit(state, caller, held, org), store.org_requests_to(org));
                permit?;
                items?
            } else {
                let (org, _) = org_permit(state, caller, held, org).await?;
                store.org_requests_to(&org.organization_id).await?
            }
        }
    };
    items.retain(|r| status.is_none_or(|s| r.status == s) && !caller.hides(&r.parent_path));
    items.sort_by(|a, b| b.request_id.cmp(&a.request_id));
    let total = items.len() as u64;
    let start = (page as usize).saturating_mul(size as usize);
    Ok((items.iter().skip(start).take(size as usize).map(view::request).collect(), total))
}

/// The decider's permit for a pending request (403 for one the caller only sees as its
/// requester, 409 for a decided one).
async fn pending_for_decision(state: &AppState, caller: &Caller, id: &str) -> ApiResult<(OrgRequestItem, Decider)> {
    holds::<OrganizationsCreate>(caller)?;
    let (r, decider) = load(state, caller, id).await?;
    let permit = decider.ok_or_else(|| {
        ApiError::forbidden(
            shared::error::ErrorCode::Forbidden,
            "Deciding a request needs organizations:create in its parent organization.",
        )
    })?;
    if r.status != RequestStatus::Pending {
        return Err(shared::store::org_requests::already_decided());
    }
    Ok((r, permit))
}

/// R23: creates the organization exactly as POST /organizations would (its checks, its
/// transaction and activity), marking the request approved in that same transaction.
pub async fn approve(state: &AppState, caller: &Caller, id: &str, b: ApproveRequest) -> ApiResult<RequestResponse> {
    let (mut r, (parent, permit)) = pending_for_decision(state, caller, id).await?;
    let mut metadata = BTreeMap::new();
    metadata.insert("organization_request_id".to_string(), r.request_id.clone());
    let body = CreateOrgRequest {
        name: Some(r.organizationname.clone()),
        code: b.code,
        contact_email: b.contact_email,
        parent_organization_id: Some(r.parent_organization_id.clone()),
        can_have_child_organizations: b.can_have_child_organizations,
        parent_has_access: b.parent_has_access,
        parent_has_access_to_descendants: b.parent_has_access_to_descendants,
        rbac_template_id: b.rbac_template_id,
        metadata: Some(metadata),
        ..Default::default()
    };
    // The parent and the permit there were read to decide who may approve: not read again.
    let (org, permit, mut actions) = organizations::service::prepare_create_in(state, caller, parent, permit, body)?;
    let read_version = r.version;
    let now = now_ms();
    r.status = RequestStatus::Approved;
    r.organization_id = Some(org.organization_id.clone());
    r.decided_by = Some(caller.user_id().to_string());
    r.decided_at = Some(now);
    r.updated_at = now;
    r.version += 1;
    let store = state.store();
    actions.push(store.decide_org_request_action(&permit, &r, read_version)?);
    let mut changes = Map::new();
    changes.insert("status".into(), json!({"from": "pending", "to": "approved"}));
    changes.insert("organization_id".into(), json!({"to": org.organization_id}));
    actions.push(activity(state, &permit, ActivityKind::OrganizationRequestApproved, &r, changes)?);
    store.transact(actions).await?;
    Ok(view::request(&r))
}

pub async fn reject(state: &AppState, caller: &Caller, id: &str, b: RejectRequest) -> ApiResult<RequestResponse> {
    let reason = input::check_reject(&b)?;
    let (mut r, (_, permit)) = pending_for_decision(state, caller, id).await?;
    let read_version = r.version;
    let now = now_ms();
    r.status = RequestStatus::Rejected;
    r.reason = Some(reason.clone());
    r.decided_by = Some(caller.user_id().to_string());
    r.decided_at = Some(now);
    r.updated_at = now;
    r.version += 1;
    let store = state.store();
    let mut changes = Map::new();
    changes.insert("status".into(), json!({"from": "pending", "to": "rejected"}));
    changes.insert("reason".into(), json!({"to": reason}));
    let actions = vec![
        store.decide_org_request_action(&permit, &r, read_version)?,
        activity(state, &permit, ActivityKind::OrganizationRequestRejected, &r, changes)?,
    ];
    store.transact(actions).await?;
    Ok(view::request(&r))
}
