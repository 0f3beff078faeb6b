//! Deleting an organization subtree: a durable, resumable, idempotent job (R5).
//!
//! 1. **Mark** (one transaction, at request time): the root's item gets `deleting`, the job item
//!    `DELETION#<root>` is created, the root joins every deletions-registry shard, and the
//!    parent's activity log records the deletion. From then on every read path hides the subtree
//!    and every write under it fails its registry check.
//! 2. **Purge** (this module, any number of runs): the anchors are the closure edges in the
//!    root's partition (`ORG#<root>` / `DESC#<d>`). For each descendant `d` (the root last) it
//!    deletes d's users (with tokens, email guards, entries), d's partition, the edges from d's
//!    ancestors, d's code and domain guards (conditionally: only if still d's), d's activity log,
//!    d's logos in S3, d's item, and finally d's anchor. Every step is idempotent and the anchor
//!    goes last, so a run that dies anywhere is finished by the next one.
//! 3. **Finish** (one transaction): the root leaves the registry and the job is marked done
//!    (kept 7 days through the table's TTL).
//!
//! Runs take a lease on the job (so two drivers do not duplicate work) and a [`Budget`] of time
//! and write calls; tests use the write budget to stop a run at any write, as a crash would.

use crate::error::ErrorCode;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ApiResult};
use crate::model::now_ms;
use crate::model::org::OrgItem;
use crate::policy::permit::OrganizationsDelete;
use crate::policy::{Authorizes, Permit};
use crate::store::deletions::{mark_actions, roots_in};
use crate::store::keys::{self, ORG_SK};
use crate::store::{key, map_sdk_error, tx, Item, Store, TxAction};
use crate::AppState;

mod run;
use run::Run;

mod finish;
use finish::finish;

/// How long a finished job stays readable.
pub const DONE_RETENTION_SECS: i64 = 7 * 24 * 3600;
/// Descendants handled per anchor page.
const PAGE: i32 = 25;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum JobStatus {
    Running,
    Done,
}

/// The job item (`PK = DELETION#<root>`, `SK = JOB`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub organization_id: String,
    pub organization_name: String,
    pub parent_organization_id: Option<String>,
    /// The root's ancestors: their superadmins may follow the job.
    pub visible_to: Vec<String>,
    pub requested_by: String,
    pub status: JobStatus,
    pub started_at: i64,
    pub updated_at: i64,
    #[serde(default)]
    pub finished_at: Option<i64>,
    #[serde(default)]
    pub organizations_purged: u64,
    #[serde(default)]
    pub items_deleted: u64,
    #[serde(default)]
    pub objects_deleted: u64,
    #[serde(default)]
    pub lease_until: i64,
    /// Epoch seconds; the table's TTL attribute (set when done).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}

/// What a caller sees of a job.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobView {
    pub organization_id: String,
    pub status: JobStatus,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub organizations_purged: u64,
    pub items_deleted: u64,
    pub objects_deleted: u64,
}

impl From<&JobItem> for JobView {
    fn from(j: &JobItem) -> Self {
        JobView {
            organization_id: j.organization_id.clone(),
            status: j.status,
            started_at: j.started_at,
            finished_at: j.finished_at,
            organizations_purged: j.organizations_purged,
            items_deleted: j.items_deleted,
            objects_deleted: j.objects_deleted,
        }
    }
}

/// How much one run may do: a deadline and, for tests, a number of write calls.
#[derive(Debug, Clone)]
pub struct Budget {
    deadline: Instant,
    writes_left: Option<usize>,
}

impl Budget {
    pub fn time(d: Duration) -> Self {
        Self { deadline: Instant::now() + d, writes_left: None }
    }

    /// Stop after `writes` write calls (a crash at that point), or after `d`.
    pub fn writes(writes: usize, d: Duration) -> Self {
        Self { deadline: Instant::now() + d, writes_left: Some(writes) }
    }

    fn spend(&mut self) -> Result<(), Stop> {
        if Instant::now() >= self.deadline {
            return Err(Stop::Budget);
        }
        match &mut self.writes_left {
            Some(0) => Err(Stop::Budget),
            Some(n) => {
                *n -= 1;
                Ok(())
            }
            None => Ok(()),
        }
    }
}

/// Why a run ended early.
#[derive(Debug)]
pub enum Stop {
    Budget,
    Failed(ApiError),
}

