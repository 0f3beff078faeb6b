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

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{AttributeValue, DeleteRequest, WriteRequest};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ApiResult};
use crate::model::keys::{self, DESC_PREFIX, GUARD_SK, ORG_SK};
use crate::model::now_ms;
use crate::model::org::OrgItem;
use crate::policy::permit::OrganizationsDelete;
use crate::policy::{Authorizes, Permit};
use crate::store::deletions::{mark_actions, roots_in, unmark_actions};
use crate::store::orgs::EdgeItem;
use crate::store::{from_item, key, map_sdk_error, tx, Item, Store, TxAction};
use crate::AppState;

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
    let in_progress = || ApiError::conflict("deletion_in_progress", "The organization is already being deleted.");
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
struct Run<'a> {
    state: &'a AppState,
    store: Store<'a>,
    root: String,
    budget: Budget,
    items: u64,
    objects: u64,
    orgs: u64,
}

impl Run<'_> {
    /// Deletes items by key (BatchWriteItem, 25 a call, unprocessed retried).
    async fn delete_keys(&mut self, keys: Vec<(String, String)>) -> Result<(), Stop> {
        for chunk in keys.chunks(25) {
            self.budget.spend()?;
            let mut pending: Vec<WriteRequest> = chunk
                .iter()
                .map(|(p, s)| {
                    DeleteRequest::builder()
                        .set_key(Some(key(p.clone(), s.clone())))
                        .build()
                        .map(|d| WriteRequest::builder().delete_request(d).build())
                        .map_err(ApiError::internal)
                })
                .collect::<Result<_, _>>()?;
            for attempt in 0..8u64 {
                if pending.is_empty() {
                    break;
                }
                let out = self
                    .store
                    .client
                    .batch_write_item()
                    .request_items(self.store.table, std::mem::take(&mut pending))
                    .send()
                    .await
                    .map_err(map_sdk_error)?;
                pending = out.unprocessed_items.and_then(|mut u| u.remove(self.store.table)).unwrap_or_default();
                if !pending.is_empty() {
                    tokio::time::sleep(Duration::from_millis(25 * (attempt + 1))).await;
                }
            }
            if !pending.is_empty() {
                return Err(Stop::Failed(ApiError::unavailable()));
            }
            self.items += chunk.len() as u64;
        }
        Ok(())
    }

    /// Deletes a guard only while it still names `owner_attr = owner` (read first, so a rerun
    /// spends no write on a guard already gone: every write of a run deletes something).
    async fn delete_guard(&mut self, pk: &str, owner_attr: &str, owner: &str) -> Result<(), Stop> {
        let current: Option<Item> = self
            .store
            .client
            .get_item()
            .table_name(self.store.table)
            .set_key(Some(key(pk, GUARD_SK)))
            .consistent_read(true)
            .send()
            .await
            .map_err(map_sdk_error)?
            .item;
        let ours =
            current.as_ref().and_then(|i| i.get(owner_attr)).and_then(|v| v.as_s().ok()).is_some_and(|o| o == owner);
        if !ours {
            return Ok(());
        }
        self.budget.spend()?;
        let res = self
            .store
            .client
            .delete_item()
            .table_name(self.store.table)
            .set_key(Some(key(pk, GUARD_SK)))
            .condition_expression("#o = :me")
            .expression_attribute_names("#o", owner_attr)
            .expression_attribute_values(":me", AttributeValue::S(owner.to_string()))
            .send()
            .await;
        match res {
            Ok(_) => {
                self.items += 1;
                Ok(())
            }
            Err(aws_sdk_dynamodb::error::SdkError::ServiceError(se))
                if se.err().is_conditional_check_failed_exception() =>
            {
                Ok(())
            }
            Err(e) => Err(Stop::Failed(map_sdk_error(e))),
        }
    }

    /// Every item key of a partition with a sort-key prefix (all pages; reads are not budgeted).
    async fn partition_keys(&self, pk: &str, prefix: &str) -> Result<Vec<(String, String)>, Stop> {
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let (items, last) = self.store.query_prefix(pk, prefix, 1000, after, true).await?;
            out.extend(items.iter().map(|i| (pk.to_string(), sk_of(i))));
            match last {
                Some(sk) => after = Some(sk),
                None => return Ok(out),
            }
        }
    }

    async fn purge_user(&mut self, user_id: &str, org_id: &str) -> Result<(), Stop> {
        if let Some(user) = self.store.get_user(user_id).await? {
            let mut dead: Vec<(String, String)> = Vec::new();
            for t in self.store.tokens_of(user_id).await? {
                dead.push((keys::token_hash_pk(&t.secret_sha256), keys::TOKEN_SK.to_string()));
                dead.push((t.pk.clone(), t.sk.clone()));
            }
            self.delete_keys(dead).await?;
            self.delete_guard(&keys::email_pk(&user.email), "user_id", user_id).await?;
            self.delete_keys(vec![(user.pk.clone(), user.sk.clone())]).await?;
        }
        // The entry goes last: while it exists, a rerun finds this user again.
        self.delete_keys(vec![(keys::org_pk(org_id), keys::org_user_sk(user_id))]).await
    }

    /// Keys among `keys` that exist (a read: runs spend writes only on real deletions).
    async fn existing(&self, keys: Vec<(String, String)>) -> Result<Vec<(String, String)>, Stop> {
        if keys.is_empty() {
            return Ok(keys);
        }
        Ok(self
            .store
            .batch_get_raw(keys, true)
            .await?
            .iter()
            .map(|i| (i.get(keys::PK).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default(), sk_of(i)))
            .collect())
    }

    /// d's groups (with their grant entries), and d out of the grants of groups elsewhere.
    async fn purge_groups(&mut self, d: &str) -> Result<(), Stop> {
        for (_, sk) in self.partition_keys(&keys::org_pk(d), keys::GROUP_PREFIX).await? {
            let gid = sk.trim_start_matches(keys::GROUP_PREFIX).to_string();
            if let Some(g) = self.store.get_group(&gid).await? {
                let grants = g
                    .accessible_organizations
                    .iter()
                    .map(|a| (keys::org_pk(&a.organization_id), keys::grant_sk(&gid)))
                    .collect();
                let grants = self.existing(grants).await?;
                self.delete_keys(grants).await?;
                self.delete_keys(vec![(g.pk.clone(), g.sk.clone())]).await?;
            }
            self.delete_keys(vec![(keys::org_pk(d), sk)]).await?;
        }
        for (_, sk) in self.partition_keys(&keys::org_pk(d), keys::GRANT_PREFIX).await? {
            let gid = sk.trim_start_matches(keys::GRANT_PREFIX).to_string();
            if let Some(mut g) = self.store.get_group(&gid).await? {
                if g.accessible_organizations.iter().any(|a| a.organization_id == d) {
                    let v = g.version;
                    g.accessible_organizations.retain(|a| a.organization_id != d);
                    g.version += 1;
                    g.modified_at = now_ms();
                    self.budget.spend()?;
                    // The grant entry of d is deleted right below, not by this update.
                    let put = tx::put_if(
                        self.store.table,
                        &g,
                        Some("attribute_exists(PK) AND version = :v"),
                        Some([(":v".to_string(), AttributeValue::N(v.to_string()))].into()),
                        ApiError::conflict("version_conflict", "retry"),
                    )?;
                    self.store.transact(vec![put]).await?;
                }
            }
            self.delete_keys(vec![(keys::org_pk(d), sk)]).await?;
        }
        Ok(())
    }

    async fn purge_logos(&mut self, org_id: &str) -> Result<(), Stop> {
        let bucket = &self.state.config.logo_bucket;
        let prefix = format!("logos/{org_id}/");
        loop {
            let listed = self.state.s3()?.list_objects_v2().bucket(bucket).prefix(&prefix).max_keys(1000).send().await;
            let listed = match listed {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!(error = ?e, "listing logos failed");
                    return Err(Stop::Failed(ApiError::unavailable()));
                }
            };
            let keys: Vec<String> = listed.contents().iter().filter_map(|o| o.key().map(str::to_string)).collect();
            if keys.is_empty() {
                return Ok(());
            }
            self.budget.spend()?;
            let objects = keys
                .iter()
                .map(|k| aws_sdk_s3::types::ObjectIdentifier::builder().key(k).build())
                .collect::<Result<Vec<_>, _>>()
                .map_err(ApiError::internal)?;
            let delete =
                aws_sdk_s3::types::Delete::builder().set_objects(Some(objects)).build().map_err(ApiError::internal)?;
            if let Err(e) = self.state.s3()?.delete_objects().bucket(bucket).delete(delete).send().await {
                tracing::warn!(error = ?e, "deleting logos failed");
                return Err(Stop::Failed(ApiError::unavailable()));
            }
            self.objects += keys.len() as u64;
        }
    }

    /// Everything of organization `d`, then its anchor.
    async fn purge_org(&mut self, d: &str) -> Result<(), Stop> {
        let is_root = d == self.root;
        if let Some(org) = self.store.get_org(d, true).await? {
            // Users (strongly consistent enumeration through their entries).
            for (_, sk) in self.partition_keys(&keys::org_pk(d), keys::USER_PREFIX).await? {
                self.purge_user(sk.trim_start_matches(keys::USER_PREFIX), d).await?;
            }
            self.purge_groups(d).await?;
            // d's own partition: its descendant edges (the root's are the anchors: kept).
            if !is_root {
                let own = self.partition_keys(&keys::org_pk(d), DESC_PREFIX).await?;
                self.delete_keys(own).await?;
            }
            // Edges from d's ancestors (the root's edge to d is the anchor: kept).
            let from_above: Vec<(String, String)> = org
                .ancestors
                .iter()
                .filter(|a| a.organization_id != self.root)
                .map(|a| (keys::org_pk(&a.organization_id), keys::edge_sk(d)))
                .collect();
            let existing = self.existing(from_above).await?;
            self.delete_keys(existing).await?;
            if let Some(code) = &org.code {
                self.delete_guard(&keys::org_code_pk(code), "organization_id", d).await?;
            }
            for domain in &org.domains {
                self.delete_guard(&keys::domain_pk(domain), "organization_id", d).await?;
            }
            let log = self.partition_keys(&keys::activity_pk(d), "").await?;
            self.delete_keys(log).await?;
            self.purge_logos(d).await?;
            // The item goes with its template reference, in one transaction: exactly once.
            self.budget.spend()?;
            let gone = tx::delete_if(
                self.store.table,
                &org.pk,
                &org.sk,
                "attribute_exists(PK)",
                None,
                ApiError::conflict("gone", "gone"),
            )?;
            let unref = crate::store::templates::template_ref_action(self.store.table, &org.rbac_template_id, -1)?;
            match self.store.transact(vec![gone, unref]).await {
                Ok(()) => self.items += 1,
                // Already gone (a run that died after this step), or the template was removed.
                Err(e) if e.code == "gone" || e.code == "validation_failed" => {
                    self.delete_keys(vec![(org.pk.clone(), org.sk.clone())]).await?
                }
                Err(e) => return Err(Stop::Failed(e)),
            }
        }
        self.delete_keys(vec![(keys::org_pk(&self.root), keys::edge_sk(d))]).await?;
        self.orgs += 1;
        Ok(())
    }

    /// Purges until the anchors are gone.
    async fn purge(&mut self) -> Result<(), Stop> {
        loop {
            let (items, more) =
                self.store.query_prefix(&keys::org_pk(&self.root), DESC_PREFIX, PAGE, None, true).await?;
            let edges = items.into_iter().map(from_item::<EdgeItem>).collect::<ApiResult<Vec<_>>>()?;
            let others: Vec<String> =
                edges.iter().filter(|e| e.descendant_id != self.root).map(|e| e.descendant_id.clone()).collect();
            if others.is_empty() && more.is_none() {
                // Only the root is left (or nothing).
                if edges.is_empty() {
                    return Ok(());
                }
                let root = self.root.clone();
                self.purge_org(&root).await?;
                continue;
            }
            for d in others {
                self.purge_org(&d).await?;
            }
        }
    }
}

