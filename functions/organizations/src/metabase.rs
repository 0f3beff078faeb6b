//! Metabase (seed 000): `GET /metabase/session` signs an embedding JWT for the caller's
//! organization; `POST /organizations/{id}/metabase/recreate` recreates the organization's
//! collection and dashboards through Metabase's HTTP API.
//!
//! Recreate is idempotent and never leaves the organization half-changed:
//! 1. a new collection named `<name> [orgs:<id>]` is created and every template dashboard
//!    (`METABASE_TEMPLATE_DASHBOARDS`) copied into it; if any call fails, the new collection is
//!    archived again (best effort) and the answer is 502 `metabase_unavailable`, with the
//!    organization untouched;
//! 2. the organization records the new collection and dashboards (one transaction, with its
//!    activity item);
//! 3. every other live collection carrying the organization's marker is archived. A failure here
//!    only leaves an old collection behind, which the next recreate archives.

use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::hmac;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use http::StatusCode;
use reqwest::Method;
use serde_json::{json, Value};
use shared::authz::{holds, org_permit};
use shared::error::ErrorCode;
use shared::model::activity::ActivityKind;
use shared::model::org::{Dashboard, OrgItem};
use shared::policy::permit::{DashboardsRead, OrganizationsUpdate};
use shared::runtime::config::MetabaseSettings;
use shared::{ApiError, ApiResult, AppState, Caller};

fn not_configured() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::MetabaseNotConfigured,
        "Metabase is not configured for this service.",
    )
}

fn unavailable(what: &str) -> ApiError {
    tracing::warn!(call = what, "Metabase call failed");
    ApiError::new(
        StatusCode::BAD_GATEWAY,
        ErrorCode::MetabaseUnavailable,
        format!("Metabase did not complete {what}; nothing was changed."),
    )
}

fn disabled() -> ApiError {
    ApiError::conflict(ErrorCode::MetabaseDisabled, "Metabase is not enabled for this organization (enable_metabase).")
}

pub fn settings(state: &AppState) -> ApiResult<&MetabaseSettings> {
    state.config.metabase.as_ref().ok_or_else(not_configured)
}

/// The HTTP client, built on the first call: reqwest (rustls on aws-lc-rs), https trusting the
/// system's roots (Metabase can sit behind any CA), or plain http. No redirects (the API key goes
/// to the configured site only) and no proxy.
fn http_client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .unwrap_or_else(|e| panic!("the Metabase HTTP client: {e}"))
    })
}

