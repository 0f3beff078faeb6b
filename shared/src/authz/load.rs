//! Loading an organization the caller reaches, for every function that acts on one.

use crate::authz::caller::Caller;
use crate::error::ApiResult;
use crate::model::org::OrgItem;
use crate::policy::reach::Reach;
use crate::runtime::config::AppState;
use crate::store::keys::{self, ORG_SK};
use crate::store::orgs::{org_not_found, EdgeItem};
use crate::store::{from_item, Store};
use crate::validate::path_identifier;

/// Resolves an identifier (id or code) and loads the organization if the caller fully reaches it
/// (R2) and it is not being deleted; anything else is 404 `organization_not_found`, so existence
/// never leaks.
/// Calls: one GetItem for a code, then one consistent BatchGetItem (organization + the edges that
/// decide the caller's reach, grants included, and by code what showing it reads); what the
/// identity read fetched ahead for the route (`crate::store::ahead`) is not read again.
pub async fn load_accessible(state: &AppState, caller: &Caller, identifier: &str) -> ApiResult<OrgItem> {
    path_identifier(identifier, "organization identifier")?;
    // A code's guard, the organization and its edge may have been read with the identity.
    let store = caller.store(state);
    let (org_id, guard) = store.resolve_org_identifier_with_guard(identifier).await?.ok_or_else(org_not_found)?;
    let mut wanted = vec![(keys::org_pk(&org_id), ORG_SK.to_string())];
    wanted.extend(caller.reach_keys(&org_id));
    // By code, the guard names what showing the organization reads (its path, its template):
    // read with it, in one round trip, for the reads that follow (`Caller::read_ahead`).
    if let Some(view) = guard.map(|g| Store::org_view_keys(&g)).filter(|v| !v.is_empty()) {
        caller.read_ahead(state, wanted.iter().cloned().chain(view).collect()).await?;
    }
    let mut org = None;
    let mut edges = Vec::new();
    for item in store.batch_get_raw(wanted, true).await? {
        if item.get(keys::SK).and_then(|v| v.as_s().ok()).is_some_and(|s| s == ORG_SK) {
            org = Some(from_item::<OrgItem>(item)?);
        } else {
            edges.push(from_item::<EdgeItem>(item)?);
        }
    }
    match (org, caller.reach_from(&org_id, &edges)) {
        (Some(o), Reach::Full) if !caller.hides(&o.path()) => Ok(o),
        _ => Err(org_not_found()),
    }
}
