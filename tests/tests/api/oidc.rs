//! R31: OIDC JWTs in the authorizer, against a real issuer on 127.0.0.1 (discovery + JWKS over
//! HTTP, RSA and EC P-256 keys generated per run). R29: deployed, no identity from headers.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use orgs_local::dev_oidc::{DevIssuer, KeyKind};
use orgs_tests::oidc::{start_issuer, AUDIENCE};
use orgs_tests::TestApi;
use serde_json::{json, Value};
use shared::model::user::{Role, UserItem, UserStatus};

fn now() -> i64 {
    shared::model::now_ms() / 1000
}

async fn email_of(api: &TestApi, user: &str) -> String {
    api.state.store().get_user(user).await.expect("read").expect("user").email
}

async fn user_item(api: &TestApi, user: &str) -> UserItem {
    api.state.store().get_user(user).await.expect("read").expect("user")
}

async fn decide(api: &TestApi, jwt: &str) -> authorizer::Decision {
    authorizer::authorize(&api.state, Some(&format!("Bearer {jwt}"))).await
}

/// A token with any header, signed by nobody or by `sign`.
fn forged(header: Value, claims: &Value, sign: impl Fn(&[u8]) -> Vec<u8>) -> String {
    let message = format!("{}.{}", B64.encode(header.to_string()), B64.encode(claims.to_string()));
    let sig = sign(message.as_bytes());
    format!("{message}.{}", B64.encode(sig))
}

fn hs256(secret: &[u8]) -> impl Fn(&[u8]) -> Vec<u8> + '_ {
    move |m| {
        aws_lc_rs::hmac::sign(&aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret), m).as_ref().to_vec()
    }
}

async fn stack() -> (TestApi, DevIssuer) {
    let issuer = start_issuer().await;
    let api = TestApi::new().await.with_oidc(&issuer);
    (api, issuer)
}

