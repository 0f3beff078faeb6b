//! The one error type of the service and its one mapping to HTTP.
//!
//! Every failure a handler can meet becomes an [`ApiError`]; [`ApiError::into_response`] is the only
//! place that turns one into a status code and the `{message, error: {code, details}}` envelope.
//! Internal causes are logged, never sent to the client.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Every error code the service answers with: stable, machine-readable, `snake_case` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorCode {
    ActivityExists,
    ActivityNotFound,
    Bootstrapped,
    BulkDeleteTooLarge,
    CannotChangeOwnRole,
    CannotCreateSuperadminHere,
    CannotDeleteOwnOrganization,
    CannotDeleteSelf,
    CannotGrantRole,
    CannotManageRole,
    CannotManageSuperadmin,
    ConcurrentModification,
    Conflict,
    DeletionInProgress,
    DeletionNotFound,
    DomainTaken,
    EmailTaken,
    Exists,
    Forbidden,
    Gone,
    GrantCrossesClosedEdge,
    IdempotencyKeyReused,
    InteractiveSignInRequired,
    InternalError,
    InvalidCursor,
    InvalidIdentifier,
    InvalidIfMatch,
    InvalidJson,
    InvalidMultipart,
    InvalidQuery,
    LogoCorrupt,
    LogoEmpty,
    LogoTooManyPixels,
    LogoUnsupportedType,
    MetabaseDisabled,
    MetabaseNotConfigured,
    MetabaseNotProvisioned,
    MetabaseUnavailable,
    MethodNotAllowed,
    OrganizationBeingDeleted,
    OrganizationCodeTaken,
    OrganizationContextForbidden,
    OrganizationExists,
    OrganizationNotFound,
    OrganizationRequestNotFound,
    ParentCannotHaveChildren,
    ParentOrganizationNotFound,
    PayloadTooLarge,
    PermissionNotHeld,
    RbacMoveNotAllowed,
    RbacNoAccess,
    RbacReadOnly,
    RbacTemplateBuiltin,
    RbacTemplateExists,
    RbacTemplateInUse,
    RbacTemplateNotFound,
    RequestAlreadyDecided,
    RequestAlreadyProcessed,
    RequestInProgress,
    RoleExists,
    RoleLimitReached,
    RoleNameTaken,
    RoleNotFound,
    RouteNotFound,
    ServiceUnavailable,
    TemplateIdMismatch,
    TokenExists,
    TokenLimitReached,
    TokenNotFound,
    TreeTooDeep,
    Unauthenticated,
    UnsupportedMediaType,
    UserExists,
    UserGroupExists,
    UserGroupNotFound,
    UserNotFound,
    ValidationFailed,
    VersionConflict,
}

