//! One run of the purge: per descendant, the deletions of each kind of item (users, partition,
//! edges, guards, activity log, logos), the anchor last (see the module above).

use crate::error::ErrorCode;
use std::time::Duration;

use aws_sdk_dynamodb::types::{AttributeValue, DeleteRequest, WriteRequest};

use crate::error::{ApiError, ApiResult};
use crate::model::now_ms;
use crate::store::keys::{self, DESC_PREFIX, GUARD_SK};
use crate::store::orgs::EdgeItem;
use crate::store::{from_item, key, map_sdk_error, tx, Item, Store};
use crate::AppState;

use super::{sk_of, Budget, Stop, PAGE};

pub(super) struct Run<'a> {
    pub(super) state: &'a AppState,
    pub(super) store: Store<'a>,
    pub(super) root: String,
    pub(super) budget: Budget,
    pub(super) items: u64,
    pub(super) objects: u64,
    pub(super) orgs: u64,
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
                        ApiError::conflict(ErrorCode::VersionConflict, "retry"),
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
            // Its custom roles, their name guards, members and grants (R19: nothing dangling).
            let roles = self.partition_keys(&keys::org_pk(d), keys::ROLE_ITEMS_PREFIX).await?;
            self.delete_keys(roles).await?;
            // The organization requests addressed to it, with their entries.
            let entries = self.partition_keys(&keys::org_pk(d), keys::ORG_REQUEST_ENTRY_PREFIX).await?;
            let requests: Vec<(String, String)> = entries
                .iter()
                .map(|(_, sk)| {
                    let id = sk.trim_start_matches(keys::ORG_REQUEST_ENTRY_PREFIX);
                    (keys::org_request_pk(id), keys::ORG_REQUEST_SK.to_string())
                })
                .collect();
            self.delete_keys(requests).await?;
            self.delete_keys(entries).await?;
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
                ApiError::conflict(ErrorCode::Gone, "gone"),
            )?;
            let unref = crate::store::templates::template_ref_action(self.store.table, &org.rbac_template_id, -1)?;
            match self.store.transact(vec![gone, unref]).await {
                Ok(()) => self.items += 1,
                // Already gone (a run that died after this step), or the template was removed.
                Err(e) if e.code == ErrorCode::Gone || e.code == ErrorCode::ValidationFailed => {
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
    pub(super) async fn purge(&mut self) -> Result<(), Stop> {
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
