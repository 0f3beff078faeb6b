//! Fuzz targets of the request parsers, shared by two drivers:
//!
//! - `fuzz/` (cargo-fuzz, libFuzzer, nightly): `cargo +nightly fuzz run <target>` from `fuzz/`;
//! - `tests/stable.rs` (every `cargo test`): a seeded, bounded, deterministic loop of mutated
//!   seeds and random bytes per target ([`Rng`], [`mutate`]), on stable Rust.
//!
//! Each target takes arbitrary bytes and must never panic; where the parser answers, it checks
//! properties of the answer (a refusal is a 4xx in the error envelope, an acceptance is sane).

use axum::body::Body;
use axum::response::IntoResponse;
use shared::ApiError;

/// A fuzz target: arbitrary bytes in, a panic on any violated property.
pub type Target = fn(&[u8]);

/// Every target by name, for both drivers.
pub const TARGETS: &[(&str, Target)] = &[
    ("multipart_logo", multipart_logo),
    ("logo_image", logo_image),
    ("json_bodies", json_bodies),
    ("api_token", api_token),
    ("identity_event", identity_event),
    ("path_and_cursor", path_and_cursor),
];

#[track_caller]
fn assert_refusal(e: &ApiError) {
    assert!(e.status.is_client_error(), "a parser answered {} {}: {}", e.status, e.code, e.message);
    assert!(!e.code.as_str().is_empty());
    // and the envelope renders
    let _ = e.clone().into_response();
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RT.get_or_init(|| tokio::runtime::Builder::new_current_thread().build().expect("runtime"))
}

/// `POST /organizations/{id}/logo`'s multipart parser: the first byte picks the Content-Type
/// (a fixed boundary, a hostile one, none), the rest is the body.
pub fn multipart_logo(data: &[u8]) {
    let (selector, body) = data.split_first().map(|(s, b)| (*s, b)).unwrap_or((0, &[]));
    let ct = match selector % 5 {
        0 | 1 => format!("multipart/form-data; boundary={BOUNDARY}"),
        2 => "multipart/form-data; boundary=\"a b\"".to_string(),
        3 => format!("multipart/form-data; boundary={}", String::from_utf8_lossy(&body[..body.len().min(80)])),
        _ => "application/octet-stream".to_string(),
    };
    let Ok(req) = http::Request::builder()
        .method("POST")
        .uri("/organizations/x/logo")
        .header(http::header::CONTENT_TYPE, ct)
        .body(Body::from(body.to_vec()))
    else {
        return; // not a header value a gateway would deliver
    };
    match runtime().block_on(organizations::multipart::read_logo_upload(req)) {
        Ok(up) => {
            assert!(up.logo.len() <= shared::edge::logo::MAX_LOGO_BYTES);
            // what the handler does next with the file
            if let Err(e) = shared::edge::logo::inspect(&up.logo) {
                assert_refusal(&e);
            }
        }
        Err(e) => assert_refusal(&e),
    }
}

/// The logo header reader (content sniffing and dimensions, the decompression-bomb guard).
pub fn logo_image(data: &[u8]) {
    match shared::edge::logo::inspect(data) {
        Ok(img) => {
            assert!(img.width > 0 && img.height > 0);
            assert!(img.width <= shared::edge::logo::MAX_LOGO_SIDE && img.height <= shared::edge::logo::MAX_LOGO_SIDE);
            assert!(img.width * img.height <= shared::edge::logo::MAX_LOGO_PIXELS);
            assert_eq!(img.sha256.len(), 64);
        }
        Err(e) => assert_refusal(&e),
    }
}

