//! The logo upload body: `multipart/form-data` (RFC 7578) with a `logo` file and a `usage_type`
//! field.
//!
//! API Gateway hands the function the whole body at once, so it is parsed in memory, in one
//! pass, in time linear in its size whatever it holds (the delimiter is found with
//! Knuth–Morris–Pratt, part headers are bounded). What it accepts is what browsers, curl and
//! HTTP libraries send: CRLF line ends, an optional preamble and epilogue, transport padding
//! after a delimiter, and a `Content-Disposition: form-data; name=...` header on every part.

use axum::extract::Request;
use bytes::Bytes;
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
/// The most a part's headers may take (browsers and curl send two short lines).
const MAX_PART_HEADERS: usize = 8 * 1024;
/// RFC 2046 §5.1.1: a boundary is 1 to 70 characters.
const MAX_BOUNDARY: usize = 70;

pub async fn read_logo_upload(req: Request) -> ApiResult<LogoUpload> {
    let ct = req.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let boundary = boundary(ct).ok_or_else(|| ApiError::unsupported_media_type("multipart/form-data"))?;
    let body = shared::edge::extract::body_bytes(req, MAX_LOGO_BYTES + FRAMING).await?;
    let bad = |issue: &str| {
        ApiError::bad_request(ErrorCode::InvalidMultipart, format!("The multipart body is invalid: {issue}."))
    };
    let mut logo: Option<Bytes> = None;
    let mut usage: Option<String> = None;
    for part in Parts::new(&body, &boundary) {
        let part = part.map_err(bad)?;
        let slot_taken = match part.name.as_deref() {
            Some("logo") => {
                if part.data.len() > MAX_LOGO_BYTES {
                    return Err(ApiError::payload_too_large(MAX_LOGO_BYTES));
                }
                logo.replace(body.slice_ref(part.data)).is_some()
            }
            Some("usage_type") => {
                let text = std::str::from_utf8(part.data).map_err(|_| bad("usage_type is not text"))?;
                usage.replace(text.to_string()).is_some()
            }
            Some(other) => {
                return Err(ApiError::validation(vec![ErrorDetail::field(
                    other,
                    "unknown field; expected logo and usage_type",
                )]))
            }
            None => return Err(bad("a part has no form-data name")),
        };
        if slot_taken {
            return Err(bad(&format!("field {} appears twice", part.name.unwrap_or_default())));
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

/// The boundary of a `multipart/form-data` content type, `None` for any other type or a
/// boundary RFC 2046 does not allow.
fn boundary(content_type: &str) -> Option<String> {
    let (mime, params) = content_type.split_once(';')?;
    if !mime.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    let value = params.split(';').find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim().eq_ignore_ascii_case("boundary").then(|| value.trim())
    })?;
    let value = match value.strip_prefix('"') {
        Some(quoted) => quoted.strip_suffix('"')?,
        None => value,
    };
    // bchars: digits, letters, '()+_,-./:=? and space, but not a trailing space
    let allowed = |c: char| c.is_ascii_alphanumeric() || "'()+_,-./:=? ".contains(c);
    let valid = (1..=MAX_BOUNDARY).contains(&value.len()) && value.chars().all(allowed) && !value.ends_with(' ');
    valid.then(|| value.to_string())
}

/// One part of a multipart body: its form-data name and its content.
#[derive(Debug, PartialEq)]
struct Part<'a> {
    name: Option<String>,
    data: &'a [u8],
}

/// The parts of a multipart body, in order; an `Err` ends them.
struct Parts<'a> {
    body: &'a [u8],
    /// `CRLF--boundary`: what ends a part's content.
    delimiter: Vec<u8>,
    /// The delimiter's Knuth–Morris–Pratt failure function.
    fail: Vec<usize>,
    cursor: Cursor,
}

/// Where [`Parts`] goes on from.
enum Cursor {
    /// Before the first delimiter.
    Start,
    /// Just past a delimiter's `--boundary`.
    At(usize),
    /// Past the closing delimiter, or after an error.
    Done,
}

impl<'a> Parts<'a> {
    fn new(body: &'a [u8], boundary: &str) -> Self {
        let delimiter = [b"\r\n--", boundary.as_bytes()].concat();
        let fail = failure_function(&delimiter);
        Self { body, delimiter, fail, cursor: Cursor::Start }
    }

