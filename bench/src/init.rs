//! `init`: cold start of each release binary against a minimal local Lambda Runtime API: the
//! time from spawning the process to its first `GET /2018-06-01/runtime/invocation/next`, which
//! is where Lambda's "Init Duration" ends. Rounds alternate every function with the two hello
//! binaries (same profile, same environment), in a new shuffled order each round (seeded, so a
//! rerun starts them in the same orders). In the rotating order used before, each binary always
//! followed the same one, and `organizations` always followed `sdk-hello`, the heaviest start and
//! exit of all: whatever its exit left to the kernel fell on `organizations` alone.
//!
//! Every binary is dropped from the page cache before the untimed round, which reads it back from
//! disk: each one starts from the state a deployed package's file is in after it is first read,
//! whatever wrote it. Without this the figures followed each file's history (just linked, copied,
//! partly evicted by a build in between): a copy written with `cp` took a quarter fewer page
//! faults in its code than the same bytes read from disk, and `hello`'s median moved between 1.2
//! and 1.9 ms from run to run (docs/PERFORMANCE.md, "Where init stands").

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use orgs_bench::report::{Budget, Section};
use orgs_bench::stats::{median, quantile};

use crate::FUNCTIONS;

/// The stub: accepts connections and reports the arrival time of every `/next` request line.
/// It never answers, so the runtime waits there until the bench kills it.
fn runtime_api_stub() -> (String, mpsc::Receiver<Instant>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind runtime API stub");
    let addr = listener.local_addr().expect("addr").to_string();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let tx = tx.clone();
            std::thread::spawn(move || {
                let mut line = String::new();
                let mut reader = BufReader::new(&stream);
                if reader.read_line(&mut line).is_ok() && line.contains("/2018-06-01/runtime/invocation/next") {
                    let _ = tx.send(Instant::now());
                }
                // Hold the connection open until the process is killed.
                let mut rest = Vec::new();
                let _ = std::io::Read::read_to_end(&mut reader, &mut rest);
            });
        }
    });
    (addr, rx)
}

/// CPU time (ms) the process has run so far, all threads (`/proc/<pid>/task/*/schedstat`).
fn cpu_ms(pid: u32) -> f64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return f64::NAN };
    let mut ns = 0u64;
    for t in tasks.flatten() {
        if let Ok(s) = std::fs::read_to_string(t.path().join("schedstat")) {
            ns += s.split_whitespace().next().and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        }
    }
    ns as f64 / 1e6
}

