//! The success envelope `{message, data}` (lists add `total` / `next_cursor`) and JSON responses.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A successful response: `{"message": ..., "data": ...}`.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Envelope<T: Serialize> {
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// Opaque cursor of the next page, `null` on the last page (list routes only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<Option<String>>,
    #[serde(skip)]
    pub status: StatusCode,
}

impl<T: Serialize> Envelope<T> {
    pub fn ok(message: impl Into<String>, data: T) -> Self {
        Self { message: message.into(), data: Some(data), total: None, next_cursor: None, status: StatusCode::OK }
    }

    pub fn created(message: impl Into<String>, data: T) -> Self {
        Self { status: StatusCode::CREATED, ..Self::ok(message, data) }
    }

    pub fn page(message: impl Into<String>, data: T, next_cursor: Option<String>) -> Self {
        Self { next_cursor: Some(next_cursor), ..Self::ok(message, data) }
    }

    pub fn with_total(mut self, total: u64) -> Self {
        self.total = Some(total);
        self
    }
}

impl Envelope<()> {
    /// A body with only a message (e.g. deletes).
    pub fn message(message: impl Into<String>) -> Self {
        Self { message: message.into(), data: None, total: None, next_cursor: None, status: StatusCode::OK }
    }
}

impl<T: Serialize> IntoResponse for Envelope<T> {
    fn into_response(self) -> Response {
        json_response(self.status, &self)
    }
}

/// Serialises `body` as the JSON response with `status`.
pub fn json_response<T: Serialize + ?Sized>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => {
            let mut resp = (status, bytes).into_response();
            resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            resp
        }
        Err(e) => {
            tracing::error!(error = %e, "response serialisation failed");
            let mut resp = (
                StatusCode::INTERNAL_SERVER_ERROR,
                r#"{"message":"An internal error occurred.","error":{"code":"internal_error","details":[]}}"#,
            )
                .into_response();
            resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            resp
        }
    }
}