#[tokio::test]
async fn every_bad_jwt_is_denied_and_writes_nothing() {
    let (api, issuer) = stack().await;
    let admin = api.create_user(&api.root_org, Role::Admin).await;
    let email = email_of(&api, &admin).await;
    let inactive = {
        let id = uuid::Uuid::new_v4().to_string();
        let path = api.state.store().get_org(&api.root_org, true).await.unwrap().unwrap().path();
        let mut u = UserItem::new(&id, path, "inactive@example.com", Role::Admin, shared::model::now_ms(), None);
        u.status = UserStatus::Inactive;
        let store = api.state.store();
        store.transact(store.create_user_actions(&orgs_tests::system_permit(), &u).unwrap()).await.unwrap();
        id
    };
    let rs = issuer.kid(KeyKind::Rs256);
    let es = issuer.kid(KeyKind::Es256);
    let good = issuer.claims(&email, AUDIENCE);
    let with = |k: &str, v: Value| {
        let mut c = good.clone();
        c[k] = v;
        c
    };
    let without = |k: &str| {
        let mut c = good.clone();
        c.as_object_mut().unwrap().remove(k);
        c
    };
    let stranger = issuer.add_key(KeyKind::Rs256, false); // never published
    let public = issuer.public_der(&rs);
    let pem = format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        base64::engine::general_purpose::STANDARD.encode(&public)
    );
    let cases: Vec<(&str, String)> = vec![
        ("alg none", forged(json!({"alg": "none", "typ": "JWT", "kid": rs}), &good, |_| Vec::new())),
        ("alg none, uppercase", forged(json!({"alg": "NONE", "kid": rs}), &good, |_| Vec::new())),
        ("HS256 with the public key (DER)", forged(json!({"alg": "HS256", "kid": rs}), &good, hs256(&public))),
        ("HS256 with the public key (PEM)", forged(json!({"alg": "HS256", "kid": rs}), &good, hs256(pem.as_bytes()))),
        ("RS256 header on the EC key", forged(json!({"alg": "RS256", "kid": es}), &good, |_| vec![0; 256])),
        ("signed by another key", issuer.sign(&stranger, &good)),
        ("another key claiming a known kid", {
            let t = issuer.sign(&stranger, &good);
            let (_, rest) = t.split_once('.').unwrap();
            format!("{}.{rest}", B64.encode(json!({"alg": "RS256", "typ": "JWT", "kid": rs}).to_string()))
        }),
        ("tampered claims", {
            let t = issuer.sign(&rs, &good);
            let parts: Vec<&str> = t.split('.').collect();
            format!("{}.{}.{}", parts[0], B64.encode(with("email", json!("other@example.com")).to_string()), parts[2])
        }),
        ("expired beyond leeway", issuer.sign(&rs, &with("exp", json!(now() - 120)))),
        ("no exp", issuer.sign(&rs, &without("exp"))),
        ("nbf in the future", issuer.sign(&rs, &with("nbf", json!(now() + 300)))),
        ("wrong audience", issuer.sign(&rs, &with("aud", json!("someone-else")))),
        ("no audience", issuer.sign(&rs, &without("aud"))),
        ("wrong issuer", issuer.sign(&rs, &with("iss", json!("http://127.0.0.1:1/idp")))),
        ("issuer with a trailing slash", issuer.sign(&rs, &with("iss", json!(format!("{}/", issuer.issuer()))))),
        ("missing user claim", issuer.sign(&rs, &without("email"))),
        ("unverified email", issuer.sign(&rs, &with("email_verified", json!(false)))),
        ("claim naming no user", issuer.sign(&rs, &with("email", json!("nobody@example.com")))),
        ("inactive user", issuer.sign(&es, &with("email", json!("inactive@example.com")))),
        ("garbage", "a.b.c".to_string()),
    ];
    let before_items = api.item_count().await;
    let before = user_item(&api, &admin).await;
    for (name, jwt) in &cases {
        api.calls.reset();
        let d = decide(&api, jwt).await;
        assert!(matches!(d, authorizer::Decision::Deny(_)), "{name}: {d:?}");
        let calls = api.calls.take();
        assert!(
            calls.keys().all(|op| op == "GetItem" || op == "BatchGetItem"),
            "{name}: a denial writes nothing: {calls:?}"
        );
        let r = api.get("/organizations").bearer(jwt).send().await;
        assert_eq!((r.status, r.body["message"].as_str()), (403, Some("Forbidden")), "{name}: the gateway's deny");
    }
    assert_eq!(api.item_count().await, before_items, "nothing was written");
    assert_eq!(user_item(&api, &admin).await.last_login, before.last_login);
    assert_eq!(user_item(&api, &inactive).await.last_login, None);
    // the controls: the same claims, properly signed, pass with both algorithms
    for kid in [&rs, &es] {
        assert!(matches!(decide(&api, &issuer.sign(kid, &good)).await, authorizer::Decision::Allow(_)));
    }
}

