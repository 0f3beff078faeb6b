//! The development issuer's browser sign-in: the OAuth 2.0 authorization code flow with PKCE
//! (RFC 7636, `S256` only), which the admin console uses locally exactly as it uses a real issuer
//! deployed. `GET authorize` shows a one-field form (the email to sign in as: the issuer signs for
//! anyone, it exists only on loopback), `POST authorize` redirects back with a one-time code, and
//! `POST token` (form-encoded, `grant_type=authorization_code`) exchanges the code and its
//! `code_verifier` for an ID token. Redirects go only to loopback URLs.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use axum::response::{Html, IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use http::{header, StatusCode};
use serde_json::json;

/// How long a code may wait for its exchange.
const CODE_TTL_MS: u64 = 60_000;

struct Pending {
    email: String,
    challenge: String,
    redirect_uri: String,
    client_id: String,
    expires_at: u64,
}

fn codes() -> &'static Mutex<HashMap<String, Pending>> {
    static CODES: OnceLock<Mutex<HashMap<String, Pending>>> = OnceLock::new();
    CODES.get_or_init(Mutex::default)
}

type Form = HashMap<String, String>;

/// Parses a query string or a form-encoded body.
pub fn form(bytes: &[u8]) -> Form {
    serde_urlencoded::from_bytes(bytes).unwrap_or_default()
}