/// JSON body extraction and validation for every request type with a checker: parse errors are
/// 400 `invalid_json` / `validation_failed`, accepted bodies go through the route's checks.
pub fn json_bodies(data: &[u8]) {
    use shared::edge::extract::parse_json;
    fn check<T: serde::de::DeserializeOwned>(data: &[u8], validate: impl Fn(&T) -> shared::ApiResult<()>) {
        match parse_json::<T>(data) {
            Ok(v) => {
                if let Err(e) = validate(&v) {
                    assert_refusal(&e);
                    assert_eq!(e.code, "validation_failed");
                }
            }
            Err(e) => {
                assert_refusal(&e);
                assert!(["invalid_json", "validation_failed"].contains(&e.code.as_str()), "{}", e.code);
            }
        }
    }
    check::<shared::model::org::CreateOrgRequest>(data, organizations::input::check_create);
    check::<shared::model::org::UpdateOrgRequest>(data, organizations::input::check_update);
    check::<shared::model::org::OrgFilterRequest>(data, |_| Ok(()));
    check::<users::input::CreateUserRequest>(data, users::input::check_create);
    check::<users::input::UpdateUserRequest>(data, users::input::check_update);
    check::<users::input::BulkDeleteRequest>(data, |b| {
        users::input::check_id_list("user_id_list", &b.user_id_list, users::input::MAX_BULK_DELETE).map(|_| ())
    });
    check::<users::input::VerifyRequest>(data, |_| Ok(()));
    check::<user_groups::input::CreateGroupRequest>(data, user_groups::input::check_create);
    check::<user_groups::input::UpdateGroupRequest>(data, user_groups::input::check_update);
    check::<api_tokens::handlers::CreateTokenRequest>(data, |_| Ok(()));
    // the extractor around it: content type and size before parsing
    let req = http::Request::builder()
        .method("POST")
        .uri("/x")
        .header(
            http::header::CONTENT_TYPE,
            if data.first().is_some_and(|b| b % 7 == 0) { "text/plain" } else { "application/json" },
        )
        .body(Body::from(data.to_vec()))
        .expect("request");
    let got = runtime().block_on(<shared::edge::extract::JsonBody<serde_json::Value> as axum::extract::FromRequest<
        (),
    >>::from_request(req, &()));
    if let Err(e) = got {
        assert_refusal(&e);
    }
}

/// API token format checks (the authorizer's first, read-free gate).
pub fn api_token(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let ok = shared::token::well_formed(&text);
    if ok {
        assert_eq!(text.len(), shared::token::TOKEN_LEN);
        assert!(text.starts_with(shared::token::PREFIX));
    }
    for header in [format!("Bearer {text}"), format!("bearer  {text} "), text.to_string()] {
        match authorizer::bearer(Some(&header)) {
            Ok(authorizer::Credential::Token(t)) => assert!(shared::token::well_formed(t)),
            Ok(authorizer::Credential::Jwt(t)) => {
                assert!(!shared::token::well_formed(t) && t.bytes().filter(|b| *b == b'.').count() == 2)
            }
            Err(_) => {}
        }
    }
    // a real token with one byte changed (chosen by the input) is always refused
    if let (Some(&pos), Some(&val)) = (data.first(), data.get(1)) {
        let real = shared::token::generate().expect("token");
        let mut bytes = real.clone().into_bytes();
        let i = usize::from(pos) % bytes.len();
        if bytes[i] != val {
            bytes[i] = val;
            if let Ok(s) = String::from_utf8(bytes) {
                assert!(!shared::token::well_formed(&s), "{real} -> {s} passed the checksum");
            }
        }
    }
}

/// API Gateway v2 events (lambda_http's parser) and the identity read from them: the
/// authorizer's context always wins over headers, and the request id is always sane.
pub fn identity_event(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    // raw bytes as an event, within what API Gateway can deliver (see gateway_could_send)
    if serde_json::from_str::<serde_json::Value>(&text).is_ok_and(|v| gateway_could_send(&v)) {
        if let Ok(req) = lambda_http::request::from_str(&text) {
            check_identity(&req.into_parts().0);
        }
    }
    // and as hostile values inside a well-formed event
    let mut parts = text.splitn(4, '\u{0}').map(str::to_string);
    let (user, org, rid, ctx_user) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next(),
    );
    let authorizer = match &ctx_user {
        Some(u) => serde_json::json!({"lambda": {"user_id": u, "organization_id": "o-real"}}),
        None => serde_json::Value::Null,
    };
    let event = serde_json::json!({
        "version": "2.0", "routeKey": "$default", "rawPath": "/organizations", "rawQueryString": "",
        "headers": {"user-id": user, "organization-id": org, "x-request-id": rid},
        "requestContext": {"accountId": "1", "apiId": "a", "domainName": "x", "domainPrefix": "x",
            "http": {"method": "POST", "path": "/organizations", "protocol": "HTTP/1.1", "sourceIp": "10.0.0.1", "userAgent": "t"},
            "requestId": "gw-1", "routeKey": "$default", "stage": "$default", "time": "t", "timeEpoch": 0,
            "authorizer": authorizer},
        "isBase64Encoded": false
    });
    if let Ok(req) = lambda_http::request::from_str(&event.to_string()) {
        let parts = req.into_parts().0;
        let id = check_identity(&parts);
        if let Some(u) = ctx_user.filter(|u| !u.is_empty()) {
            assert!(id.from_authorizer);
            assert_eq!(id.user_id.as_deref(), Some(u.as_str()), "the authorizer's user, never the header's");
            assert_eq!(id.organization_id.as_deref(), Some("o-real"));
        }
    }
}