    /// Just past the first delimiter, which may open the body (no CRLF before it) or follow a
    /// preamble.
    fn first_delimiter(&self) -> Result<usize, &'static str> {
        let dash_boundary = &self.delimiter[2..];
        if self.body.starts_with(dash_boundary) {
            return Ok(dash_boundary.len());
        }
        let found = find(self.body, &self.delimiter, &self.fail).ok_or("no boundary line")?;
        Ok(found + self.delimiter.len())
    }

    /// The part after the delimiter that ends at `at`, and where the one after it starts;
    /// `None` at the closing delimiter.
    fn part_at(&self, at: usize) -> Result<Option<(Part<'a>, usize)>, &'static str> {
        let body = self.body;
        let rest = &body[at..];
        if rest.starts_with(b"--") {
            return Ok(None); // the closing delimiter; anything after it is epilogue
        }
        let padding = rest.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
        if !rest[padding..].starts_with(b"\r\n") {
            return Err("a boundary line does not end in CRLF");
        }
        let headers_start = at + padding + 2;
        let (headers, content_start) = if body[headers_start..].starts_with(b"\r\n") {
            (&body[headers_start..headers_start], headers_start + 2)
        } else {
            let window = &body[headers_start..body.len().min(headers_start + MAX_PART_HEADERS)];
            let end =
                window.windows(4).position(|w| w == b"\r\n\r\n").ok_or("part headers too long or unterminated")?;
            (&window[..end], headers_start + end + 4)
        };
        let name = form_data_name(headers)?;
        let length = find(&body[content_start..], &self.delimiter, &self.fail).ok_or("a part is not terminated")?;
        let next = content_start + length + self.delimiter.len();
        Ok(Some((Part { name, data: &body[content_start..content_start + length] }, next)))
    }
}

impl<'a> Iterator for Parts<'a> {
    type Item = Result<Part<'a>, &'static str>;

    fn next(&mut self) -> Option<Self::Item> {
        let at = match std::mem::replace(&mut self.cursor, Cursor::Done) {
            Cursor::Done => return None,
            Cursor::Start => self.first_delimiter(),
            Cursor::At(at) => Ok(at),
        };
        match at.and_then(|at| self.part_at(at)) {
            Ok(Some((part, next))) => {
                self.cursor = Cursor::At(next);
                Some(Ok(part))
            }
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    }
}

/// The `name` of a part's `Content-Disposition: form-data` header (`None` without one).
fn form_data_name(headers: &[u8]) -> Result<Option<String>, &'static str> {
    let headers = std::str::from_utf8(headers).map_err(|_| "part headers are not UTF-8")?;
    let mut name = None;
    for line in headers.split("\r\n").filter(|line| !line.is_empty()) {
        let (field, value) = line.split_once(':').ok_or("a part header has no colon")?;
        if !field.trim().eq_ignore_ascii_case("content-disposition") {
            continue;
        }
        if name.is_some() {
            return Err("a part has two Content-Disposition headers");
        }
        let mut params = DispositionParams { rest: value.trim() };
        let kind = params.token();
        if !kind.eq_ignore_ascii_case("form-data") {
            return Err("a part is not form-data");
        }
        let mut found = None;
        while let Some(param) = params.next_param()? {
            if param.0.eq_ignore_ascii_case("name") {
                found = Some(param.1);
            }
        }
        name = Some(found);
    }
    Ok(name.flatten())
}

/// The `; name=value` parameters of a header value, values as tokens or quoted strings.
struct DispositionParams<'a> {
    rest: &'a str,
}

impl DispositionParams<'_> {
    /// Up to the next `;` or `=`, trimmed.
    fn token(&mut self) -> String {
        let end = self.rest.find([';', '=']).unwrap_or(self.rest.len());
        let token = self.rest[..end].trim().to_string();
        self.rest = &self.rest[end..];
        token
    }

    fn next_param(&mut self) -> Result<Option<(String, String)>, &'static str> {
        let Some(rest) = self.rest.strip_prefix(';') else {
            return if self.rest.trim().is_empty() {
                Ok(None)
            } else {
                Err("a Content-Disposition header is malformed")
            };
        };
        self.rest = rest;
        let name = self.token();
        let Some(rest) = self.rest.strip_prefix('=') else {
            return Ok(Some((name, String::new()))); // a parameter without a value
        };
        let rest = rest.trim_start();
        let value = if let Some(quoted) = rest.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = quoted.char_indices();
            let end = loop {
                match chars.next() {
                    Some((i, '"')) => break i,
                    Some((_, '\\')) => value.push(chars.next().ok_or("an unterminated quoted string")?.1),
                    Some((_, c)) => value.push(c),
                    None => return Err("an unterminated quoted string"),
                }
            };
            self.rest = quoted[end + 1..].trim_start();
            value
        } else {
            self.rest = rest;
            self.token()
        };
        Ok(Some((name, value)))
    }
}