/// An OAuth error answer of the token endpoint (RFC 6749 §5.2).
#[derive(Debug)]
pub struct Refusal {
    pub status: StatusCode,
    pub code: &'static str,
    pub description: &'static str,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let body = json!({"error": self.code, "error_description": self.description}).to_string();
        let headers = [(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store")];
        (self.status, headers, body).into_response()
    }
}

fn error(status: StatusCode, code: &'static str, description: &'static str) -> Refusal {
    Refusal { status, code, description }
}

/// Only loopback redirect targets (the issuer itself is loopback-only).
fn loopback_redirect(uri: &str) -> bool {
    ["http://127.0.0.1:", "http://127.0.0.1/", "http://localhost:", "http://localhost/", "http://[::1]:"]
        .iter()
        .any(|p| uri.starts_with(p))
}

/// Checks the authorization request's parameters; `Err` is the reason.
fn check_request(q: &Form, audience: &str) -> Result<(), &'static str> {
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    if get("response_type") != "code" {
        return Err("response_type must be code");
    }
    if get("client_id") != audience {
        return Err("unknown client_id");
    }
    if !loopback_redirect(get("redirect_uri")) {
        return Err("redirect_uri must be a loopback http URL");
    }
    if get("code_challenge_method") != "S256" || get("code_challenge").len() < 43 {
        return Err("PKCE is required: code_challenge (S256)");
    }
    Ok(())
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// `GET authorize`: the sign-in form, carrying the request's parameters.
pub fn page(q: &Form, audience: &str) -> Response {
    if let Err(reason) = check_request(q, audience) {
        return (StatusCode::BAD_REQUEST, Html(format!("<p>Bad sign-in request: {reason}</p>"))).into_response();
    }
    let hidden: String =
        ["response_type", "client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method"]
            .iter()
            .map(|k| {
                let v = escape(q.get(*k).map(String::as_str).unwrap_or(""));
                format!(r#"<input type="hidden" name="{k}" value="{v}">"#)
            })
            .collect();
    let hint = escape(q.get("login_hint").map(String::as_str).unwrap_or("admin@example.com"));
    Html(format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Development sign-in</title>
<style>body{{font:15px system-ui,sans-serif;background:#f3f4f6;display:grid;place-items:center;height:100vh;margin:0}}
form{{background:#fff;padding:28px 32px;border-radius:10px;box-shadow:0 2px 12px #0002;width:340px}}
h1{{font-size:18px;margin:0 0 6px}}p{{color:#555;font-size:13px}}label{{display:block;margin:14px 0 4px}}
input[type=email]{{width:100%;box-sizing:border-box;padding:8px;border:1px solid #bbb;border-radius:6px}}
button{{margin-top:16px;width:100%;padding:9px;border:0;border-radius:6px;background:#2563eb;color:#fff;font-size:15px}}</style>
</head><body><form method="post"><h1>Development OIDC issuer</h1>
<p>Local only: signs in any existing user by email. The bootstrap superadmin is admin@example.com.</p>
{hidden}<label for="email">Email</label><input id="email" type="email" name="email" value="{hint}" required autofocus>
<button type="submit">Sign in</button></form></body></html>"#
    ))
    .into_response()
}

/// `POST authorize`: issues a one-time code and redirects back to the client.
pub fn approve(f: &Form, audience: &str) -> Response {
    if let Err(reason) = check_request(f, audience) {
        return (StatusCode::BAD_REQUEST, Html(format!("<p>Bad sign-in request: {reason}</p>"))).into_response();
    }
    let email = f.get("email").map(|e| e.trim().to_string()).unwrap_or_default();
    if email.is_empty() {
        return (StatusCode::BAD_REQUEST, Html("<p>An email is required.</p>".to_string())).into_response();
    }
    let code = uuid::Uuid::new_v4().simple().to_string();
    let redirect_uri = f["redirect_uri"].clone();
    let now = shared::model::now_ms() as u64;
    let mut pending = codes().lock().unwrap_or_else(|p| p.into_inner());
    pending.retain(|_, p| p.expires_at > now);
    pending.insert(
        code.clone(),
        Pending {
            email,
            challenge: f["code_challenge"].clone(),
            redirect_uri: redirect_uri.clone(),
            client_id: f["client_id"].clone(),
            expires_at: now + CODE_TTL_MS,
        },
    );
    let sep = if redirect_uri.contains('?') { '&' } else { '?' };
    let query = serde_urlencoded::to_string([("code", code.as_str()), ("state", f.get("state").map_or("", |s| s))])
        .unwrap_or_default();
    (StatusCode::SEE_OTHER, [(header::LOCATION, format!("{redirect_uri}{sep}{query}"))]).into_response()
}

/// `POST token` with `grant_type=authorization_code`: the email the code was issued for, once,
/// when the verifier, client and redirect URI match; else the OAuth error response.
pub fn redeem(f: &Form) -> Result<String, Refusal> {
    let get = |k: &str| f.get(k).map(String::as_str).unwrap_or("");
    if get("grant_type") != "authorization_code" {
        return Err(error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "authorization_code only"));
    }
    let Some(p) = codes().lock().unwrap_or_else(|p| p.into_inner()).remove(get("code")) else {
        return Err(error(StatusCode::BAD_REQUEST, "invalid_grant", "unknown or used code"));
    };
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, get("code_verifier").as_bytes());
    let ok = p.expires_at > shared::model::now_ms() as u64
        && B64.encode(digest.as_ref()) == p.challenge
        && get("redirect_uri") == p.redirect_uri
        && get("client_id") == p.client_id;
    if ok {
        Ok(p.email)
    } else {
        Err(error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "code expired or PKCE verifier, client or redirect_uri mismatch",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VERIFIER: &str = "a-verifier-of-at-least-43-characters-0123456789";

    fn request(redirect: &str) -> Form {
        let challenge = B64.encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, VERIFIER.as_bytes()).as_ref());
        [
            ("response_type", "code"),
            ("client_id", "orgs-local"),
            ("redirect_uri", redirect),
            ("state", "s1"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
            ("email", "ada@example.com"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    /// The code of a redirect issued by `approve`.
    fn code_of(resp: &Response) -> String {
        let location = resp.headers()[header::LOCATION].to_str().unwrap();
        assert!(location.starts_with("http://127.0.0.1:3000/console/?code="), "{location}");
        assert!(location.ends_with("&state=s1"), "{location}");
        form(location.split_once('?').unwrap().1.as_bytes())["code"].clone()
    }

    fn exchange(code: &str, verifier: &str) -> Result<String, Refusal> {
        let f: Form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("code_verifier", verifier),
            ("redirect_uri", "http://127.0.0.1:3000/console/"),
            ("client_id", "orgs-local"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        redeem(&f)
    }

    #[test]
    fn a_code_is_redeemed_once_with_its_verifier_only() {
        let resp = approve(&request("http://127.0.0.1:3000/console/"), "orgs-local");
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        let code = code_of(&resp);
        assert_eq!(exchange(&code, "another-verifier-of-at-least-43-characters-000").unwrap_err().status, 400);
        // a failed exchange burns the code, as a used one
        assert!(exchange(&code, VERIFIER).is_err());

        let code = code_of(&approve(&request("http://127.0.0.1:3000/console/"), "orgs-local"));
        assert_eq!(exchange(&code, VERIFIER).unwrap(), "ada@example.com");
        assert!(exchange(&code, VERIFIER).is_err(), "a code works once");
    }

    #[test]
    fn requests_without_pkce_or_to_other_hosts_are_refused() {
        assert_eq!(approve(&request("https://evil.example/cb"), "orgs-local").status(), StatusCode::BAD_REQUEST);
        assert_eq!(approve(&request("http://127.0.0.1:3000/console/"), "other-client").status(), 400);
        let mut plain = request("http://127.0.0.1:3000/console/");
        plain.insert("code_challenge_method".into(), "plain".into());
        assert_eq!(approve(&plain, "orgs-local").status(), StatusCode::BAD_REQUEST);
        assert_eq!(page(&plain, "orgs-local").status(), StatusCode::BAD_REQUEST);
    }
}
