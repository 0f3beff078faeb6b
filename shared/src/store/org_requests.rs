//! Organization requests (R22, R23): the request item (listed per requester through GSI1) and
//! its entry in the requested parent's partition (listed there; the purge takes both).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

use super::{from_item, tx, Store, TxAction};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::model::org_request::{OrgRequestItem, RequestStatus};
use crate::policy::permit::{OrganizationRequestsCreate, OrganizationsCreate};
use crate::policy::Allows;
use crate::store::keys;

/// `PK = ORG#<parent>`, `SK = ORGREQ#<request_id>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestEntry {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub request_id: String,
}

pub fn request_not_found() -> ApiError {
    ApiError::not_found(ErrorCode::OrganizationRequestNotFound, "No organization request visible to you has that id.")
}

pub fn already_decided() -> ApiError {
    ApiError::conflict(ErrorCode::RequestAlreadyDecided, "The request has been decided already.")
}

/// A new pending request with its keys filled.
pub fn new_request(
    request_id: &str,
    organizationname: &str,
    parent_path: Vec<String>,
    requester: (&str, &str),
    request: serde_json::Map<String, serde_json::Value>,
    now: i64,
) -> OrgRequestItem {
    OrgRequestItem {
        pk: keys::org_request_pk(request_id),
        sk: keys::ORG_REQUEST_SK.to_string(),
        gsi1pk: keys::org_requests_by_gsi_pk(requester.0),
        gsi1sk: request_id.to_string(),
        request_id: request_id.to_string(),
        status: RequestStatus::Pending,
        organizationname: organizationname.to_string(),
        parent_organization_id: parent_path.last().cloned().unwrap_or_default(),
        parent_path,
        requester_id: requester.0.to_string(),
        requester_organization_id: requester.1.to_string(),
        request,
        created_at: now,
        updated_at: now,
        decided_by: None,
        decided_at: None,
        reason: None,
        organization_id: None,
        version: 1,
    }
}

impl Store<'_> {
    pub async fn get_org_request(&self, request_id: &str) -> ApiResult<Option<OrgRequestItem>> {
        self.get(&keys::org_request_pk(request_id), keys::ORG_REQUEST_SK, true).await
    }

    /// Every request of one requester (GSI1, all pages).
    pub async fn org_requests_of(&self, user_id: &str) -> ApiResult<Vec<OrgRequestItem>> {
        self.gsi1_all(&keys::org_requests_by_gsi_pk(user_id)).await
    }

    /// Every request addressed to `parent_id` (its entries, then the items: one Query per
    /// 1,000 and one BatchGetItem per 100).
    pub async fn org_requests_to(&self, parent_id: &str) -> ApiResult<Vec<OrgRequestItem>> {
        let mut ids = Vec::new();
        let mut after = None;
        loop {
            let (items, last) =
                self.query_prefix(&keys::org_pk(parent_id), keys::ORG_REQUEST_ENTRY_PREFIX, 1000, after, false).await?;
            for i in items {
                ids.push(from_item::<RequestEntry>(i)?.request_id);
            }
            match last {
                Some(l) => after = Some(l),
                None => break,
            }
        }
        let keys = ids.iter().map(|id| (keys::org_request_pk(id), keys::ORG_REQUEST_SK.to_string())).collect();
        self.batch_get_raw(keys, false).await?.into_iter().map(from_item).collect()
    }

    /// Actions writing a new request and its entry in the parent (the permit is the
    /// requester's, in the parent).
    pub fn create_org_request_actions(
        &self,
        permit: &impl Allows<OrganizationRequestsCreate>,
        r: &OrgRequestItem,
    ) -> ApiResult<Vec<TxAction>> {
        permit.ensure_covers(&r.parent_organization_id)?;
        let exists = || ApiError::conflict(ErrorCode::Exists, "Retry the request.");
        Ok(vec![
            tx::put_new(self.table, r, exists())?,
            tx::put_new(
                self.table,
                &RequestEntry {
                    pk: keys::org_pk(&r.parent_organization_id),
                    sk: keys::org_request_entry_sk(&r.request_id),
                    request_id: r.request_id.clone(),
                },
                exists(),
            )?,
        ])
    }

    /// The action deciding `r` (already set to its new status and fields) if it is still
    /// pending at the version read: a request is decided once (409 otherwise), so concurrent
    /// approvals create one organization.
    pub fn decide_org_request_action(
        &self,
        permit: &impl Allows<OrganizationsCreate>,
        r: &OrgRequestItem,
        read_version: u64,
    ) -> ApiResult<TxAction> {
        permit.ensure_covers(&r.parent_organization_id)?;
        if r.status == RequestStatus::Pending {
            return Err(ApiError::internal("a decision must approve or reject"));
        }
        let values: HashMap<String, AttributeValue> = [
            (":v".to_string(), AttributeValue::N(read_version.to_string())),
            (":pending".to_string(), AttributeValue::S(RequestStatus::Pending.as_str().into())),
        ]
        .into();
        let put = aws_sdk_dynamodb::types::Put::builder()
            .table_name(self.table)
            .set_item(Some(super::to_item(r)?))
            .condition_expression("version = :v AND #st = :pending")
            .expression_attribute_names("#st", "status")
            .set_expression_attribute_values(Some(values))
            .build()
            .map_err(ApiError::internal)?;
        Ok(TxAction {
            action: aws_sdk_dynamodb::types::TransactWriteItem::builder().put(put).build(),
            on_condition_failed: already_decided(),
        })
    }
}
