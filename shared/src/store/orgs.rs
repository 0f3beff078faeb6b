//! Organization items, their code guards and closure edges.

use crate::error::ErrorCode;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

use super::{cursor, from_item, tx, Store, TxAction};
use crate::error::{ApiError, ApiResult};
use crate::model::org::{AncestorRef, OrgItem};
use crate::policy::permit::{OrganizationsCreate, OrganizationsUpdate};
use crate::policy::reach::{edges_for_new_org, Reach};
use crate::policy::Allows;
use crate::store::keys::{self, DESC_PREFIX, GUARD_SK, ORG_SK};

/// A closure edge: `ancestor_id` is `descendant_id` or above it (`PK = ORG#<ancestor>`,
/// `SK = DESC#<descendant>`). `reach` is the access verdict of R2 (see [`crate::policy::reach`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EdgeItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub ancestor_id: String,
    pub descendant_id: String,
    pub distance: u32,
    pub reach: Reach,
    /// The descendant's RBAC template, kept equal to its `rbac_template_id` (changed in the same
    /// transaction), so a reach check also tells which template decides (crate::authz::templates).
    #[serde(default)]
    pub template_id: String,
}

/// A code guard (`PK = ORGCODE#<code lower>`, `SK = GUARD`): codes are unique. It names what
/// showing the organization reads, so that a lookup by code reads it all in one round trip
/// (`crate::authz::load`): the organization's path (root first, itself last), which never
/// changes, and its template, kept in step by [`Store::template_move_actions`]. Only a hint:
/// what decides is the organization item read with it. Guards written before have neither.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeGuard {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub organization_id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub path: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_id: Option<String>,
}

/// A domain guard (`PK = DOMAIN#<domain lower>`, `SK = GUARD`): a domain has one owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainGuard {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub organization_id: String,
}

fn domain_taken() -> ApiError {
    ApiError::conflict(ErrorCode::DomainTaken, "Another organization already owns one of these domains.")
}

/// Deepest tree allowed: a create writes one edge per ancestor in one transaction.
pub const MAX_DEPTH: usize = 40;

pub fn org_not_found() -> ApiError {
    ApiError::not_found(ErrorCode::OrganizationNotFound, "No accessible organization has that identifier.")
}