fn sk_of(item: &Item) -> String {
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

/// Marks the job done and takes the root out of the registry, in one transaction.
async fn finish(store: &Store<'_>, root: &str, run: &Run<'_>) -> ApiResult<()> {
    let (pk, sk) = job_key(root);
    let now = now_ms();
    let u = aws_sdk_dynamodb::types::Update::builder()
        .table_name(store.table)
        .set_key(Some(key(pk, sk)))
        .update_expression(
            "SET #s = :done, finished_at = :now, updated_at = :now, lease_until = :zero, expires_at = :exp \
             ADD organizations_purged :o, items_deleted :i, objects_deleted :b",
        )
        .condition_expression("attribute_exists(PK)")
        .expression_attribute_names("#s", "status")
        .expression_attribute_values(":done", AttributeValue::S("done".into()))
        .expression_attribute_values(":now", AttributeValue::N(now.to_string()))
        .expression_attribute_values(":zero", AttributeValue::N("0".into()))
        .expression_attribute_values(":exp", AttributeValue::N((now / 1000 + DONE_RETENTION_SECS).to_string()))
        .expression_attribute_values(":o", AttributeValue::N(run.orgs.to_string()))
        .expression_attribute_values(":i", AttributeValue::N(run.items.to_string()))
        .expression_attribute_values(":b", AttributeValue::N(run.objects.to_string()))
        .build()
        .map_err(ApiError::internal)?;
    let mut actions = vec![TxAction {
        action: aws_sdk_dynamodb::types::TransactWriteItem::builder().update(u).build(),
        on_condition_failed: ApiError::internal("deletion job vanished"),
    }];
    actions.extend(unmark_actions(store.table, root)?);
    store.transact(actions).await
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
            finish(&store, root, &run).await?;
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
