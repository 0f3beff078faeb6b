//! R31: sign-in with an OIDC JWT from a configured issuer.
//!
//! Order, cheapest first: the header's `alg` (RS256 or ES256 only: never `none`, never HS*, so a
//! public key can never be used as an HMAC secret), the unverified `iss` choosing one configured
//! issuer, the key by `kid` from that issuer's JWKS ([`crate::jwks`], cached, refetched on an
//! unknown `kid` at most once a minute), then the signature and `iss`, `aud`, `exp`, `nbf` (leeway
//! [`LEEWAY_SECS`]) by `jsonwebtoken`, then the configured claim (default `email`) naming an
//! existing, active user. A sign-in records `last_login` at most every 5 minutes.
//!
//! The claim's value is matched against users' emails (case-insensitively, like every email
//! here), so any claim holding the user's email address can be configured. With the `email`
//! claim, `email_verified: false` is refused. Unknown users are refused: there is no
//! auto-provisioning; users are created through the API (R6), by people who may create them.

use jsonwebtoken::{Algorithm, Validation};
use serde_json::Value;
use shared::model::activity::ActorType;
use shared::runtime::config::OidcIssuer;
use shared::AppState;

use crate::{AuthContext, Decision};

/// Clock skew tolerated on `exp` / `nbf` (R31: small; the issue: at most 60 s).
pub const LEEWAY_SECS: u64 = 30;

/// Longest JWT looked at (ID and access tokens are a few KB at most).
pub const MAX_JWT_LEN: usize = 16 * 1024;

/// The algorithms accepted: asymmetric only.
pub const ALGORITHMS: [Algorithm; 2] = [Algorithm::RS256, Algorithm::ES256];

/// Decodes a JWT's claims without verifying anything (only to pick the issuer to verify with).
fn unverified_claims(jwt: &str) -> Option<Value> {
    use base64::Engine;
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Verifies `jwt` and maps it to an active user.
pub async fn authorize_jwt(state: &AppState, jwt: &str) -> Decision {
    match verify_and_map(state, jwt).await {
        Ok(ctx) => Decision::Allow(ctx),
        Err(reason) => Decision::Deny(reason),
    }
}

async fn verify_and_map(state: &AppState, jwt: &str) -> Result<AuthContext, &'static str> {
    if state.config.oidc.is_empty() {
        return Err("jwt: no OIDC issuer configured");
    }
    let header = jsonwebtoken::decode_header(jwt).map_err(|_| "jwt: malformed or unsupported header")?;
    if !ALGORITHMS.contains(&header.alg) {
        return Err("jwt: algorithm not allowed");
    }
    let unverified = unverified_claims(jwt).ok_or("jwt: malformed claims")?;
    let iss = unverified.get("iss").and_then(Value::as_str).ok_or("jwt: no issuer")?;
    let issuer = state.config.oidc.iter().find(|i| i.issuer == iss).ok_or("jwt: issuer not configured")?;
    let key = crate::jwks::key_for(issuer, header.kid.as_deref(), header.alg).await?;
    let claims = verify(jwt, &key, header.alg, issuer)?;
    let email = user_claim(&claims, issuer)?;
    let user_id = match state.store().user_id_by_email(&email).await {
        Ok(Some(id)) => id,
        Ok(None) => return Err("jwt: no user for the claim"),
        Err(_) => return Err("store unavailable"),
    };
    let user = crate::active_user(state, &user_id).await?;
    crate::record_login(state, &user).await;
    Ok(AuthContext {
        user_id: user.user_id,
        organization_id: user.organization_id,
        actor_type: ActorType::User,
        token_id: None,
    })
}

/// Signature, `iss`, `aud`, `exp` and `nbf` (all required, checked with the leeway).
fn verify(
    jwt: &str,
    key: &jsonwebtoken::DecodingKey,
    alg: Algorithm,
    issuer: &OidcIssuer,
) -> Result<Value, &'static str> {
    let mut v = Validation::new(alg);
    v.algorithms = vec![alg];
    v.leeway = LEEWAY_SECS;
    v.validate_exp = true;
    v.validate_nbf = true;
    v.set_issuer(&[issuer.issuer.as_str()]);
    v.set_audience(&[issuer.audience.as_str()]);
    v.set_required_spec_claims(&["exp", "iss", "aud"]);
    jsonwebtoken::decode::<Value>(jwt, key, &v).map(|d| d.claims).map_err(|e| {
        use jsonwebtoken::errors::ErrorKind as K;
        match e.kind() {
            K::InvalidSignature => "jwt: bad signature",
            K::ExpiredSignature => "jwt: expired",
            K::ImmatureSignature => "jwt: not yet valid (nbf)",
            K::InvalidAudience => "jwt: wrong audience",
            K::InvalidIssuer => "jwt: wrong issuer",
            K::MissingRequiredClaim(_) => "jwt: missing a required claim",
            K::InvalidAlgorithm => "jwt: algorithm does not match the key",
            _ => "jwt: invalid",
        }
    })
}

/// The configured claim's value: a non-empty string (with `email`, not marked unverified).
fn user_claim(claims: &Value, issuer: &OidcIssuer) -> Result<String, &'static str> {
    let value = claims
        .get(&issuer.user_claim)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.len() <= 320)
        .ok_or("jwt: user claim missing")?;
    if issuer.user_claim == "email" && claims.get("email_verified").and_then(Value::as_bool) == Some(false) {
        return Err("jwt: email not verified");
    }
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn issuer() -> OidcIssuer {
        OidcIssuer { issuer: "https://idp.example".into(), audience: "orgs".into(), user_claim: "email".into() }
    }

    #[test]
    fn the_user_claim() {
        assert_eq!(user_claim(&json!({"email": " a@b.io "}), &issuer()), Ok("a@b.io".into()));
        assert_eq!(user_claim(&json!({"email": "a@b.io", "email_verified": true}), &issuer()), Ok("a@b.io".into()));
        assert!(user_claim(&json!({"email": "a@b.io", "email_verified": false}), &issuer()).is_err());
        assert!(user_claim(&json!({"email": ""}), &issuer()).is_err());
        assert!(user_claim(&json!({"email": 3}), &issuer()).is_err());
        assert!(user_claim(&json!({"sub": "x"}), &issuer()).is_err());
        let custom = OidcIssuer { user_claim: "upn".into(), ..issuer() };
        assert_eq!(user_claim(&json!({"upn": "a@b.io", "email_verified": false}), &custom), Ok("a@b.io".into()));
    }

    #[test]
    fn leeway_is_small() {
        const { assert!(LEEWAY_SECS <= 60) };
    }

    #[test]
    fn unverified_claims_decode() {
        assert_eq!(unverified_claims("e30.eyJpc3MiOiJ4In0.sig"), Some(json!({"iss": "x"})));
        assert_eq!(unverified_claims("e30.!!.sig"), None);
    }
}
