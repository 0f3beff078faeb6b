//! `overhead`: in-process latency of the real routers over a canned DynamoDB client (responses
//! recorded from DynamoDB Local, replayed with no network), against a hello handler taking the
//! same path, which is the functions' own Lambda entry: the v2 event's JSON parsed, the router
//! called through `shared::edge::lambda::handle`, the payload v2 response serialized to the JSON the
//! runtime posts back. One current-thread runtime, as in Lambda; the function's JSON log line per
//! request is formatted (into a sink) as in production. Each request's time is also split: inside
//! the SDK's DynamoDB calls ([`SdkClock`]), serializing the response for the runtime, and the rest
//! (our code, the router, the event).

use std::fmt::Write;
use std::time::Instant;

use axum::Router;
use orgs_bench::canned::{dynamo_client, s3_client, with_interceptor, Canned, Recorder, SdkClock, Tape};
use orgs_bench::report::{Budget, Section};
use orgs_bench::stats::{mean, quantile};
use orgs_tests::TestApi;
use serde_json::{json, Value};
use shared::model::user::Role;
use shared::AppState;

/// A timed case: the event, the function serving it, and the status it answered with.
struct Case {
    name: &'static str,
    event: String,
    status: u16,
    /// Size of the JSON the route answered.
    bytes: usize,
    /// Items on the page it answered (0 for a single item).
    items: usize,
}

/// The budget of a route (issue 23): p50 < 1 ms for a single item; a list page gets 30 µs more
/// per item on it (the default page stays 100: the seed's lists are whole).
pub fn budget_us(items: usize) -> f64 {
    1000.0 + 30.0 * items as f64
}

/// Runs each case once against DynamoDB Local, recording the responses.
async fn record() -> (Tape, shared::runtime::config::Config, Vec<Case>) {
    let mut api = TestApi::new().await;
    let recorder = Recorder::default();
    api.state = AppState::from_clients(
        api.state.config.clone(),
        with_interceptor(&api.state.dynamo, recorder.clone()),
        api.state.s3.clone(),
    );
    let child = api.create_org(&api.root_org, json!({"code": "overhead"})).await;
    // 99 more below it: the root's default list page (100) is full.
    for _ in 0..99 {
        api.create_org(&child, json!({})).await;
    }
    let admin = api.create_user(&child, Role::Admin).await;
    let peer = api.create_user(&child, Role::User).await;
    api.post("/api-tokens", json!({"name": "ci"})).as_user(&admin, &child).send().await.expect(201);
    let reqs = vec![
        ("GET /organizations/{id}", api.get(&format!("/organizations/{child}"))),
        ("GET /organizations?limit=10", api.get("/organizations?limit=10")),
        ("GET /organizations (default page: 100)", api.get("/organizations")),
        ("PATCH /organizations/{id}", api.patch(&format!("/organizations/{child}"), json!({"name": "Renamed"}))),
        ("GET /users/{id}", api.get(&format!("/users/{peer}"))),
        ("GET /api-tokens", api.get("/api-tokens").as_user(&admin, &child)),
        ("GET /permissions", api.get("/permissions")),
    ];
    let mut cases = Vec::new();
    for (name, req) in reqs {
        let event = req.event().to_string();
        let resp = req.send().await;
        assert!(resp.status < 300, "{name}: {} {}", resp.status, resp.body);
        let items = resp.data().as_array().map_or(0, Vec::len);
        cases.push(Case { name, event, status: resp.status, bytes: resp.body.to_string().len(), items });
    }
    (recorder.tape(), api.state.config.clone(), cases)
}

/// One request the way the functions serve it: event JSON → router → response JSON, with the
/// moment the response was ready to serialize.
async fn once(router: &Router, event: &str) -> (u16, Vec<u8>, Instant) {
    let event = serde_json::from_str(event).expect("event");
    let resp = shared::edge::lambda::handle(router.clone(), event).await;
    let handled = Instant::now();
    let status = u16::try_from(resp.status_code).unwrap_or(0);
    (status, serde_json::to_vec(&resp).expect("response json"), handled)
}

/// Microseconds per request, in all and in two of its parts.
#[derive(Default)]
struct Samples {
    total: Vec<f64>,
    /// Inside the SDK's DynamoDB calls.
    sdk: Vec<f64>,
    /// Serializing the payload v2 response (the body as an escaped JSON string) for the runtime.
    response_json: Vec<f64>,
}

/// Times `n` requests (after `n / 20` warm-up requests).
async fn time(router: &Router, event: &str, n: usize, status: u16, clock: &SdkClock) -> Samples {
    for _ in 0..(n / 20).max(1) {
        let (got, body, _) = once(router, event).await;
        assert_eq!(got, status, "answered differently from the recording: {}", String::from_utf8_lossy(&body));
    }
    let mut out = Samples::default();
    for _ in 0..n {
        clock.take_nanos();
        let t = Instant::now();
        let (s, _, handled) = once(router, event).await;
        let end = Instant::now();
        out.total.push((end - t).as_secs_f64() * 1e6);
        out.response_json.push((end - handled).as_secs_f64() * 1e6);
        out.sdk.push(clock.take_nanos() as f64 / 1e3);
        debug_assert_eq!(s, status);
    }
    out
}

