//! R30, least privilege that is proven: the IAM actions each function needs are derived from
//! the AWS calls its code makes, and compared with what infra/template.yaml grants it.
//!
//! - [`record`]: an SDK interceptor on the stack's DynamoDB and S3 clients maps every call to
//!   its IAM actions and resources (a transaction to its per-item actions, `DeleteObjects` to
//!   `s3:DeleteObject` on each key, `ListObjectsV2` to `s3:ListBucket`, a Query of an index to
//!   the index), attributed to the function whose step is running;
//! - [`script`]: the steps: every route once (`routes::run_all`), the routes it leaves out, the
//!   idempotency paths of every writing POST, the authorizer with a real token, and the deletion
//!   of a populated subtree inline and by the deletion worker (stream event, then the schedule);
//! - [`template`]: what the template grants each function, plus the allowances its event sources
//!   need (stream reads, the failure destination);
//! - [`compare`]: per function, actions missing and granted but never called, resources not
//!   granted or granted but never used, and anything not scoped to the stack's resources.

pub mod record;
pub mod script;
pub mod template;

use std::collections::{BTreeMap, BTreeSet};

use orgs_local::functions::{path_matches, FUNCTIONS};

pub use record::{Need, Recorder, Res};
pub use template::{FunctionPolicy, Template};

/// Does grant pattern `p` cover the resource `r` a call acted on?
pub fn covers(p: &Res, r: &Res) -> bool {
    match (p, r) {
        (Res::Index(p), Res::Index(n)) => p == "*" || p == n,
        (Res::Objects(prefix), Res::Objects(key)) => key.starts_with(prefix.as_str()),
        (Res::Other(_), _) | (_, Res::Other(_)) => false,
        (p, r) => p == r,
    }
}

/// The `ROUTES` entry (function, "METHOD pattern") serving a request; an exact pattern beats
/// one with parameters, as in API Gateway.
pub fn route_of(method: &str, path: &str) -> Option<(&'static str, String)> {
    let path = path.split('?').next().unwrap_or(path);
    let all = || FUNCTIONS.iter().flat_map(|f| f.routes.iter().map(move |r| (f.name, (r.method, r.path))));
    let hit = |exact: bool| all().find(|(_, (m, p))| *m == method && p.contains('{') != exact && path_matches(p, path));
    hit(true).or_else(|| hit(false)).map(|(f, (m, p))| (f, format!("{m} {p}")))
}

/// Everything the IAM test finds wrong; empty when every function's grants are its needs.
pub fn compare(
    derived: &BTreeMap<String, BTreeMap<Need, String>>,
    steps: &BTreeMap<String, BTreeSet<String>>,
    functions: &[FunctionPolicy],
) -> Vec<String> {
    let mut out = Vec::new();
    // Every function of the template is driven, and every route of every router is run.
    for f in functions {
        if !steps.contains_key(&f.binary) {
            out.push(format!(
                "{} (binary {}): no derived set: the IAM script never ran it (an HTTP function belongs in \
                 orgs_local::functions::FUNCTIONS and its routes in the script; any other is driven in \
                 bench/src/iam/script.rs)",
                f.logical_id, f.binary
            ));
        }
    }
    let mut ran: BTreeSet<(String, String)> = BTreeSet::new();
    for (function, labels) in steps {
        // Functions that are no router (the authorizer, the deletion worker) have no routes.
        if !FUNCTIONS.iter().any(|f| f.name == function.as_str()) {
            continue;
        }
        for label in labels {
            // "METHOD /path" or "METHOD /path (case)".
            let mut words = label.split(' ');
            let (Some(method), Some(path)) = (words.next(), words.next()) else { continue };
            match route_of(method, path) {
                Some((owner, route)) if owner == function.as_str() => {
                    ran.insert((owner.to_string(), route));
                }
                Some((owner, route)) => {
                    out.push(format!("step {label:?} was attributed to {function}, but {owner} serves {route}"))
                }
                None => out.push(format!("step {label:?} of {function} matches no route")),
            }
        }
    }
    for f in FUNCTIONS {
        for &shared::policy::route::Route { method: m, path: p, .. } in f.routes {
            if !ran.contains(&(f.name.to_string(), format!("{m} {p}"))) {
                out.push(format!("{}: route {m} {p} is not run by the IAM script (bench/src/iam/script.rs)", f.name));
            }
        }
    }
    for function in derived.keys() {
        if !functions.iter().any(|f| &f.binary == function) {
            out.push(format!("{function} calls AWS but is no function of infra/template.yaml"));
        }
    }
    for f in functions {
        out.extend(compare_one(f, derived.get(&f.binary)));
    }
    out
}

