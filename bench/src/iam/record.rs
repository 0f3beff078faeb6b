//! Records, per function, every AWS call the IAM script makes and what IAM must allow for it: an
//! SDK interceptor on the stack's DynamoDB and S3 clients that maps each call to its IAM actions
//! and the resources they act on (the request's own table, index, bucket and object key).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use serde_json::Value;

/// What an IAM action acts on: the stack's resources, named by their kind (the test maps the
/// template's `Resource` entries onto the same kinds).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Res {
    /// The table (`!GetAtt Table.Arn`).
    Table,
    /// An index of the table, by name (`${Table.Arn}/index/<name>`; `*` in a grant: any).
    Index(String),
    /// The table's stream (`!GetAtt Table.StreamArn`).
    Stream,
    /// The logo bucket itself (`!GetAtt LogoBucket.Arn`).
    Bucket,
    /// Objects of the logo bucket: in a call, the object's key; in a grant, a key prefix.
    Objects(String),
    /// An SQS queue, by logical id.
    Queue(String),
    /// Something that is none of the stack's resources (another table or bucket, `*`, an ARN).
    Other(String),
}

impl std::fmt::Display for Res {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Res::Table => f.write_str("Table"),
            Res::Index(i) => write!(f, "Table/index/{i}"),
            Res::Stream => f.write_str("Table/stream"),
            Res::Bucket => f.write_str("LogoBucket"),
            Res::Objects(k) => write!(f, "LogoBucket/{k}"),
            Res::Queue(q) => write!(f, "{q}"),
            Res::Other(o) => write!(f, "{o}"),
        }
    }
}

/// One thing IAM must allow: an action on a resource.
pub type Need = (String, Res);

/// The IAM action(s) and resources of one call. `table` and `bucket` are the stack's names; a
/// call naming another table or bucket is recorded as [`Res::Other`] (never granted).
pub fn dynamodb_needs(op: &str, body: &Value, table: &str) -> Vec<Need> {
    let res_of = |name: Option<&str>| match name {
        Some(n) if n == table => Res::Table,
        Some(n) => Res::Other(format!("table {n}")),
        None => Res::Other("no table".into()),
    };
    let action = |a: &str| format!("dynamodb:{a}");
    match op {
        // One action per item kind: IAM authorizes a transaction item by item.
        "TransactWriteItems" => body["TransactItems"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|item| {
                [
                    ("Put", "PutItem"),
                    ("Update", "UpdateItem"),
                    ("Delete", "DeleteItem"),
                    ("ConditionCheck", "ConditionCheckItem"),
                ]
                .into_iter()
                .filter_map(move |(kind, a)| item.get(kind).map(|i| (action(a), res_of(i["TableName"].as_str()))))
            })
            .collect(),
        "TransactGetItems" => body["TransactItems"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|item| (action("GetItem"), res_of(item["Get"]["TableName"].as_str())))
            .collect(),
        "BatchGetItem" | "BatchWriteItem" => {
            body["RequestItems"].as_object().into_iter().flatten().map(|(t, _)| (action(op), res_of(Some(t)))).collect()
        }
        "Query" | "Scan" => {
            let res = match (res_of(body["TableName"].as_str()), body["IndexName"].as_str()) {
                (Res::Table, Some(i)) => Res::Index(i.to_string()),
                (r, _) => r,
            };
            vec![(action(op), res)]
        }
        "GetItem" | "PutItem" | "UpdateItem" | "DeleteItem" | "DescribeTable" => {
            vec![(action(op), res_of(body["TableName"].as_str()))]
        }
        other => vec![(format!("dynamodb:?{other} (no IAM mapping in bench/src/iam/record.rs)"), Res::Table)],
    }
}

/// S3 calls, from their typed input (S3's requests are REST: the input names bucket and keys).
fn s3_needs(op: &str, input: &aws_smithy_runtime_api::client::interceptors::context::Input, bucket: &str) -> Vec<Need> {
    use aws_sdk_s3::operation as o;
    let b = |name: Option<&str>| match name {
        Some(n) if n == bucket => None,
        Some(n) => Some(Res::Other(format!("bucket {n}"))),
        None => Some(Res::Other("no bucket".into())),
    };
    let object = |bk: Option<&str>, key: &str| b(bk).unwrap_or_else(|| Res::Objects(key.to_string()));
    let a = |s: &str| format!("s3:{s}");
    if let Some(i) = input.downcast_ref::<o::put_object::PutObjectInput>() {
        return vec![(a("PutObject"), object(i.bucket(), i.key().unwrap_or_default()))];
    }
    if let Some(i) = input.downcast_ref::<o::delete_object::DeleteObjectInput>() {
        return vec![(a("DeleteObject"), object(i.bucket(), i.key().unwrap_or_default()))];
    }
    // DeleteObjects is authorized as s3:DeleteObject on every key it names.
    if let Some(i) = input.downcast_ref::<o::delete_objects::DeleteObjectsInput>() {
        let keys = i.delete().map(|d| d.objects()).unwrap_or_default();
        return keys.iter().map(|k| (a("DeleteObject"), object(i.bucket(), k.key()))).collect();
    }
    if let Some(i) = input.downcast_ref::<o::list_objects_v2::ListObjectsV2Input>() {
        return vec![(a("ListBucket"), b(i.bucket()).unwrap_or(Res::Bucket))];
    }
    if let Some(i) = input.downcast_ref::<o::get_object::GetObjectInput>() {
        return vec![(a("GetObject"), object(i.bucket(), i.key().unwrap_or_default()))];
    }
    if let Some(i) = input.downcast_ref::<o::head_object::HeadObjectInput>() {
        return vec![(a("GetObject"), object(i.bucket(), i.key().unwrap_or_default()))];
    }
    vec![(format!("s3:?{op} (no IAM mapping in bench/src/iam/record.rs)"), Res::Bucket)]
}

