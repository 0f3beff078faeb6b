//! R30, least privilege that is proven: each function's IAM policy in infra/template.yaml holds
//! exactly the actions its code calls. The IAM script (bench/src/iam/script.rs) runs every route,
//! the authorizer with a real token and the deletion worker to the end of a populated subtree's
//! deletion against DynamoDB Local and S3, recording per function every call as its IAM actions
//! and resources; the test fails listing, per function, what is missing, what is granted but
//! never called, and any grant not scoped to the stack's table, index, stream, bucket or queue.
//! docs/SECURITY.md, "Least privilege, derived (R30)".

use std::collections::{BTreeMap, BTreeSet};

use orgs_bench::iam::script::{instrument, Script};
use orgs_bench::iam::{compare, table, Need, Recorder, Res, Template};
use orgs_tests::metabase_stub::MetabaseStub;
use orgs_tests::TestApi;

fn template() -> serde_yaml::Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../infra/template.yaml");
    serde_yaml::from_str(&std::fs::read_to_string(path).expect("infra/template.yaml")).expect("YAML")
}

type Derived = (BTreeMap<String, BTreeMap<Need, String>>, BTreeMap<String, BTreeSet<String>>);

fn derive() -> Derived {
    // The whole script is one large future: give it a roomy stack in unoptimised builds.
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async {
                let stub = MetabaseStub::start().await;
                let mut api = TestApi::new().await.with_metabase(&stub.url, vec![11]);
                let rec = Recorder::new(&api.state.config.table_name, &api.state.config.logo_bucket);
                instrument(&mut api, &rec);
                Script { api: &api, rec: &rec }.run().await;
                (rec.needs(), rec.steps())
            })
        })
        .expect("thread")
        .join()
        .expect("IAM script")
}

#[test]
fn every_function_is_granted_exactly_what_its_code_calls() {
    let (derived, steps) = derive();
    let t = template();
    let functions = Template::new(&t).functions();
    println!("Derived IAM actions per function:\n{}", table(&functions, &derived));
    let problems = compare(&derived, &steps, &functions);
    assert!(
        problems.is_empty(),
        "infra/template.yaml does not grant each function exactly what its code calls (R30):\n{}",
        problems.join("\n")
    );
}

/// The comparison itself, on a template written to be wrong in every way it checks.
#[test]
fn the_comparison_reports_what_is_missing_extra_or_unscoped() {
    let t: serde_yaml::Value = serde_yaml::from_str(
        r#"
Resources:
  Table: {Type: AWS::DynamoDB::Table}
  LogoBucket: {Type: AWS::S3::Bucket}
  Worker:
    Type: AWS::Serverless::Function
    Metadata: {BuildProperties: {Binary: worker}}
    Properties:
      Policies:
        - Statement:
            - Effect: Allow
              Action: [dynamodb:GetItem, dynamodb:Scan]
              Resource: [!GetAtt Table.Arn, !Sub "${Table.Arn}/index/*"]
            - Effect: Allow
              Action: s3:PutObject
              Resource: "*"
        - DynamoDBReadPolicy: {TableName: !Ref Table}
      Events:
        Changes:
          Type: DynamoDB
          Properties: {Stream: !GetAtt Table.StreamArn, StartingPosition: LATEST}
  Newcomer:
    Type: AWS::Serverless::Function
    Metadata: {BuildProperties: {Binary: newcomer}}
    Properties: {Policies: [AmazonDynamoDBFullAccess]}
"#,
    )
    .expect("YAML");
    let functions = Template::new(&t).functions();
    let needs: BTreeMap<Need, String> = [
        (("dynamodb:GetItem".to_string(), Res::Table), "step".to_string()),
        (("dynamodb:Query".to_string(), Res::Index("GSI1".into())), "step".to_string()),
        (("dynamodb:PutItem".to_string(), Res::Table), "step".to_string()),
        (("s3:PutObject".to_string(), Res::Objects("logos/o/x.png".into())), "step".to_string()),
    ]
    .into();
    let derived = [("worker".to_string(), needs)].into();
    let steps = [("worker".to_string(), BTreeSet::from(["step".to_string()]))].into();
    let problems = compare(&derived, &steps, &functions).join("\n");
    for expected in [
        "Newcomer (binary newcomer): no derived set",
        "Newcomer: policy String(\"AmazonDynamoDBFullAccess\")",
        "Worker: actions missing: dynamodb:DescribeStream (first in: allowance: event Changes: stream reads)",
        "dynamodb:PutItem (first in: step)",
        "Worker: actions granted but never called: dynamodb:BatchGetItem, dynamodb:DescribeTable, dynamodb:Scan",
        "Worker: s3:PutObject granted on *: not scoped",
        "Worker: dynamodb:GetItem granted on Table/index/* but never called there",
        "Worker: event Changes: SAM attaches AWSLambdaDynamoDBExecutionRole",
        "Worker: s3:PutObject on LogoBucket/logos/o/x.png (first in: step) is not granted on that resource",
    ] {
        assert!(problems.contains(expected), "{expected:?} not reported in:\n{problems}");
    }
    assert!(!problems.contains("dynamodb:Query on"), "Query on GSI1 is granted (index/*):\n{problems}");
}
