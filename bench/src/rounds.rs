//! Sequential DynamoDB round trips on each route's critical path (issue 23). Deployed, every
//! round trip to DynamoDB costs a few milliseconds, so they, not CPU, decide warm latency.
//!
//! The route script runs with every DynamoDB call held back by a fixed [`DELAY`] before it is
//! sent ([`delayed`]), and a [`Timeline`] records when each call started and ended (from the
//! SDK's first interceptor hook to its last). Calls a route issues together overlap; calls it
//! issues one after another do not. The round trips of a route are the longest chain of calls
//! each starting after the previous one ended ([`sequential`]): exact, and independent of how
//! fast DynamoDB Local answers. The request's wall time divided by the delay is printed next to
//! it as a cross-check.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

use crate::canned::Started;

/// What every DynamoDB call waits before it is sent.
pub const DELAY: Duration = Duration::from_millis(10);

/// An HTTP client that waits `delay` before handing each request to `inner`.
#[derive(Debug, Clone)]
struct Delayed {
    inner: SharedHttpClient,
    delay: Duration,
}

#[derive(Debug)]
struct DelayedConnector {
    inner: SharedHttpConnector,
    delay: Duration,
}

impl HttpConnector for DelayedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let (inner, delay) = (self.inner.clone(), self.delay);
        HttpConnectorFuture::new(async move {
            tokio::time::sleep(delay).await;
            inner.call(request).await
        })
    }
}

impl HttpClient for Delayed {
    fn http_connector(&self, settings: &HttpConnectorSettings, rc: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(DelayedConnector { inner: self.inner.http_connector(settings, rc), delay: self.delay })
    }
}

/// `client` with each call held back by `delay` and its calls recorded on `timeline` (its other
/// interceptors kept).
pub fn delayed(client: &aws_sdk_dynamodb::Client, delay: Duration, timeline: &Timeline) -> aws_sdk_dynamodb::Client {
    let conf = client.config();
    let inner = conf.http_client().expect("the harness's DynamoDB client has an HTTP client");
    aws_sdk_dynamodb::Client::from_conf(
        conf.to_builder().http_client(Delayed { inner, delay }).interceptor(timeline.clone()).build(),
    )
}

/// When each DynamoDB call started and ended.
#[derive(Debug, Clone, Default)]
pub struct Timeline(Arc<Mutex<Vec<(Instant, Instant)>>>);

impl Timeline {
    /// The calls recorded since the last take.
    pub fn take(&self) -> Vec<(Instant, Instant)> {
        self.0.lock().map(|mut v| std::mem::take(&mut *v)).unwrap_or_default()
    }
}

impl Intercept for Timeline {
    fn name(&self) -> &'static str {
        "Timeline"
    }

    fn read_before_execution(
        &self,
        _ctx: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        cfg.interceptor_state().store_put(Started(Instant::now()));
        Ok(())
    }

    fn read_before_transmit(
        &self,
        ctx: &aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if std::env::var("DEBUG_ROUNDS").is_ok() {
            let b = String::from_utf8_lossy(ctx.request().body().bytes().unwrap_or_default()).to_string();
            eprintln!("CALL {:?} {}", ctx.request().headers().get("x-amz-target"), &b[..b.len().min(400)]);
        }
        Ok(())
    }

    fn read_after_execution(
        &self,
        _ctx: &FinalizerInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let (Some(Started(t)), Ok(mut v)) = (cfg.load::<Started>(), self.0.lock()) {
            v.push((*t, Instant::now()));
        }
        Ok(())
    }
}

/// The longest chain of calls in which each starts after the previous one ended: the most
/// pairwise disjoint intervals, found greedily by end time.
pub fn sequential(calls: &[(Instant, Instant)]) -> usize {
    let mut by_end = calls.to_vec();
    by_end.sort_by_key(|&(_, end)| end);
    let mut count = 0;
    let mut free_from: Option<Instant> = None;
    for (start, end) in by_end {
        if free_from.is_none_or(|f| start >= f) {
            count += 1;
            free_from = Some(end);
        }
    }
    count
}

/// What kind of route a case is, for its round-trip goal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One item read: ≤ 2 round trips.
    Read,
    /// A page of a list: ≤ 3.
    List,
    /// A write: ≤ 3.
    Write,
    /// The authorizer's own lookups, counted apart from the route's: ≤ 2.
    Authorizer,
    /// The authorizer when it records a token's use (at most once per token per five minutes):
    /// its two lookups, then the conditional writes of `last_used_at` and `last_login`, which
    /// need what the second lookup returns (only an allowed request is recorded, and only when
    /// due, so that an authorization writes nothing otherwise): ≤ 3.
    AuthorizerRecording,
    /// A case that cannot happen deployed: another organization claimed as the context with the
    /// identity headers of a local run (deployed, the authorizer's context names the caller's own
    /// organization, `shared::authz::identity`). Pinned, no goal.
    LocalOnly,
    /// A job run inline within a time budget (the purge of a deleted organization, deleting every
    /// role): its steps grow with what it deletes, and are pinned but have no goal.
    Job,
}