/// Where the calls go: the function a step runs (`None`: seeding and checks of the script itself).
#[derive(Debug, Default)]
struct State {
    function: Option<String>,
    step: String,
    table: String,
    bucket: String,
    /// Needs by function, each with the first step that showed it.
    needs: BTreeMap<String, BTreeMap<Need, String>>,
    /// Steps run, by function.
    steps: BTreeMap<String, BTreeSet<String>>,
}

/// The recorder: add it to the stack's DynamoDB and S3 clients, then mark each step with
/// [`Recorder::step`] (and the script's own seeding with [`Recorder::setup`]).
#[derive(Debug, Clone, Default)]
pub struct Recorder(Arc<Mutex<State>>);

impl Recorder {
    pub fn new(table: &str, bucket: &str) -> Self {
        let r = Self::default();
        if let Ok(mut s) = r.0.lock() {
            s.table = table.to_string();
            s.bucket = bucket.to_string();
        }
        r
    }

    /// The calls that follow are `function`'s (running `step`).
    pub fn step(&self, function: &str, step: &str) {
        if let Ok(mut s) = self.0.lock() {
            s.function = Some(function.to_string());
            s.step = step.to_string();
            s.steps.entry(function.to_string()).or_default().insert(step.to_string());
        }
    }

    /// The calls that follow are the script's own (seeding, checks): not attributed.
    pub fn setup(&self) {
        if let Ok(mut s) = self.0.lock() {
            s.function = None;
        }
    }

    /// Every need by function, with the first step that showed it.
    pub fn needs(&self) -> BTreeMap<String, BTreeMap<Need, String>> {
        self.0.lock().map(|s| s.needs.clone()).unwrap_or_default()
    }

    /// Steps run, by function.
    pub fn steps(&self) -> BTreeMap<String, BTreeSet<String>> {
        self.0.lock().map(|s| s.steps.clone()).unwrap_or_default()
    }

    fn add(&self, needs: impl FnOnce(&str, &str) -> Vec<Need>) {
        if let Ok(mut s) = self.0.lock() {
            let Some(function) = s.function.clone() else { return };
            let found = needs(&s.table, &s.bucket);
            let step = s.step.clone();
            let entry = s.needs.entry(function).or_default();
            for n in found {
                entry.entry(n).or_insert_with(|| step.clone());
            }
        }
    }
}

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "IamRecorder"
    }

    /// S3: from the typed input (once per call; the operation's metadata is in the bag by now).
    fn read_before_serialization(
        &self,
        ctx: &BeforeSerializationInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(m) = cfg.load::<Metadata>() else { return Ok(()) };
        if m.service().eq_ignore_ascii_case("s3") {
            let op = m.name().to_string();
            self.add(|_, bucket| s3_needs(&op, ctx.input(), bucket));
        }
        Ok(())
    }

    /// DynamoDB: from the JSON request (every attempt; the needs are a set).
    fn read_before_transmit(
        &self,
        ctx: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(m) = cfg.load::<Metadata>() else { return Ok(()) };
        if m.service().eq_ignore_ascii_case("dynamodb") {
            let op = m.name().to_string();
            let body: Value =
                serde_json::from_slice(ctx.request().body().bytes().unwrap_or_default()).unwrap_or_default();
            self.add(|table, _| dynamodb_needs(&op, &body, table));
        }
        Ok(())
    }
}

/// `client` with the recorder on (its other interceptors and settings kept).
pub fn s3_with(client: &aws_sdk_s3::Client, rec: &Recorder) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(client.config().to_builder().interceptor(rec.clone()).build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn transactions_need_one_action_per_item_kind() {
        let body = json!({"TransactItems": [
            {"Put": {"TableName": "t"}}, {"Update": {"TableName": "t"}},
            {"ConditionCheck": {"TableName": "t"}}, {"Delete": {"TableName": "other"}}]});
        let needs: BTreeSet<_> = dynamodb_needs("TransactWriteItems", &body, "t").into_iter().collect();
        let want: BTreeSet<Need> = [
            ("dynamodb:PutItem".to_string(), Res::Table),
            ("dynamodb:UpdateItem".to_string(), Res::Table),
            ("dynamodb:ConditionCheckItem".to_string(), Res::Table),
            ("dynamodb:DeleteItem".to_string(), Res::Other("table other".into())),
        ]
        .into();
        assert_eq!(needs, want);
        let q = dynamodb_needs("Query", &json!({"TableName": "t", "IndexName": "GSI1"}), "t");
        assert_eq!(q, vec![("dynamodb:Query".to_string(), Res::Index("GSI1".into()))]);
        let unknown = dynamodb_needs("ExecuteStatement", &json!({}), "t");
        assert!(unknown[0].0.starts_with("dynamodb:?ExecuteStatement"));
    }
}
