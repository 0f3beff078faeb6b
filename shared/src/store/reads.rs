//! Typed batch reads and key filling: callers name items by their ids and never see a key.
//!
//! Each read is one BatchGetItem per 100 keys (as [`Store::batch_get_raw`]); none is made for
//! an empty list.

use std::collections::HashMap;

use serde::de::DeserializeOwned;

use super::orgs::{DomainGuard, EdgeItem};
use super::tokens::TokenItem;
use super::users::EmailGuard;
use super::{from_item, str_attr, Item, Store};
use crate::error::ApiResult;
use crate::model::group::GroupItem;
use crate::model::org::OrgItem;
use crate::model::user::UserItem;
use crate::store::keys::{self, GROUP_SK, GUARD_SK, ORG_SK, PK, SK, USER_SK};

fn decode_by_id<T: DeserializeOwned>(items: Vec<Item>, id_of: fn(&T) -> &str) -> ApiResult<HashMap<String, T>> {
    let mut out = HashMap::with_capacity(items.len());
    for item in items {
        let t: T = from_item(item)?;
        out.insert(id_of(&t).to_string(), t);
    }
    Ok(out)
}

fn user_keys<S: AsRef<str>>(ids: impl IntoIterator<Item = S>) -> impl Iterator<Item = (String, String)> {
    ids.into_iter().map(|u| (keys::user_pk(u.as_ref()), USER_SK.to_string()))
}

fn org_keys<S: AsRef<str>>(ids: impl IntoIterator<Item = S>) -> impl Iterator<Item = (String, String)> {
    ids.into_iter().map(|o| (keys::org_pk(o.as_ref()), ORG_SK.to_string()))
}

fn edge_keys<A: AsRef<str>, D: AsRef<str>>(
    pairs: impl IntoIterator<Item = (A, D)>,
) -> impl Iterator<Item = (String, String)> {
    pairs.into_iter().map(|(a, d)| (keys::org_pk(a.as_ref()), keys::edge_sk(d.as_ref())))
}

/// Users by id and organizations by id, read together.
pub type UsersAndOrgs = (HashMap<String, UserItem>, HashMap<String, OrgItem>);

