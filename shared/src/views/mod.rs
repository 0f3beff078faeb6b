//! Rendering responses: what a response says about an organization ([`org_summary`], R16) and
//! the organization responses themselves ([`org_view`]). May use `authz` and the store.

pub mod org_summary;
pub mod org_view;
