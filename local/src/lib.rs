//! Local development and tests: the table and bucket made from `infra/template.yaml`, the
//! idempotent bootstrap, and a gateway that turns HTTP requests into API Gateway HTTP API (v2)
//! events and hands them to the real function routers, a development OIDC issuer, and the
//! admin console's static files.

pub mod bootstrap;
pub mod console;
pub mod dev_oidc;
pub mod dev_oidc_login;
pub mod functions;
pub mod gateway;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod table;