impl Store<'_> {
    /// The users `ids` that exist, by user id.
    pub async fn users<S: AsRef<str>>(
        &self,
        ids: impl IntoIterator<Item = S>,
        consistent: bool,
    ) -> ApiResult<HashMap<String, UserItem>> {
        let raw = self.batch_get_raw(user_keys(ids).collect(), consistent).await?;
        decode_by_id(raw, |u: &UserItem| &u.user_id)
    }

    /// The user groups `ids` that exist, by group id.
    pub async fn groups<S: AsRef<str>>(
        &self,
        ids: impl IntoIterator<Item = S>,
        consistent: bool,
    ) -> ApiResult<HashMap<String, GroupItem>> {
        let keys = ids.into_iter().map(|g| (keys::group_pk(g.as_ref()), GROUP_SK.to_string())).collect();
        let raw = self.batch_get_raw(keys, consistent).await?;
        decode_by_id(raw, |g: &GroupItem| &g.user_group_id)
    }

    /// The organizations `ids` that exist, by organization id.
    pub async fn orgs<S: AsRef<str>>(
        &self,
        ids: impl IntoIterator<Item = S>,
        consistent: bool,
    ) -> ApiResult<HashMap<String, OrgItem>> {
        let raw = self.batch_get_raw(org_keys(ids).collect(), consistent).await?;
        decode_by_id(raw, |o: &OrgItem| &o.organization_id)
    }

    /// The closure edges that exist among `(ancestor, descendant)` pairs.
    pub async fn edges_between<A: AsRef<str>, D: AsRef<str>>(
        &self,
        pairs: impl IntoIterator<Item = (A, D)>,
        consistent: bool,
    ) -> ApiResult<Vec<EdgeItem>> {
        self.batch_get_raw(edge_keys(pairs).collect(), consistent).await?.into_iter().map(from_item).collect()
    }

    /// In one read: the edges among `(ancestor, descendant)` pairs and the organizations `ids`.
    pub async fn edges_and_orgs<A: AsRef<str>, D: AsRef<str>, S: AsRef<str>>(
        &self,
        pairs: impl IntoIterator<Item = (A, D)>,
        ids: impl IntoIterator<Item = S>,
        consistent: bool,
    ) -> ApiResult<(Vec<EdgeItem>, HashMap<String, OrgItem>)> {
        let wanted = edge_keys(pairs).chain(org_keys(ids)).collect();
        let mut edges = Vec::new();
        let mut orgs = HashMap::new();
        for item in self.batch_get_raw(wanted, consistent).await? {
            if str_attr(&item, SK) == Some(ORG_SK) {
                let o: OrgItem = from_item(item)?;
                orgs.insert(o.organization_id.clone(), o);
            } else {
                edges.push(from_item(item)?);
            }
        }
        Ok((edges, orgs))
    }

    /// In one read: the user id owning each (lower-cased) email and the organization id owning
    /// each (lower-cased) domain, for those that have one.
    pub async fn owners_of_emails_and_domains(
        &self,
        emails: &[String],
        domains: &[String],
    ) -> ApiResult<(HashMap<String, String>, HashMap<String, String>)> {
        let mut wanted: Vec<(String, String)> =
            emails.iter().map(|e| (keys::email_pk(e), GUARD_SK.to_string())).collect();
        wanted.extend(domains.iter().map(|d| (keys::domain_pk(d), GUARD_SK.to_string())));
        let mut user_of_email = HashMap::new();
        let mut org_of_domain = HashMap::new();
        for item in self.batch_get_raw(wanted, false).await? {
            let pk = str_attr(&item, PK).unwrap_or_default().to_string();
            if let Some(email) = pk.strip_prefix("EMAIL#") {
                let g: EmailGuard = from_item(item)?;
                user_of_email.insert(email.to_string(), g.user_id);
            } else {
                let g: DomainGuard = from_item(item)?;
                org_of_domain.insert(pk.trim_start_matches("DOMAIN#").to_string(), g.organization_id);
            }
        }
        Ok((user_of_email, org_of_domain))
    }

    /// In one read: the users `user_ids` and the organizations `org_ids` that exist, by id.
    pub async fn users_and_orgs<U: AsRef<str>, O: AsRef<str>>(
        &self,
        user_ids: impl IntoIterator<Item = U>,
        org_ids: impl IntoIterator<Item = O>,
        consistent: bool,
    ) -> ApiResult<UsersAndOrgs> {
        let wanted = user_keys(user_ids).chain(org_keys(org_ids)).collect();
        let mut users = HashMap::new();
        let mut orgs = HashMap::new();
        for item in self.batch_get_raw(wanted, consistent).await? {
            if str_attr(&item, SK) == Some(USER_SK) {
                let u: UserItem = from_item(item)?;
                users.insert(u.user_id.clone(), u);
            } else {
                let o: OrgItem = from_item(item)?;
                orgs.insert(o.organization_id.clone(), o);
            }
        }
        Ok((users, orgs))
    }
}

/// Sets a new group's keys from its id and parent organization.
pub fn fill_group_keys(g: &mut GroupItem) {
    g.pk = keys::group_pk(&g.user_group_id);
    g.sk = GROUP_SK.to_string();
    g.gsi1pk = keys::org_groups_gsi_pk(&g.parent_organization_id);
    g.gsi1sk = g.user_group_id.clone();
}

/// Sets a new organization's keys from its id.
pub fn fill_org_keys(o: &mut OrgItem) {
    o.pk = keys::org_pk(&o.organization_id);
    o.sk = ORG_SK.to_string();
}

/// Sets a new API token's keys from its owner and id.
pub fn fill_token_keys(t: &mut TokenItem) {
    t.pk = keys::user_pk(&t.user_id);
    t.sk = keys::token_sk(&t.token_id);
}

/// A page cursor over the organizations listed after `organization_id`.
pub fn org_list_cursor(organization_id: &str) -> String {
    super::cursor::encode(&keys::edge_sk(organization_id))
}

/// The organization id an [`org_list_cursor`] points after; anything else is a 400.
pub fn org_list_after(cursor: &str) -> ApiResult<String> {
    let sk = super::cursor::decode(cursor, keys::DESC_PREFIX)?;
    Ok(sk.trim_start_matches(keys::DESC_PREFIX).to_string())
}

/// The organization a deletion job's partition key names (`None` for any other key).
pub fn deletion_job_root(pk: &str) -> Option<&str> {
    pk.strip_prefix(keys::deletion_job_pk("").as_str())
}
