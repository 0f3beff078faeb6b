//! The issuers' signing keys (R31): fetched from the issuer's discovery document
//! (`<issuer>/.well-known/openid-configuration` → `jwks_uri`), cached for the life of the
//! process (so across invocations of a warm Lambda), one cache per issuer URL.
//!
//! - First use (or after a failed fetch, at most every [`RETRY_AFTER_FAILURE`]): fetch.
//! - A `kid` not in the cache (the issuer rotated its keys): refetch, at most once per
//!   [`REFRESH_ON_UNKNOWN_KID`], so a flood of made-up `kid`s costs the issuer one request a minute.
//! - Keys older than [`MAX_AGE`] are refetched on next use, so a key the issuer withdrew stops
//!   working (a failed refetch keeps the old keys: availability over a blip of the issuer).
//!
//! Only signing keys the accepted algorithms can use are kept: RSA (≥ 2048 bits) for RS256, EC
//! P-256 for ES256; a key's own `alg`, when given, must agree.
//!
//! The issuer and its `jwks_uri` must be `https://`, except on a loopback host (the local
//! development issuer of `orgs-local serve` and the tests' issuer), where `http://` is accepted.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;
use shared::runtime::config::OidcIssuer;

/// Shortest time between two refetches caused by unknown `kid`s.
pub const REFRESH_ON_UNKNOWN_KID: Duration = Duration::from_secs(60);
/// Shortest time between attempts while no key set could be fetched.
pub const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(5);
/// Age after which cached keys are refetched.
pub const MAX_AGE: Duration = Duration::from_secs(15 * 60);
/// Limit of each call to the issuer.
const TIMEOUT: Duration = Duration::from_secs(3);
/// Largest discovery document or JWKS read.
const MAX_BODY: usize = 256 * 1024;

#[derive(Clone)]
struct Key {
    kid: Option<String>,
    alg: Algorithm,
    key: DecodingKey,
}

#[derive(Default)]
struct IssuerKeys {
    keys: Vec<Key>,
    /// When `keys` were last fetched successfully.
    loaded_at: Option<Instant>,
    /// The last attempt of any kind (for the failure backoff).
    attempted_at: Option<Instant>,
    /// The last refetch an unknown `kid` caused.
    refreshed_at: Option<Instant>,
}

impl IssuerKeys {
    fn find(&self, kid: Option<&str>, alg: Algorithm) -> Option<DecodingKey> {
        let mut usable = self.keys.iter().filter(|k| k.alg == alg);
        match kid {
            Some(kid) => usable.find(|k| k.kid.as_deref() == Some(kid)).map(|k| k.key.clone()),
            // Without a `kid`, only an issuer with a single key of that algorithm.
            None => match (usable.next(), usable.next()) {
                (Some(k), None) => Some(k.key.clone()),
                _ => None,
            },
        }
    }
}

type Cache = Mutex<HashMap<String, Arc<tokio::sync::Mutex<IssuerKeys>>>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(Cache::default)
}

/// The key to verify a token of `issuer` with header `kid` and `alg`.
pub async fn key_for(issuer: &OidcIssuer, kid: Option<&str>, alg: Algorithm) -> Result<DecodingKey, &'static str> {
    let entry = {
        let mut map = cache().lock().unwrap_or_else(|p| p.into_inner());
        map.entry(issuer.issuer.clone()).or_default().clone()
    };
    // One fetch at a time per issuer; concurrent requests wait for it and use its result.
    let mut keys = entry.lock().await;
    let now = Instant::now();
    let since = |t: Option<Instant>| t.map(|t| now.duration_since(t));
    let stale = since(keys.loaded_at).is_none_or(|age| age >= MAX_AGE);
    let may_retry = since(keys.attempted_at).is_none_or(|d| d >= RETRY_AFTER_FAILURE);
    let mut fetched_now = false;
    if stale && may_retry {
        refetch(issuer, &mut keys, now).await;
        fetched_now = true;
    }
    if let Some(k) = keys.find(kid, alg) {
        return Ok(k);
    }
    if keys.loaded_at.is_none() {
        return Err("jwt: issuer keys unavailable");
    }
    // An unknown `kid` may mean the issuer rotated its keys: refetch, unless just done or done
    // for another unknown `kid` less than a minute ago.
    let refreshed_recently = since(keys.refreshed_at).is_some_and(|d| d < REFRESH_ON_UNKNOWN_KID);
    if fetched_now || kid.is_none() || refreshed_recently {
        return Err("jwt: unknown signing key");
    }
    keys.refreshed_at = Some(now);
    refetch(issuer, &mut keys, now).await;
    keys.find(kid, alg).ok_or("jwt: unknown signing key (after a refetch)")
}

async fn refetch(issuer: &OidcIssuer, keys: &mut IssuerKeys, now: Instant) {
    keys.attempted_at = Some(now);
    match fetch(&issuer.issuer).await {
        Ok(fresh) => {
            tracing::info!(issuer = %issuer.issuer, keys = fresh.len(), "fetched the issuer's signing keys");
            keys.keys = fresh;
            keys.loaded_at = Some(now);
        }
        Err(e) => tracing::warn!(issuer = %issuer.issuer, error = e, "could not fetch the issuer's signing keys"),
    }
}