/// The findings of one function.
fn compare_one(f: &FunctionPolicy, derived: Option<&BTreeMap<Need, String>>) -> Vec<String> {
    let name = &f.logical_id;
    let mut out: Vec<String> = f.problems.iter().map(|p| format!("{name}: {p}")).collect();
    let mut needs: BTreeMap<Need, String> = derived.cloned().unwrap_or_default();
    needs.extend(f.allowances.iter().map(|(n, why)| (n.clone(), format!("allowance: {why}"))));
    for ((action, res), step) in &needs {
        if action.contains('?') || matches!(res, Res::Other(_)) {
            out.push(format!("{name}: {action} on {res} (in {step}): not a resource of the stack, or no IAM mapping"));
        }
    }
    for (action, res) in &f.grants {
        if let Res::Other(what) = res {
            out.push(format!("{name}: {action} granted on {what}: not scoped to the table, its index or stream, the logo bucket or the queue"));
        }
    }
    let needed: BTreeSet<&String> = needs.keys().map(|(a, _)| a).collect();
    let granted: BTreeSet<&String> = f.grants.iter().map(|(a, _)| a).collect();
    let missing: Vec<String> = needed
        .difference(&granted)
        .map(|a| {
            let step = needs.iter().find(|((x, _), _)| x == *a).map(|(_, s)| s.as_str()).unwrap_or_default();
            format!("{a} (first in: {step})")
        })
        .collect();
    let unused: Vec<&String> = granted.difference(&needed).copied().collect();
    if !missing.is_empty() {
        out.push(format!("{name}: actions missing: {}", missing.join(", ")));
    }
    if !unused.is_empty() {
        out.push(format!(
            "{name}: actions granted but never called: {}",
            unused.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
        ));
    }
    // Resources, for the actions on both sides.
    for ((action, res), step) in &needs {
        if granted.contains(action) && !f.grants.iter().any(|(a, p)| a == action && covers(p, res)) {
            out.push(format!("{name}: {action} on {res} (first in: {step}) is not granted on that resource"));
        }
    }
    for (action, p) in &f.grants {
        if needed.contains(action)
            && !matches!(p, Res::Other(_))
            && !needs.keys().any(|(a, r)| a == action && covers(p, r))
        {
            out.push(format!("{name}: {action} granted on {p} but never called there"));
        }
    }
    out
}

/// The derived set as a table: per function and action, the resources and the first step
/// that called it (or the template allowance that needs it).
pub fn table(functions: &[FunctionPolicy], derived: &BTreeMap<String, BTreeMap<Need, String>>) -> String {
    let mut s = String::from("| function | action | resources | first needed by |\n|---|---|---|---|\n");
    for f in functions {
        let mut by_action: BTreeMap<&str, (BTreeSet<String>, &str)> = BTreeMap::new();
        let derived = derived.get(&f.binary).into_iter().flatten().map(|(n, s)| (n, s.as_str()));
        for ((a, r), step) in derived.chain(f.allowances.iter().map(|(n, why)| (n, why.as_str()))) {
            let shown = match r {
                Res::Objects(k) => format!("LogoBucket/{}/*", k.split('/').next().unwrap_or_default()),
                other => other.to_string(),
            };
            by_action.entry(a.as_str()).or_insert((BTreeSet::new(), step)).0.insert(shown);
        }
        for (a, (rs, step)) in by_action {
            let rs = rs.into_iter().collect::<Vec<_>>().join(", ");
            s.push_str(&format!("| {} | {a} | {rs} | {step} |\n", f.binary));
        }
    }
    s
}