/// How long a connection to Metabase may take to open (the whole call is bounded by its timeout).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// One call to Metabase's API, bounded by `s.timeout` as a whole: the JSON answer of a 2xx,
/// anything else is 502.
async fn call(s: &MetabaseSettings, method: Method, path: &str, body: Option<Value>) -> ApiResult<Value> {
    let what = format!("{method} {path}");
    let resp = http_client()
        .request(method, format!("{}{path}", s.site_url))
        .timeout(s.timeout)
        .header("x-api-key", &s.api_key)
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body(body.map(|b| b.to_string()).unwrap_or_default())
        .send()
        .await
        .map_err(|_| unavailable(&what))?;
    let status = resp.status();
    let bytes = resp.bytes().await.map_err(|_| unavailable(&what))?;
    if !status.is_success() {
        tracing::warn!(status = status.as_u16(), call = %what, "Metabase refused");
        return Err(unavailable(&what));
    }
    Ok(serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// The marker naming an organization's collections.
fn marker(org_id: &str) -> String {
    format!("[orgs:{org_id}]")
}

fn id_of(v: &Value) -> Option<u64> {
    v.get("id").and_then(Value::as_u64)
}

/// Archives the collection `id` (best effort: failures are logged).
async fn archive(s: &MetabaseSettings, id: u64) {
    if let Err(e) = call(s, Method::PUT, &format!("/api/collection/{id}"), Some(json!({"archived": true}))).await {
        tracing::warn!(collection = id, error = %e, "could not archive a Metabase collection");
    }
}

/// Step 1: a new collection with copies of the template dashboards.
async fn create_resources(s: &MetabaseSettings, org: &OrgItem) -> ApiResult<(u64, Vec<Dashboard>)> {
    let name = format!("{} {}", org.name, marker(&org.organization_id));
    let created = call(s, Method::POST, "/api/collection", Some(json!({"name": name}))).await?;
    let collection = id_of(&created).ok_or_else(|| unavailable("POST /api/collection"))?;
    let mut dashboards = Vec::new();
    for template in &s.template_dashboards {
        let path = format!("/api/dashboard/{template}/copy");
        let body = json!({"collection_id": collection, "is_deep_copy": false});
        match call(s, Method::POST, &path, Some(body)).await {
            Ok(d) if id_of(&d).is_some() => dashboards.push(Dashboard {
                id: id_of(&d).unwrap_or_default().to_string(),
                name: d.get("name").and_then(Value::as_str).unwrap_or_default().to_string(),
            }),
            other => {
                archive(s, collection).await;
                return Err(other.err().unwrap_or_else(|| unavailable(&format!("POST {path}"))));
            }
        }
    }
    Ok((collection, dashboards))
}

/// Step 3: every other live collection of the organization.
async fn archive_others(s: &MetabaseSettings, org_id: &str, keep: u64) {
    let all = match call(s, Method::GET, "/api/collection", None).await {
        Ok(v) => v,
        Err(_) => return,
    };
    let mark = marker(org_id);
    for c in all.as_array().into_iter().flatten() {
        let live = !c.get("archived").and_then(Value::as_bool).unwrap_or(false);
        let ours = c.get("name").and_then(Value::as_str).is_some_and(|n| n.ends_with(&mark));
        if let Some(id) = id_of(c).filter(|id| *id != keep && live && ours) {
            archive(s, id).await;
        }
    }
}

/// `POST /organizations/{id}/metabase/recreate`: superadmins, with write access to the
/// organization's data, on an organization with Metabase enabled.
pub async fn recreate(state: &AppState, caller: &Caller, identifier: &str) -> ApiResult<OrgItem> {
    let held = holds::<OrganizationsUpdate>(caller)?;
    let (org, permit) = org_permit(state, caller, held, identifier).await?;
    if !org.metabase_configuration.enabled {
        return Err(disabled());
    }
    let s = settings(state)?;
    let (collection, dashboards) = create_resources(s, &org).await?;
    let org_id = org.organization_id.clone();
    let stored = crate::service::modify(
        state,
        caller,
        held,
        &org_id,
        None,
        ActivityKind::OrganizationMetabaseRecreated,
        Some((org, permit)),
        |o, changes| {
            changes.insert(
                "metabase_configuration".into(),
                json!({"from": {"collection_id": o.metabase_configuration.collection_id,
                                "dashboards": o.metabase_configuration.dashboards},
                       "to": {"collection_id": collection, "dashboards": dashboards}}),
            );
            o.metabase_configuration.collection_id = Some(collection);
            o.metabase_configuration.dashboards = dashboards.clone();
            Ok(None)
        },
    )
    .await;
    match stored {
        Ok(org) => {
            archive_others(s, &org.organization_id, collection).await;
            Ok(org)
        }
        Err(e) => {
            archive(s, collection).await;
            Err(e)
        }
    }
}

/// The claims of a session JWT.
pub fn session_claims(s: &MetabaseSettings, caller: &Caller, org: &OrgItem, now: Duration) -> Value {
    let dashboards: Vec<&str> = org.metabase_configuration.dashboards.iter().map(|d| d.id.as_str()).collect();
    let first: Option<u64> = dashboards.first().and_then(|d| d.parse().ok());
    json!({
        "iss": "orgs",
        "sub": caller.user_id(),
        "organization_id": org.organization_id,
        "dashboards": dashboards,
        "resource": {"dashboard": first},
        "params": {"organization_id": org.organization_id},
        "iat": now.as_secs(),
        "exp": (now + s.session_ttl).as_secs(),
    })
}

/// A compact HS256 JWT of `claims`.
pub fn sign(secret: &[u8], claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let input = format!("{header}.{payload}");
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let sig = URL_SAFE_NO_PAD.encode(hmac::sign(&key, input.as_bytes()).as_ref());
    format!("{input}.{sig}")
}

/// `GET /metabase/session`: for any caller who may read the data of the organization they act in
/// (its template decides), once Metabase is enabled and provisioned there.
pub async fn session(state: &AppState, caller: &Caller) -> ApiResult<String> {
    let s = settings(state)?;
    let held = holds::<DashboardsRead>(caller)?;
    let (org, _) = org_permit(state, caller, held, &caller.org_context).await?;
    if !org.metabase_configuration.enabled {
        return Err(disabled());
    }
    if org.metabase_configuration.dashboards.is_empty() {
        return Err(ApiError::conflict(
            ErrorCode::MetabaseNotProvisioned,
            "The organization has no Metabase dashboards yet; recreate its Metabase resources first.",
        ));
    }
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    Ok(sign(&s.embedding_secret, &session_claims(s, caller, &org, now)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hs256_matches_the_rfc_7515_example_shape() {
        let jwt = sign(b"secret", &json!({"a": 1}));
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(URL_SAFE_NO_PAD.decode(parts[0]).unwrap(), br#"{"alg":"HS256","typ":"JWT"}"#);
        let key = hmac::Key::new(hmac::HMAC_SHA256, b"secret");
        let sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        assert!(hmac::verify(&key, format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig).is_ok());
        assert!(hmac::verify(&key, b"tampered", &sig).is_err());
    }

    #[test]
    fn markers_name_the_organization() {
        assert_eq!(marker("o1"), "[orgs:o1]");
        assert_eq!(id_of(&json!({"id": 7})), Some(7));
        assert_eq!(id_of(&json!({"id": "7"})), None);
    }
}
