//! Lambda entry point of the permissions function: build state once, then serve.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::config::init_logging();
    let state = shared::AppState::from_env();
    shared::lambda::run(permissions::router(state)).await
}
