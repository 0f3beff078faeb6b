//! The logo upload body: `multipart/form-data` with a `logo` file and a `usage_type` field.

use axum::extract::Request;
use bytes::Bytes;
use shared::logo::MAX_LOGO_BYTES;
use shared::{ApiError, ApiResult, ErrorDetail};

/// Where an uploaded logo is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageType {
    Login,
    Darryl,
}

impl UsageType {
    pub fn as_str(self) -> &'static str {
        match self {
            UsageType::Login => "login",
            UsageType::Darryl => "darryl",
        }
    }
}

#[derive(Debug)]
pub struct LogoUpload {
    pub logo: Bytes,
    pub usage_type: UsageType,
}

/// Room for the multipart framing and the small text field around the file.
const FRAMING: usize = 16 * 1024;

pub async fn read_logo_upload(req: Request) -> ApiResult<LogoUpload> {
    let ct =
        req.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let boundary = multer::parse_boundary(&ct).map_err(|_| ApiError::unsupported_media_type("multipart/form-data"))?;
    let body = shared::extract::body_bytes(req, MAX_LOGO_BYTES + FRAMING).await?;
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let constraints = multer::Constraints::new()
        .allowed_fields(vec!["logo", "usage_type"])
        .size_limit(multer::SizeLimit::new().for_field("usage_type", 64).for_field("logo", MAX_LOGO_BYTES as u64 + 1));
    let mut mp = multer::Multipart::with_constraints(stream, boundary, constraints);
    let bad =
        |issue: &str| ApiError::bad_request("invalid_multipart", format!("The multipart body is invalid: {issue}."));
    let mut logo: Option<Bytes> = None;
    let mut usage: Option<String> = None;
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(multer::Error::UnknownField { field_name }) => {
                return Err(ApiError::validation(vec![ErrorDetail::field(
                    field_name.unwrap_or_default(),
                    "unknown field; expected logo and usage_type",
                )]))
            }
            Err(multer::Error::FieldSizeExceeded { .. }) | Err(multer::Error::StreamSizeExceeded { .. }) => {
                return Err(ApiError::payload_too_large(MAX_LOGO_BYTES))
            }
            Err(_) => return Err(bad("malformed parts")),
        };
        let name = field.name().unwrap_or("").to_string();
        let data = field.bytes().await.map_err(|e| match e {
            multer::Error::FieldSizeExceeded { .. } | multer::Error::StreamSizeExceeded { .. } => {
                ApiError::payload_too_large(MAX_LOGO_BYTES)
            }
            _ => bad("malformed field"),
        })?;
        let slot_taken = match name.as_str() {
            "logo" => logo.replace(data).is_some(),
            _ => usage.replace(String::from_utf8(data.to_vec()).map_err(|_| bad("usage_type is not text"))?).is_some(),
        };
        if slot_taken {
            return Err(bad(&format!("field {name} appears twice")));
        }
    }
    let mut details = Vec::new();
    if logo.is_none() {
        details.push(ErrorDetail::field("logo", "is required"));
    }
    let usage_type = match usage.as_deref().map(str::trim) {
        Some("login") => Some(UsageType::Login),
        Some("darryl") => Some(UsageType::Darryl),
        Some(_) => {
            details.push(ErrorDetail::field("usage_type", "must be one of: login, darryl"));
            None
        }
        None => {
            details.push(ErrorDetail::field("usage_type", "is required"));
            None
        }
    };
    match (logo, usage_type) {
        (Some(logo), Some(usage_type)) if details.is_empty() => Ok(LogoUpload { logo, usage_type }),
        _ => Err(ApiError::validation(details)),
    }
}
