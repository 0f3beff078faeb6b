//! OpenAPI-only shapes (feature `openapi`): bodies the code writes without a named type (the error
//! envelope is serialised by `error.rs`, a message-only envelope is `Envelope<()>`) described as
//! types, so that the document generated from the code covers every response.

use serde::Serialize;
use utoipa::ToSchema;

/// A success body without data (deletes): `{"message": ...}`.
#[derive(Serialize, ToSchema)]
pub struct MessageResponse {
    pub message: String,
}

/// One field-level problem in a rejected request (`shared::ErrorDetail`).
#[derive(Serialize, ToSchema)]
pub struct ErrorDetailDoc {
    /// The request field (dotted path) the problem is about, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What is wrong with it, for a human.
    pub issue: String,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `validation_failed`, `not_found`, `forbidden`.
    pub code: String,
    pub details: Vec<ErrorDetailDoc>,
}

/// Every error: `{"message": ..., "error": {"code": ..., "details": [...]}}`.
#[derive(Serialize, ToSchema)]
pub struct ErrorResponse {
    pub message: String,
    pub error: ErrorBody,
}

/// API Gateway's own answer when it stops a request before any function runs (no or an unknown
/// `Authorization` token): `{"message": "Unauthorized"}` (401) or `{"message": "Forbidden"}` (403).
#[derive(Serialize, ToSchema)]
pub struct GatewayError {
    pub message: String,
}
