//! The vocabulary of authorization, without I/O: what a permit is, which permission each kind
//! of permit stands for, what the built-in roles hold, and how an RBAC template's visibility
//! values narrow a set of permissions.
//!
//! It sits below the store on purpose: the store's write functions take [`Permit`]s, and
//! `crate::authz` (above the store) is the one module that decides and issues them.

pub mod grants;
pub mod permit;
pub mod reach;
pub mod route;

pub use grants::{builtin, narrow, Aspect};
pub use permit::{
    Actor, Allows, Authorizes, DeletesTokens, Need, Permit, RewritesMemberships, RewritesRoleMembers, Scope, SystemJob,
    SystemPermit,
};