fn hello_router() -> Router {
    Router::new().route(
        "/hello",
        axum::routing::get(|| async { ([(http::header::CONTENT_TYPE, "application/json")], r#"{"hello":"world"}"#) }),
    )
}

pub fn run(n: usize) -> Section {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let (tape, config, cases) = rt.block_on(record());
    drop(rt);
    // The same JSON log line per request as in Lambda, written nowhere.
    let _ = tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::INFO)
        .with_current_span(true)
        .without_time()
        .with_target(false)
        .with_writer(std::io::sink)
        .try_init();
    let canned = Canned::new(tape.clone());
    let clock = SdkClock::default();
    let state =
        AppState::from_clients(config, with_interceptor(&dynamo_client(canned.clone()), clock.clone()), s3_client());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let mut rows: Vec<(String, usize, Samples)> = Vec::new();
    let mut budgets: Vec<f64> = vec![budget_us(0)];
    rt.block_on(async {
        let hello = orgs_local::gateway::v2_event("GET", "/hello", &[], b"", "203.0.113.7").to_string();
        rows.push(("hello handler (same event path)".into(), 17, time(&hello_router(), &hello, n, 200, &clock).await));
        // BENCH_OVERHEAD_ONLY=<substring>: time only matching routes (for profiling one).
        let only = std::env::var("BENCH_OVERHEAD_ONLY").unwrap_or_default();
        for c in cases.iter().filter(|c| c.name.contains(&only)) {
            let v: Value = serde_json::from_str(&c.event).expect("event json");
            let path = v["rawPath"].as_str().unwrap_or("/");
            let f = orgs_local::functions::function_for(path).expect("function");
            let router = (f.router)(state.clone());
            rows.push((
                format!("{} `{}`", f.name, c.name),
                c.bytes,
                time(&router, &c.event, n, c.status, &clock).await,
            ));
            budgets.push(budget_us(c.items));
        }
    });
    let mut md = String::new();
    let _ = writeln!(
        md,
        "| handler | response bytes | p50 µs | budget µs | p99 µs | mean µs | in SDK calls, p50 µs | response JSON, p50 µs |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|"
    );
    let mut over = Vec::new();
    let mut worst_share = 0.0f64;
    for (i, (name, bytes, s)) in rows.iter().enumerate() {
        let (p50, p99) = (quantile(&s.total, 0.5), quantile(&s.total, 0.99));
        let budget = budgets[i];
        if i > 0 && p50 >= budget {
            over.push(format!("{name} {p50:.0} µs (budget {budget:.0})"));
        } else if i > 0 {
            worst_share = worst_share.max(p50 / budget);
        }
        let _ = writeln!(
            md,
            "| {name} | {bytes} | {p50:.0} | {budget:.0} | {p99:.0} | {:.0} | {:.0} | {:.0} |",
            mean(&s.total),
            quantile(&s.sdk, 0.5),
            quantile(&s.response_json, 0.5)
        );
    }
    // What one more organization on a list page costs: the slope between the pages of 10 and 100.
    let p50_of =
        |needle: &str| rows.iter().find(|(name, _, _)| name.contains(needle)).map(|(_, _, s)| quantile(&s.total, 0.5));
    if let (Some(ten), Some(hundred)) = (p50_of("limit=10`"), p50_of("default page: 100")) {
        let _ = writeln!(
            md,
            "\nA list page costs about {:.0} µs per organization on it (p50 of the page of 100 minus that of the \
             page of 10, over 90).",
            (hundred - ten) / 90.0
        );
    }
    // Over budget: how much of it is outside the handler's own code (SDK calls, response JSON).
    for ((name, bytes, s), _) in
        rows.iter().zip(&budgets).skip(1).filter(|((_, _, s), budget)| quantile(&s.total, 0.5) >= **budget)
    {
        let outside: Vec<f64> = s.sdk.iter().zip(&s.response_json).map(|(a, b)| a + b).collect();
        let _ = writeln!(
            md,
            "\n{name}: p50 {:.0} µs, of which {:.0} µs (p50 of each request's sum) inside the SDK's DynamoDB calls \
             and serializing its {bytes}-byte response for the runtime.",
            quantile(&s.total, 0.5),
            quantile(&outside, 0.5)
        );
    }
    let _ = writeln!(
        md,
        "\n{n} timed requests per handler after {} warm-up requests; {} DynamoDB exchanges on the tape; \
         {} of {} replayed calls answered by operation only (writes: fresh ids and times).",
        (n / 20).max(1),
        tape.len(),
        canned.inexact(),
        canned.calls()
    );
    Section {
        markdown: md,
        budgets: vec![Budget::new(
            "Handler overhead p50 < 1 ms, + 30 µs per item on a list page (canned DynamoDB)",
            over.is_empty(),
            if over.is_empty() {
                format!("every route, worst at {:.0} % of its budget", worst_share * 100.0)
            } else {
                format!("over: {}; the other routes ≤ {:.0} % of theirs", over.join(", "), worst_share * 100.0)
            },
        )],
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn list_pages_get_thirty_microseconds_per_item() {
        assert_eq!(super::budget_us(0), 1000.0);
        assert_eq!(super::budget_us(10), 1300.0);
        assert_eq!(super::budget_us(100), 4000.0);
    }
}
