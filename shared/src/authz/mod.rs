//! Authorization: the one module that decides who may do what, where, and issues the permits
//! the store's writes take (`crate::policy::permit`).
//!
//! A request is decided in two steps, in this order, so that errors do not leak what exists:
//! 1. [`decide::holds`]: does the caller hold the route's permission anywhere (their built-in
//!    role ∪ their custom roles, R18)? Otherwise 403 `forbidden`, before anything is read.
//! 2. [`decide::org_permit`] and its siblings: in the target organization, reach (R2, R12) and
//!    the permission narrowed by the organization's RBAC template. Unreachable or hidden is 404;
//!    a template that makes the aspect read-only is 403 `rbac_read_only`.
//!
//! The seed's special cases between built-in roles (R5, R6, R8, R9) are named rules in
//! [`rules`], each with its own tests.

pub mod caller;
pub mod decide;
pub mod identity;
pub mod load;
pub mod resolve;
pub mod rules;
pub mod templates;

pub use decide::{also_holds, effective, holds, org_permit, org_permit_effective, permit_as_ancestor, permit_in, Held};
