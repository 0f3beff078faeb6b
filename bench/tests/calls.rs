//! Every route's DynamoDB calls against the pinned table (`orgs_bench::routes::EXPECTED`, the
//! table docs/PERFORMANCE.md publishes): fails when a route makes more, fewer or other calls, or
//! scans; and every route's sequential round trips against their pins (`orgs_bench::rounds`).
//! The same scripted run as the cost bench, with every DynamoDB call held back 10 ms
//! (`rounds::DELAY`) so that calls issued together overlap and calls issued in turn do not; a few
//! seconds. `DEBUG_ROUNDS=1` prints each route and the requests it sends.

use orgs_bench::rounds::{self, delayed, Timeline, DELAY};
use orgs_bench::routes::{check, run_all_observed};
use orgs_tests::TestApi;
use shared::AppState;

#[test]
fn every_route_makes_exactly_its_pinned_calls_and_round_trips() {
    // The whole script is one large future: give it a roomy stack in unoptimised builds.
    let problems = std::thread::Builder::new()
        .stack_size(32 << 20)
        .spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async {
                // A roomy inline budget: the delayed purge must finish inline as it does deployed.
                let mut api = TestApi::new().await.with_inline_delete_budget(30_000);
                let timeline = Timeline::default();
                api.state = AppState::from_clients(
                    api.state.config.clone(),
                    delayed(&api.state.dynamo, DELAY, &timeline),
                    api.state.s3.clone(),
                );
                let debug = std::env::var("DEBUG_ROUNDS").is_ok();
                let observe = move |f: &str, r: &str| {
                    if debug {
                        eprintln!("ROUTE {f} {r}");
                    }
                };
                let runs = run_all_observed(&api, None, Some(&timeline), &observe).await;
                if debug {
                    for r in &runs {
                        eprintln!("ROUNDS {:?} {}", r.rounds.map(|(n, _)| n), r.label());
                    }
                }
                let mut problems = check(&runs);
                problems.extend(rounds::check(&runs));
                problems
            })
        })
        .expect("thread")
        .join()
        .expect("script");
    assert!(
        problems.is_empty(),
        "DynamoDB calls or round trips differ from bench/src/routes.rs EXPECTED or bench/src/rounds.rs PINNED:\n{}",
        problems.join("\n")
    );
}
