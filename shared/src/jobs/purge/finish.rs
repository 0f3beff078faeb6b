//! The end of a deletion job: marked done, its root out of the registry, and the deletion's
//! `organization.purged` entry in the parent's log (R21), in one transaction.

use aws_sdk_dynamodb::types::AttributeValue;

use super::{job_key, run::Run, JobItem, DONE_RETENTION_SECS};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::model::now_ms;
use crate::store::deletions::unmark_actions;
use crate::store::keys::{self, ORG_SK};
use crate::store::{key, tx, Store, TxAction};

/// The deletion job as activity items record it (R21: `actor_type = system`).
fn job_permit(job: &JobItem) -> crate::policy::SystemPermit {
    crate::policy::SystemPermit::for_job(
        crate::policy::SystemJob::Purge,
        crate::policy::Actor {
            actor_type: crate::model::activity::ActorType::System,
            actor_id: "deletion-job".into(),
            actor_organization_id: None,
            ip: None,
            details: Some(format!("deletion of {} requested by {}", job.organization_id, job.requested_by)),
            request_id: job.organization_id.clone(),
            token_id: None,
            service_id: Some("deletion-worker".into()),
        },
    )
}

/// Marks the job done and takes the root out of the registry, in one transaction with the
/// `organization.purged` activity of the parent's log, unless an ancestor is being deleted
/// itself (its purge may have taken the parent's log already: the entry would be an orphan).
pub(super) async fn finish(store: &Store<'_>, job: &JobItem, run: &Run<'_>) -> ApiResult<()> {
    match store.transact(finish_actions(store, job, run, true)?).await {
        Err(e) if e.code == ErrorCode::OrganizationBeingDeleted => {
            store.transact(finish_actions(store, job, run, false)?).await
        }
        done => done,
    }
}

fn finish_actions(store: &Store<'_>, job: &JobItem, run: &Run<'_>, audit: bool) -> ApiResult<Vec<TxAction>> {
    let root = job.organization_id.as_str();
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
    if let Some(parent) = job.parent_organization_id.as_ref().filter(|_| audit) {
        for a in &job.visible_to {
            actions.push(tx::check(
                store.table,
                &keys::org_pk(a),
                ORG_SK,
                "attribute_exists(PK) AND attribute_not_exists(deleting)",
                None,
                ApiError::conflict(ErrorCode::OrganizationBeingDeleted, "an ancestor is being deleted"),
            )?);
        }
        let mut changes = serde_json::Map::new();
        changes.insert("organizations_purged".into(), (job.organizations_purged + run.orgs).into());
        changes.insert("items_deleted".into(), (job.items_deleted + run.items).into());
        actions.push(store.activity_action(
            &job_permit(job),
            crate::store::activity::Change {
                kind: crate::model::activity::ActivityKind::OrganizationPurged,
                organization_id: parent,
                target_type: "organization",
                target_id: root,
                changes,
            },
        )?);
    }
    Ok(actions)
}
