//! The repository explains itself: the reject-code table of `docs/inputs.md` is the code's
//! `RULES`, every reject code the row rules can return is in `RULES`, and every relative link
//! of the Markdown files resolves inside the repository.
//!
//! `SIFUND_BLESS=1 cargo test --test docs` rewrites the generated table.

use std::path::{Path, PathBuf};

use sifund::ingest::rules::{RULES, WARNINGS};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A code table as the docs show it, from `RULES` or `WARNINGS`.
fn code_table(codes: &[(&str, &str, &str)]) -> String {
    let mut out = String::from("| table | code | meaning |\n| --- | --- | --- |\n");
    for (table, code, meaning) in codes {
        let table = if *table == "*" { "every table" } else { table };
        let meaning = meaning.replace('|', "\\|");
        out.push_str(&format!("| {table} | `{code}` | {meaning} |\n"));
    }
    out
}

/// The generated block `name` of docs/inputs.md equals `want` (or is rewritten to it).
fn generated_block(name: &str, want: String) {
    let (begin, end) = (format!("<!-- BEGIN {name}"), format!("<!-- END {name} -->"));
    let path = root().join("docs/inputs.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let start = text.find(&begin).expect("begin marker in docs/inputs.md");
    let body = start + text[start..].find('\n').unwrap() + 1;
    let end = text.find(&end).expect("end marker in docs/inputs.md");
    if std::env::var_os("SIFUND_BLESS").is_some() {
        let new = format!("{}{}{}", &text[..body], want, &text[end..]);
        std::fs::write(&path, new).unwrap();
        return;
    }
    assert_eq!(
        &text[body..end],
        want,
        "docs/inputs.md's {name} differ from the code: run SIFUND_BLESS=1 cargo test --test docs"
    );
}

#[test]
fn the_reject_code_table_in_the_docs_is_the_code_s() {
    generated_block("reject-codes", code_table(RULES));
}

#[test]
fn the_warning_code_table_in_the_docs_is_the_code_s() {
    generated_block("warning-codes", code_table(WARNINGS));
}

/// Every `"column.rule"` literal in the row rules is listed in `RULES`, exactly or by one of
/// its generic forms (`<column>.null`, `<column>.implausible`, `<key>.duplicate`).
#[test]
fn every_code_the_rules_return_is_listed() {
    let src = std::fs::read_to_string(root().join("src/ingest/rules.rs")).unwrap();
    let body = &src[..src.find("#[cfg(test)]").unwrap_or(src.len())];
    let listed: Vec<&str> = RULES.iter().chain(WARNINGS).map(|r| r.1).collect();
    let mut missing = Vec::new();
    for lit in body.split('"').skip(1).step_by(2) {
        let Some((col, rule)) = lit.split_once('.') else {
            continue;
        };
        let is_code = !col.is_empty()
            && !rule.is_empty()
            && lit
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'.');
        if !is_code {
            continue;
        }
        let generic = matches!(rule, "null" | "implausible" | "duplicate");
        if !generic && !listed.contains(&lit) {
            missing.push(lit.to_string());
        }
    }
    assert!(
        missing.is_empty(),
        "codes returned but not in RULES or WARNINGS: {missing:?}"
    );
    // The check reads something: the rules return dozens of codes.
    assert!(body.matches(".unknown\"").count() > 10);
}

fn markdown_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if p.is_dir() {
            if !(name.starts_with('.') || name == "target") {
                markdown_files(&p, out);
            }
        } else if name.ends_with(".md") {
            out.push(p);
        }
    }
}

/// Targets of Markdown links `](target)` in a text.
fn links(text: &str) -> Vec<String> {
    text.split("](")
        .skip(1)
        .filter_map(|rest| rest.split_once(')').map(|(t, _)| t.to_string()))
        .collect()
}

#[test]
fn every_link_in_the_docs_resolves_inside_the_repository() {
    let root = root();
    let mut files = Vec::new();
    markdown_files(&root, &mut files);
    files.sort();
    let mut broken = Vec::new();
    let mut checked = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let rel = f.strip_prefix(&root).unwrap().display().to_string();
        for bad in ["../shared", "/work/shared"] {
            if text.contains(bad) {
                broken.push(format!("{rel}: mentions {bad}"));
            }
        }
        for target in links(&text) {
            let target = target.split_whitespace().next().unwrap_or("").to_string();
            if target.contains("://") || target.starts_with('#') || target.starts_with("mailto:") {
                continue;
            }
            let path = target.split('#').next().unwrap();
            let resolved = f.parent().unwrap().join(path);
            checked += 1;
            let inside = resolved
                .canonicalize()
                .map(|p| p.starts_with(&root))
                .unwrap_or(false);
            if !inside {
                broken.push(format!("{rel}: {target}"));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "links that do not resolve inside the repository: {broken:#?}"
    );
    assert!(
        checked > 20,
        "only {checked} links found: is the link parser broken?"
    );
}
