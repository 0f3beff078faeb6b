//! The SAM template lists exactly the routes the routers serve, each function's binary exists,
//! and the table it defines is the one the store uses.

use std::collections::BTreeSet;

use orgs_local::functions::FUNCTIONS;
use orgs_local::table::template;

#[test]
fn template_routes_equal_router_routes() {
    let t = template().unwrap();
    let resources = t.get("Resources").unwrap().as_mapping().unwrap();
    let mut in_template = BTreeSet::new();
    let mut binaries = BTreeSet::new();
    for (_, r) in resources {
        if r.get("Type").and_then(|t| t.as_str()) != Some("AWS::Serverless::Function") {
            continue;
        }
        let binary = r["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .unwrap()
            .to_string();
        binaries.insert(binary.clone());
        if let Some(events) = r["Properties"].get("Events").and_then(|e| e.as_mapping()) {
            for (_, e) in events {
                if e["Type"].as_str() == Some("HttpApi") {
                    let p = &e["Properties"];
                    in_template.insert((
                        binary.clone(),
                        p["Method"].as_str().unwrap().to_string(),
                        p["Path"].as_str().unwrap().to_string(),
                    ));
                }
            }
        }
    }
    let in_code: BTreeSet<_> = FUNCTIONS
        .iter()
        .flat_map(|f| {
            f.routes
                .iter()
                .map(move |(m, p)| (f.name.to_string(), m.to_string(), p.to_string()))
        })
        .collect();
    assert_eq!(in_template, in_code);
    let functions: BTreeSet<_> = FUNCTIONS.iter().map(|f| f.name.to_string()).collect();
    assert!(functions.is_subset(&binaries), "every function is deployed");
}