#[tokio::test]
async fn rs256_and_es256_sign_in_with_the_users_own_rights() {
    let (api, issuer) = stack().await;
    let admin = api.create_user(&api.root_org, Role::Admin).await;
    let plain = api.create_user(&api.root_org, Role::User).await;
    let (admin_email, plain_email) = (email_of(&api, &admin).await, email_of(&api, &plain).await);
    let rs = issuer.kid(KeyKind::Rs256);
    let es = issuer.kid(KeyKind::Es256);

    // ES256, an email in another case, within the leeway of exp: allowed, a `user`
    let mut claims = issuer.claims(&admin_email.to_uppercase(), AUDIENCE);
    claims["exp"] = json!(now() - 5);
    let jwt = issuer.sign(&es, &claims);
    match decide(&api, &jwt).await {
        authorizer::Decision::Allow(ctx) => {
            assert_eq!((ctx.user_id.as_str(), ctx.organization_id.as_str()), (admin.as_str(), api.root_org.as_str()));
            assert_eq!(ctx.actor_type, shared::model::activity::ActorType::User);
            assert_eq!(ctx.token_id, None);
            let v = serde_json::to_value(&ctx).unwrap();
            assert_eq!(v["actor_type"], "user");
            assert!(v.get("token_id").is_none());
        }
        d => panic!("ES256 denied: {d:?}"),
    }
    // the admin's own rights through a route, recorded as a `user` actor
    let r = api.post("/api-tokens", json!({"name": "from-sso"})).bearer(&jwt).send().await;
    r.expect(201);
    let acts = api.activities(&api.root_org).await;
    let created = acts.iter().rev().find(|a| a["type"] == "api_token.created").expect("activity");
    assert_eq!(created["actor_type"], "user", "{created}");
    assert_eq!(created["user_id"].as_str().or(created["actor_id"].as_str()), Some(admin.as_str()), "{created}");
    // the token it made acts as `api`; it cannot mint another token (R28), and what it does is
    // recorded as `api`
    let token = r.data()["token"].as_str().unwrap().to_string();
    let token_id = r.data()["token_id"].as_str().unwrap().to_string();
    let before = api.item_count().await;
    api.post("/api-tokens", json!({"name": "from-token"}))
        .bearer(&token)
        .send()
        .await
        .expect_error(403, "interactive_sign_in_required");
    assert_eq!(api.item_count().await, before, "a token mints no token");
    api.req("DELETE", &format!("/api-tokens/{token_id}")).bearer(&token).send().await.expect(200);
    let acts = api.activities(&api.root_org).await;
    let last = acts.iter().rev().find(|a| a["type"] == "api_token.deleted").unwrap();
    assert_eq!(last["actor_type"], "api", "{last}");

    // RS256 for a plain user: signed in, but with a plain user's rights only
    let jwt = issuer.sign(&rs, &issuer.claims(&plain_email, AUDIENCE));
    api.get(&format!("/users/{plain}")).bearer(&jwt).send().await.expect(200);
    api.post("/api-tokens", json!({"name": "x"})).bearer(&jwt).send().await.expect_error(403, "forbidden");
    // forged identity headers next to the JWT are overwritten
    let r = api.get(&format!("/users/{plain}")).bearer(&jwt).header("user-id", &admin).send().await;
    r.expect(200);
}

#[tokio::test]
async fn a_jwt_sign_in_records_last_login_at_most_every_five_minutes() {
    let (api, issuer) = stack().await;
    let user = api.create_user(&api.root_org, Role::User).await;
    assert_eq!(user_item(&api, &user).await.last_login, None);
    let jwt = issuer.sign(&issuer.kid(KeyKind::Rs256), &issuer.claims(&email_of(&api, &user).await, AUDIENCE));
    api.calls.reset();
    assert!(matches!(decide(&api, &jwt).await, authorizer::Decision::Allow(_)));
    assert_eq!(api.calls.take().get("UpdateItem"), Some(&1), "the first sign-in records last_login");
    let first = user_item(&api, &user).await.last_login.expect("last_login recorded");
    assert!(first > shared::model::now_ms() - 60_000);
    for _ in 0..3 {
        assert!(matches!(decide(&api, &jwt).await, authorizer::Decision::Allow(_)));
    }
    let calls = api.calls.take();
    assert_eq!(calls.get("UpdateItem"), None, "no write within 5 minutes: {calls:?}");
    assert_eq!(user_item(&api, &user).await.last_login, Some(first));
}

#[tokio::test]
async fn an_unknown_kid_refetches_the_jwks_at_most_once_a_minute() {
    let (api, issuer) = stack().await;
    let user = api.create_user(&api.root_org, Role::User).await;
    let claims = issuer.claims(&email_of(&api, &user).await, AUDIENCE);
    assert!(matches!(
        decide(&api, &issuer.sign(&issuer.kid(KeyKind::Rs256), &claims)).await,
        authorizer::Decision::Allow(_)
    ));
    assert_eq!((issuer.discovery_fetches(), issuer.jwks_fetches()), (1, 1), "fetched once on first use");
    // cached across invocations
    for _ in 0..3 {
        assert!(matches!(
            decide(&api, &issuer.sign(&issuer.kid(KeyKind::Es256), &claims)).await,
            authorizer::Decision::Allow(_)
        ));
    }
    assert_eq!(issuer.jwks_fetches(), 1, "served from the cache");
    // the issuer rotates: a new key's kid triggers one refetch
    let rotated = issuer.add_key(KeyKind::Es256, true);
    assert!(matches!(decide(&api, &issuer.sign(&rotated, &claims)).await, authorizer::Decision::Allow(_)));
    assert_eq!(issuer.jwks_fetches(), 2, "one refetch for the new kid");
    assert!(matches!(decide(&api, &issuer.sign(&rotated, &claims)).await, authorizer::Decision::Allow(_)));
    assert_eq!(issuer.jwks_fetches(), 2);
    // a second unknown kid within the minute: no refetch, denied (even though now published)
    let again = issuer.add_key(KeyKind::Rs256, true);
    assert!(matches!(decide(&api, &issuer.sign(&again, &claims)).await, authorizer::Decision::Deny(_)));
    let made_up = issuer.add_key(KeyKind::Rs256, false);
    for _ in 0..5 {
        assert!(matches!(decide(&api, &issuer.sign(&made_up, &claims)).await, authorizer::Decision::Deny(_)));
    }
    assert_eq!((issuer.discovery_fetches(), issuer.jwks_fetches()), (2, 2), "no refetch within a minute");
}