impl Store<'_> {
    pub async fn get_org(&self, org_id: &str, consistent: bool) -> ApiResult<Option<OrgItem>> {
        self.get(&keys::org_pk(org_id), ORG_SK, consistent).await
    }

    /// The guard of a code (one GetItem): the organization's id, path and template.
    pub async fn code_guard(&self, code: &str) -> ApiResult<Option<CodeGuard>> {
        self.get::<CodeGuard>(&keys::org_code_pk(code), GUARD_SK, false).await
    }

    /// The keys of what showing the organization of `guard` reads: the organizations of its path
    /// and its template (none for a guard written before guards named them).
    pub fn org_view_keys(guard: &CodeGuard) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = guard.path.iter().map(|o| (keys::org_pk(o), ORG_SK.to_string())).collect();
        out.extend(guard.template_id.iter().map(|t| (keys::template_pk(t), keys::TEMPLATE_SK.to_string())));
        out
    }

    /// The organization owning an email domain (one GetItem of the guard).
    pub async fn org_id_by_domain(&self, domain: &str) -> ApiResult<Option<String>> {
        Ok(self.get::<DomainGuard>(&keys::domain_pk(domain), GUARD_SK, false).await?.map(|g| g.organization_id))
    }

    /// Actions moving `org_id`'s domain guards from `old` to `new`: removed domains are released
    /// (only if still this organization's), added ones claimed (only if free).
    pub fn domain_change_actions(
        &self,
        permit: &impl Allows<OrganizationsUpdate>,
        org_id: &str,
        old: &[String],
        new: &[String],
    ) -> ApiResult<Vec<TxAction>> {
        permit.ensure_covers(org_id)?;
        self.domain_actions(org_id, old, new)
    }

    fn domain_actions(&self, org_id: &str, old: &[String], new: &[String]) -> ApiResult<Vec<TxAction>> {
        let mut actions = Vec::new();
        for d in old.iter().filter(|d| !new.contains(d)) {
            actions.push(tx::delete_if(
                self.table,
                &keys::domain_pk(d),
                GUARD_SK,
                "organization_id = :me",
                tx::s_value(":me", org_id),
                ApiError::conflict(
                    ErrorCode::ConcurrentModification,
                    "The organization's domains changed meanwhile; retry.",
                ),
            )?);
        }
        for d in new.iter().filter(|d| !old.contains(d)) {
            let guard =
                DomainGuard { pk: keys::domain_pk(d), sk: GUARD_SK.into(), organization_id: org_id.to_string() };
            actions.push(tx::put_new(self.table, &guard, domain_taken())?);
        }
        Ok(actions)
    }

    /// Resolves an identifier (id or code) to an organization id. UUIDs are ids; anything else
    /// is a code (codes may not look like UUIDs).
    pub async fn resolve_org_identifier(&self, identifier: &str) -> ApiResult<Option<String>> {
        Ok(self.resolve_org_identifier_with_guard(identifier).await?.map(|(id, _)| id))
    }

    /// [`Store::resolve_org_identifier`], with the code's guard when it is a code.
    pub async fn resolve_org_identifier_with_guard(
        &self,
        identifier: &str,
    ) -> ApiResult<Option<(String, Option<CodeGuard>)>> {
        if uuid::Uuid::try_parse(identifier).is_ok() {
            return Ok(Some((identifier.to_string(), None)));
        }
        Ok(self.code_guard(identifier).await?.map(|g| (g.organization_id.clone(), Some(g))))
    }

    /// One page of the closure edges below `ancestor` (itself included), in id order.
    pub async fn edges_page(
        &self,
        ancestor: &str,
        limit: i32,
        cursor: Option<&str>,
    ) -> ApiResult<(Vec<EdgeItem>, Option<String>)> {
        let after = cursor.map(|c| cursor::decode(c, DESC_PREFIX)).transpose()?;
        let (items, last) = self.query_prefix(&keys::org_pk(ancestor), DESC_PREFIX, limit, after, false).await?;
        let edges = items.into_iter().map(from_item).collect::<ApiResult<Vec<EdgeItem>>>()?;
        Ok((edges, last.map(|sk| cursor::encode(&sk))))
    }

    /// One page of the edges from `parent` to its direct children (distance 1), in id order: the
    /// parent's closure edges read 1,000 per Query, at most `rounds` Queries, until `want`
    /// children are found. The cursor is the sort key of the last edge looked at (the last child
    /// taken when the page filled up), so the next page goes on from there.
    pub async fn child_edges_page(
        &self,
        parent: &str,
        want: usize,
        cursor: Option<&str>,
        rounds: usize,
    ) -> ApiResult<(Vec<EdgeItem>, Option<String>)> {
        let mut after = cursor.map(|c| cursor::decode(c, DESC_PREFIX)).transpose()?;
        let mut out = Vec::new();
        for _ in 0..rounds {
            let (items, last) = self.query_prefix(&keys::org_pk(parent), DESC_PREFIX, 1000, after, false).await?;
            after = last;
            for edge in items.into_iter().map(from_item) {
                let edge: EdgeItem = edge?;
                if edge.distance == 1 {
                    out.push(edge);
                    if out.len() == want {
                        let next = cursor::encode(&out[want - 1].sk);
                        return Ok((out, Some(next)));
                    }
                }
            }
            if after.is_none() {
                break;
            }
        }
        Ok((out, after.map(|sk| cursor::encode(&sk))))
    }

    /// Every closure edge below `ancestor` (all pages, 1,000 per Query). Linear in the size of
    /// the subtree: used only where a whole accessible set is needed (user filters).
    pub async fn all_edges(&self, ancestor: &str) -> ApiResult<Vec<EdgeItem>> {
        // Queried with the caller's identity (`crate::authz::resolve`), served once.
        if let Some(edges) = self.ahead.and_then(|a| a.take_edges(ancestor)) {
            return Ok(edges);
        }
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let (items, last) = self.query_prefix(&keys::org_pk(ancestor), DESC_PREFIX, 1000, after, false).await?;
            for item in items {
                out.push(from_item(item)?);
            }
            match last {
                Some(sk) => after = Some(sk),
                None => return Ok(out),
            }
        }
    }

    /// The transaction actions that create `org` under `parent`: the item, the code guard, every
    /// closure edge, and checks that the parent still accepts children and the template exists.
    pub fn create_org_actions(
        &self,
        permit: &impl Allows<OrganizationsCreate>,
        org: &OrgItem,
        parent: Option<&OrgItem>,
    ) -> ApiResult<Vec<TxAction>> {
        permit.ensure_covers(parent.map_or(&org.organization_id, |p| &p.organization_id))?;
        let t = self.table;
        let mut actions = Vec::with_capacity(org.ancestors.len() + 4);
        actions.push(tx::put_new(
            t,
            org,
            ApiError::conflict(ErrorCode::OrganizationExists, "The organization already exists."),
        )?);
        if let Some(code) = &org.code {
            let guard = CodeGuard {
                pk: keys::org_code_pk(code),
                sk: GUARD_SK.to_string(),
                organization_id: org.organization_id.clone(),
                path: org.path(),
                template_id: Some(org.rbac_template_id.clone()),
            };
            actions.push(tx::put_new(
                t,
                &guard,
                ApiError::conflict(ErrorCode::OrganizationCodeTaken, "Another organization already has that code."),
            )?);
        }
        actions.extend(self.domain_actions(&org.organization_id, &[], &org.domains)?);
        let chain: Vec<AncestorRef> = org.ancestors.clone();
        for e in edges_for_new_org(&org.organization_id, &chain, org.parent_has_access) {
            let edge = EdgeItem {
                pk: keys::org_pk(&e.ancestor_id),
                sk: keys::edge_sk(&org.organization_id),
                ancestor_id: e.ancestor_id,
                descendant_id: org.organization_id.clone(),
                distance: e.distance as u32,
                reach: e.reach,
                template_id: org.rbac_template_id.clone(),
            };
            actions.push(tx::put_new(
                t,
                &edge,
                ApiError::conflict(ErrorCode::OrganizationExists, "The organization already exists."),
            )?);
        }
        actions.push(super::deletions::not_deleting_check(t, &org.path())?);
        if let Some(parent) = parent {
            actions.push(tx::check(
                t,
                &keys::org_pk(&parent.organization_id),
                ORG_SK,
                "attribute_exists(PK) AND can_have_child_organizations = :t",
                Some([(":t".to_string(), AttributeValue::Bool(true))].into()),
                ApiError::conflict(
                    ErrorCode::ParentCannotHaveChildren,
                    "The parent organization cannot have child organizations.",
                ),
            )?);
        }
        // The organization starts using its template (which must exist).
        actions.push(super::templates::template_ref_action(t, &org.rbac_template_id, 1)?);
        Ok(actions)
    }

    /// The actions that point every closure edge into `org` (from each ancestor and itself) at
    /// its template `template_id`: at most [`MAX_DEPTH`] updates, in the organization's transaction.
    pub fn template_move_actions(
        &self,
        permit: &impl Allows<OrganizationsUpdate>,
        org: &OrgItem,
        from: &str,
        to: &str,
    ) -> ApiResult<Vec<TxAction>> {
        permit.ensure_covers(&org.organization_id)?;
        let mut actions = vec![
            super::templates::template_ref_action(self.table, to, 1)?,
            super::templates::template_ref_action(self.table, from, -1)?,
        ];
        actions.extend(self.edge_template_actions(org, to)?);
        // The code's guard names the template too (a hint for reads by code).
        if let Some(code) = &org.code {
            let values = [
                (":t".to_string(), AttributeValue::S(to.to_string())),
                (":me".to_string(), AttributeValue::S(org.organization_id.clone())),
            ];
            actions.push(tx::update_if(
                self.table,
                &keys::org_code_pk(code),
                GUARD_SK,
                "SET template_id = :t",
                "organization_id = :me",
                Some(values.into_iter().collect()),
                ApiError::conflict(ErrorCode::ConcurrentModification, "The organization changed meanwhile; retry."),
            )?);
        }
        Ok(actions)
    }

    fn edge_template_actions(&self, org: &OrgItem, template_id: &str) -> ApiResult<Vec<TxAction>> {
        org.path()
            .iter()
            .map(|ancestor| {
                tx::update_if(
                    self.table,
                    &keys::org_pk(ancestor),
                    &keys::edge_sk(&org.organization_id),
                    "SET template_id = :t",
                    "attribute_exists(PK)",
                    tx::s_value(":t", template_id),
                    ApiError::conflict(ErrorCode::ConcurrentModification, "The organization changed meanwhile; retry."),
                )
            })
            .collect()
    }

    /// A check, inside a write, that organization `org_id` still exists (no write: no permit).
    pub fn org_exists_check(&self, org_id: &str) -> ApiResult<TxAction> {
        tx::check(self.table, &keys::org_pk(org_id), ORG_SK, "attribute_exists(PK)", None, org_not_found())
    }

    /// The actions that replace `org` if its stored version is still `expected_version` and it is
    /// not being deleted.
    pub fn update_org_actions(
        &self,
        permit: &impl Allows<OrganizationsUpdate>,
        org: &OrgItem,
        expected_version: u64,
    ) -> ApiResult<Vec<TxAction>> {
        permit.ensure_covers(&org.organization_id)?;
        Ok(vec![
            self.update_org_action(org, expected_version)?,
            super::deletions::not_deleting_check(self.table, &org.path())?,
        ])
    }

    fn update_org_action(&self, org: &OrgItem, expected_version: u64) -> ApiResult<TxAction> {
        tx::put_if(
            self.table,
            org,
            Some("attribute_exists(PK) AND version = :v AND attribute_not_exists(deleting)"),
            Some([(":v".to_string(), AttributeValue::N(expected_version.to_string()))].into()),
            ApiError::conflict(
                ErrorCode::VersionConflict,
                "The organization was changed by another request; reload and retry.",
            ),
        )
    }
}
