//! `cost`: every route once through the black-box harness, with the DynamoDB calls counted by
//! the harness's interceptor and the capacity each consumed, priced on-demand.

use std::fmt::Write;

use orgs_bench::canned::with_interceptor;
use orgs_bench::meter::CapacityMeter;
use orgs_bench::report::{num, Budget, Section};
use orgs_bench::rounds::{self, delayed, Timeline, DELAY};
use orgs_bench::routes::{check, run_all};
use orgs_tests::TestApi;
use shared::AppState;

/// On-demand prices, us-east-1, standard table class: $0.125 per million read request units,
/// $0.625 per million write request units (the list prices since AWS's November 2024 cut; used
/// on 2026-11-23).
pub const PRICE_READ_PER_M: f64 = 0.125;
pub const PRICE_WRITE_PER_M: f64 = 0.625;
pub const PRICES_AS_OF: &str = "us-east-1 on-demand, standard table class, list prices used on 2026-11-23";

/// Dollars per million requests of a route that consumes `read` / `write` request units.
pub fn dollars_per_million(read: f64, write: f64) -> f64 {
    read * PRICE_READ_PER_M + write * PRICE_WRITE_PER_M
}

/// Lambda (x86_64, us-east-1): $0.20 per million requests and $0.0000166667 per GB-second; the
/// template gives the API functions 256 MB. API Gateway HTTP API: $1.00 per million requests.
pub const LAMBDA_PER_M: f64 = 0.20;
pub const LAMBDA_GB_S: f64 = 0.000_016_666_7;
pub const MEMORY_GB: f64 = 0.25;
pub const APIGW_PER_M: f64 = 1.00;
/// The duration model: handler work (the overhead bench: well under 1 ms) plus 5 ms per
/// sequential DynamoDB round trip on the route's critical path (`orgs_bench::rounds`).
pub const MS_PER_CALL: f64 = 5.0;
pub const HANDLER_MS: f64 = 1.0;

/// Estimated billed milliseconds and Lambda dollars per million invocations for a route of
/// `rounds` sequential round trips.
pub fn lambda_estimate(rounds: usize) -> (f64, f64) {
    let ms = (HANDLER_MS + MS_PER_CALL * rounds as f64).ceil();
    (ms, LAMBDA_PER_M + 1e6 * MEMORY_GB * ms / 1000.0 * LAMBDA_GB_S)
}

pub async fn run() -> Section {
    let mut api = TestApi::new().await;
    let meter = CapacityMeter::default();
    let timeline = Timeline::default();
    api = api.with_inline_delete_budget(30_000);
    api.state = AppState::from_clients(
        api.state.config.clone(),
        delayed(&with_interceptor(&api.state.dynamo, meter.clone()), DELAY, &timeline),
        api.state.s3.clone(),
    );
    let runs = run_all(&api, Some(&meter), Some(&timeline)).await;
    let mut problems = check(&runs);
    problems.extend(rounds::check(&runs));
    let over = rounds::over_goal(&runs);

    let mut md = String::new();
    let _ = writeln!(
        md,
        "| function | route (case) | DynamoDB calls | sequential round trips (goal) | read units | write units | DynamoDB $/1M | est. Lambda ms | Lambda $/1M | total $/1M with API Gateway |\n|---|---|---|---:|---:|---:|---:|---:|---:|---:|"
    );
    let mut scans = 0;
    for r in &runs {
        let u = r.usage.clone().unwrap_or_default();
        scans += r.calls.get("Scan").copied().unwrap_or(0);
        let d = dollars_per_million(u.read_units(), u.write_units());
        let rounds = r.rounds.map_or(0, |(n, _)| n);
        let (ms, lambda) = lambda_estimate(rounds);
        let kind = rounds::kind(&r.label());
        let goal = kind.goal().map_or(format!("{}, no goal", kind.name()), |g| {
            format!("{} ≤ {g}{}", kind.name(), if rounds > g { " **over**" } else { "" })
        });
        // The authorizer is invoked by API Gateway, not through it.
        let gateway = if r.function == "authorizer" { 0.0 } else { APIGW_PER_M };
        let _ = writeln!(
            md,
            "| {} | `{}` | {} | {rounds} ({goal}) | {} | {} | {:.2} | {ms:.0} | {lambda:.2} | {:.2} |",
            r.function,
            r.label(),
            u.calls_text(),
            num(u.read_units() + 0.0),
            num(u.write_units() + 0.0),
            d + 0.0,
            d + lambda + gateway
        );
        if u.calls_by_op() != r.calls {
            // The meter and the harness's counter must agree call for call.
            eprintln!("warning: {}: meter {:?} vs counter {:?}", r.label(), u.calls_by_op(), r.calls);
        }
    }
    let _ = writeln!(
        md,
        "\nUnits as DynamoDB Local reports them for the items each call touched (`ReturnConsumedCapacity = INDEXES`, \
         added by the bench's interceptor; GSI1 writes included). Prices: {PRICES_AS_OF}: \
         ${PRICE_READ_PER_M} per million read request units, ${PRICE_WRITE_PER_M} per million write request units. \
         {} routes and cases, {} DynamoDB calls in all, {scans} Scans. \
         Lambda: ${LAMBDA_PER_M} per million requests + ${LAMBDA_GB_S} per GB-s at {MEMORY_GB} GB (x86_64), \
         with an estimated duration of {HANDLER_MS} ms + {MS_PER_CALL} ms per sequential round trip; \
         API Gateway HTTP API ${APIGW_PER_M} per million requests (the authorizer's row has none: the gateway \
         invokes it, and caches its answer for 30 s per token).",
        runs.len(),
        runs.iter().map(|r| r.total_calls()).sum::<usize>()
    );
    if !problems.is_empty() {
        let _ = writeln!(
            md,
            "\nDifferences from the pinned calls (`bench/src/routes.rs`) or round trips (`bench/src/rounds.rs`):\n"
        );
        for p in &problems {
            let _ = writeln!(md, "- {p}");
        }
    }
    let budgets = vec![
        Budget::new(
            "DynamoDB calls: every route at its pinned designed minimum",
            problems.is_empty(),
            if problems.is_empty() {
                format!("{} routes and cases as pinned", runs.len())
            } else {
                format!("{} differences", problems.len())
            },
        ),
        Budget::new("No Scan on any route", scans == 0, format!("{scans} Scans")),
        Budget::new(
            "Sequential DynamoDB round trips: reads ≤ 2, list pages ≤ 3, writes ≤ 3, the authorizer ≤ 2",
            over.is_empty(),
            if over.is_empty() {
                format!("{} routes and cases within their goal", runs.len())
            } else {
                format!(
                    "{} of {} over: {}",
                    over.len(),
                    runs.len(),
                    over.iter().map(|(l, n, g)| format!("`{l}` {n} > {g}")).collect::<Vec<_>>().join(", ")
                )
            },
        ),
    ];
    Section { markdown: md, budgets }
}
