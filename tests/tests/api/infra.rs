//! The SAM template serves exactly the routes the routers serve, each one behind the Lambda
//! authorizer, through an integration that overwrites User-ID and Organization-ID from the
//! authorizer's context; every function it names is a binary of the workspace.

use std::collections::{BTreeMap, BTreeSet};

use orgs_local::functions::FUNCTIONS;
use orgs_local::table::template;
use serde_yaml::Value;

/// The text inside a `!Ref X`, `!GetAtt X.Arn` or `!Sub "...${X}..."` tag.
fn tagged(v: &Value, tag: &str) -> String {
    match v {
        Value::Tagged(t) if t.tag == tag => t.value.as_str().unwrap_or_default().to_string(),
        other => panic!("expected {tag}, got {other:?}"),
    }
}

#[test]
fn every_route_is_authorized_mapped_and_served() {
    let t = template().unwrap();
    let resources = t.get("Resources").unwrap().as_mapping().unwrap();
    let by_name: BTreeMap<String, &Value> =
        resources.iter().map(|(k, v)| (k.as_str().unwrap().to_string(), v)).collect();
    let kind = |v: &Value| v.get("Type").and_then(Value::as_str).unwrap_or_default().to_string();

    let mut in_template = BTreeSet::new();
    for (name, r) in &by_name {
        if kind(r) != "AWS::ApiGatewayV2::Route" {
            continue;
        }
        let p = &r["Properties"];
        assert_eq!(p["AuthorizationType"].as_str(), Some("CUSTOM"), "{name} is not behind the authorizer");
        let authorizer = tagged(&p["AuthorizerId"], "!Ref");
        assert_eq!(kind(by_name[&authorizer]), "AWS::ApiGatewayV2::Authorizer", "{name}");
        let target = tagged(&p["Target"], "!Sub");
        let integration = target.trim_start_matches("integrations/${").trim_end_matches('}').to_string();
        let i = &by_name[&integration]["Properties"];
        let params = i["RequestParameters"].as_mapping().unwrap_or_else(|| panic!("{integration} has no mapping"));
        let mapping = |h: &str| params.get(Value::String(format!("overwrite:header.{h}"))).and_then(Value::as_str);
        assert_eq!(mapping("User-ID"), Some("$context.authorizer.user_id"), "{integration}");
        assert_eq!(mapping("Organization-ID"), Some("$context.authorizer.organization_id"), "{integration}");
        let function = tagged(&i["IntegrationUri"], "!GetAtt").trim_end_matches(".Arn").to_string();
        let binary = by_name[&function]["Metadata"]["BuildProperties"]["Binary"].as_str().unwrap().to_string();
        let key = p["RouteKey"].as_str().unwrap();
        let (method, path) = key.split_once(' ').unwrap();
        assert!(in_template.insert((binary, method.to_string(), path.to_string())), "{key} twice");
    }
    let in_code: BTreeSet<_> = FUNCTIONS
        .iter()
        .flat_map(|f| f.routes.iter().map(move |r| (f.name.to_string(), r.method.to_string(), r.path.to_string())))
        .collect();
    assert_eq!(in_template, in_code);

    // The authorizer answers with simple responses and caches for a bounded time.
    let a = by_name.values().find(|r| kind(r) == "AWS::ApiGatewayV2::Authorizer").unwrap();
    assert_eq!(a["Properties"]["EnableSimpleResponses"].as_bool(), Some(true));
    let ttl = a["Properties"]["AuthorizerResultTtlInSeconds"].as_u64().unwrap();
    assert!(ttl <= 60, "revocation delay {ttl}s");

    // Every function's binary is a package of the workspace.
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../functions");
    for r in by_name.values().filter(|r| kind(r) == "AWS::Serverless::Function") {
        let binary = r["Metadata"]["BuildProperties"]["Binary"].as_str().unwrap();
        assert!(workspace.join(binary).join("Cargo.toml").exists(), "no crate for {binary}");
    }
}

/// The admin console's bucket is private and read only by its CloudFront distribution (Origin
/// Access Control), which serves it under a strict Content-Security-Policy (issue 24).
#[test]
fn console_bucket_is_private_behind_cloudfront_with_a_strict_csp() {
    let t = template().unwrap();
    let r = &t["Resources"];
    let block = &r["ConsoleBucket"]["Properties"]["PublicAccessBlockConfiguration"];
    for k in ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"] {
        assert_eq!(block[k].as_bool(), Some(true), "{k}");
    }
    let statements = r["ConsoleBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"].as_sequence().unwrap();
    for s in statements.iter().filter(|s| s["Effect"].as_str() == Some("Allow")) {
        assert_eq!(s["Principal"]["Service"].as_str(), Some("cloudfront.amazonaws.com"));
        assert_eq!(s["Action"].as_str(), Some("s3:GetObject"));
        let arn = tagged(&s["Condition"]["StringEquals"]["AWS:SourceArn"], "!Sub");
        assert!(arn.ends_with(":distribution/${ConsoleDistribution}"), "{arn}");
    }
    let origins = r["ConsoleDistribution"]["Properties"]["DistributionConfig"]["Origins"].as_sequence().unwrap();
    let s3 = origins.iter().find(|o| o["Id"].as_str() == Some("console")).unwrap();
    assert_eq!(tagged(&s3["OriginAccessControlId"], "!GetAtt"), "ConsoleOriginAccessControl.Id");
    let csp = &r["ConsoleHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
        ["ContentSecurityPolicy"]["ContentSecurityPolicy"];
    let Value::Tagged(sub) = csp else { panic!("the CSP is a !Sub") };
    let policy = sub.value.as_sequence().unwrap()[0].as_str().unwrap();
    for part in ["default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'"] {
        assert!(policy.contains(part), "{part} missing from {policy}");
    }
    assert!(!policy.contains("unsafe-"), "{policy}");
    // The same policy as the local console's.
    assert!(orgs_local::console::CSP.starts_with("default-src 'self'; script-src 'self'; style-src 'self';"));
}
