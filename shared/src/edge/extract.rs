//! Request extractors that fail with an [`ApiError`] (never axum's plain-text rejections):
//! JSON bodies with a size limit and content-type check, path identifiers, query strings.

use crate::error::ErrorCode;
use axum::extract::{FromRequest, FromRequestParts, Request};
use bytes::Bytes;
use http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ErrorDetail};

/// Largest JSON body accepted, checked before parsing.
pub const MAX_JSON_BODY: usize = 64 * 1024;

/// Reads the whole body, refusing more than `limit` bytes.
pub async fn body_bytes(req: Request, limit: usize) -> Result<Bytes, ApiError> {
    if let Some(len) =
        req.headers().get(http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
    {
        if len > limit {
            return Err(ApiError::payload_too_large(limit));
        }
    }
    axum::body::to_bytes(req.into_body(), limit).await.map_err(|_| ApiError::payload_too_large(limit))
}

fn is_json(parts_ct: Option<&http::HeaderValue>) -> bool {
    parts_ct
        .and_then(|v| v.to_str().ok())
        .map(|ct| {
            let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
        .unwrap_or(false)
}

/// Parses JSON, mapping syntax errors to `invalid_json` and shape errors to `validation_failed`.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if std::str::from_utf8(bytes).is_err() {
        return Err(ApiError::bad_request(ErrorCode::InvalidJson, "The request body is not valid UTF-8."));
    }
    // Every body of this API is an object. serde would also build a struct from an array
    // (`[]` as an empty PATCH), so anything else is refused before deserialising.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::validation(vec![ErrorDetail {
            field: None,
            issue: "the request body must be a JSON object".into(),
        }]));
    }
    serde_json::from_slice(bytes).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => {
            // serde's data errors name the field and the expectation, never internals.
            let msg = e.to_string();
            let issue = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            ApiError::validation(vec![ErrorDetail { field: None, issue }])
        }
        _ => ApiError::bad_request(ErrorCode::InvalidJson, "The request body is not valid JSON."),
    })
}

/// A JSON body. Requires `Content-Type: application/json` and at most [`MAX_JSON_BODY`] bytes.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, ApiError> {
        if !is_json(req.headers().get(http::header::CONTENT_TYPE)) {
            return Err(ApiError::unsupported_media_type("application/json"));
        }
        let bytes = body_bytes(req, MAX_JSON_BODY).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::bad_request(ErrorCode::InvalidJson, "The request body is empty."));
        }
        parse_json(&bytes).map(JsonBody)
    }
}

/// A JSON array body (seed 001's list of role ids), with [`JsonBody`]'s checks.
pub struct JsonListBody<T>(pub Vec<T>);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonListBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, ApiError> {
        if !is_json(req.headers().get(http::header::CONTENT_TYPE)) {
            return Err(ApiError::unsupported_media_type("application/json"));
        }
        let bytes = body_bytes(req, MAX_JSON_BODY).await?;
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'[') {
            return Err(ApiError::validation(vec![ErrorDetail {
                field: None,
                issue: "the request body must be a JSON array".into(),
            }]));
        }
        serde_json::from_slice(&bytes).map(JsonListBody).map_err(|e| match e.classify() {
            serde_json::error::Category::Data => ApiError::validation(vec![ErrorDetail {
                field: None,
                issue: "the request body must be an array of strings".into(),
            }]),
            _ => ApiError::bad_request(ErrorCode::InvalidJson, "The request body is not valid JSON."),
        })
    }
}

/// A JSON body that may be absent (empty body = `T::default()`), e.g. filters.
pub struct OptionalJsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for OptionalJsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, ApiError> {
        let ct_ok = is_json(req.headers().get(http::header::CONTENT_TYPE));
        let bytes = body_bytes(req, MAX_JSON_BODY).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJsonBody(T::default()));
        }
        if !ct_ok {
            return Err(ApiError::unsupported_media_type("application/json"));
        }
        parse_json(&bytes).map(OptionalJsonBody)
    }
}

/// The single path parameter of a route, checked to be a plain identifier.
pub struct PathId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Path(v) =
            axum::extract::Path::<String>::from_request_parts(parts, state).await.map_err(|_| {
                ApiError::bad_request(ErrorCode::InvalidIdentifier, "The path parameter is not a valid identifier.")
            })?;
        crate::validate::path_identifier(&v, "identifier")?;
        Ok(PathId(v))
    }
}

/// Query-string parameters, with unknown or malformed values refused as 400.
pub struct QueryParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| QueryParams(v))
            .map_err(|e| {
                ApiError::bad_request(ErrorCode::InvalidQuery, format!("Invalid query string: {}", e.body_text()))
            })
    }
}

/// `If-Match: <version>` (optional) makes an update conditional on the version the client saw.
pub fn if_match(headers: &http::HeaderMap) -> Result<Option<u64>, ApiError> {
    match headers.get(http::header::IF_MATCH) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .ok()
            .map(|s| s.trim().trim_matches('"'))
            .and_then(|s| s.parse::<u64>().ok())
            .map(Some)
            .ok_or_else(|| ApiError::bad_request(ErrorCode::InvalidIfMatch, "If-Match must be the version number.")),
    }
}
