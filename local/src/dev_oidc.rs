//! A development OIDC issuer (R31), for `orgs-local serve` and the tests; never linked into a
//! Lambda binary (this crate is local-only).
//!
//! Under its issuer URL (e.g. `http://127.0.0.1:3000/dev/oidc`) it serves the discovery document
//! (`/.well-known/openid-configuration`), its JWKS (`/jwks`) and `POST /token {"email": "..."}`,
//! which answers `{"id_token": "<JWT>"}` signed with a key generated at start (RS256; an ES256
//! key too), and the browser sign-in of the admin console: `authorize` and a form-encoded
//! `token` (authorization code + PKCE, crate::dev_oidc_login). It signs for anyone who asks: it exists only on a loopback address.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, RsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING, RSA_PKCS1_SHA256};
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use http::StatusCode;
use serde_json::{json, Value};

use crate::dev_oidc_login as login;

/// Where `orgs-local serve` mounts its development issuer.
pub const PATH: &str = "/dev/oidc";
/// The audience of the development issuer's tokens.
pub const AUDIENCE: &str = "orgs-local";

/// The kind of a signing key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Rs256,
    Es256,
}

enum Pair {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
}

struct SigningKey {
    kid: String,
    pair: Pair,
}

impl SigningKey {
    fn generate(kind: KeyKind) -> Self {
        let kid = uuid::Uuid::new_v4().simple().to_string();
        let pair = match kind {
            KeyKind::Rs256 => Pair::Rsa(RsaKeyPair::generate(KeySize::Rsa2048).expect("RSA key generation")),
            KeyKind::Es256 => {
                Pair::Ec(EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).expect("EC key generation"))
            }
        };
        Self { kid, pair }
    }

    fn alg(&self) -> &'static str {
        match self.pair {
            Pair::Rsa(_) => "RS256",
            Pair::Ec(_) => "ES256",
        }
    }

    fn jwk(&self) -> Value {
        match &self.pair {
            Pair::Rsa(p) => {
                let pk = p.public_key();
                json!({"kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid,
                       "n": B64.encode(pk.modulus().big_endian_without_leading_zero()),
                       "e": B64.encode(pk.exponent().big_endian_without_leading_zero())})
            }
            Pair::Ec(p) => {
                let point = p.public_key().as_ref(); // 0x04 || x || y
                json!({"kty": "EC", "use": "sig", "alg": "ES256", "crv": "P-256", "kid": self.kid,
                       "x": B64.encode(&point[1..33]), "y": B64.encode(&point[33..65])})
            }
        }
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        match &self.pair {
            Pair::Rsa(p) => {
                let mut sig = vec![0; p.public_modulus_len()];
                p.sign(&RSA_PKCS1_SHA256, &rng, message, &mut sig).expect("RSA signing");
                sig
            }
            Pair::Ec(p) => p.sign(&rng, message).expect("EC signing").as_ref().to_vec(),
        }
    }
}

struct Inner {
    issuer: String,
    /// Keys published in the JWKS (signing uses any key, published or not).
    published: Mutex<Vec<Arc<SigningKey>>>,
    unpublished: Mutex<Vec<Arc<SigningKey>>>,
    discovery_fetches: AtomicUsize,
    jwks_fetches: AtomicUsize,
}

/// A development issuer: keys, signing, and its HTTP endpoints ([`DevIssuer::handle`]).
#[derive(Clone)]
pub struct DevIssuer(Arc<Inner>);

impl DevIssuer {
    /// An issuer at `issuer` (its URL, no trailing slash) with one RS256 and one ES256 key.
    pub fn new(issuer: &str) -> Self {
        let keys = vec![Arc::new(SigningKey::generate(KeyKind::Rs256)), Arc::new(SigningKey::generate(KeyKind::Es256))];
        Self(Arc::new(Inner {
            issuer: issuer.trim_end_matches('/').to_string(),
            published: Mutex::new(keys),
            unpublished: Mutex::default(),
            discovery_fetches: AtomicUsize::new(0),
            jwks_fetches: AtomicUsize::new(0),
        }))
    }

