//! Every sample event under events/ runs through its function and gets the outcome its file name
//! promises (`<case>.<status>.json` for HTTP functions, `<case>.allow|deny.json` for the
//! authorizer, `<case>.ok.json` for the deletion worker), so the events `cargo lambda invoke`
//! uses never rot.

use lambda_http::aws_lambda_events::apigw::ApiGatewayV2CustomAuthorizerV2Request;
use orgs_local::bootstrap::BootstrapOptions;
use orgs_tests::TestApi;
use shared::store::tokens::TokenItem;
use shared::{store::keys, token};

pub const EVENT_ORG_ID: &str = "00000000-0000-4000-8000-000000000001";
pub const EVENT_USER_ID: &str = "00000000-0000-4000-8000-000000000002";
/// The token `events/authorizer/valid.allow.json` presents (a sample: it exists only in tests).
pub const SAMPLE_TOKEN: &str = "orgs_0Eoh211G4c8wtVWM00my5rsNSFlKgaWqQ4mb8gdEqno17M12Q";

fn files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    out.sort();
    out
}

/// Gives the bootstrap superadmin the sample token, as `POST /api-tokens` would.
async fn seed_sample_token(api: &TestApi) {
    assert!(token::well_formed(SAMPLE_TOKEN));
    let t = TokenItem {
        pk: keys::user_pk(EVENT_USER_ID),
        sk: keys::token_sk("sample-token"),
        token_id: "sample-token".into(),
        name: "sample".into(),
        user_id: EVENT_USER_ID.into(),
        created_at: shared::model::now_ms(),
        last_used_at: None,
        secret_sha256: token::hash(SAMPLE_TOKEN),
        secret_sealed: None,
        expires_at: None,
    };
    let store = api.state.store();
    store.transact(store.create_token_actions(&orgs_tests::system_permit(), &t).unwrap()).await.unwrap();
}

#[tokio::test]
async fn every_sample_event_gets_its_outcome() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../events");
    let api = TestApi::with_options(BootstrapOptions {
        organization_id: Some(EVENT_ORG_ID.into()),
        user_id: Some(EVENT_USER_ID.into()),
        ..Default::default()
    })
    .await;
    seed_sample_token(&api).await;
    let mut count = 0;
    for dir in files(&root) {
        let function = dir.file_name().unwrap().to_string_lossy().to_string();
        for f in files(&dir) {
            let name = f.file_name().unwrap().to_string_lossy().to_string();
            let expected = name.rsplit('.').nth(1).unwrap_or_else(|| panic!("{name}: no outcome in name")).to_string();
            let text = std::fs::read_to_string(&f).unwrap();
            if function == "deletion-worker" {
                let event: serde_json::Value = serde_json::from_str(&text).unwrap();
                let got = deletion_worker::handle(&api.state, &event, std::time::Duration::from_secs(10)).await;
                assert_eq!(if got.is_ok() { "ok" } else { "error" }, expected, "{function}/{name}: {got:?}");
            } else if function == "authorizer" {
                let event: ApiGatewayV2CustomAuthorizerV2Request = serde_json::from_str(&text).unwrap();
                let header = event.headers.get("authorization").and_then(|v| v.to_str().ok());
                let got = match authorizer::authorize(&api.state, header).await {
                    authorizer::Decision::Allow(ctx) => {
                        assert_eq!(ctx.user_id, EVENT_USER_ID);
                        "allow"
                    }
                    authorizer::Decision::Deny(_) => "deny",
                };
                assert_eq!(got, expected, "{function}/{name}");
            } else {
                let status: u16 = expected.parse().unwrap_or_else(|_| panic!("{name}: no status in name"));
                let event: serde_json::Value = serde_json::from_str(&text).unwrap();
                let r = orgs_tests::invoke(&api.state, &event).await;
                assert_eq!(r.status, status, "{function}/{name}: {}", r.body);
            }
            count += 1;
        }
    }
    assert!(count >= 40, "expected every sample event, found {count}");
}