#[tokio::test]
async fn without_an_issuer_configured_jwts_are_denied() {
    let issuer = start_issuer().await;
    let api = TestApi::new().await;
    let jwt =
        issuer.sign(&issuer.kid(KeyKind::Rs256), &issuer.claims(&email_of(&api, &api.superadmin).await, AUDIENCE));
    assert!(matches!(decide(&api, &jwt).await, authorizer::Decision::Deny(_)));
    assert_eq!(issuer.discovery_fetches(), 0, "an unconfigured issuer is never contacted");
}

/// R29: deployed (no `ORGS_LOCAL_IDENTITY_HEADERS`), a request without an authorizer context is
/// 401 even with identity headers; credentials still work.
#[tokio::test]
async fn deployed_identity_comes_only_from_the_authorizer() {
    let (api, issuer) = stack().await;
    let api = api.without_local_identity_headers();
    let before = api.item_count().await;
    let r = api.get("/organizations").as_user(&api.superadmin, &api.root_org).send().await;
    r.expect_error(401, "unauthenticated");
    api.post(
        "/organizations",
        json!({"name": "Acme", "code": "acme", "contact_email": "a@acme.io",
        "parent_organization_id": "root", "can_have_child_organizations": true, "rbac_template_id": "default"}),
    )
    .as_user(&api.superadmin, &api.root_org)
    .send()
    .await
    .expect_error(401, "unauthenticated");
    assert_eq!(api.item_count().await, before);
    let jwt =
        issuer.sign(&issuer.kid(KeyKind::Rs256), &issuer.claims(&email_of(&api, &api.superadmin).await, AUDIENCE));
    api.get("/organizations").bearer(&jwt).send().await.expect(200);
}

/// R29 and R31 in the SAM template: nothing sets `ORGS_LOCAL_IDENTITY_HEADERS`, and the issuer
/// parameters reach the authorizer only.
#[test]
fn the_template_never_enables_header_identity_and_gives_oidc_to_the_authorizer_only() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../infra/template.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let uncommented: String = text.lines().map(|l| l.split('#').next().unwrap_or("")).collect::<Vec<_>>().join("\n");
    assert!(!uncommented.contains("ORGS_LOCAL_IDENTITY_HEADERS"), "the template must never set it");
    let t = orgs_local::table::template().unwrap();
    let resources = t["Resources"].as_mapping().unwrap();
    for (name, r) in resources {
        let vars = &r["Properties"]["Environment"]["Variables"];
        let has = |k: &str| vars.get(k).is_some();
        assert!(!has("ORGS_LOCAL_IDENTITY_HEADERS"), "{name:?}");
        let oidc = has("OIDC_ISSUER") || has("OIDC_AUDIENCE") || has("OIDC_USER_CLAIM");
        assert_eq!(
            oidc,
            name.as_str() == Some("AuthorizerFunction"),
            "{name:?}: OIDC settings go to the authorizer only"
        );
    }
    let globals = &t["Globals"]["Function"]["Environment"]["Variables"];
    assert!(globals.get("ORGS_LOCAL_IDENTITY_HEADERS").is_none() && globals.get("OIDC_ISSUER").is_none());
}