impl ErrorCode {
    /// The code as clients see it.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::ActivityExists => "activity_exists",
            ErrorCode::ActivityNotFound => "activity_not_found",
            ErrorCode::Bootstrapped => "bootstrapped",
            ErrorCode::BulkDeleteTooLarge => "bulk_delete_too_large",
            ErrorCode::CannotChangeOwnRole => "cannot_change_own_role",
            ErrorCode::CannotCreateSuperadminHere => "cannot_create_superadmin_here",
            ErrorCode::CannotDeleteOwnOrganization => "cannot_delete_own_organization",
            ErrorCode::CannotDeleteSelf => "cannot_delete_self",
            ErrorCode::CannotGrantRole => "cannot_grant_role",
            ErrorCode::CannotManageRole => "cannot_manage_role",
            ErrorCode::CannotManageSuperadmin => "cannot_manage_superadmin",
            ErrorCode::ConcurrentModification => "concurrent_modification",
            ErrorCode::Conflict => "conflict",
            ErrorCode::DeletionInProgress => "deletion_in_progress",
            ErrorCode::DeletionNotFound => "deletion_not_found",
            ErrorCode::DomainTaken => "domain_taken",
            ErrorCode::EmailTaken => "email_taken",
            ErrorCode::Exists => "exists",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::Gone => "gone",
            ErrorCode::GrantCrossesClosedEdge => "grant_crosses_closed_edge",
            ErrorCode::IdempotencyKeyReused => "idempotency_key_reused",
            ErrorCode::InteractiveSignInRequired => "interactive_sign_in_required",
            ErrorCode::InternalError => "internal_error",
            ErrorCode::InvalidCursor => "invalid_cursor",
            ErrorCode::InvalidIdentifier => "invalid_identifier",
            ErrorCode::InvalidIfMatch => "invalid_if_match",
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::InvalidMultipart => "invalid_multipart",
            ErrorCode::InvalidQuery => "invalid_query",
            ErrorCode::LogoCorrupt => "logo_corrupt",
            ErrorCode::LogoEmpty => "logo_empty",
            ErrorCode::LogoTooManyPixels => "logo_too_many_pixels",
            ErrorCode::LogoUnsupportedType => "logo_unsupported_type",
            ErrorCode::MetabaseDisabled => "metabase_disabled",
            ErrorCode::MetabaseNotConfigured => "metabase_not_configured",
            ErrorCode::MetabaseNotProvisioned => "metabase_not_provisioned",
            ErrorCode::MetabaseUnavailable => "metabase_unavailable",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::OrganizationBeingDeleted => "organization_being_deleted",
            ErrorCode::OrganizationCodeTaken => "organization_code_taken",
            ErrorCode::OrganizationContextForbidden => "organization_context_forbidden",
            ErrorCode::OrganizationExists => "organization_exists",
            ErrorCode::OrganizationNotFound => "organization_not_found",
            ErrorCode::OrganizationRequestNotFound => "organization_request_not_found",
            ErrorCode::ParentCannotHaveChildren => "parent_cannot_have_children",
            ErrorCode::ParentOrganizationNotFound => "parent_organization_not_found",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::PermissionNotHeld => "permission_not_held",
            ErrorCode::RbacMoveNotAllowed => "rbac_move_not_allowed",
            ErrorCode::RbacNoAccess => "rbac_no_access",
            ErrorCode::RbacReadOnly => "rbac_read_only",
            ErrorCode::RbacTemplateBuiltin => "rbac_template_builtin",
            ErrorCode::RbacTemplateExists => "rbac_template_exists",
            ErrorCode::RbacTemplateInUse => "rbac_template_in_use",
            ErrorCode::RbacTemplateNotFound => "rbac_template_not_found",
            ErrorCode::RequestAlreadyDecided => "request_already_decided",
            ErrorCode::RequestAlreadyProcessed => "request_already_processed",
            ErrorCode::RequestInProgress => "request_in_progress",
            ErrorCode::RoleExists => "role_exists",
            ErrorCode::RoleLimitReached => "role_limit_reached",
            ErrorCode::RoleNameTaken => "role_name_taken",
            ErrorCode::RoleNotFound => "role_not_found",
            ErrorCode::RouteNotFound => "route_not_found",
            ErrorCode::ServiceUnavailable => "service_unavailable",
            ErrorCode::TemplateIdMismatch => "template_id_mismatch",
            ErrorCode::TokenExists => "token_exists",
            ErrorCode::TokenLimitReached => "token_limit_reached",
            ErrorCode::TokenNotFound => "token_not_found",
            ErrorCode::TreeTooDeep => "tree_too_deep",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::UserExists => "user_exists",
            ErrorCode::UserGroupExists => "user_group_exists",
            ErrorCode::UserGroupNotFound => "user_group_not_found",
            ErrorCode::UserNotFound => "user_not_found",
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::VersionConflict => "version_conflict",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Tests and logs compare codes with their wire form.
impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<ErrorCode> for &str {
    fn eq(&self, other: &ErrorCode) -> bool {
        *self == other.as_str()
    }
}

/// One field-level problem in a rejected request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorDetail {
    /// The request field (dotted path) the problem is about, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What is wrong with it, for a human.
    pub issue: String,
}

impl ErrorDetail {
    pub fn field(field: impl Into<String>, issue: impl Into<String>) -> Self {
        Self { field: Some(field.into()), issue: issue.into() }
    }
}

/// A failed request: status, stable machine-readable code, message and details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message: String,
    pub details: Vec<ErrorDetail>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), details: Vec::new() }
    }

    pub fn with_details(mut self, details: Vec<ErrorDetail>) -> Self {
        self.details = details;
        self
    }

    pub fn bad_request(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 422-free validation failure: 400 `validation_failed` with one detail per bad field.
    pub fn validation(details: Vec<ErrorDetail>) -> Self {
        Self::bad_request(ErrorCode::ValidationFailed, "The request body has invalid fields.").with_details(details)
    }

    pub fn unauthenticated() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthenticated, "The caller could not be identified.")
    }

    pub fn forbidden(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }

    pub fn not_found(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    pub fn conflict(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::PayloadTooLarge,
            format!("The request body is larger than {limit} bytes."),
        )
    }

    pub fn unsupported_media_type(expected: &str) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            format!("The request body must be {expected}."),
        )
    }

    /// The backing store is throttling or unavailable: the client may retry.
    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::ServiceUnavailable,
            "The service is busy; retry the request shortly.",
        )
    }

    /// A retried idempotent request (same `X-Request-ID`) whose change was already made by an
    /// earlier attempt whose response is lost: nothing is written again.
    pub fn already_processed() -> Self {
        Self::conflict(
            ErrorCode::RequestAlreadyProcessed,
            "A request with this X-Request-ID already made its change; its response is not available.",
        )
    }

    /// An unexpected failure. The cause is logged here and never sent to the client.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(cause = %cause, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::InternalError, "An internal error occurred.")
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

#[derive(Serialize)]
struct ErrorBody<'a> {
    message: &'a str,
    error: ErrorInner<'a>,
}

#[derive(Serialize)]
struct ErrorInner<'a> {
    code: &'a str,
    details: &'a [ErrorDetail],
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            message: &self.message,
            error: ErrorInner { code: self.code.as_str(), details: &self.details },
        };
        crate::envelope::json_response(self.status, &body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_envelope_shape() {
        let err = ApiError::validation(vec![ErrorDetail::field("name", "is required")]);
        let resp = err.into_response();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    }
}
