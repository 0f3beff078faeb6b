//! The logo upload body: `multipart/form-data` (RFC 7578) with a `logo` file and a `usage_type`
//! field, parsed by `multer` (the parser axum and rocket use). API Gateway hands the function
//! the whole body at once; it is bounded before parsing, and multer's per-field and whole-body
//! limits and field allowlist keep hostile bodies cheap.

use axum::extract::Request;
use bytes::Bytes;
use multer::{Constraints, Multipart, SizeLimit};
use shared::edge::logo::MAX_LOGO_BYTES;
use shared::error::ErrorCode;
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
/// The most the `usage_type` text field may hold.
const MAX_TEXT_FIELD: u64 = 1024;
const FIELDS: [&str; 2] = ["logo", "usage_type"];

fn invalid(issue: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(ErrorCode::InvalidMultipart, format!("The multipart body is invalid: {issue}."))
}

/// multer's refusals as the API's: an unknown field names it, a field over its limit is 413,
/// anything else is malformed framing.
fn refused(e: multer::Error) -> ApiError {
    match e {
        multer::Error::UnknownField { field_name } => {
            let name = field_name.unwrap_or_default();
            ApiError::validation(vec![ErrorDetail::field(name, "unknown field; expected logo and usage_type")])
        }
        multer::Error::FieldSizeExceeded { field_name, .. } if field_name.as_deref() == Some("logo") => {
            ApiError::payload_too_large(MAX_LOGO_BYTES)
        }
        multer::Error::StreamSizeExceeded { .. } => ApiError::payload_too_large(MAX_LOGO_BYTES),
        other => invalid(other),
    }
}

