//! The shape of the code, kept by a test (as rust-analyzer's tidy tests do): modules import
//! only their own layer or lower ones —
//! model (model, error, fault, csv, config) → engine → ingest → stages → report → run (run, generate) —
//! and a stage only the stages before it in the pipeline (ledger → flows, reconcile, census →
//! budget → disclose).

use std::path::Path;

/// A module's rank: a later layer may import an earlier one, never the reverse.
fn rank(module: &str) -> Option<u32> {
    Some(match module {
        "model" | "error" | "fault" | "csv" | "config" | "ensure_invariant" => 0,
        "engine" => 10,
        "ingest" => 20,
        "ledger" => 30,
        "flows" | "reconcile" | "census" => 31,
        "budget" => 32,
        "disclose" => 33,
        "report" => 40,
        "run" | "generate" => 50,
        _ => return None,
    })
}

/// `crate::<module>` references in a file, `crate::{a, b::c}` included.
fn imports(text: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = Vec::new();
    for (i, m) in text.match_indices("crate::") {
        let rest = &text[i + m.len()..];
        let Some(group) = rest.strip_prefix('{') else {
            out.push(ident(rest));
            continue;
        };
        // Top-level names of the group.
        let (mut depth, mut start) = (0, 0);
        for (k, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    out.push(ident(&group[start..k]));
                    break;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    out.push(ident(&group[start..k]));
                    start = k + 1;
                }
                _ => {}
            }
        }
    }
    out.retain(|m| !m.is_empty());
    out
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn no_module_imports_a_later_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    files.sort();
    let mut wrong = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(&src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.trim_end_matches(".rs").to_string();
        if module == "lib" || module == "main" {
            continue;
        }
        let own = rank(&module).unwrap_or_else(|| panic!("{module}: add it to a layer"));
        let text = std::fs::read_to_string(f).unwrap();
        for m in imports(&text) {
            let theirs =
                rank(&m).unwrap_or_else(|| panic!("{}: crate::{m} has no layer", rel.display()));
            if theirs > own {
                wrong.push(format!("{} imports crate::{m}", rel.display()));
            }
        }
    }
    wrong.sort();
    wrong.dedup();
    assert!(
        wrong.is_empty(),
        "imports of a later layer:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_check_itself_sees_a_wrong_import() {
    assert_eq!(
        imports("use crate::report::Csv; x crate::model::Fen; use crate::{a::{b, c}, d};"),
        ["report", "model", "a", "d"]
    );
    assert!(rank("report") > rank("ledger"));
    assert!(rank("ledger") < rank("disclose"));
}
