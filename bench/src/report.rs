//! Results of each bench (a markdown section and its budgets, saved as JSON under
//! `target/bench/`) and docs/PERFORMANCE.md assembled from them.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

/// One budget of issue 9 and whether it held.
#[derive(Debug, Clone)]
pub struct Budget {
    pub name: String,
    pub holds: bool,
    /// The figure against the limit, e.g. "6.1 MB = 1.10× ≤ 1.15×".
    pub figure: String,
}

impl Budget {
    pub fn new(name: impl Into<String>, holds: bool, figure: impl Into<String>) -> Self {
        Self { name: name.into(), holds, figure: figure.into() }
    }
}

/// What a bench produced.
#[derive(Debug, Clone, Default)]
pub struct Section {
    pub markdown: String,
    pub budgets: Vec<Budget>,
}

pub fn out_dir() -> PathBuf {
    PathBuf::from(std::env::var("BENCH_OUT").unwrap_or_else(|_| "target/bench".into()))
}

impl Section {
    pub fn save(&self, name: &str) -> std::io::Result<PathBuf> {
        let dir = out_dir();
        std::fs::create_dir_all(&dir)?;
        let budgets: Vec<Value> =
            self.budgets.iter().map(|b| json!({"name": b.name, "holds": b.holds, "figure": b.figure})).collect();
        let path = dir.join(format!("{name}.json"));
        std::fs::write(&path, serde_json::to_vec_pretty(&json!({"markdown": self.markdown, "budgets": budgets}))?)?;
        Ok(path)
    }

    pub fn load(name: &str) -> Option<Self> {
        let v: Value = serde_json::from_slice(&std::fs::read(out_dir().join(format!("{name}.json"))).ok()?).ok()?;
        let budgets = v["budgets"]
            .as_array()?
            .iter()
            .map(|b| {
                Budget::new(
                    b["name"].as_str().unwrap_or(""),
                    b["holds"].as_bool().unwrap_or(false),
                    b["figure"].as_str().unwrap_or(""),
                )
            })
            .collect();
        Some(Self { markdown: v["markdown"].as_str()?.to_string(), budgets })
    }

    /// Prints the section and its budgets.
    pub fn print(&self) {
        println!("{}", self.markdown);
        for b in &self.budgets {
            println!("{} {}: {}", if b.holds { "HOLDS" } else { "FAILS" }, b.name, b.figure);
        }
    }
}

/// The sections, in the order the document shows them.
pub const SECTIONS: [&str; 6] = ["machine", "init", "size", "cost", "scale", "overhead"];

/// Fills `{{name}}` placeholders of the template with the saved sections and `{{budgets}}` with
/// the summary. Returns the document and whether every budget held (a missing section fails).
pub fn assemble(template: &str) -> (String, bool) {
    let mut doc = template.to_string();
    let mut rows = Vec::new();
    let mut all = true;
    for name in SECTIONS {
        match Section::load(name) {
            Some(s) => {
                doc = doc.replace(&format!("{{{{{name}}}}}"), s.markdown.trim_end());
                for b in s.budgets {
                    all &= b.holds;
                    rows.push(format!(
                        "| {} | {} | {} |",
                        b.name,
                        b.figure,
                        if b.holds { "holds" } else { "**fails**" }
                    ));
                }
            }
            None => {
                all = false;
                doc = doc.replace(&format!("{{{{{name}}}}}"), &format!("_(the {name} bench has not run)_"));
                rows.push(format!("| {name} | not measured | **fails** |"));
            }
        }
    }
    let table = format!("| budget | measured | verdict |\n|---|---|---|\n{}", rows.join("\n"));
    (doc.replace("{{budgets}}", &table), all)
}

pub fn write_doc(template: &Path, out: &Path) -> std::io::Result<bool> {
    let (doc, ok) = assemble(&std::fs::read_to_string(template)?);
    std::fs::write(out, doc)?;
    Ok(ok)
}

/// `1.234` → "1.23"; whole numbers without decimals.
pub fn num(x: f64) -> String {
    if (x - x.round()).abs() < 1e-9 {
        format!("{}", x.round() as i64)
    } else {
        format!("{x:.2}")
    }
}
