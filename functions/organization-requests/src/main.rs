//! Lambda entry point of the organization-requests function: build state once, then serve.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::runtime::config::init_logging();
    let state = shared::AppState::from_env();
    shared::edge::lambda::run(organization_requests::router(state)).await
}
