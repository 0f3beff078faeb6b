//! What infra/template.yaml grants each function: its explicit statements (SAM `Policies`, or the
//! inline policies of an explicit `Role`), SAM policy templates expanded to their documented
//! actions, and what SAM adds by itself; plus the fixed allowances the template's own event
//! sources require (stream reads, the failure destination), which no code path shows.

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml::Value;

use super::record::{Need, Res};

/// The one managed policy a function role may carry: CloudWatch Logs for the Lambda runtime
/// (SAM attaches it to every role it generates).
pub const LOGS_POLICY: &str = "service-role/AWSLambdaBasicExecutionRole";

/// What Lambda's event source mapping calls with the function's role to read a DynamoDB stream.
pub const STREAM_READ: &[&str] =
    &["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"];

/// One function of the template and what it is granted.
#[derive(Debug, Clone, Default)]
pub struct FunctionPolicy {
    pub logical_id: String,
    /// `Metadata.BuildProperties.Binary`: the crate, and the name the derived sets use.
    pub binary: String,
    /// (action, resource pattern) pairs granted.
    pub grants: BTreeSet<(String, Res)>,
    /// Needs the template's own wiring adds (event sources), with why.
    pub allowances: BTreeMap<Need, String>,
    /// What cannot be checked or is never allowed (managed policies, `*`, unknown templates).
    pub problems: Vec<String>,
}

/// SAM policy templates, expanded to the actions and resources SAM documents for them
/// (samtranslator's policy_templates.json), so that one in the template is compared exactly
/// instead of being trusted.
fn sam_template(name: &str) -> Option<Vec<(&'static [&'static str], &'static [Res])>> {
    const TABLE_AND_INDEXES: &[Res] = &[Res::Table, Res::Index(String::new())];
    const BUCKET_AND_OBJECTS: &[Res] = &[Res::Bucket, Res::Objects(String::new())];
    Some(match name {
        "DynamoDBCrudPolicy" => vec![(
            &[
                "dynamodb:GetItem",
                "dynamodb:DeleteItem",
                "dynamodb:PutItem",
                "dynamodb:Scan",
                "dynamodb:Query",
                "dynamodb:UpdateItem",
                "dynamodb:BatchWriteItem",
                "dynamodb:BatchGetItem",
                "dynamodb:DescribeTable",
                "dynamodb:ConditionCheckItem",
            ][..],
            TABLE_AND_INDEXES,
        )],
        "DynamoDBReadPolicy" => vec![(
            &["dynamodb:GetItem", "dynamodb:Scan", "dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:DescribeTable"]
                [..],
            TABLE_AND_INDEXES,
        )],
        "DynamoDBWritePolicy" => {
            vec![(&["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"][..], TABLE_AND_INDEXES)]
        }
        "DynamoDBStreamReadPolicy" => vec![(STREAM_READ, &[Res::Stream][..])],
        "S3CrudPolicy" => vec![(
            &[
                "s3:GetObject",
                "s3:ListBucket",
                "s3:GetBucketLocation",
                "s3:GetObjectVersion",
                "s3:PutObject",
                "s3:PutObjectAcl",
                "s3:GetLifecycleConfiguration",
                "s3:PutLifecycleConfiguration",
                "s3:DeleteObject",
            ][..],
            BUCKET_AND_OBJECTS,
        )],
        "S3ReadPolicy" => vec![(
            &[
                "s3:GetObject",
                "s3:ListBucket",
                "s3:GetBucketLocation",
                "s3:GetObjectVersion",
                "s3:GetLifecycleConfiguration",
            ][..],
            BUCKET_AND_OBJECTS,
        )],
        "S3WritePolicy" => {
            vec![(&["s3:PutObject", "s3:PutObjectAcl", "s3:PutLifecycleConfiguration"][..], BUCKET_AND_OBJECTS)]
        }
        _ => return None,
    })
}

/// The template's resources by logical id.
pub struct Template<'a> {
    resources: BTreeMap<String, &'a Value>,
    globals: Option<&'a Value>,
}

fn kind(v: &Value) -> &str {
    v.get("Type").and_then(Value::as_str).unwrap_or_default()
}

/// `!GetAtt X.Attr` / `{"Fn::GetAtt": [X, Attr]}` → "X.Attr"; `!Sub s` / `{"Fn::Sub": s}` → s;
/// `!Ref X` → X; a plain string → itself.
fn intrinsic(v: &Value) -> Option<(&'static str, String)> {
    match v {
        Value::String(s) => Some(("", s.clone())),
        Value::Tagged(t) => {
            let name = ["GetAtt", "Sub", "Ref"].into_iter().find(|n| t.tag == format!("!{n}").as_str())?;
            t.value.as_str().map(|s| (name, s.to_string()))
        }
        Value::Mapping(m) if m.len() == 1 => {
            let (k, v) = m.iter().next()?;
            match (k.as_str()?, v) {
                ("Fn::GetAtt", Value::Sequence(s)) if s.len() == 2 => {
                    Some(("GetAtt", format!("{}.{}", s[0].as_str()?, s[1].as_str()?)))
                }
                ("Fn::GetAtt", Value::String(s)) => Some(("GetAtt", s.clone())),
                ("Fn::Sub", Value::String(s)) => Some(("Sub", s.clone())),
                ("Ref", Value::String(s)) => Some(("Ref", s.clone())),
                _ => None,
            }
        }
        _ => None,
    }
}