    pub fn issuer(&self) -> &str {
        &self.0.issuer
    }

    /// The `kid` of the first published key of `kind`.
    pub fn kid(&self, kind: KeyKind) -> String {
        let alg = if kind == KeyKind::Rs256 { "RS256" } else { "ES256" };
        let keys = self.0.published.lock().unwrap_or_else(|p| p.into_inner());
        keys.iter().find(|k| k.alg() == alg).map(|k| k.kid.clone()).unwrap_or_default()
    }

    /// A new key, published in the JWKS (`publish`) or not (a key the issuer never vouched for).
    pub fn add_key(&self, kind: KeyKind, publish: bool) -> String {
        let key = Arc::new(SigningKey::generate(kind));
        let kid = key.kid.clone();
        let list = if publish { &self.0.published } else { &self.0.unpublished };
        list.lock().unwrap_or_else(|p| p.into_inner()).push(key);
        kid
    }

    fn key(&self, kid: &str) -> Option<Arc<SigningKey>> {
        let find = |l: &Mutex<Vec<Arc<SigningKey>>>| {
            l.lock().unwrap_or_else(|p| p.into_inner()).iter().find(|k| k.kid == kid).cloned()
        };
        find(&self.0.published).or_else(|| find(&self.0.unpublished))
    }

    /// The public key `kid` as DER (SubjectPublicKeyInfo), e.g. to try it as an HMAC secret.
    pub fn public_der(&self, kid: &str) -> Vec<u8> {
        let der = self.key(kid).map(|k| match &k.pair {
            Pair::Rsa(p) => p.public_key().as_der().map(|d| d.as_ref().to_vec()),
            Pair::Ec(p) => p.public_key().as_der().map(|d| d.as_ref().to_vec()),
        });
        der.and_then(Result::ok).unwrap_or_default()
    }

    /// A JWT with `claims`, signed with key `kid` (header `alg` from the key, `kid` as given).
    pub fn sign(&self, kid: &str, claims: &Value) -> String {
        let Some(key) = self.key(kid) else { return String::new() };
        let header = json!({"alg": key.alg(), "typ": "JWT", "kid": kid});
        let message = format!("{}.{}", B64.encode(header.to_string()), B64.encode(claims.to_string()));
        let sig = key.sign(message.as_bytes());
        format!("{message}.{}", B64.encode(sig))
    }

    /// Standard claims for `email`, valid for an hour, for `audience`.
    pub fn claims(&self, email: &str, audience: &str) -> Value {
        let now = shared::model::now_ms() / 1000;
        json!({"iss": self.issuer(), "aud": audience, "sub": email, "email": email, "email_verified": true,
               "iat": now, "nbf": now, "exp": now + 3600})
    }

    pub fn discovery(&self) -> Value {
        let i = self.issuer();
        json!({"issuer": i, "jwks_uri": format!("{i}/jwks"),
               "authorization_endpoint": format!("{i}/authorize"), "token_endpoint": format!("{i}/token"),
               "response_types_supported": ["code"], "grant_types_supported": ["authorization_code"],
               "code_challenge_methods_supported": ["S256"], "subject_types_supported": ["public"],
               "id_token_signing_alg_values_supported": ["RS256", "ES256"]})
    }

    pub fn jwks(&self) -> Value {
        let keys = self.0.published.lock().unwrap_or_else(|p| p.into_inner());
        json!({"keys": keys.iter().map(|k| k.jwk()).collect::<Vec<_>>()})
    }

    /// How many times the JWKS was fetched.
    pub fn jwks_fetches(&self) -> usize {
        self.0.jwks_fetches.load(Ordering::SeqCst)
    }

    /// How many times the discovery document was fetched.
    pub fn discovery_fetches(&self) -> usize {
        self.0.discovery_fetches.load(Ordering::SeqCst)
    }