/// API Gateway always sends a `rawPath` starting with `/`, its own domain name, and sets `Host`
/// and `X-Forwarded-Proto` itself. lambda_http 1.3 unwraps the URL it builds from those
/// (`build_request_uri`), so an event breaking these panics inside lambda_http, before any of
/// our code (pinned by `tests/stable.rs::lambda_http_panics_on_urls_api_gateway_never_sends`).
pub fn gateway_could_send(event: &serde_json::Value) -> bool {
    let hostname = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    let path_ok = match event.get("rawPath") {
        None | Some(serde_json::Value::Null) => true,
        Some(p) => p.as_str().is_some_and(|p| p.is_empty() || p.starts_with('/')),
    };
    let domain_ok = match event.pointer("/requestContext/domainName") {
        None | Some(serde_json::Value::Null) => true,
        Some(d) => d.as_str().is_some_and(hostname),
    };
    let stage_ok = match event.pointer("/requestContext/stage") {
        None | Some(serde_json::Value::Null) => true,
        Some(s) => s.as_str().is_some_and(|s| s == "$default" || hostname(s)),
    };
    let headers_ok = event.get("headers").and_then(|h| h.as_object()).is_none_or(|h| {
        h.keys().all(|k| !k.eq_ignore_ascii_case("host") && !k.eq_ignore_ascii_case("x-forwarded-proto"))
    });
    path_ok && domain_ok && stage_ok && headers_ok
}

fn check_identity(parts: &http::request::Parts) -> shared::authz::identity::Identity {
    let id = shared::authz::identity::identity_from_parts(parts, true);
    let rid = &id.meta.request_id;
    assert!(!rid.is_empty() && rid.len() <= 128 && rid.bytes().all(|b| b.is_ascii_graphic()), "request id {rid:?}");
    if let Some(client) = shared::authz::identity::client_request_id(parts) {
        assert_eq!(&client, rid);
    }
    id
}

/// Path identifiers, email path values and page cursors.
pub fn path_and_cursor(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if shared::validate::path_identifier(&text, "id").is_ok() {
        assert!(shared::validate::is_identifier(&text));
        assert!(!text.contains(['/', '.', '%', '#', '\\']));
    }
    if shared::validate::is_email(&text) {
        assert!(text.len() <= 254 && text.contains('@') && !text.contains(char::is_whitespace));
    }
    for prefix in ["DESC#", "USER#", ""] {
        match shared::store::cursor::decode(&text, prefix) {
            Ok(sk) => assert!(sk.starts_with(prefix)),
            Err(e) => assert_eq!(e.code, "invalid_cursor"),
        }
    }
}

/// A multipart boundary the seeds use.
pub const BOUNDARY: &str = "fuzzboundary";