pub async fn read_logo_upload(req: Request) -> ApiResult<LogoUpload> {
    let ct = req.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let boundary = multer::parse_boundary(ct).map_err(|_| ApiError::unsupported_media_type("multipart/form-data"))?;
    let body = shared::edge::extract::body_bytes(req, MAX_LOGO_BYTES + FRAMING).await?;
    let limits = SizeLimit::new()
        .whole_stream((MAX_LOGO_BYTES + FRAMING) as u64)
        .for_field("logo", MAX_LOGO_BYTES as u64)
        .for_field("usage_type", MAX_TEXT_FIELD);
    let constraints = Constraints::new().allowed_fields(FIELDS.to_vec()).size_limit(limits);
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::convert::Infallible>(body) });
    let mut parts = Multipart::with_constraints(stream, boundary, constraints);
    let mut logo: Option<Bytes> = None;
    let mut usage: Option<String> = None;
    while let Some(field) = parts.next_field().await.map_err(refused)? {
        let name = field.name().map(str::to_string).ok_or_else(|| invalid("a part has no form-data name"))?;
        let data = field.bytes().await.map_err(refused)?;
        let slot_taken = if name == "logo" {
            logo.replace(data).is_some()
        } else {
            let text = std::str::from_utf8(&data).map_err(|_| invalid("usage_type is not text"))?;
            usage.replace(text.to_string()).is_some()
        };
        if slot_taken {
            return Err(invalid(format!("field {name} appears twice")));
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
        // Seed 000 marks only `logo` required: without `usage_type` it is the login logo.
        None => Some(UsageType::Login),
    };
    match (logo, usage_type) {
        (Some(logo), Some(usage_type)) if details.is_empty() => Ok(LogoUpload { logo, usage_type }),
        _ => Err(ApiError::validation(details)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(content_type: &str, body: &[u8]) -> ApiResult<LogoUpload> {
        let req = axum::http::Request::builder()
            .method("POST")
            .header("content-type", content_type)
            .body(axum::body::Body::from(body.to_vec()))
            .expect("request");
        let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        rt.block_on(read_logo_upload(req))
    }

    fn code(r: ApiResult<LogoUpload>) -> (u16, String) {
        let e = r.expect_err("refused");
        (e.status.as_u16(), e.code.as_str().to_string())
    }

    #[test]
    fn what_clients_send() {
        // curl -F: a file part with a filename and a type, content holding CRLF and dashes
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"logo\"; filename=\"a.png\"\r\n\
            Content-Type: image/png\r\n\r\n\x89PNG\r\n--\r\nmore\r\n--XyZ\r\n\
            Content-Disposition: form-data; name=\"usage_type\"\r\n\r\nlogin\r\n--XyZ--\r\n";
        let u = upload("multipart/form-data; boundary=XyZ", body).unwrap();
        assert_eq!(&u.logo[..], b"\x89PNG\r\n--\r\nmore");
        assert_eq!(u.usage_type, UsageType::Login);
        // a quoted boundary, a preamble and an epilogue
        let body = b"preamble\r\n--a b\r\nContent-Disposition: form-data; name=\"usage_type\"\r\n\r\ndarryl\r\n\
            --a b\r\nContent-Disposition: form-data; name=\"logo\"\r\n\r\n--a bb--\r\n--a b--epilogue";
        let u = upload("multipart/form-data; boundary=\"a b\"", body).unwrap();
        assert_eq!(&u.logo[..], b"--a bb--");
        assert_eq!(u.usage_type, UsageType::Darryl);
    }

    #[test]
    fn refusals_name_what_is_wrong() {
        let ct = "multipart/form-data; boundary=b";
        let cd = |n: &str| format!("--b\r\nContent-Disposition: form-data; name=\"{n}\"\r\n\r\n");
        assert_eq!(code(upload("application/json", b"{}")), (415, "unsupported_media_type".into()));
        assert_eq!(code(upload("multipart/form-data", b"")), (415, "unsupported_media_type".into()));
        // an unknown field: 400 naming it
        let e = upload(ct, format!("{}x\r\n--b--", cd("colour")).as_bytes()).unwrap_err();
        assert_eq!((e.code.as_str(), e.details[0].field.as_deref()), ("validation_failed", Some("colour")));
        // a missing logo; a missing usage_type is the login logo (seed 000)
        let e = upload(ct, b"--b--\r\n").unwrap_err();
        assert_eq!(e.details[0].field.as_deref(), Some("logo"));
        let u = upload(ct, format!("{}x\r\n--b--", cd("logo")).as_bytes()).unwrap();
        assert_eq!(u.usage_type, UsageType::Login);
        // a field twice
        let twice = format!("{}login\r\n{}login\r\n--b--", cd("usage_type"), cd("usage_type"));
        assert_eq!(code(upload(ct, twice.as_bytes())), (400, "invalid_multipart".into()));
        // never terminated, no delimiter at all
        assert_eq!(code(upload(ct, format!("{}never closed", cd("logo")).as_bytes())).0, 400);
        assert_eq!(code(upload(ct, b"no delimiter at all")).0, 400);
        // a logo over the limit
        let big = format!("{}{}\r\n--b--", cd("logo"), "x".repeat(MAX_LOGO_BYTES + 1));
        assert_eq!(code(upload(ct, big.as_bytes())).0, 413);
    }

    #[test]
    fn near_delimiters_are_content() {
        // a megabyte of almost-delimiters inside the logo: all of it is content
        let boundary = "a".repeat(70);
        let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"logo\"\r\n\r\n").into_bytes();
        let start = body.len();
        while body.len() - start < MAX_LOGO_BYTES - 80 {
            body.extend_from_slice(format!("\r\n--{}", "a".repeat(69)).as_bytes());
        }
        let length = body.len() - start;
        body.extend_from_slice(
            format!("\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"usage_type\"\r\n\r\nlogin\r\n--{boundary}--")
                .as_bytes(),
        );
        let u = upload(&format!("multipart/form-data; boundary={boundary}"), &body).unwrap();
        assert_eq!(u.logo.len(), length);
    }
}