impl From<ApiError> for Stop {
    fn from(e: ApiError) -> Self {
        Stop::Failed(e)
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub enum RunOutcome {
    Done,
    /// More to do (budget spent, or another run holds the lease).
    Pending,
}

pub fn job_key(root: &str) -> (String, String) {
    (keys::deletion_job_pk(root), keys::JOB_SK.to_string())
}

pub async fn get_job(store: &Store<'_>, root: &str) -> ApiResult<Option<JobItem>> {
    let (pk, sk) = job_key(root);
    store.get(&pk, &sk, true).await
}

/// The marking transaction's actions (the caller adds its activity item).
pub fn mark_deletion_actions(
    store: &Store<'_>,
    permit: &Permit<OrganizationsDelete>,
    org: &OrgItem,
) -> ApiResult<(Vec<TxAction>, JobItem)> {
    permit.ensure_covers(&org.organization_id)?;
    let requested_by = permit.actor().actor_id.as_str();
    let now = now_ms();
    let (pk, sk) = job_key(&org.organization_id);
    let job = JobItem {
        pk,
        sk,
        organization_id: org.organization_id.clone(),
        organization_name: org.name.clone(),
        parent_organization_id: org.parent_organization_id.clone(),
        visible_to: org.ancestors.iter().map(|a| a.organization_id.clone()).collect(),
        requested_by: requested_by.to_string(),
        status: JobStatus::Running,
        started_at: now,
        updated_at: now,
        finished_at: None,
        organizations_purged: 0,
        items_deleted: 0,
        objects_deleted: 0,
        lease_until: 0,
        expires_at: None,
    };
    let in_progress =
        || ApiError::conflict(ErrorCode::DeletionInProgress, "The organization is already being deleted.");
    let mut actions =
        vec![tx::put_new(store.table, &job, in_progress())?, mark_org_action(store, org, now, in_progress())?];
    actions.extend(mark_actions(store.table, &org.organization_id)?);
    Ok((actions, job))
}

fn mark_org_action(store: &Store<'_>, org: &OrgItem, now: i64, on_fail: ApiError) -> ApiResult<TxAction> {
    let u = aws_sdk_dynamodb::types::Update::builder()
        .table_name(store.table)
        .set_key(Some(key(keys::org_pk(&org.organization_id), ORG_SK)))
        .update_expression("SET deleting = :now")
        .condition_expression("attribute_exists(PK) AND attribute_not_exists(deleting)")
        .expression_attribute_values(":now", AttributeValue::N(now.to_string()))
        .build()
        .map_err(ApiError::internal)?;
    Ok(TxAction {
        action: aws_sdk_dynamodb::types::TransactWriteItem::builder().update(u).build(),
        on_condition_failed: on_fail,
    })
}

/// Everything a run needs.
pub(super) fn sk_of(item: &Item) -> String {
    item.get(keys::SK).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default()
}

/// Takes the job's lease until `until` (ms) if free; false when another run holds it.
async fn take_lease(store: &Store<'_>, root: &str, now: i64, until: i64) -> ApiResult<bool> {
    let (pk, sk) = job_key(root);
    let res = store
        .client
        .update_item()
        .table_name(store.table)
        .set_key(Some(key(pk, sk)))
        .update_expression("SET lease_until = :until")
        .condition_expression("attribute_exists(PK) AND #s = :running AND lease_until < :now")
        .expression_attribute_names("#s", "status")
        .expression_attribute_values(":until", AttributeValue::N(until.to_string()))
        .expression_attribute_values(":now", AttributeValue::N(now.to_string()))
        .expression_attribute_values(":running", AttributeValue::S("running".into()))
        .send()
        .await;
    match res {
        Ok(_) => Ok(true),
        Err(aws_sdk_dynamodb::error::SdkError::ServiceError(se))
            if se.err().is_conditional_check_failed_exception() =>
        {
            Ok(false)
        }
        Err(e) => Err(map_sdk_error(e)),
    }
}

/// Records progress and releases the lease (the write that re-triggers the stream-fed worker).
async fn release(store: &Store<'_>, root: &str, run: &Run<'_>) -> ApiResult<()> {
    let (pk, sk) = job_key(root);
    store
        .client
        .update_item()
        .table_name(store.table)
        .set_key(Some(key(pk, sk)))
        .update_expression("SET lease_until = :zero, updated_at = :now ADD organizations_purged :o, items_deleted :i, objects_deleted :b")
        .condition_expression("attribute_exists(PK)")
        .expression_attribute_values(":zero", AttributeValue::N("0".into()))
        .expression_attribute_values(":now", AttributeValue::N(now_ms().to_string()))
        .expression_attribute_values(":o", AttributeValue::N(run.orgs.to_string()))
        .expression_attribute_values(":i", AttributeValue::N(run.items.to_string()))
        .expression_attribute_values(":b", AttributeValue::N(run.objects.to_string()))
        .send()
        .await
        .map_err(map_sdk_error)?;
    Ok(())
}

/// Runs the deletion job of `root` within `budget`. Safe to call any number of times, at once
/// from several places: the lease keeps one run at work, the others return `Pending`.
pub async fn run_job(state: &AppState, root: &str, budget: Budget) -> ApiResult<RunOutcome> {
    let store = state.store();
    let Some(job) = get_job(&store, root).await? else {
        return Ok(RunOutcome::Done);
    };
    if job.status == JobStatus::Done {
        return Ok(RunOutcome::Done);
    }
    let now = now_ms();
    let lease_ms = budget.deadline.saturating_duration_since(Instant::now()).as_millis() as i64 + 5_000;
    if !take_lease(&store, root, now, now + lease_ms).await? {
        return Ok(RunOutcome::Pending);
    }
    let mut run = Run { state, store, root: root.to_string(), budget, items: 0, objects: 0, orgs: 0 };
    match run.purge().await {
        Ok(()) => {
            finish(&store, &job, &run).await?;
            tracing::info!(root, orgs = run.orgs, items = run.items, "deletion finished");
            Ok(RunOutcome::Done)
        }
        Err(stop) => {
            // Progress is recorded and the lease released even when the run failed: the next
            // trigger resumes. A crash skips this; the lease then simply expires.
            release(&store, root, &run).await?;
            match stop {
                Stop::Budget => Ok(RunOutcome::Pending),
                Stop::Failed(e) => Err(e),
            }
        }
    }
}

/// Resumes every deletion in the registry (the scheduled sweeper, and local serving).
pub async fn resume_all(state: &AppState, per_job: Duration) -> ApiResult<Vec<(String, RunOutcome)>> {
    let store = state.store();
    let shard = store.batch_get_raw(vec![(keys::DELETIONS_PK.to_string(), keys::deletion_shard_sk(0))], true).await?;
    let roots = shard.first().map(roots_in).unwrap_or_default();
    let mut out = Vec::new();
    for root in roots {
        let outcome = run_job(state, &root, Budget::time(per_job)).await?;
        out.push((root, outcome));
    }
    Ok(out)
}
