//! What a function builds once per cold start: its settings and [`config::AppState`], the AWS SDK
//! clients ([`aws_clients`]) over one HTTP client, the SDK's own. Uses the store (the state hands
//! out a [`crate::store::Store`]); used by the edge, `authz`, `views` and `jobs`.

pub mod aws_clients;
pub mod config;
