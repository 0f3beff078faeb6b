//! Reading ahead: a route's target, read with the caller's identity, one round trip instead of two.
//!
//! Every route starts with the identity's BatchGetItem (the caller, the deletions registry, the
//! `ROLES` item; `crate::authz::resolve`). Where the route declares its target as a path
//! parameter (`crate::policy::route::Target::Path`), the keys that decide it are known before anything is
//! read: an organization by id and the closure edge from the organization the caller claims to
//! it (R2), a code's guard, a user, a user group, an organization request, a role, a user named
//! under the organization, an email's guard. They go into
//! that same BatchGetItem (consistent, like every read that decides access), and the reads that
//! would fetch them later through the caller's store (`Caller::store`, [`Store::reading_ahead`])
//! are answered from it ([`Prefetched::serve`]). Nothing is trusted from
//! the path: a served item is exactly the item stored under that key at the start of the
//! request, and a key that names nothing is served as absent, as a read would have found it.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use crate::store::orgs::EdgeItem;
use crate::store::{keys, Item, Store};

/// A table key: partition and sort key.
pub type Key = (String, String);

/// What the identity read fetched ahead for the route. Each key is served once: the first read
/// of it is answered from here, any later one (a retry after a conflict, a re-read after a
/// write) goes to the table.
#[derive(Debug, Clone, Default)]
pub struct Prefetched(Arc<Mutex<Ahead>>);

#[derive(Debug, Default)]
struct Ahead {
    items: HashMap<Key, Item>,
    asked: HashSet<Key>,
    /// Every closure edge below one organization (`Store::all_edges`), queried with the identity
    /// for routes that read the caller's whole tree.
    edges: Option<(String, Vec<EdgeItem>)>,
}

/// The key an item is stored under.
pub fn key_of(item: &Item) -> Option<Key> {
    let s = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
    Some((s(keys::PK)?, s(keys::SK)?))
}

fn is_uuid(s: &str) -> bool {
    uuid::Uuid::try_parse(s).is_ok()
}

/// The keys a route's target is decided by, from its declared target parameter and the path
/// parameters, for a caller claiming `claimed_org`. Only well-formed ids name keys (anything
/// else is left to the route's own validation).
pub fn keys_for(target: Option<&str>, params: &[(String, String)], claimed_org: Option<&str>) -> Vec<Key> {
    let param = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let mut out = Vec::new();
    match target.and_then(|t| Some((t, param(t)?))) {
        Some(("organization_identifier", id)) if is_uuid(id) => {
            out.push((keys::org_pk(id), keys::ORG_SK.to_string()));
            if let Some(claimed) = claimed_org.filter(|c| *c != id) {
                out.push((keys::org_pk(claimed), keys::edge_sk(id)));
            }
            if let Some(role) = param("role_id").filter(|r| crate::validate::is_identifier(r)) {
                out.push((keys::org_pk(id), keys::role_sk(role)));
            }
            // A user named under the organization (a role's member, a user's roles).
            if let Some(user) = param("user_id").filter(|u| is_uuid(u)) {
                out.push((keys::user_pk(user), keys::USER_SK.to_string()));
            }
        }
        Some(("organization_identifier", code)) if crate::validate::is_identifier(code) => {
            out.push((keys::org_code_pk(code), keys::GUARD_SK.to_string()));
        }
        Some(("user_id", id)) if is_uuid(id) => out.push((keys::user_pk(id), keys::USER_SK.to_string())),
        Some(("email_id", email)) if crate::validate::is_email(email) => {
            out.push((keys::email_pk(email), keys::GUARD_SK.to_string()))
        }
        Some(("user_group_id", id)) if is_uuid(id) => out.push((keys::group_pk(id), keys::GROUP_SK.to_string())),
        Some(("request_id", id)) if is_uuid(id) => {
            out.push((keys::org_request_pk(id), keys::ORG_REQUEST_SK.to_string()))
        }
        _ => {}
    }
    out
}

impl<'a> Store<'a> {
    /// This store, answering reads from `ahead` where it holds their keys.
    pub fn reading_ahead(self, ahead: &'a Prefetched) -> Store<'a> {
        Store { ahead: Some(ahead), ..self }
    }
}

impl Prefetched {
    /// What was read for `asked`: the items of `read` stored under one of those keys.
    pub fn new(asked: Vec<Key>, read: &[Item]) -> Self {
        let asked: HashSet<Key> = asked.into_iter().collect();
        let items =
            read.iter().filter_map(|i| Some((key_of(i)?, i.clone()))).filter(|(k, _)| asked.contains(k)).collect();
        Self(Arc::new(Mutex::new(Ahead { items, asked, edges: None })))
    }

