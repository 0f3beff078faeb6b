//! The verified caller: the claimed identity checked against the store.
//!
//! A missing or unknown `User-ID` is 401. The `Organization-ID` context defaults to the caller's
//! own organization and otherwise must be fully accessible to them (R2), else 403. Access to
//! other organizations is always computed from the caller's own organization: the context only
//! says where the caller acts, it never widens what they can reach.

use std::collections::{BTreeMap, HashMap};

use crate::authz::identity::RequestMeta;
use crate::authz::templates::{level, Aspect, TemplateBook};
use crate::error::ApiResult;
use crate::model::activity::ActorType;
use crate::model::catalogue::PermissionSet;
use crate::model::group::Grant;
use crate::model::template::Visibility;
use crate::model::user::{Role, UserItem};
use crate::policy::reach::Reach;
use crate::runtime::config::AppState;
use crate::store::ahead::Prefetched;
use crate::store::keys;
use crate::store::orgs::EdgeItem;
use crate::store::{from_item, Store};

pub use crate::authz::resolve::{custom_grants, resolve, user_and_registry, user_and_registry_with};

/// The caller's reach over an organization and the template deciding what it may do there
/// (`None` for their own organization, whose template the edges do not carry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    pub reach: Reach,
    pub template_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Caller {
    pub user: UserItem,
    /// The organization the caller acts in (validated accessible).
    pub org_context: String,
    pub meta: RequestMeta,
    pub actor_type: ActorType,
    /// Roots of subtrees being deleted (the registry, read with the user): everything under
    /// them is invisible to this request.
    pub deleting: Vec<String>,
    /// What the caller's groups grant (R12), read with every request.
    pub grants: Vec<Grant>,
    /// What the caller's custom roles grant (R18), which applies wherever their built-in role
    /// does (`Caller::base_permissions`).
    pub custom_permissions: PermissionSet,
    /// What the matched route declares it needs (`crate::policy::route`); `None` outside a router.
    pub declared: Option<crate::policy::route::Needs>,
    /// What the identity read fetched ahead for the route's target (`crate::store::ahead`).
    pub prefetched: Prefetched,
}

impl Caller {
    pub fn role(&self) -> Role {
        self.user.role
    }

    pub fn home_org(&self) -> &str {
        &self.user.organization_id
    }

    pub fn user_id(&self) -> &str {
        &self.user.user_id
    }

    /// The table, answering the first read of each key the identity read fetched ahead for the
    /// route from that read (`crate::store::ahead`).
    pub fn store<'a>(&'a self, state: &'a AppState) -> Store<'a> {
        state.store().reading_ahead(&self.prefetched)
    }

    /// Reads `keys` now, in one consistent BatchGetItem, for the reads of this request that will
    /// ask for them through [`Caller::store`] (each served once, `crate::store::ahead`): where a
    /// route learns late what it will read (an email's guard names the user and their
    /// organizations), those reads cost one round trip instead of a chain of them.
    pub async fn read_ahead(&self, state: &AppState, keys: Vec<(String, String)>) -> ApiResult<()> {
        let items = state.store().batch_get_raw(keys.clone(), true).await?;
        self.prefetched.add(keys, &items);
        Ok(())
    }

    /// Is an organization with this path (root first) being deleted?
    pub fn hides(&self, path: &[String]) -> bool {
        crate::store::deletions::path_deleting(path, &self.deleting)
    }

    /// The edges that decide the caller's reach over `org_id`: from their own organization, and
    /// from every grant that covers descendants (none for their own organization).
    pub fn reach_keys(&self, org_id: &str) -> Vec<(String, String)> {
        if org_id == self.home_org() {
            return Vec::new();
        }
        let mut keys = vec![(keys::org_pk(self.home_org()), keys::edge_sk(org_id))];
        for g in self.grants.iter().filter(|g| g.select_all_child_orgs && g.organization_id != org_id) {
            keys.push((keys::org_pk(&g.organization_id), keys::edge_sk(org_id)));
        }
        keys
    }

    /// The caller's reach over `org_id` given the edges [`Caller::reach_keys`] named: their own
    /// organization; R2 from it; or a grant (R12): the granted organization itself when
    /// `include_current_organization`, and with `select_all_child_orgs` every descendant the
    /// granted organization fully reaches, present and future.
    pub fn reach_from(&self, org_id: &str, edges: &[EdgeItem]) -> Reach {
        if org_id == self.home_org() {
            return Reach::Full;
        }
        if self.grants.iter().any(|g| g.organization_id == org_id && g.include_current_organization) {
            return Reach::Full;
        }
        let mut best = Reach::None;
        for e in edges.iter().filter(|e| e.descendant_id == org_id) {
            let r = if e.ancestor_id == self.home_org() {
                e.reach
            } else if e.reach == Reach::Full
                && self.grants.iter().any(|g| g.select_all_child_orgs && g.organization_id == e.ancestor_id)
            {
                Reach::Full
            } else {
                Reach::None
            };
            best = match (best, r) {
                (Reach::Full, _) | (_, Reach::Full) => Reach::Full,
                (Reach::Listed, _) | (_, Reach::Listed) => Reach::Listed,
                _ => Reach::None,
            };
        }
        best
    }

