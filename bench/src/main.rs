//! `orgs-bench <init|size|cost|scale|overhead|machine|report>`: the benchmarks of issue 9.
//! Run them all with `scripts/bench` (it builds the release binaries and starts the local stack
//! first); each saves its section under `target/bench/`, and `report` writes docs/PERFORMANCE.md
//! and exits non-zero if a budget failed.

mod cost;
mod init;
mod machine;
mod overhead;
mod scale;
mod size;

use orgs_bench::report::{write_doc, Section};

/// The release binaries of the service (those API Gateway and the worker invoke).
pub const FUNCTIONS: [&str; 11] = [
    "organizations",
    "users",
    "user-groups",
    "api-tokens",
    "permissions",
    "rbac-templates",
    "roles",
    "activities",
    "organization-requests",
    "authorizer",
    "deletion-worker",
];

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    args.windows(2).find(|w| w[0] == name).and_then(|w| w[1].parse().ok()).unwrap_or(default)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first().cloned() else {
        eprintln!("usage: orgs-bench <init|size|cost|scale|overhead|machine|report> [options]");
        std::process::exit(2);
    };
    let bin_dir = std::path::PathBuf::from(arg(&args, "--bin-dir", "target/release".to_string()));
    let section: Section = match cmd.as_str() {
        "init" => init::run(&bin_dir, arg(&args, "--runs", 31)),
        "size" => size::run(&bin_dir),
        "cost" => runtime().block_on(cost::run()),
        "scale" => {
            let sizes: String = arg(&args, "--sizes", "1000,10000,100000".to_string());
            let sizes: Vec<usize> = sizes.split(',').filter_map(|s| s.trim().parse().ok()).collect();
            runtime().block_on(scale::run(&sizes))
        }
        "overhead" => overhead::run(arg(&args, "--requests", 10_000)),
        "machine" => machine::run(),
        "report" => {
            let template = std::path::PathBuf::from(arg(&args, "--template", "bench/PERFORMANCE.md.in".to_string()));
            let out = std::path::PathBuf::from(arg(&args, "--out", "docs/PERFORMANCE.md".to_string()));
            match write_doc(&template, &out) {
                Ok(true) => {
                    println!("wrote {}: every budget holds", out.display());
                    return;
                }
                Ok(false) => {
                    println!("wrote {}: a budget fails (see its summary table)", out.display());
                    std::process::exit(1);
                }
                Err(e) => {
                    eprintln!("report: {e}");
                    std::process::exit(2);
                }
            }
        }
        other => {
            eprintln!("unknown bench {other}");
            std::process::exit(2);
        }
    };
    section.print();
    match section.save(&cmd) {
        Ok(p) => eprintln!("saved {}", p.display()),
        Err(e) => {
            eprintln!("could not save results: {e}");
            std::process::exit(2);
        }
    }
}