impl Kind {
    pub fn goal(self) -> Option<usize> {
        match self {
            Kind::Read | Kind::Authorizer => Some(2),
            Kind::List | Kind::Write | Kind::AuthorizerRecording => Some(3),
            Kind::Job | Kind::LocalOnly => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Read => "read",
            Kind::List => "list",
            Kind::Write => "write",
            Kind::Authorizer => "authorizer",
            Kind::AuthorizerRecording => "authorizer, recording use",
            Kind::Job => "job",
            Kind::LocalOnly => "local only",
        }
    }
}

/// The kind of a case, from its label (`RouteRun::label`).
pub fn kind(label: &str) -> Kind {
    let route = label.split(" (").next().unwrap_or(label);
    let (method, path) = route.split_once(' ').unwrap_or(("", route));
    let last = path.rsplit('/').next().unwrap_or("");
    match method {
        _ if label.starts_with("authorizer (first use") => Kind::AuthorizerRecording,
        _ if route == "authorizer" => Kind::Authorizer,
        _ if label.contains("(foreign Organization-ID context)") => Kind::LocalOnly,
        "DELETE" if path == "/organizations/{id}" || path == "/organizations/{id}/roles" => Kind::Job,
        "GET" if last.starts_with('{') || last == "deletion" => Kind::Read,
        "GET" => Kind::List,
        "POST" if last == "filter" || last == "verify" => Kind::List,
        _ => Kind::Write,
    }
}

/// The pinned round trips of every case, by label: `bench/tests/calls.rs` fails when a route
/// takes more or fewer, and the bench reports every pin over its kind's goal.
pub const PINNED: &[(&str, usize)] = &[
    ("POST /organizations", 3),
    ("GET /organizations", 3),
    ("POST /organizations/filter", 3),
    ("GET /organizations/{id}", 2),
    ("GET /organizations/{id} (by code)", 2),
    ("GET /organizations/{id} (foreign Organization-ID context)", 4),
    ("PATCH /organizations/{id}", 3),
    ("POST /organizations/{id}/logo", 2),
    ("DELETE /organizations/{id} (empty leaf)", 21),
    ("GET /organizations/{id}/deletion", 2),
    ("POST /users", 3),
    ("GET /users/{id}", 2),
    ("GET /users/{id} (own user)", 2),
    ("GET /users/by-email/{email}", 2),
    ("PATCH /users/{id}", 3),
    ("POST /users/filter", 3),
    ("POST /users/logged-in/filter", 2),
    ("POST /users/verify", 3),
    ("POST /users/bulk-delete", 3),
    ("DELETE /users/{id}", 3),
    ("POST /api-tokens", 3),
    ("GET /api-tokens", 2),
    ("authorizer (first use: records last use)", 3),
    ("authorizer (allowed)", 2),
    ("authorizer (malformed token)", 0),
    ("DELETE /api-tokens/{id}", 3),
    ("POST /user-groups", 3),
    ("POST /user-groups/filter", 3),
    ("GET /user-groups/{id}", 2),
    ("PATCH /user-groups/{id}", 3),
    ("DELETE /user-groups/{id}", 3),
    ("GET /permissions", 1),
    ("GET /rbac-templates", 2),
    ("POST /rbac-templates", 2),
    ("GET /rbac-templates/permissions", 1),
    ("GET /rbac-templates/movements", 2),
    ("GET /rbac-templates/{id}", 2),
    ("PUT /rbac-templates/{id}", 3),
    ("DELETE /rbac-templates/{id}", 3),
    ("POST /organizations/{id}/roles", 2),
    ("POST /organizations/{id}/roles/generate", 3),
    ("GET /organizations/{id}/roles", 2),
    ("GET /organizations/{id}/roles/permissions", 2),
    ("GET /organizations/{id}/roles/{role_id}", 1),
    ("PUT /organizations/{id}/roles/{role_id}", 2),
    ("PATCH /organizations/{id}/roles/{role_id}", 2),
    ("POST /organizations/{id}/roles/{role_id}/members/bulk", 3),
    ("GET /organizations/{id}/roles/{role_id}/members", 3),
    ("GET /organizations/{id}/roles/{role_id}/members/{user_id}", 2),
    ("GET /organizations/{id}/roles/{role_id}/assignments", 2),
    ("GET /organizations/{id}/users/{user_id}/roles", 2),
    ("DELETE /organizations/{id}/roles/{role_id}/members/{user_id}", 2),
    ("DELETE /organizations/{id}/users/{user_id}/roles/{role_id}", 2),
    ("PUT /organizations/{id}/users/{user_id}/roles/{role_id}", 2),
    ("POST /organizations/{id}/users/{user_id}/roles (20 roles)", 3),
    ("GET /organizations/{id}/user/roles (20 roles)", 3),
    ("GET /organizations/{id}/roles/{role_id} (caller with 0 custom roles)", 1),
    ("GET /organizations/{id}/roles/{role_id} (caller with 20 custom roles)", 1),
    ("DELETE /organizations/{id}/roles/{role_id} (1 member)", 3),
    ("DELETE /users/{id} (holding 20 custom roles)", 3),
    ("DELETE /organizations/{id}/roles (27 generated roles)", 56),
    ("POST /organization-requests", 3),
    ("POST /organization-requests (parent: the requester's own)", 3),
    ("GET /organization-requests (the requester's own)", 2),
    ("GET /organization-requests (addressed to an organization)", 3),
    ("GET /organization-requests/{request_id}", 2),
    ("POST /organization-requests/{request_id}/approve", 3),
    ("POST /organization-requests/{request_id}/reject", 3),
    ("GET /organizations/{id}/activities (a page of 20)", 2),
    ("GET /organizations/{id}/activities (next page by cursor)", 2),
    ("GET /organizations/{id}/activities (by type)", 2),
    ("GET /organizations/{id}/activities (by actor)", 2),
    ("GET /organizations/{id}/activities (by type and actor)", 2),
    ("GET /organizations/{id}/activities/{activity_id}", 2),
];