    /// The caller's reach over `org_id` (at most one consistent BatchGetItem).
    pub async fn reach(&self, state: &AppState, org_id: &str) -> ApiResult<Reach> {
        Ok(self.reaches(state, &[org_id.to_string()]).await?.remove(org_id).map_or(Reach::None, |a| a.reach))
    }

    /// The caller's reach over each of `org_ids`, with each one's template (one consistent
    /// BatchGetItem per 100 edges).
    pub async fn reaches(&self, state: &AppState, org_ids: &[String]) -> ApiResult<HashMap<String, Access>> {
        let keys: Vec<(String, String)> = org_ids.iter().flat_map(|o| self.reach_keys(o)).collect();
        let edges: Vec<EdgeItem> = if keys.is_empty() {
            Vec::new()
        } else {
            self.store(state).batch_get_raw(keys, true).await?.into_iter().map(from_item).collect::<ApiResult<_>>()?
        };
        Ok(org_ids
            .iter()
            .map(|o| {
                let template_id = edges.iter().find(|e| e.descendant_id == *o).map(|e| e.template_id.clone());
                (o.clone(), Access { reach: self.reach_from(o, &edges), template_id })
            })
            .collect())
    }

    /// The caller's user-management level (crate::authz::templates) in each of `org_ids`: `no_access`
    /// where they do not fully reach it or it is being deleted. One consistent BatchGetItem for
    /// the edges, +1 when an organization uses a template that is not built in.
    pub async fn user_mgmt(&self, state: &AppState, org_ids: &[String]) -> ApiResult<HashMap<String, Visibility>> {
        let access = self.reaches(state, org_ids).await?;
        self.user_mgmt_of(state, &access).await
    }

    /// Every organization the caller fully reaches whose users and user groups their templates
    /// let them see, sorted: what user and group filters look at. Linear in the accessible set.
    pub async fn user_mgmt_visible_orgs(&self, state: &AppState) -> ApiResult<Vec<String>> {
        let all = self.accessible_orgs(state).await?;
        let mut orgs: Vec<String> = self
            .user_mgmt_of(state, &all)
            .await?
            .into_iter()
            .filter(|(_, level)| *level != Visibility::NoAccess)
            .map(|(o, _)| o)
            .collect();
        orgs.sort();
        Ok(orgs)
    }

    /// The user-management level over every organization of `accessible` (from
    /// [`Caller::reaches`] or [`Caller::accessible_orgs`]), `no_access` for those not fully
    /// reached (+1 BatchGetItem when a template is not built in).
    pub async fn user_mgmt_of<'a>(
        &self,
        state: &AppState,
        accessible: impl IntoIterator<Item = (&'a String, &'a Access)> + Clone,
    ) -> ApiResult<HashMap<String, Visibility>> {
        let book =
            TemplateBook::load(state, accessible.clone().into_iter().filter_map(|(_, a)| a.template_id.as_deref()))
                .await?;
        Ok(accessible
            .into_iter()
            .map(|(org, a)| {
                let level = match &a.template_id {
                    _ if a.reach != Reach::Full => Visibility::NoAccess,
                    _ if org == self.home_org() => Visibility::FullAccess,
                    Some(t) => level(self, org, &book.get(t), Aspect::UserMgmt),
                    None => Visibility::NoAccess,
                };
                (org.clone(), level)
            })
            .collect())
    }

    /// Every organization the caller reaches (R2 from their own organization, `Listed` ones
    /// included, plus their grants), by id, with its template. Linear in the accessible set:
    /// for whole-set routes.
    pub async fn accessible_orgs(&self, state: &AppState) -> ApiResult<BTreeMap<String, Access>> {
        // The caller's store: a route reading the whole tree had the edges below the caller's
        // organization queried with the identity (`crate::authz::resolve`).
        let store = self.store(state);
        let mut out: BTreeMap<String, Access> = BTreeMap::new();
        // Every organization below the caller's (granted ones included) has an edge from it.
        let mut templates: HashMap<String, String> = HashMap::new();
        for e in store.all_edges(self.home_org()).await? {
            if e.reach != Reach::None {
                out.insert(
                    e.descendant_id.clone(),
                    Access { reach: e.reach, template_id: Some(e.template_id.clone()) },
                );
            }
            if !self.grants.is_empty() {
                templates.insert(e.descendant_id, e.template_id);
            }
        }
        let full = |id: &str, templates: &HashMap<String, String>| Access {
            reach: Reach::Full,
            template_id: templates.get(id).cloned(),
        };
        for g in &self.grants {
            if g.include_current_organization {
                out.insert(g.organization_id.clone(), full(&g.organization_id, &templates));
            }
            if g.select_all_child_orgs {
                for e in store.all_edges(&g.organization_id).await? {
                    if e.reach == Reach::Full && e.descendant_id != g.organization_id {
                        out.insert(e.descendant_id.clone(), full(&e.descendant_id, &templates));
                    }
                }
            }
        }
        Ok(out)
    }
}
