//! Finishes organization deletions (see `shared::jobs::purge`).
//!
//! Triggers: DynamoDB Streams records of running job items (the marking transaction inserts one;
//! every run that stops early writes it again when it releases its lease, which re-triggers this
//! worker), and a schedule that resumes every deletion in the registry, in case a trigger was
//! lost. Failed stream batches are retried and then parked in a dead-letter queue.

use std::time::Duration;

use serde_json::Value;
use shared::jobs::purge::{resume_all, run_job, Budget};
use shared::store::reads::deletion_job_root;
use shared::{ApiResult, AppState};

/// The roots named by job items in a DynamoDB Streams event.
pub fn roots_in_stream_event(event: &Value) -> Vec<String> {
    let mut roots: Vec<String> = event
        .get("Records")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| r.pointer("/dynamodb/Keys/PK/S").and_then(Value::as_str))
        .filter_map(deletion_job_root)
        .map(str::to_string)
        .collect();
    roots.sort();
    roots.dedup();
    roots
}

/// Handles one invocation within `budget`.
pub async fn handle(state: &AppState, event: &Value, budget: Duration) -> ApiResult<()> {
    if event.get("Records").is_some() {
        for root in roots_in_stream_event(event) {
            let outcome = run_job(state, &root, Budget::time(budget)).await?;
            tracing::info!(root, ?outcome, "deletion run");
        }
    } else {
        for (root, outcome) in resume_all(state, budget).await? {
            tracing::info!(root, ?outcome, "deletion resumed");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_records_name_their_roots() {
        let event = serde_json::json!({"Records": [
            {"eventName": "INSERT", "dynamodb": {"Keys": {"PK": {"S": "DELETION#o1"}, "SK": {"S": "JOB"}}}},
            {"eventName": "MODIFY", "dynamodb": {"Keys": {"PK": {"S": "DELETION#o1"}, "SK": {"S": "JOB"}}}},
            {"eventName": "MODIFY", "dynamodb": {"Keys": {"PK": {"S": "ORG#x"}, "SK": {"S": "ORG"}}}}
        ]});
        assert_eq!(roots_in_stream_event(&event), vec!["o1".to_string()]);
    }
}
