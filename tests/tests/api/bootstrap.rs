//! The bootstrap command: idempotent, and one root under concurrency.

use orgs_local::bootstrap::{bootstrap, BootstrapOptions};
use orgs_tests::TestApi;

#[tokio::test]
async fn second_run_changes_nothing_and_reports_the_same_ids() {
    let api = TestApi::new().await;
    let before = api.item_count().await;
    let (m, created) = bootstrap(&api.state.store(), &BootstrapOptions::default()).await.unwrap();
    assert!(!created);
    assert_eq!(m.organization_id, api.root_org);
    assert_eq!(m.user_id, api.superadmin);
    assert_eq!(api.item_count().await, before);
    // the bootstrapped superadmin can use the API at once
    let r = api.get(&format!("/organizations/{}", api.root_org)).send().await;
    r.expect(200);
    assert_eq!(r.data()["code"], "root");
    assert!(r.data()["parent_organization"].is_null());
}

#[tokio::test]
async fn concurrent_runs_on_an_empty_table_make_one_root() {
    let api = TestApi::new().await;
    // a second, empty table in the same local DynamoDB
    let table = format!("t-{}", uuid::Uuid::new_v4().simple());
    orgs_local::table::create_table(&api.state.dynamo, &table).await.unwrap();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let client = api.state.dynamo.clone();
        let table = table.clone();
        tasks.push(tokio::spawn(async move {
            let store = shared::store::Store::new(&client, &table);
            bootstrap(&store, &BootstrapOptions::default()).await.unwrap()
        }));
    }
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    assert_eq!(results.iter().filter(|(_, created)| *created).count(), 1);
    assert!(results.iter().all(|(m, _)| m == &results[0].0));
}
