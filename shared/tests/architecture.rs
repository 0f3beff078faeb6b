//! Architecture rules of the workspace, checked on the source tree (no build of anything else):
//!
//! 1. The top-level modules of `shared/src` depend on each other one way only: the graph of
//!    `crate::<module>` references (in `use` items and paths, comments excluded) has no cycle.
//! 2. No `.rs` file under `shared/`, `functions/` or `local/` is over [`MAX_LINES`] lines.
//! 3. Function crates do not compare built-in roles: that is `shared::authz`'s job.
//! 4. Permits are issued only by `shared::authz` (and defined in `shared::policy::permit`);
//!    no function crate runs as a system job.
//! 5. Function crates never see a key: no `keys::`, `model::keys` or `store::keys` under
//!    `functions/*/src` (the store builds every key string; `shared/src/store/keys.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 400;

/// Files allowed over [`MAX_LINES`] for now, each with the reason (workspace-relative paths).
const LONG_FILE_EXCEPTIONS: &[(&str, &str)] = &[];

/// Role-related lines allowed in function crates: (file, exact code on the line, reason).
const ROLE_EXCEPTIONS: &[(&str, &str, &str)] = &[
    (
        "functions/users/src/service.rs",
        "body.role.unwrap_or(Role::User)",
        "the default role of a created user when the body names none: parsing, not a decision",
    ),
    (
        "functions/permissions/src/disabled.rs",
        "\"role\": caller.role()",
        "renders the caller's role name in the response's metadata: rendering, not a decision",
    ),
];

/// Files of function crates where naming built-in roles is rendering or parsing.
const ROLE_RENDERING_FILES: &[&str] = &["view.rs", "input.rs", "filter.rs"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().to_string();
        if p.is_dir() {
            if name != "target" && !name.starts_with('.') {
                rs_files(&p, out);
            }
        } else if name.ends_with(".rs") {
            out.push(p);
        }
    }
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).to_string_lossy().replace('\\', "/")
}

/// The code of a line, without its `//` comment (a `//` inside a string literal is kept).
fn code(line: &str) -> &str {
    let b = line.as_bytes();
    let mut in_str = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if in_str => i += 1,
            b'"' => in_str = !in_str,
            b'/' if !in_str && b.get(i + 1) == Some(&b'/') => return &line[..i],
            _ => {}
        }
        i += 1;
    }
    line
}

fn code_of(text: &str) -> String {
    text.lines().map(code).collect::<Vec<_>>().join("\n")
}

fn ident_at(s: &str) -> &str {
    let end = s.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(s.len());
    &s[..end]
}