/// `https://`, or `http://` on a loopback host only.
pub fn allowed_url(url: &str) -> bool {
    let Ok(uri) = url.parse::<http::Uri>() else { return false };
    match (uri.scheme_str(), uri.host()) {
        (Some("https"), Some(_)) => true,
        (Some("http"), Some(host)) => matches!(host, "127.0.0.1" | "localhost" | "[::1]" | "::1"),
        _ => false,
    }
}

/// The HTTP client, built on the first fetch: reqwest (rustls on aws-lc-rs), trusting the system's
/// roots, since identity providers sit behind public CAs. No redirects (the URL checked by
/// [`allowed_url`] is the one fetched) and no proxy.
fn http_client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .connect_timeout(TIMEOUT)
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .unwrap_or_else(|e| panic!("the JWKS HTTP client: {e}"))
    })
}

async fn get_json(url: &str) -> Result<Value, &'static str> {
    if !allowed_url(url) {
        return Err("not https (http only on a loopback host)");
    }
    let timed_out = |e: &reqwest::Error, otherwise| if e.is_timeout() { "timed out" } else { otherwise };
    let mut resp = http_client()
        .get(url)
        .header("accept", "application/json")
        .send()
        .await
        .map_err(|e| timed_out(&e, "unreachable"))?;
    if !resp.status().is_success() {
        return Err("not a 2xx");
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| timed_out(&e, "body unreadable or too large"))? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err("body unreadable or too large");
        }
        body.extend_from_slice(&chunk);
    }
    serde_json::from_slice(&body).map_err(|_| "not JSON")
}

/// Discovery document, then its JWKS.
async fn fetch(issuer: &str) -> Result<Vec<Key>, &'static str> {
    let discovery = get_json(&format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/'))).await?;
    // OpenID Connect Discovery 1.0 §4.3: the document names exactly the issuer asked about.
    if discovery.get("issuer").and_then(Value::as_str) != Some(issuer) {
        return Err("discovery document names another issuer");
    }
    let jwks_uri = discovery.get("jwks_uri").and_then(Value::as_str).ok_or("discovery document without jwks_uri")?;
    let jwks = get_json(jwks_uri).await?;
    Ok(parse_jwks(&jwks))
}

/// The usable signing keys of a JWKS document; others are skipped.
fn parse_jwks(jwks: &Value) -> Vec<Key> {
    let Some(list) = jwks.get("keys").and_then(Value::as_array) else { return Vec::new() };
    list.iter().filter_map(usable_key).collect()
}

fn usable_key(k: &Value) -> Option<Key> {
    let s = |f: &str| k.get(f).and_then(Value::as_str);
    if s("use").is_some_and(|u| u != "sig") {
        return None;
    }
    let alg = match (s("kty")?, s("crv")) {
        ("RSA", _) => {
            use base64::Engine;
            let n = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s("n")?.trim_end_matches('=')).ok()?;
            if n.iter().skip_while(|b| **b == 0).count() < 256 {
                return None; // under 2048 bits
            }
            Algorithm::RS256
        }
        ("EC", Some("P-256")) => Algorithm::ES256,
        _ => return None,
    };
    let declared = s("alg");
    if declared.is_some_and(|a| a != format!("{alg:?}")) {
        return None;
    }
    let jwk: Jwk = serde_json::from_value(k.clone()).ok()?;
    let key = DecodingKey::from_jwk(&jwk).ok()?;
    Some(Key { kid: s("kid").map(str::to_string), alg, key })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http() {
        assert!(allowed_url("https://idp.example/.well-known/openid-configuration"));
        assert!(allowed_url("http://127.0.0.1:8080/jwks"));
        assert!(allowed_url("http://localhost:1/x"));
        assert!(allowed_url("http://[::1]:1/x"));
        assert!(!allowed_url("http://idp.example/jwks"));
        assert!(!allowed_url("http://127.0.0.1.nip.io/jwks"));
        assert!(!allowed_url("ftp://127.0.0.1/jwks"));
        assert!(!allowed_url("not a url"));
    }

    #[test]
    fn jwks_keeps_only_usable_signing_keys() {
        use base64::Engine;
        let b = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        let mut n = vec![0xc5u8; 256];
        n[255] = 0x01;
        let rsa = serde_json::json!({"kty": "RSA", "kid": "r", "n": b(&n), "e": "AQAB"});
        let small = serde_json::json!({"kty": "RSA", "kid": "s", "n": b(&n[..128]), "e": "AQAB"});
        let enc = serde_json::json!({"kty": "RSA", "kid": "e", "use": "enc", "n": b(&n), "e": "AQAB"});
        let wrong_alg = serde_json::json!({"kty": "RSA", "kid": "w", "alg": "PS256", "n": b(&n), "e": "AQAB"});
        let oct = serde_json::json!({"kty": "oct", "kid": "h", "k": "c2VjcmV0"});
        let p384 = serde_json::json!({"kty": "EC", "kid": "p", "crv": "P-384", "x": "AA", "y": "AA"});
        let keys = parse_jwks(&serde_json::json!({"keys": [rsa, small, enc, wrong_alg, oct, p384, "junk"]}));
        assert_eq!(keys.iter().map(|k| k.kid.as_deref()).collect::<Vec<_>>(), vec![Some("r")]);
        assert_eq!(keys[0].alg, Algorithm::RS256);
        assert!(parse_jwks(&serde_json::json!({"nope": 1})).is_empty());
    }
}
