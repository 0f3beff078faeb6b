//! Logo checks: the content decides the type (magic bytes), never the declared content type.
//! SVG (scriptable) is refused, as are oversize files and decompression bombs (headers that
//! declare more pixels than any logo needs).

use crate::error::ErrorCode;
use crate::error::{ApiError, ApiResult};

/// Largest logo file accepted.
pub const MAX_LOGO_BYTES: usize = 1024 * 1024;
/// Largest width or height accepted.
pub const MAX_LOGO_SIDE: usize = 4096;
/// Largest pixel count accepted (guards against decompression bombs).
pub const MAX_LOGO_PIXELS: usize = 16 * 1024 * 1024;

/// An accepted image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoImage {
    pub content_type: &'static str,
    pub extension: &'static str,
    pub width: usize,
    pub height: usize,
    /// Hex SHA-256 of the bytes: the content address.
    pub sha256: String,
}

fn sniff(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("image/png", "png"))
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(("image/jpeg", "jpg"))
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(("image/gif", "gif"))
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(("image/webp", "webp"))
    } else {
        None
    }
}

/// Checks `bytes` and returns what they are, or a 4xx saying why not.
pub fn inspect(bytes: &[u8]) -> ApiResult<LogoImage> {
    if bytes.is_empty() {
        return Err(ApiError::bad_request(ErrorCode::LogoEmpty, "The logo file is empty."));
    }
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(ApiError::payload_too_large(MAX_LOGO_BYTES));
    }
    let Some((content_type, extension)) = sniff(bytes) else {
        return Err(ApiError::new(
            http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::LogoUnsupportedType,
            "The logo must be a PNG, JPEG, GIF or WebP image (SVG is not accepted).",
        ));
    };
    let size = imagesize::blob_size(bytes)
        .map_err(|_| ApiError::bad_request(ErrorCode::LogoCorrupt, "The logo image header could not be read."))?;
    if size.width == 0 || size.height == 0 {
        return Err(ApiError::bad_request(ErrorCode::LogoCorrupt, "The logo image has no pixels."));
    }
    if size.width > MAX_LOGO_SIDE
        || size.height > MAX_LOGO_SIDE
        || size.width.saturating_mul(size.height) > MAX_LOGO_PIXELS
    {
        return Err(ApiError::bad_request(
            ErrorCode::LogoTooManyPixels,
            format!("The logo may be at most {MAX_LOGO_SIDE}x{MAX_LOGO_SIDE} pixels."),
        ));
    }
    let sha256 = crate::token::sha256_hex(bytes);
    Ok(LogoImage { content_type, extension, width: size.width, height: size.height, sha256 })
}

/// The content-addressed object key of a logo.
pub fn object_key(org_id: &str, usage_type: &str, img: &LogoImage) -> String {
    format!("logos/{org_id}/{usage_type}/{}.{}", img.sha256, img.extension)
}

/// A tiny valid PNG of `w`x`h` pixels (header only matters to [`inspect`]); for tests and fixtures.
pub fn png_header(w: u32, h: u32) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    v.extend_from_slice(&13u32.to_be_bytes());
    v.extend_from_slice(b"IHDR");
    v.extend_from_slice(&w.to_be_bytes());
    v.extend_from_slice(&h.to_be_bytes());
    v.extend_from_slice(&[8, 6, 0, 0, 0]);
    v.extend_from_slice(&[0, 0, 0, 0]); // CRC (not checked by the header reader)
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_png_by_content() {
        let img = inspect(&png_header(64, 32)).unwrap();
        assert_eq!((img.content_type, img.width, img.height), ("image/png", 64, 32));
        assert_eq!(object_key("o", "login", &img), format!("logos/o/login/{}.png", img.sha256));
    }

    #[test]
    fn refuses_svg_text_bombs_and_empty() {
        assert_eq!(inspect(b"<svg xmlns='http://www.w3.org/2000/svg'/>").unwrap_err().code, "logo_unsupported_type");
        assert_eq!(inspect(b"hello").unwrap_err().code, "logo_unsupported_type");
        assert_eq!(inspect(&png_header(100_000, 100_000)).unwrap_err().code, "logo_too_many_pixels");
        assert_eq!(inspect(&png_header(4096, 4097)).unwrap_err().code, "logo_too_many_pixels");
        assert_eq!(inspect(b"").unwrap_err().code, "logo_empty");
        assert_eq!(inspect(&vec![0u8; MAX_LOGO_BYTES + 1]).unwrap_err().code, "payload_too_large");
    }
}
