//! The permissions catalogue (seed 000): `GET /permissions`.
//!
//! `GET /permissions/disabled` (per-caller disabled permissions from the RBAC templates' visibility
//! values) is not served yet: it needs the visibility semantics in every access decision first.

use axum::routing::get;
use axum::Router;
use shared::catalogue::{all_permission_ids, permission, Permission};
use shared::{ApiResult, AppState, Caller, Envelope};

pub const ROUTES: &[(&str, &str)] = &[("GET", "/permissions")];

/// Every permission of the catalogue (any authenticated caller).
pub async fn list(_caller: Caller) -> ApiResult<Envelope<Vec<Permission>>> {
    let all: Vec<Permission> = all_permission_ids().filter_map(|p| permission(&p)).collect();
    let total = all.len() as u64;
    Ok(Envelope::ok("Permissions.", all).with_total(total))
}

pub fn router(state: AppState) -> Router {
    shared::http_layer::finish(Router::new().route("/permissions", get(list)), state)
}
