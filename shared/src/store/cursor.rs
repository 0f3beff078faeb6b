//! Opaque page cursors: base64url of the last sort key of the page, bound to one partition's prefix.

use crate::error::ErrorCode;
use base64::Engine;

use crate::error::{ApiError, ApiResult};

pub fn encode(sk: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sk.as_bytes())
}

/// Decodes a cursor that must point into `prefix`; anything else is a 400.
pub fn decode(cursor: &str, prefix: &str) -> ApiResult<String> {
    let bad = || ApiError::bad_request(ErrorCode::InvalidCursor, "The cursor is not one this list returned.");
    if cursor.len() > 512 {
        return Err(bad());
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let sk = String::from_utf8(bytes).map_err(|_| bad())?;
    if sk.starts_with(prefix) {
        Ok(sk)
    } else {
        Err(bad())
    }
}

#[cfg(test)]
mod tests {
    use crate::store::cursor;

    #[test]
    fn cursor_round_trip_and_binding() {
        let c = cursor::encode("DESC#abc");
        assert_eq!(cursor::decode(&c, "DESC#").unwrap(), "DESC#abc");
        assert_eq!(cursor::decode(&c, "USER#").unwrap_err().code, "invalid_cursor");
        assert_eq!(cursor::decode("!!!", "DESC#").unwrap_err().code, "invalid_cursor");
    }
}