/// Knuth–Morris–Pratt: for each prefix of `needle`, the length of its longest proper prefix
/// that is also its suffix.
fn failure_function(needle: &[u8]) -> Vec<usize> {
    let mut fail = vec![0; needle.len()];
    let mut k = 0;
    for i in 1..needle.len() {
        while k > 0 && needle[i] != needle[k] {
            k = fail[k - 1];
        }
        if needle[i] == needle[k] {
            k += 1;
        }
        fail[i] = k;
    }
    fail
}

/// Where `needle` (with its [`failure_function`]) first starts in `haystack`.
fn find(haystack: &[u8], needle: &[u8], fail: &[usize]) -> Option<usize> {
    let mut k = 0;
    for (i, &b) in haystack.iter().enumerate() {
        while k > 0 && b != needle[k] {
            k = fail[k - 1];
        }
        if b == needle[k] {
            k += 1;
            if k == needle.len() {
                return Some(i + 1 - k);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A part as (name, content).
    type Owned = (Option<String>, Vec<u8>);

    fn parts(body: &[u8], boundary: &str) -> Result<Vec<Owned>, &'static str> {
        Parts::new(body, boundary).map(|p| p.map(|p| (p.name, p.data.to_vec()))).collect()
    }

    fn named(name: &str, data: &[u8]) -> Owned {
        (Some(name.to_string()), data.to_vec())
    }

    #[test]
    fn boundaries_from_content_types() {
        assert_eq!(boundary("multipart/form-data; boundary=abc").as_deref(), Some("abc"));
        assert_eq!(boundary("Multipart/Form-Data;charset=utf-8; BOUNDARY=\"a b:c\"").as_deref(), Some("a b:c"));
        assert_eq!(boundary(&format!("multipart/form-data; boundary={}", "x".repeat(70))).map(|b| b.len()), Some(70));
        for refused in [
            "",
            "multipart/form-data",
            "multipart/form-data; charset=utf-8",
            "multipart/mixed; boundary=abc",
            "application/json; boundary=abc",
            "multipart/form-data; boundary=",
            "multipart/form-data; boundary=\"\"",
            "multipart/form-data; boundary=\"abc",
            "multipart/form-data; boundary=\"ends in space \"",
            "multipart/form-data; boundary=a\"b",
            "multipart/form-data; boundary=a\u{e9}",
        ] {
            assert_eq!(boundary(refused), None, "{refused:?}");
        }
        assert_eq!(boundary(&format!("multipart/form-data; boundary={}", "x".repeat(71))), None);
    }

    #[test]
    fn what_clients_send() {
        // curl -F: a file part with a filename and a type, then a text field
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"logo\"; filename=\"a.png\"\r\n\
            Content-Type: image/png\r\n\r\n\x89PNG\r\n--\r\nmore\r\n--XyZ\r\n\
            Content-Disposition: form-data; name=\"usage_type\"\r\n\r\nlogin\r\n--XyZ--\r\n";
        assert_eq!(
            parts(body, "XyZ").unwrap(),
            vec![named("logo", b"\x89PNG\r\n--\r\nmore"), named("usage_type", b"login")]
        );
        // a preamble, transport padding, header names in any case, a token name, an epilogue
        let body = b"preamble\r\n--b \t\r\ncontent-DISPOSITION: Form-Data; name=usage_type\r\n\r\nx\r\n--b--epilogue";
        assert_eq!(parts(body, "b").unwrap(), vec![named("usage_type", b"x")]);
        // an empty part with no headers, an escaped quote in a name, an empty body of parts
        let body = b"--b\r\n\r\n\r\n--b\r\nContent-Disposition: form-data; name=\"a\\\"b\"\r\n\r\n\r\n--b--";
        assert_eq!(parts(body, "b").unwrap(), vec![(None, Vec::new()), named("a\"b", b"")]);
        assert_eq!(parts(b"--b--\r\n", "b").unwrap(), Vec::new());
    }

    #[test]
    fn the_boundary_string_inside_content_does_not_end_it() {
        // "--b" inside the content is only a delimiter after CRLF
        let body = b"--b\r\nContent-Disposition: form-data; name=\"logo\"\r\n\r\n--b --bb\r\n-b\r\r\n--b--";
        assert_eq!(parts(body, "b").unwrap(), vec![named("logo", b"--b --bb\r\n-b\r")]);
        // a delimiter whose prefix repeats: the search must back up correctly
        let body = b"--aab\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n\r\n--aa\r\n--aab--";
        assert_eq!(parts(body, "aab").unwrap(), vec![named("x", b"\r\n--aa")]);
    }

    #[test]
    fn malformed_bodies_are_errors() {
        let cd = "Content-Disposition: form-data; name=\"x\"";
        for (body, why) in [
            ("no delimiter at all".to_string(), "no boundary line"),
            (format!("--b\r\n{cd}\r\n\r\nnever closed"), "a part is not terminated"),
            (format!("--bjunk\r\n{cd}\r\n\r\nx\r\n--b--"), "a boundary line does not end in CRLF"),
            (format!("--b\r\n{cd}\r\nno blank line"), "part headers too long or unterminated"),
            (
                format!("--b\r\n{cd}\r\n{}\r\n\r\nx\r\n--b--", "X-Pad: y".repeat(1200)),
                "part headers too long or unterminated",
            ),
            ("--b\r\nno colon here\r\n\r\nx\r\n--b--".to_string(), "a part header has no colon"),
            ("--b\r\nContent-Disposition: attachment; name=x\r\n\r\nx\r\n--b--".to_string(), "a part is not form-data"),
            (format!("--b\r\n{cd}\r\n{cd}\r\n\r\nx\r\n--b--"), "a part has two Content-Disposition headers"),
            (
                "--b\r\nContent-Disposition: form-data; name=\"x\r\n\r\nx\r\n--b--".to_string(),
                "an unterminated quoted string",
            ),
            (
                "--b\r\nContent-Disposition: form-data; name=\"x\" junk\r\n\r\nx\r\n--b--".to_string(),
                "a Content-Disposition header is malformed",
            ),
        ] {
            let result = parts(body.as_bytes(), "b");
            assert_eq!(result, Err(why), "{body:?}");
        }
        let body = b"--b\r\nContent-Disposition: form-data; name=\"\xff\"\r\n\r\nx\r\n--b--";
        assert_eq!(parts(body, "b"), Err("part headers are not UTF-8"));
        // the parts before an error are still yielded; the error ends the iteration
        let body = format!("--b\r\n{cd}\r\n\r\nx\r\n--b\r\nbad\r\n\r\n\r\n--b--");
        let mut it = Parts::new(body.as_bytes(), "b");
        assert!(it.next().unwrap().is_ok());
        assert!(it.next().unwrap().is_err());
        assert!(it.next().is_none());
    }

    #[test]
    fn search_is_linear_on_hostile_input() {
        // a megabyte of near-delimiters: KMP keeps this to one pass
        let boundary = "a".repeat(70);
        let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"logo\"\r\n\r\n").into_bytes();
        for _ in 0..(1 << 20) / 72 {
            body.extend_from_slice(format!("\r\n--{}", "a".repeat(69)).as_bytes());
        }
        let length = body.len();
        body.extend_from_slice(format!("\r\n--{boundary}--").as_bytes());
        let found = parts(&body, &boundary).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].1.len(), length - (boundary.len() + 51));
    }

    #[test]
    fn find_agrees_with_a_naive_search() {
        let needles: [&[u8]; 4] = [b"\r\n--b", b"\r\n--aab", b"aaaa", b"\r\n--\r\n--x"];
        let mut seed = 7u64;
        for needle in needles {
            let fail = failure_function(needle);
            for len in 0..200 {
                let hay: Vec<u8> = (0..len)
                    .map(|_| {
                        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        needle[(seed >> 33) as usize % needle.len()]
                    })
                    .collect();
                let naive = hay.windows(needle.len()).position(|w| w == needle);
                assert_eq!(find(&hay, needle, &fail), naive, "{needle:?} in {hay:?}");
            }
        }
    }
}
