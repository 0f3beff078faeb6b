//! Local development and tests: the table and bucket made from `infra/template.yaml`, the
//! idempotent bootstrap, and a gateway that turns HTTP requests into API Gateway HTTP API (v2)
//! events and hands them to the real function routers, and a development OIDC issuer.

pub mod bootstrap;
pub mod dev_oidc;
pub mod functions;
pub mod gateway;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod table;
