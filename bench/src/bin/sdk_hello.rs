//! The yardstick for size (and a second one for init): lambda_http plus DynamoDB and S3 clients
//! built at init the way AWS's examples do (`aws_config::load_defaults`), and used by the handler
//! so that the linker keeps them. The functions build theirs without aws-config
//! (`shared::runtime::aws_clients`), which is part of what they trim.

use lambda_http::{service_fn, Body, Error, Request, Response};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let dynamo = aws_sdk_dynamodb::Client::new(&sdk);
    let s3 = aws_sdk_s3::Client::new(&sdk);
    let (dynamo, s3) = (&dynamo, &s3);
    lambda_http::run(service_fn(move |_req: Request| async move {
        let tables = dynamo.list_tables().limit(1).send().await?;
        let buckets = s3.list_buckets().send().await?;
        let body = format!(r#"{{"tables":{},"buckets":{}}}"#, tables.table_names().len(), buckets.buckets().len());
        Ok::<_, Error>(Response::builder().status(200).body(Body::from(body))?)
    }))
    .await
}
