//! Every route's DynamoDB calls against the pinned table (`orgs_bench::routes::EXPECTED`, the
//! table docs/PERFORMANCE.md publishes): fails when a route makes more, fewer or other calls, or
//! scans. The same scripted run as the cost bench, without capacity metering; a few seconds.

use orgs_bench::routes::{check, run_all};
use orgs_tests::TestApi;

#[test]
fn every_route_makes_exactly_its_pinned_calls() {
    // The whole script is one large future: give it a roomy stack in unoptimised builds.
    let problems = std::thread::Builder::new()
        .stack_size(32 << 20)
        .spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async {
                let api = TestApi::new().await;
                check(&run_all(&api, None).await)
            })
        })
        .expect("thread")
        .join()
        .expect("script");
    assert!(problems.is_empty(), "DynamoDB calls differ from bench/src/routes.rs EXPECTED:\n{}", problems.join("\n"));
}