/// One cold start: milliseconds from spawn to the first `/next`, and the CPU milliseconds the
/// process had used by then.
fn cold_start(
    bin: &Path,
    name: &str,
    api: &str,
    next: &mpsc::Receiver<Instant>,
    extra_env: &[(&str, &str)],
) -> Result<(f64, f64), String> {
    while next.try_recv().is_ok() {}
    let started = Instant::now();
    let mut child = Command::new(bin)
        .envs(extra_env.iter().copied())
        .env("AWS_LAMBDA_RUNTIME_API", api)
        .env("AWS_LAMBDA_FUNCTION_NAME", name)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
        .env("TABLE_NAME", "orgs-bench")
        .env("LOGO_BUCKET", "orgs-bench-logos")
        .env("TOKEN_ENCRYPTION_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("spawn {}: {e}", bin.display()))?;
    let got = next.recv_timeout(Duration::from_secs(10));
    let cpu = cpu_ms(child.id());
    let _ = child.kill();
    let _ = child.wait();
    match got {
        Ok(at) => Ok((at.duration_since(started).as_secs_f64() * 1e3, cpu)),
        Err(_) => Err(format!("{name} never asked for an invocation")),
    }
}

/// Drops `bin` from the page cache (written back first, so that every page is clean and can go):
/// the next start reads it from disk, as a deployed function's package is read.
fn evict_from_page_cache(bin: &Path) -> Result<(), String> {
    use std::os::fd::AsRawFd;
    let file = std::fs::File::open(bin).map_err(|e| format!("open {}: {e}", bin.display()))?;
    file.sync_all().map_err(|e| format!("sync {}: {e}", bin.display()))?;
    // SAFETY: `file` is an open descriptor for the whole call; posix_fadvise reads no memory of ours.
    let rc = unsafe { libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
    if rc == 0 {
        Ok(())
    } else {
        Err(format!("posix_fadvise {}: error {rc}", bin.display()))
    }
}

/// Samples (wall ms, CPU ms) over `runs` rounds of `names`, each in a shuffled order, started
/// with `extra_env`.
fn rounds(
    dir: &Path,
    names: &[&str],
    runs: usize,
    api: &str,
    next: &mpsc::Receiver<Instant>,
    extra_env: &[(&str, &str)],
) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    let mut cpu: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    let mut rng = fastrand::Rng::with_seed(0x01ce_5eed);
    let mut order: Vec<usize> = (0..names.len()).collect();
    for name in names {
        evict_from_page_cache(&dir.join(name)).unwrap_or_else(|e| {
            eprintln!("init: {e}");
            std::process::exit(2);
        });
    }
    // One untimed round reads every binary back into the page cache.
    for round in 0..=runs {
        rng.shuffle(&mut order);
        for &i in &order {
            let (ms, c) = cold_start(&dir.join(names[i]), names[i], api, next, extra_env).unwrap_or_else(|e| {
                eprintln!("init: {e}");
                std::process::exit(2);
            });
            if round > 0 {
                samples[i].push(ms);
                cpu[i].push(c);
            }
        }
    }
    (samples, cpu)
}

pub fn run(dir: &Path, runs: usize) -> Section {
    for var in ["AWS_REGION", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_S3", "AWS_ACCESS_KEY_ID"] {
        if std::env::var(var).is_err() {
            eprintln!("init: {var} is not set: run through scripts/bench (it points the SDK at the local stack)");
            std::process::exit(2);
        }
    }
    let (api, next) = runtime_api_stub();
    let mut names: Vec<&str> = vec!["hello", "sdk-hello"];
    names.extend(FUNCTIONS);
    let (samples, cpu) = rounds(dir, &names, runs, &api, &next, &[]);
    let hello = median(&samples[0]);
    let sdk_hello = median(&samples[1]);
    let hello_cpu = median(&cpu[0]);
    let mut md = String::from(
        "| binary | median ms | p90 ms | min ms | median ÷ hello | median ÷ sdk-hello | CPU ms (median) | CPU ÷ hello |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut worst = (0.0f64, "");
    for (i, name) in names.iter().enumerate() {
        let s = &samples[i];
        let m = median(s);
        let min = s.iter().copied().fold(f64::INFINITY, f64::min);
        if i >= 2 && m / hello > worst.0 {
            worst = (m / hello, name);
        }
        let c = median(&cpu[i]);
        md.push_str(&format!(
            "| {name} | {m:.2} | {:.2} | {min:.2} | {:.2}× | {:.2}× | {c:.2} | {:.2}× |\n",
            quantile(s, 0.9),
            m / hello,
            m / sdk_hello,
            c / hello_cpu
        ));
    }
    md.push_str(&format!(
        "\n{runs} timed rounds (after one untimed round), each starting all {} binaries in a new shuffled order; \
         spawn → first `/next` against a local Runtime API stub, SDK clients built at init, \
         endpoints at the local stack. CPU ms: what the process had run by then, all threads \
         (`/proc/<pid>/task/*/schedstat`), which other work on the machine disturbs less than wall time.\n",
        names.len()
    ));
    // Diagnostic: what trusting the system's root CAs too (TLS_NATIVE_ROOTS=true, the opt-out of
    // shared::runtime::aws_clients) costs at init: the SDK parses the whole store when it builds a client.
    let diag_names = ["hello", "organizations", "authorizer"];
    let (diag, diag_cpu) = rounds(dir, &diag_names, runs, &api, &next, &[("TLS_NATIVE_ROOTS", "true")]);
    let (h, hc) = (median(&diag[0]), median(&diag_cpu[0]));
    md.push_str(
        "\nDiagnostic, not the budget: the same functions with `TLS_NATIVE_ROOTS=true`, which makes the SDK \
         clients trust the system's root CAs as well as the AWS ones (the SDK parses the whole store when a \
         client is built):\n\n\
         | binary | median ms | median ÷ hello | CPU ms | CPU ÷ hello |\n|---|---:|---:|---:|---:|\n",
    );
    for (i, name) in diag_names.iter().enumerate() {
        let (m, c) = (median(&diag[i]), median(&diag_cpu[i]));
        md.push_str(&format!("| {name} | {m:.2} | {:.2}× | {c:.2} | {:.2}× |\n", m / h, c / hc));
    }
    Section {
        markdown: md,
        budgets: vec![Budget::new(
            "Init: median ≤ 1.5× hello",
            worst.0 <= 1.5,
            format!("worst {} at {:.2}× (hello median {hello:.2} ms)", worst.1, worst.0),
        )],
    }
}
