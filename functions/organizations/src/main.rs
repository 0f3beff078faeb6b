//! Lambda entry point of the organizations function: build state once, then serve.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::runtime::config::init_logging();
    let state = shared::AppState::from_env_with_s3();
    shared::edge::lambda::run(organizations::router(state)).await
}
