//! Benchmarks of issue 9: init time, binary size, DynamoDB cost per route, scale, and handler
//! overhead. `scripts/bench` builds what they need, starts the local stack, runs them all and
//! writes docs/PERFORMANCE.md; see there for what each figure means.

#[cfg(feature = "harness")]
pub mod canned;
#[cfg(feature = "harness")]
pub mod iam;
#[cfg(feature = "harness")]
pub mod meter;
#[cfg(feature = "harness")]
pub mod report;
#[cfg(feature = "harness")]
pub mod rounds;
#[cfg(feature = "harness")]
pub mod routes;
pub mod stats;
