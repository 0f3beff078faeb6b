//! Lambda entry point of the deletion worker: build state once, then finish deletions.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lambda_http::{service_fn, Error, LambdaEvent};
use serde_json::Value;

/// Time kept back from the invocation's deadline to record progress.
const MARGIN: Duration = Duration::from_secs(10);

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    shared::runtime::config::init_logging();
    let state = shared::AppState::from_env_with_s3();
    let state = &state;
    lambda_http::lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let deadline = Duration::from_millis(event.context.deadline);
        let budget = deadline.saturating_sub(now).saturating_sub(MARGIN).max(Duration::from_secs(1));
        deletion_worker::handle(state, &event.payload, budget).await.map_err(|e| Error::from(e.to_string()))
    }))
    .await
}
