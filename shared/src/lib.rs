//! The common library of the orgs service.
//!
//! - [`identity`] reads who the gateway says is calling; [`caller`] verifies it against the store.
//! - [`access`] holds the access model (R2/R15) and [`catalogue`] the permissions catalogue.
//! - [`error`] is the one error type and its one HTTP mapping; [`envelope`] the success body.
//! - [`extract`] and [`validate`] turn requests into checked values or clear 4xx errors.
//! - [`keys`] holds every key format; [`store`] every DynamoDB operation; [`model`] the items.
//! - [`org_access`] loads organizations the caller reaches; [`org_summary`] resolves what
//!   responses say about an organization (R16, `parent_organization`); [`org_view`] renders
//!   organization responses.
//! - [`visibility`] applies the RBAC templates' visibility values to access decisions.
//! - [`config`] builds settings and SDK clients once per cold start; [`http_layer`] wraps routers,
//!   with [`idempotency`] for POSTs retried under the same `X-Request-ID`.

pub mod authz;
pub mod edge;
pub mod envelope;
pub mod error;
pub mod jobs;
pub mod model;
pub mod password;
pub mod policy;
pub mod runtime;
pub mod store;
pub mod token;
pub mod validate;
pub mod views;

pub use authz::caller::Caller;
pub use envelope::Envelope;
pub use error::{ApiError, ApiResult, ErrorDetail};
pub use runtime::config::AppState;