    /// The issuer's endpoints, by path under its URL's path; `None` for other paths.
    pub async fn handle(&self, req: Request) -> Option<Response> {
        let base = self.0.issuer.split_once("://").and_then(|(_, r)| r.find('/').map(|i| &r[i..])).unwrap_or("");
        let sub = req.uri().path().strip_prefix(base)?.to_string();
        let ok = |v: Value| ([(http::header::CONTENT_TYPE, "application/json")], v.to_string()).into_response();
        Some(match (req.method().as_str(), sub.as_str()) {
            ("GET", "/.well-known/openid-configuration") => {
                self.0.discovery_fetches.fetch_add(1, Ordering::SeqCst);
                ok(self.discovery())
            }
            ("GET", "/jwks") => {
                self.0.jwks_fetches.fetch_add(1, Ordering::SeqCst);
                ok(self.jwks())
            }
            // The console's sign-in: authorization code + PKCE (crate::dev_oidc_login).
            ("GET", "/authorize") => login::page(&login::form(req.uri().query().unwrap_or("").as_bytes()), AUDIENCE),
            ("POST", "/authorize") => {
                let body = axum::body::to_bytes(req.into_body(), 64 * 1024).await.unwrap_or_default();
                login::approve(&login::form(&body), AUDIENCE)
            }
            ("POST", "/token") if is_form(&req) => {
                let body = axum::body::to_bytes(req.into_body(), 64 * 1024).await.unwrap_or_default();
                match login::redeem(&login::form(&body)) {
                    Ok(email) => {
                        let jwt = self.sign(&self.kid(KeyKind::Rs256), &self.claims(&email, AUDIENCE));
                        let body = json!({"id_token": jwt, "token_type": "Bearer", "expires_in": 3600});
                        (
                            [
                                (http::header::CONTENT_TYPE, "application/json"),
                                (http::header::CACHE_CONTROL, "no-store"),
                            ],
                            body.to_string(),
                        )
                            .into_response()
                    }
                    Err(refusal) => refusal.into_response(),
                }
            }
            ("POST", "/token") => {
                let body = axum::body::to_bytes(req.into_body(), 64 * 1024).await.unwrap_or_default();
                let email = serde_json::from_slice::<Value>(&body)
                    .ok()
                    .and_then(|v| v.get("email").and_then(Value::as_str).map(str::to_string));
                match email {
                    Some(email) => {
                        let jwt = self.sign(&self.kid(KeyKind::Rs256), &self.claims(&email, AUDIENCE));
                        ok(json!({"id_token": jwt, "token_type": "Bearer", "expires_in": 3600}))
                    }
                    None => (StatusCode::BAD_REQUEST, "expected {\"email\": \"...\"}").into_response(),
                }
            }
            _ => StatusCode::NOT_FOUND.into_response(),
        })
    }

    /// Serves this issuer alone on `listener` (the tests' issuer), until the task is dropped.
    pub async fn serve(self, listener: tokio::net::TcpListener) {
        let app = axum::Router::new().fallback(move |req: Request| {
            let issuer = self.clone();
            async move { issuer.handle(req).await.unwrap_or_else(|| StatusCode::NOT_FOUND.into_response()) }
        });
        let _ = axum::serve(listener, app).await;
    }
}

/// Is the request body form-encoded (the OAuth token request) rather than JSON?
fn is_form(req: &Request) -> bool {
    req.headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

static INSTALLED: OnceLock<DevIssuer> = OnceLock::new();

/// Makes `issuer` the one the local gateway serves under [`PATH`] (`orgs-local serve`).
pub fn install(issuer: DevIssuer) {
    let _ = INSTALLED.set(issuer);
}

/// The installed development issuer's answer to `req`, if it is one of its paths.
pub async fn answer(req: Request) -> Result<Response, Request> {
    match INSTALLED.get() {
        Some(issuer) if req.uri().path().starts_with(PATH) => {
            Ok(issuer.handle(req).await.unwrap_or_else(|| StatusCode::NOT_FOUND.into_response()))
        }
        _ => Err(req),
    }
}
