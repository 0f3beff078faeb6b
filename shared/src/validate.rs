//! Input validation that collects every problem of a request before answering.

use crate::error::ErrorCode;
use crate::error::{ApiError, ApiResult, ErrorDetail};

/// Longest id or code accepted anywhere (path or body).
pub const MAX_ID_LEN: usize = 64;

/// Collects field problems; [`Validator::finish`] turns them into one 400.
#[derive(Debug, Default)]
pub struct Validator {
    details: Vec<ErrorDetail>,
}

/// Control characters, and the bidirectional embedding, override and isolate controls
/// (U+202A–U+202E, U+2066–U+2069) that make text display as something it is not.
fn is_forbidden_char(c: char) -> bool {
    c.is_control() || ('\u{202A}'..='\u{202E}').contains(&c) || ('\u{2066}'..='\u{2069}').contains(&c)
}

fn has_control(s: &str) -> bool {
    s.chars().any(is_forbidden_char)
}

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &str, issue: impl Into<String>) {
        self.details.push(ErrorDetail::field(field, issue));
    }

    pub fn is_ok(&self) -> bool {
        self.details.is_empty()
    }

    pub fn finish(self) -> ApiResult<()> {
        if self.details.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(self.details))
        }
    }

    /// A required value: reports `is required` when absent.
    pub fn required<'a, T>(&mut self, field: &str, v: &'a Option<T>) -> Option<&'a T> {
        if v.is_none() {
            self.add(field, "is required");
        }
        v.as_ref()
    }

    /// Free text such as a name: trimmed non-empty, at most `max` characters, no control characters.
    pub fn text(&mut self, field: &str, v: &str, max: usize) {
        if v.trim().is_empty() {
            self.add(field, "must not be empty");
        } else if v.chars().count() > max {
            self.add(field, format!("must be at most {max} characters"));
        } else if has_control(v) {
            self.add(field, "must not contain control characters");
        }
    }

    pub fn email(&mut self, field: &str, v: &str) {
        if !is_email(v) {
            self.add(field, "must be a valid email address");
        }
    }

    pub fn email_list(&mut self, field: &str, v: &[String], max_items: usize) {
        if v.len() > max_items {
            self.add(field, format!("must have at most {max_items} entries"));
            return;
        }
        for (i, e) in v.iter().enumerate() {
            self.email(&format!("{field}[{i}]"), e);
        }
    }

    pub fn url(&mut self, field: &str, v: &str) {
        let ok = (v.starts_with("https://") || v.starts_with("http://"))
            && v.len() <= 2048
            && v.len() > "https://".len()
            && !v.chars().any(|c| c.is_whitespace() || is_forbidden_char(c));
        if !ok {
            self.add(field, "must be an http(s) URL of at most 2048 characters");
        }
    }

    /// An identifier: 1..=64 of `[A-Za-z0-9_-]`.
    pub fn id(&mut self, field: &str, v: &str) {
        if !is_identifier(v) {
            self.add(field, "must be 1 to 64 letters, digits, '-' or '_'");
        }
    }
}

/// Organization codes no one may take (R29), compared case-insensitively: each organization
/// lives at `https://<code>.<domain>`, so these would shadow the service's own hosts or look
/// like them. The one list (docs/DECISIONS.md "Reserved organization codes" repeats it).
pub const RESERVED_CODES: &[&str] = &[
    "www",
    "admin",
    "api",
    "root",
    "app",
    "auth",
    "login",
    "logout",
    "static",
    "assets",
    "cdn",
    "mail",
    "status",
    "support",
    "help",
    "docs",
    "console",
    "dashboard",
    "internal",
    "system",
    "localhost",
];

/// Is `code` reserved ([`RESERVED_CODES`]), whatever its case?
pub fn is_reserved_code(code: &str) -> bool {
    RESERVED_CODES.iter().any(|r| r.eq_ignore_ascii_case(code.trim()))
}

/// `[A-Za-z0-9_-]{1,64}`: every id and code this service accepts.
pub fn is_identifier(v: &str) -> bool {
    !v.is_empty() && v.len() <= MAX_ID_LEN && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A pragmatic address check: one `@`, non-empty local part of at most 64 bytes, a dotted domain,
/// at most 254 bytes, no whitespace, control or bidi control characters.
pub fn is_email(v: &str) -> bool {
    if v.len() > 254 || v.chars().any(|c| c.is_whitespace() || is_forbidden_char(c)) {
        return false;
    }
    let Some((local, domain)) = v.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
}

/// Path identifiers are checked before any read: anything else is a 400, never a lookup.
pub fn path_identifier(v: &str, what: &str) -> ApiResult<()> {
    if is_identifier(v) {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            ErrorCode::InvalidIdentifier,
            format!("The {what} in the path is not a valid identifier."),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert!(is_email("a@b.io"));
        assert!(is_email("first.last+tag@sub.example.com"));
        for bad in ["", "a", "a@b", "@b.io", "a@@b.io", "a b@c.io", "a@.io", "a@b..io", "a@b.io.", "a\n@b.io"] {
            assert!(!is_email(bad), "{bad:?}");
        }
    }

    #[test]
    fn identifiers() {
        assert!(is_identifier("acme-1_x"));
        for bad in ["", "../etc", "a/b", "a b", "é", &"x".repeat(65)] {
            assert!(!is_identifier(bad), "{bad:?}");
        }
    }

    #[test]
    fn validator_collects_all() {
        let mut v = Validator::new();
        v.text("name", " ", 10);
        v.email("contact_email", "nope");
        v.url("logo_url", "ftp://x");
        let err = v.finish().unwrap_err();
        assert_eq!(err.code, "validation_failed");
        assert_eq!(err.details.len(), 3);
    }
}
