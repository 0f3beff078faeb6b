//! Every sample event under events/ runs through its function and gets the status its file name
//! promises (`<case>.<status>.json`), so the events `cargo lambda invoke` uses never rot.

use orgs_local::bootstrap::BootstrapOptions;
use orgs_tests::TestApi;

pub const EVENT_ORG_ID: &str = "00000000-0000-4000-8000-000000000001";
pub const EVENT_USER_ID: &str = "00000000-0000-4000-8000-000000000002";

#[tokio::test]
async fn every_sample_event_gets_its_status() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../events");
    let mut files = Vec::new();
    for f in std::fs::read_dir(&dir).unwrap() {
        let f = f.unwrap().path();
        if f.is_dir() {
            for e in std::fs::read_dir(&f).unwrap() {
                files.push(e.unwrap().path());
            }
        }
    }
    files.sort();
    assert!(
        files.len() >= 10,
        "expected the sample events, found {}",
        files.len()
    );
    let api = TestApi::with_options(BootstrapOptions {
        organization_id: Some(EVENT_ORG_ID.into()),
        user_id: Some(EVENT_USER_ID.into()),
        ..Default::default()
    })
    .await;
    for f in files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        let expected: u16 = name
            .rsplit('.')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("{name}: no status in name"));
        let event: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        let r = orgs_tests::invoke(&api.state, &event).await;
        assert_eq!(r.status, expected, "{name}: {}", r.body);
    }
}