/// A value or a list of values.
fn list(v: Option<&Value>) -> Vec<&Value> {
    match v {
        Some(Value::Sequence(s)) => s.iter().collect(),
        Some(v) => vec![v],
        None => Vec::new(),
    }
}

impl<'a> Template<'a> {
    pub fn new(t: &'a Value) -> Self {
        let resources = t
            .get("Resources")
            .and_then(Value::as_mapping)
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v)))
            .collect();
        Self { resources, globals: t.get("Globals").and_then(|g| g.get("Function")) }
    }

    fn of_kind(&self, k: &str) -> Option<&str> {
        let mut it = self.resources.iter().filter(|(_, v)| kind(v) == k).map(|(n, _)| n.as_str());
        let first = it.next();
        if it.next().is_some() {
            return None;
        }
        first
    }

    /// The logo bucket: the one the functions' `LOGO_BUCKET` names (`!Ref X` in the globals),
    /// else the stack's only bucket (the console's bucket is read by CloudFront, not a function).
    fn logo_bucket(&self) -> Option<&str> {
        let named = self.globals.and_then(|g| g.get("Environment")?.get("Variables")?.get("LOGO_BUCKET"));
        let named = match named {
            Some(Value::Tagged(t)) if t.tag == "!Ref" => t.value.as_str(),
            _ => None,
        };
        named.or_else(|| self.of_kind("AWS::S3::Bucket"))
    }

    /// A `Resource` entry as one of the stack's resources.
    pub fn resource(&self, v: &Value) -> Res {
        let table = self.of_kind("AWS::DynamoDB::Table").unwrap_or("?");
        let bucket = self.logo_bucket().unwrap_or("?");
        let other = || Res::Other(format!("{v:?}").replace('\n', " "));
        let Some((how, text)) = intrinsic(v) else { return other() };
        match how {
            "GetAtt" => {
                let (name, attr) = text.split_once('.').unwrap_or((&text, ""));
                match (name, attr) {
                    (n, "Arn") if n == table => Res::Table,
                    (n, "StreamArn") if n == table => Res::Stream,
                    (n, "Arn") if n == bucket => Res::Bucket,
                    (n, "Arn") if self.resources.get(n).map(|r| kind(r)) == Some("AWS::SQS::Queue") => {
                        Res::Queue(n.to_string())
                    }
                    _ => Res::Other(format!("!GetAtt {text}")),
                }
            }
            "Sub" => {
                let t = format!("${{{table}.Arn}}/");
                let b = format!("${{{bucket}.Arn}}/");
                if let Some(rest) = text.strip_prefix(&t) {
                    if let Some(index) = rest.strip_prefix("index/") {
                        return Res::Index(index.to_string());
                    }
                    if rest.starts_with("stream/") {
                        return Res::Stream;
                    }
                } else if let Some(prefix) = text.strip_prefix(&b).and_then(|k| k.strip_suffix('*')) {
                    if !prefix.contains('*') {
                        return Res::Objects(prefix.to_string());
                    }
                }
                Res::Other(format!("!Sub {text}"))
            }
            _ => Res::Other(text),
        }
    }

    /// Grants of one IAM policy document's statements.
    fn statements(&self, doc: &Value, out: &mut FunctionPolicy, origin: &str) {
        for st in list(doc.get("Statement")) {
            if st.get("Effect").and_then(Value::as_str) != Some("Allow") {
                continue; // a Deny only takes away
            }
            if st.get("NotAction").is_some() || st.get("NotResource").is_some() {
                out.problems.push(format!("{origin}: NotAction / NotResource cannot be compared"));
                continue;
            }
            let resources: Vec<Res> = list(st.get("Resource")).into_iter().map(|r| self.resource(r)).collect();
            for a in list(st.get("Action")) {
                let Some(a) = a.as_str() else {
                    out.problems.push(format!("{origin}: an action that is not a string: {a:?}"));
                    continue;
                };
                for r in &resources {
                    out.grants.insert((a.to_string(), r.clone()));
                }
            }
        }
    }

    /// The managed policies of an explicit role: only the logs policy is allowed.
    fn managed(&self, arns: Option<&Value>, out: &mut FunctionPolicy) -> bool {
        let mut logs = false;
        for arn in list(arns) {
            let text = intrinsic(arn).map(|(_, t)| t).unwrap_or_default();
            if text.ends_with(&format!(":iam::aws:policy/{LOGS_POLICY}")) {
                logs = true;
            } else {
                out.problems.push(format!("managed policy {arn:?}: its actions cannot be checked; use statements"));
            }
        }
        logs
    }

    /// Every `AWS::Serverless::Function` with what it is granted.
    pub fn functions(&self) -> Vec<FunctionPolicy> {
        let mut out = Vec::new();
        for (id, r) in self.resources.iter().filter(|(_, r)| kind(r) == "AWS::Serverless::Function") {
            let binary = r["Metadata"]["BuildProperties"]["Binary"].as_str().unwrap_or_default().to_string();
            let mut f = FunctionPolicy { logical_id: id.clone(), binary, ..Default::default() };
            let p = &r["Properties"];
            for key in ["Policies", "Role"] {
                if self.globals.is_some_and(|g| g.get(key).is_some()) {
                    f.problems.push(format!("Globals.Function.{key}: grant per function, not to all"));
                }
            }
            let explicit_role = p.get("Role").is_some();
            if let Some(role) = p.get("Role") {
                if p.get("Policies").is_some() {
                    f.problems.push("both Role and Policies: SAM uses only the Role".into());
                }
                let role_id = intrinsic(role).map(|(_, t)| t.trim_end_matches(".Arn").to_string()).unwrap_or_default();
                match self.resources.get(&role_id).filter(|r| kind(r) == "AWS::IAM::Role") {
                    Some(role) => {
                        for policy in list(role["Properties"].get("Policies")) {
                            self.statements(&policy["PolicyDocument"], &mut f, &role_id);
                        }
                        if !self.managed(role["Properties"].get("ManagedPolicyArns"), &mut f) {
                            f.problems.push(format!("{role_id} lacks {LOGS_POLICY}: the function could not log"));
                        }
                    }
                    None => f.problems.push(format!("Role {role:?} is not an AWS::IAM::Role of the template")),
                }
            }
            for policy in list(p.get("Policies")) {
                match policy {
                    Value::Mapping(m) if m.contains_key("Statement") => self.statements(policy, &mut f, "Policies"),
                    Value::Mapping(m) if m.len() == 1 => {
                        let name = m.keys().next().and_then(Value::as_str).unwrap_or_default();
                        match sam_template(name) {
                            Some(parts) => {
                                for (actions, resources) in parts {
                                    for a in actions {
                                        for r in resources {
                                            let r = match r {
                                                Res::Index(_) => Res::Index("*".into()),
                                                other => other.clone(),
                                            };
                                            f.grants.insert((a.to_string(), r));
                                        }
                                    }
                                }
                            }
                            None => f.problems.push(format!("SAM policy template {name}: not known to the test")),
                        }
                    }
                    other => {
                        f.problems.push(format!("policy {other:?}: its actions cannot be checked; use statements"))
                    }
                }
            }
            self.events(p, explicit_role, &mut f);
            out.push(f);
        }
        out
    }

    /// Allowances of the function's event sources and failure destinations.
    fn events(&self, p: &Value, explicit_role: bool, f: &mut FunctionPolicy) {
        let send_to = |dest: &Value, why: &str, f: &mut FunctionPolicy| match self.resource(dest) {
            q @ Res::Queue(_) => {
                f.allowances.insert(("sqs:SendMessage".into(), q), why.to_string());
            }
            other => f.problems.push(format!("{why}: {other} is not a queue of the template")),
        };
        if let Some(target) = p.get("DeadLetterQueue").and_then(|d| d.get("TargetArn")) {
            send_to(target, "DeadLetterQueue", f);
        }
        for (name, ev) in p.get("Events").and_then(Value::as_mapping).into_iter().flatten() {
            let name = name.as_str().unwrap_or_default();
            let ep = &ev["Properties"];
            match ev.get("Type").and_then(Value::as_str).unwrap_or_default() {
                "DynamoDB" => {
                    let stream = ep.get("Stream").map(|s| self.resource(s)).unwrap_or(Res::Other("no stream".into()));
                    for a in STREAM_READ {
                        f.allowances.insert((a.to_string(), stream.clone()), format!("event {name}: stream reads"));
                    }
                    if !explicit_role {
                        f.problems.push(format!(
                            "event {name}: SAM attaches AWSLambdaDynamoDBExecutionRole (stream reads on *) to the role \
                             it generates; give the function an explicit Role with the stream reads on the stream"
                        ));
                    }
                    if let Some(d) = ep.get("DestinationConfig").and_then(|d| d.get("OnFailure")) {
                        send_to(&d["Destination"], &format!("event {name}: failed batches"), f);
                        if !explicit_role && d.get("Type").is_some() {
                            f.grants.insert(("sqs:SendMessage*".into(), self.resource(&d["Destination"])));
                        }
                    }
                }
                // Invoked through resource-based permissions: nothing on the function's role.
                "Schedule" | "ScheduleV2" | "Api" | "HttpApi" => {}
                other => f.problems.push(format!("event {name}: type {other} has no allowance known to the test")),
            }
        }
    }
}