/// Seeds: one valid (or nearly valid) input per target, for the mutations to start from.
pub fn seeds(target: &str) -> Vec<Vec<u8>> {
    let png = shared::edge::logo::png_header(64, 64);
    match target {
        "multipart_logo" => {
            let mut b = vec![0u8];
            b.extend_from_slice(
                format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"usage_type\"\r\n\r\nlogin\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"logo\"; filename=\"l.png\"\r\nContent-Type: image/png\r\n\r\n").as_bytes(),
            );
            b.extend_from_slice(&png);
            b.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
            vec![b]
        }
        "logo_image" => vec![
            png,
            b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xc0\x00\x11\x08\x00\x10\x00\x10\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01\xff\xd9".to_vec(),
            b"GIF89a\x10\x00\x10\x00\x80\x00\x00".to_vec(),
            b"RIFF\x1a\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x00\x00\x00\x0f\x00\x00\x0f\x00\x00".to_vec(),
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>".to_vec(),
        ],
        "json_bodies" => vec![
            br#"{"name":"Acme","code":"acme","contact_email":"ops@acme.io","parent_organization_id":"root","can_have_child_organizations":true,"rbac_template_id":"default","metadata":{"k":"v"},"domains":["acme.io"],"sso_configuration":{"sso_config_source":"self","sso_url":"https://x.io"}}"#.to_vec(),
            br#"{"email":"a@b.io","organization_id":"o1","first_name":"A","role":"admin","password":"longenough"}"#.to_vec(),
            br#"{"user_id_list":["u1","u2"],"email_ids":["a@b.io"]}"#.to_vec(),
            br#"{"name":"g","parent_organization_id":"o","user_ids":["u"],"accessible_organizations":[{"organization_id":"c","select_all_child_orgs":true,"include_current_organization":false}]}"#.to_vec(),
            br#"{"filter":{"search":"x","role_list":["admin"]},"sort":[{"field":"email","sort_order":-1}]}"#.to_vec(),
        ],
        "api_token" => vec![shared::token::generate().expect("token").into_bytes(), b"Bearer orgs_".to_vec()],
        "identity_event" => vec![
            b"u1\0o1\0req-1\0u-real".to_vec(),
            b"u1\0o1\0req-1".to_vec(),
            br#"{"version":"2.0","rawPath":"/x","headers":{"user-id":"u"},"requestContext":{"http":{"method":"GET","path":"/x"},"authorizer":{"lambda":{"user_id":"a"}}}}"#.to_vec(),
        ],
        "path_and_cursor" => vec![b"abc-DEF_1".to_vec(), b"REVTQyNhYmM".to_vec(), b"a@b.io".to_vec(), b"..%2f".to_vec()],
        _ => Vec::new(),
    }
}

/// splitmix64: small, fast, deterministic.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
}

/// Fragments that parsers care about, spliced in by [`mutate`].
const TOKENS: &[&[u8]] = &[
    b"\r\n",
    b"--",
    b"\r\n\r\n",
    b"\"",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b",",
    b"\\u0000",
    b"\\ud800",
    b"null",
    b"1e999",
    b"-0",
    b"\0",
    b"\xff",
    b"\xc0\xaf",
    b"%2e%2e%2f",
    b"../",
    b"#",
    b"Content-Disposition: form-data; name=\"logo\"",
    b"boundary=",
    b"\x89PNG\r\n\x1a\n",
    b"IHDR",
    b"Bearer ",
    b"orgs_",
    b"\xe2\x80\xae",
];

/// One structure-blind mutation round of `input` (1–8 edits).
pub fn mutate(rng: &mut Rng, input: &[u8], max_len: usize) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..=rng.below(8) {
        match rng.below(8) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] = rng.next_u64() as u8;
            }
            2 if !v.is_empty() => {
                let i = rng.below(v.len());
                let n = 1 + rng.below(16.min(v.len() - i));
                v.drain(i..i + n);
            }
            3 => {
                let i = rng.below(v.len() + 1);
                let t = TOKENS[rng.below(TOKENS.len())];
                v.splice(i..i, t.iter().copied());
            }
            4 if !v.is_empty() => {
                // repeat a chunk (long runs, deep nesting)
                let i = rng.below(v.len());
                let n = 1 + rng.below(8.min(v.len() - i));
                let chunk = v[i..i + n].to_vec();
                for _ in 0..rng.below(64) {
                    v.splice(i..i, chunk.iter().copied());
                }
            }
            5 if !v.is_empty() => {
                v.truncate(rng.below(v.len()));
            }
            6 => {
                let i = rng.below(v.len() + 1);
                let bytes: Vec<u8> = (0..1 + rng.below(8)).map(|_| rng.next_u64() as u8).collect();
                v.splice(i..i, bytes);
            }
            _ => {
                // interesting numbers where digits were
                if let Some(i) = v.iter().position(u8::is_ascii_digit) {
                    let n = ["0", "-1", "4294967296", "18446744073709551616", "99999"][rng.below(5)];
                    v.splice(i..i + 1, n.bytes());
                }
            }
        }
    }
    v.truncate(max_len);
    v
}

/// The `i`-th input of a deterministic run: mostly mutated seeds, some pure random bytes.
pub fn input(rng: &mut Rng, seeds: &[Vec<u8>], max_len: usize) -> Vec<u8> {
    if seeds.is_empty() || rng.below(5) == 0 {
        let n = rng.below(max_len.min(512) + 1);
        (0..n).map(|_| rng.next_u64() as u8).collect()
    } else {
        let seed = &seeds[rng.below(seeds.len())];
        mutate(rng, seed, max_len)
    }
}
