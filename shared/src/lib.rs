//! The common library of the orgs service, in folders by concern. Dependencies between the
//! top-level modules go one way only, top to bottom (`shared/tests/architecture.rs` fails on a
//! cycle):
//!
//! - [`edge`]: the gateway edge. The Lambda entry ([`edge::lambda`]), the layers every router
//!   gets ([`edge::http_layer`], [`edge::idempotency`] for POSTs retried under the same
//!   `X-Request-ID`), extractors, paging and logo checks.
//! - [`authz`]: authorization. Who the gateway says is calling ([`authz::identity`]), the caller
//!   verified against the store ([`authz::caller`]), the RBAC templates' visibility values
//!   ([`authz::templates`]), loading what the caller reaches ([`authz::load`]), and the one
//!   place that decides and issues permits ([`authz::decide`], [`authz::rules`]).
//! - [`views`] renders responses (organizations: [`views::org_view`], [`views::org_summary`]);
//!   it may use `authz` and the store. [`jobs`] runs background work (the deletion
//!   [`jobs::purge`]) over the store with system permits.
//! - [`runtime`]: settings, [`AppState`] and the SDK clients, built once per cold start.
//! - [`store`]: every DynamoDB operation and every key format ([`store::keys`]): function crates
//!   name items by id through its typed reads ([`store::reads`]) and never build a key. Its
//!   writes take permits.
//! - [`policy`]: the vocabulary of authorization, without I/O: permits, built-in role grants,
//!   the access model ([`policy::reach`], R2/R15) and what each route needs ([`policy::route`]).
//! - [`model`]: the stored items and API shapes and the permissions catalogue
//!   ([`model::catalogue`]); their keys are the store's.
//! - Leaves: [`token`] and [`password`] (cryptography), [`validate`] (value checks into clear
//!   4xx errors), [`error`] (the one error type and its HTTP mapping) and [`envelope`] (the
//!   success body).

pub mod authz;
pub mod edge;
pub mod envelope;
pub mod error;
pub mod jobs;
pub mod model;
/// Schemas of the validated field kinds, for the OpenAPI document (feature `openapi`).
#[cfg(feature = "openapi")]
pub mod openapi_fields;
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