    /// Adds what a later read ahead fetched for `asked` (`crate::authz::caller::Caller::read_ahead`).
    pub fn add(&self, asked: Vec<Key>, read: &[Item]) {
        if let Ok(mut a) = self.0.lock() {
            let asked: HashSet<Key> = asked.into_iter().collect();
            for i in read {
                if let Some(k) = key_of(i).filter(|k| asked.contains(k)) {
                    a.items.insert(k, i.clone());
                }
            }
            a.asked.extend(asked);
        }
    }

    /// Keeps every edge below `ancestor`, for the first `Store::all_edges(ancestor)`.
    pub fn set_edges(&self, ancestor: &str, edges: Vec<EdgeItem>) {
        if let Ok(mut a) = self.0.lock() {
            a.edges = Some((ancestor.to_string(), edges));
        }
    }

    /// The edges below `ancestor` if they were queried ahead and not served yet.
    pub fn take_edges(&self, ancestor: &str) -> Option<Vec<EdgeItem>> {
        let mut a = self.0.lock().ok()?;
        match a.edges.take() {
            Some((a_id, edges)) if a_id == ancestor => Some(edges),
            other => {
                a.edges = other;
                None
            }
        }
    }

    /// Takes `key` if it was read ahead and not served yet: `Some(None)` when it names nothing.
    pub fn take(&self, key: &Key) -> Option<Option<Item>> {
        let mut a = self.0.lock().ok()?;
        a.asked.remove(key).then(|| a.items.remove(key))
    }

    /// Answers `keys` from what was read ahead: the items found, and the keys still to read.
    pub fn serve(&self, keys: Vec<Key>) -> (Vec<Item>, Vec<Key>) {
        let (mut found, mut rest) = (Vec::new(), Vec::new());
        for k in keys {
            match self.take(&k) {
                Some(Some(item)) => found.push(item),
                Some(None) => {}
                None => rest.push(k),
            }
        }
        (found, rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::AttributeValue;

    fn item(pk: &str, sk: &str) -> Item {
        [(keys::PK.to_string(), AttributeValue::S(pk.into())), (keys::SK.to_string(), AttributeValue::S(sk.into()))]
            .into_iter()
            .collect()
    }

    const ORG: &str = "0b9d3a4e-0000-4000-8000-000000000001";
    const HOME: &str = "0b9d3a4e-0000-4000-8000-000000000002";

    #[test]
    fn an_organization_by_id_brings_its_edge_from_the_claimed_organization() {
        let p = vec![("organization_identifier".to_string(), ORG.to_string()), ("role_id".into(), "admin-x".into())];
        let keys = keys_for(Some("organization_identifier"), &p, Some(HOME));
        assert_eq!(
            keys,
            vec![
                (keys::org_pk(ORG), keys::ORG_SK.to_string()),
                (keys::org_pk(HOME), keys::edge_sk(ORG)),
                (keys::org_pk(ORG), keys::role_sk("admin-x")),
            ]
        );
        // By code: only the code's guard; a malformed identifier: nothing.
        let code = vec![("organization_identifier".to_string(), "acme".to_string())];
        assert_eq!(keys_for(Some("organization_identifier"), &code, Some(HOME)).len(), 1);
        let bad = vec![("organization_identifier".to_string(), "a b/../".to_string())];
        assert!(keys_for(Some("organization_identifier"), &bad, Some(HOME)).is_empty());
        // A user id that is not an id, or no declared target: nothing.
        assert!(keys_for(Some("user_id"), &[("user_id".into(), "nope".into())], None).is_empty());
        assert!(keys_for(None, &p, Some(HOME)).is_empty());
    }

    #[test]
    fn serves_what_was_read_and_absence_but_reads_the_rest() {
        let org = (keys::org_pk(ORG), keys::ORG_SK.to_string());
        let edge = (keys::org_pk(HOME), keys::edge_sk(ORG));
        let other = (keys::org_pk(HOME), keys::ORG_SK.to_string());
        // The edge was asked and is absent; an item that was not asked is not kept.
        let p = Prefetched::new(vec![org.clone(), edge.clone()], &[item(&org.0, &org.1), item(&other.0, &other.1)]);
        let (found, rest) = p.serve(vec![org.clone(), edge.clone(), other.clone()]);
        assert_eq!(found.iter().filter_map(key_of).collect::<Vec<_>>(), vec![org.clone()]);
        assert_eq!(rest, vec![other]);
        // Served once: a second read of the same keys goes to the table.
        assert_eq!(p.serve(vec![org.clone(), edge.clone()]).1, vec![org, edge]);
        let again = Prefetched::new(vec![(keys::org_pk(HOME), keys::edge_sk(ORG))], &[]);
        assert_eq!(again.take(&(keys::org_pk(HOME), keys::edge_sk(ORG))), Some(None));
    }
}