/// The first identifiers of every `crate::` path in `src` (a group `crate::{a::b, c}` gives `a`, `c`).
fn crate_refs(src: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = src;
    while let Some(i) = rest.find("crate::") {
        let before = rest[..i].chars().last();
        rest = &rest[i + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // e.g. `my_crate::`
        }
        let t = rest.trim_start();
        if let Some(group) = t.strip_prefix('{') {
            let (mut depth, mut item_start, mut end) = (0usize, 0usize, group.len());
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        end = j;
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.push(ident_at(group[item_start..j].trim_start()).to_string());
                        item_start = j + 1;
                    }
                    _ => {}
                }
            }
            out.push(ident_at(group[item_start..end].trim_start()).to_string());
        } else {
            out.push(ident_at(t).to_string());
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// The top-level modules declared in `lib.rs`, and the crate-root re-exports (name → module).
fn lib_modules(lib: &str) -> (BTreeSet<String>, BTreeMap<String, String>) {
    let mut mods = BTreeSet::new();
    let mut reexports = BTreeMap::new();
    for line in lib.lines().map(|l| code(l).trim()) {
        if let Some(m) = line.strip_prefix("pub mod ").or_else(|| line.strip_prefix("mod ")) {
            mods.insert(m.trim_end_matches(';').trim().to_string());
        } else if let Some(u) = line.strip_prefix("pub use ") {
            let module = ident_at(u).to_string();
            let names = u.rsplit("::").next().unwrap_or("").trim_end_matches(';');
            for n in names.trim_matches(|c| c == '{' || c == '}').split(',') {
                reexports.insert(n.trim().to_string(), module.clone());
            }
        }
    }
    (mods, reexports)
}

fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_string(), 1);
        stack.push(n.to_string());
        for m in graph.get(n).into_iter().flatten() {
            match state.get(m.as_str()) {
                Some(1) => {
                    let i = stack.iter().position(|s| s == m).expect("on the stack");
                    let mut cycle = stack[i..].to_vec();
                    cycle.push(m.clone());
                    return Some(cycle);
                }
                Some(_) => {}
                None => {
                    if let Some(c) = visit(m, graph, state, stack) {
                        return Some(c);
                    }
                }
            }
        }
        stack.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in graph.keys() {
        if !state.contains_key(n.as_str()) {
            if let Some(c) = visit(n, graph, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

#[test]
fn shared_top_level_modules_form_a_dag() {
    let src = root().join("shared/src");
    let (mods, reexports) = lib_modules(&fs::read_to_string(src.join("lib.rs")).expect("lib.rs"));
    let mut graph: BTreeMap<String, BTreeSet<String>> = mods.iter().map(|m| (m.clone(), BTreeSet::new())).collect();
    let mut why: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut files = Vec::new();
    rs_files(&src, &mut files);
    for f in files {
        let r = f.strip_prefix(&src).expect("under src").to_string_lossy().replace('\\', "/");
        let from = r.split('/').next().expect("a component").trim_end_matches(".rs").to_string();
        if from == "lib" {
            continue;
        }
        assert!(mods.contains(&from), "shared/src/{r} belongs to no module declared in lib.rs");
        for name in crate_refs(&code_of(&fs::read_to_string(&f).expect("readable"))) {
            let to = if mods.contains(&name) {
                name
            } else if let Some(m) = reexports.get(&name) {
                m.clone()
            } else {
                continue;
            };
            if to != from {
                why.entry((from.clone(), to.clone())).or_insert_with(|| format!("shared/src/{r}"));
                graph.get_mut(&from).expect("declared").insert(to);
            }
        }
    }
    if let Some(cycle) = find_cycle(&graph) {
        let steps: Vec<String> = cycle
            .windows(2)
            .map(|w| format!("  {} -> {} ({})", w[0], w[1], why[&(w[0].clone(), w[1].clone())]))
            .collect();
        panic!("the top-level modules of shared/src have a cycle:\n{}", steps.join("\n"));
    }
}

#[test]
fn no_source_file_is_over_the_limit() {
    let mut files = Vec::new();
    for d in ["shared", "functions", "local"] {
        rs_files(&root().join(d), &mut files);
    }
    let mut long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let n = fs::read_to_string(f).expect("readable").lines().count();
            let r = rel(f);
            (n > MAX_LINES && !LONG_FILE_EXCEPTIONS.iter().any(|(p, _)| *p == r)).then(|| format!("  {r}: {n} lines"))
        })
        .collect();
    long.sort();
    assert!(long.is_empty(), "files over {MAX_LINES} lines (split them):\n{}", long.join("\n"));
    for (p, reason) in LONG_FILE_EXCEPTIONS {
        assert!(root().join(p).exists(), "stale exception {p} ({reason}): remove it from LONG_FILE_EXCEPTIONS");
    }
}

#[test]
fn function_crates_do_not_compare_built_in_roles() {
    const ALWAYS: &[&str] = &["manages_users", "manages_organizations", "role_has", "Role::User"];
    const OUTSIDE_RENDERING: &[&str] = &["Role::Admin", "Role::Superadmin", ".role()"];
    let mut files = Vec::new();
    rs_files(&root().join("functions"), &mut files);
    let mut bad = Vec::new();
    let mut used = BTreeSet::new();
    for f in files {
        let r = rel(&f);
        if !r.contains("/src/") {
            continue;
        }
        let rendering = ROLE_RENDERING_FILES.iter().any(|n| r.ends_with(&format!("/{n}")));
        for (i, line) in fs::read_to_string(&f).expect("readable").lines().enumerate() {
            let c = code(line);
            let hit =
                ALWAYS.iter().chain(if rendering { &[][..] } else { OUTSIDE_RENDERING }).find(|p| c.contains(**p));
            let Some(p) = hit else { continue };
            match ROLE_EXCEPTIONS.iter().position(|(file, text, _)| *file == r && c.contains(text)) {
                Some(e) => {
                    used.insert(e);
                }
                None => bad.push(format!("  {r}:{}: `{p}` in `{}`", i + 1, c.trim())),
            }
        }
    }
    assert!(
        bad.is_empty(),
        "function crates decide with built-in roles (use shared::authz's permits and rules instead, or add a \
         ROLE_EXCEPTIONS entry with its reason):\n{}",
        bad.join("\n")
    );
    for (i, (file, text, _)) in ROLE_EXCEPTIONS.iter().enumerate() {
        assert!(used.contains(&i), "stale role exception: `{text}` no longer in {file}");
    }
}

#[test]
fn permits_are_issued_only_by_authz() {
    let mut files = Vec::new();
    for d in ["shared", "functions", "local", "tests", "bench", "fuzz"] {
        rs_files(&root().join(d), &mut files);
    }
    let mut bad = Vec::new();
    for f in files {
        let r = rel(&f);
        if r == "shared/tests/architecture.rs" {
            continue;
        }
        let authz = r.starts_with("shared/src/authz/") || r == "shared/src/policy/permit.rs";
        for (i, line) in fs::read_to_string(&f).expect("readable").lines().enumerate() {
            let c = code(line);
            if !authz && c.contains("Permit::issue(") && !c.contains("SystemPermit::issue(") {
                bad.push(format!("  {r}:{}: Permit::issue outside shared::authz", i + 1));
            }
            if r.starts_with("functions/") && c.contains("SystemPermit::for_job") {
                bad.push(format!("  {r}:{}: a function crate runs as a system job", i + 1));
            }
        }
    }
    assert!(bad.is_empty(), "permits issued where they must not be:\n{}", bad.join("\n"));
}

#[test]
fn function_crates_do_not_build_keys() {
    const KEY_PATHS: &[&str] = &["keys::", "model::keys", "store::keys"];
    let mut files = Vec::new();
    rs_files(&root().join("functions"), &mut files);
    let mut bad = Vec::new();
    for f in files {
        let r = rel(&f);
        if !r.contains("/src/") {
            continue;
        }
        let text = fs::read_to_string(&f).expect("readable");
        // `use shared::store::{keys, ..}` names the module without a `keys::` path.
        let grouped = |l: &str| l.contains("store::{") && l.split(['{', ',', '}']).any(|w| w.trim() == "keys");
        for (i, line) in text.lines().enumerate() {
            if let Some(p) = KEY_PATHS.iter().find(|p| line.contains(**p)) {
                bad.push(format!("  {r}:{}: `{p}` in `{}`", i + 1, line.trim()));
            } else if grouped(line) {
                bad.push(format!("  {r}:{}: `keys` imported in `{}`", i + 1, line.trim()));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "function crates build or name keys (use the store's typed reads and constructors instead):\n{}",
        bad.join("\n")
    );
}
