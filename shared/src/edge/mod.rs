//! The gateway edge: from an API Gateway v2 event to a router and back ([`lambda`]), the layers
//! every router gets ([`http_layer`], [`idempotency`]), and what turns a request into checked
//! values ([`extract`], [`paging`], [`logo`]). Above [`crate::authz`]: the edge hands requests to
//! the handlers, which decide through `authz`.

pub mod extract;
pub mod http_layer;
pub mod idempotency;
pub mod lambda;
pub mod logo;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod paging;
