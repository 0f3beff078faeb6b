//! `machine`: what the figures were measured on.

use orgs_bench::report::Section;

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

fn mem_total() -> String {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal"))
                .map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_string())
        })
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| format!("{:.1} GiB", kb / 1024.0 / 1024.0))
        .unwrap_or_else(|| "unknown".into())
}

fn command(cmd: &str, args: &[&str]) -> String {
    std::process::Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

pub fn run() -> Section {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let md = format!(
        "| | |\n|---|---|\n| CPU | {} |\n| cores (`nproc`) | {} |\n| memory | {} |\n| kernel | {} |\n| rustc | {} |\n| measured | {} |\n",
        cpu_model(),
        cores,
        mem_total(),
        command("uname", &["-sr"]),
        command("rustc", &["--version"]),
        command("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
    );
    Section { markdown: md, budgets: Vec::new() }
}
