//! `size`: the stripped release binary of every function against the SDK hello (lambda_http +
//! aws-config + aws-sdk-dynamodb + aws-sdk-s3, same profile). Reported, not budgeted (issue 23:
//! users feel cold start and latency, which the init and overhead benches budget).

use std::path::Path;

use orgs_bench::report::Section;

use crate::FUNCTIONS;

/// Whether an ELF file still has a symbol table (section name `.symtab`).
fn has_symtab(bytes: &[u8]) -> bool {
    bytes.windows(8).any(|w| w == b".symtab\0")
}

fn mb(bytes: u64) -> String {
    format!("{:.2} MB", bytes as f64 / 1e6)
}

pub fn run(dir: &Path) -> Section {
    let read = |name: &str| {
        let path = dir.join(name);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| {
            eprintln!("size: {}: {e} (build the release binaries first: scripts/bench does)", path.display());
            std::process::exit(2);
        });
        if has_symtab(&bytes) {
            eprintln!("size: {} is not stripped", path.display());
            std::process::exit(2);
        }
        bytes.len() as u64
    };
    let hello = read("hello");
    let sdk = read("sdk-hello");
    let mut md = String::from("| binary | stripped size | ÷ sdk-hello |\n|---|---:|---:|\n");
    md.push_str(&format!("| hello (lambda_http only) | {} | {:.2}× |\n", mb(hello), hello as f64 / sdk as f64));
    md.push_str(&format!("| sdk-hello (yardstick) | {} | 1.00× |\n", mb(sdk)));
    let mut worst = (0.0f64, "");
    for f in FUNCTIONS {
        let n = read(f);
        let r = n as f64 / sdk as f64;
        if r > worst.0 {
            worst = (r, f);
        }
        md.push_str(&format!("| {f} | {} | {r:.2}× |\n", mb(n)));
    }
    md.push_str(&format!("\nMB = 10⁶ bytes. Reported, not budgeted; the largest is {} at {:.2}×.\n", worst.1, worst.0));
    Section { markdown: md, budgets: Vec::new() }
}