/// The pinned round trips of a case.
pub fn pinned(label: &str) -> Option<usize> {
    PINNED.iter().find(|(l, _)| *l == label).map(|&(_, n)| n)
}

/// Cases whose round trips differ from their pins (the CI check).
pub fn check(runs: &[crate::routes::RouteRun]) -> Vec<String> {
    let mut out = Vec::new();
    for r in runs {
        let Some((n, _)) = r.rounds else { continue };
        match pinned(&r.label()) {
            None => out.push(format!("{}: {n} round trips, not pinned in rounds::PINNED", r.label())),
            Some(p) if p != n => out.push(format!("{}: {n} sequential round trips, pinned {p}", r.label())),
            Some(_) => {}
        }
    }
    out
}

/// Cases over their kind's goal: (label, round trips, goal).
pub fn over_goal(runs: &[crate::routes::RouteRun]) -> Vec<(String, usize, usize)> {
    runs.iter()
        .filter_map(|r| {
            let (n, _) = r.rounds?;
            let goal = kind(&r.label()).goal()?;
            (n > goal).then(|| (r.label(), n, goal))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_calls_are_one_round_trip_and_chained_ones_add_up() {
        let t = Instant::now();
        let at = |a: u64, b: u64| (t + Duration::from_millis(a), t + Duration::from_millis(b));
        assert_eq!(sequential(&[]), 0);
        // Two issued together, then one after both.
        assert_eq!(sequential(&[at(0, 10), at(1, 11), at(12, 22)]), 2);
        // Three one after another.
        assert_eq!(sequential(&[at(0, 10), at(10, 20), at(21, 31)]), 3);
        // A long call alongside two short ones in a row: the chain of the two counts.
        assert_eq!(sequential(&[at(0, 30), at(1, 11), at(12, 22)]), 2);
    }

    #[test]
    fn kinds_come_from_the_route() {
        assert_eq!(kind("GET /organizations/{id} (by code)"), Kind::Read);
        assert_eq!(kind("GET /organizations"), Kind::List);
        assert_eq!(kind("POST /users/filter"), Kind::List);
        assert_eq!(kind("PATCH /users/{id}"), Kind::Write);
        assert_eq!(kind("DELETE /organizations/{id} (empty leaf)"), Kind::Job);
        assert_eq!(kind("authorizer (allowed)"), Kind::Authorizer);
        assert_eq!(kind("authorizer (first use: records last use)"), Kind::AuthorizerRecording);
        assert_eq!(kind("GET /organizations/{id} (foreign Organization-ID context)"), Kind::LocalOnly);
        assert_eq!(kind("GET /organizations/{id}/deletion"), Kind::Read);
    }
}
