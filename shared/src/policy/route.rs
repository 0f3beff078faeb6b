//! What each route needs, declared next to each function's route table (R18).
//!
//! Every function lists its routes as [`Route`]s: method, path, and the one catalogue permission
//! the route decides in its target organization, or [`Needs::SignedIn`] when nothing beyond a
//! verified caller is needed (the catalogue, one's own record). The declaration is enforced: the
//! router puts the table in each request, the [`crate::Caller`] extractor picks the matched
//! route's entry, and `crate::authz::holds` refuses (500, a bug) to decide any other permission
//! than the one declared, so a handler cannot silently check less than its route says.

use crate::model::catalogue::Perm;
use crate::policy::Need;

/// Where the organization a route acts in comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A path parameter: the organization itself, or a resource whose organization decides.
    Path(&'static str),
    /// A field of the request body naming the organization.
    Body(&'static str),
    /// Every organization the answer covers (lists and filters decide per organization).
    Each,
    /// The organization the caller acts in (`Organization-ID`).
    Context,
    /// The caller's own organization (their own API tokens).
    Own,
    /// The root organization (the platform's RBAC templates).
    Root,
}

/// What a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// A verified caller and nothing more.
    SignedIn,
    /// This permission, in the target organization.
    Perm(Perm, Target),
}

/// `N`'s permission in `target`.
pub const fn perm<N: Need>(target: Target) -> Needs {
    Needs::Perm(N::PERM, target)
}

/// One route of a function: what API Gateway routes to it, and what it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub needs: Needs,
    /// The route reads every organization the caller reaches (a filter over all of them): the
    /// closure edges below the claimed organization are queried while the caller is resolved
    /// (`crate::authz::resolve`), one round trip instead of two.
    pub reads_whole_tree: bool,
}

impl Route {
    pub const fn new(method: &'static str, path: &'static str, needs: Needs) -> Route {
        Route { method, path, needs, reads_whole_tree: false }
    }

    /// This route, reading every organization the caller reaches.
    pub const fn reading_whole_tree(self) -> Route {
        Route { reads_whole_tree: true, ..self }
    }
}

/// A function's route table, as the router hands it to each request, with the function's name
/// (the `service_id` of its activity items).
#[derive(Debug, Clone, Copy)]
pub struct RouteTable {
    pub service: &'static str,
    pub routes: &'static [Route],
}

impl RouteTable {
    /// The route `method path` (a pattern, as matched).
    pub fn route(&self, method: &str, path: &str) -> Option<&'static Route> {
        self.routes.iter().find(|r| r.method == method && r.path == path)
    }
}
