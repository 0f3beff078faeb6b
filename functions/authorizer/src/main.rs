//! Lambda entry point of the authorizer: build state once, then answer API Gateway.

// The layout of the handler's future nests deeper than rustc's default query depth in release
// builds (the SDK's futures inside ours).
#![recursion_limit = "256"]

use authorizer::{authorize, Decision};
use lambda_http::aws_lambda_events::apigw::{
    ApiGatewayV2CustomAuthorizerSimpleResponse, ApiGatewayV2CustomAuthorizerV2Request,
};
use lambda_http::{service_fn, Error, LambdaEvent};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    shared::runtime::config::init_logging();
    let state = shared::AppState::from_env();
    let state = &state;
    lambda_http::lambda_runtime::run(service_fn(
        move |event: LambdaEvent<ApiGatewayV2CustomAuthorizerV2Request>| async move {
            let header = event.payload.headers.get("authorization").and_then(|v| v.to_str().ok());
            let mut resp = ApiGatewayV2CustomAuthorizerSimpleResponse::default();
            match authorize(state, header).await {
                Decision::Allow(ctx) => {
                    resp.is_authorized = true;
                    resp.context = serde_json::to_value(ctx)?;
                }
                Decision::Deny(reason) => {
                    tracing::info!(reason, "denied");
                    resp.context = serde_json::json!({});
                }
            }
            Ok::<_, Error>(resp)
        },
    ))
    .await
}
