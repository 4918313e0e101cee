//! Helpers for the CLI tests: run the built `sifund` binary, make datasets, read outputs.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn sifund(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sifund"))
        .args(args)
        .output()
        .expect("sifund runs")
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh temporary folder under target/ (kept out of the source tree, removed first).
pub fn temp(name: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    p
}

/// Generates a dataset (once per name and size) and returns its folder.
pub fn dataset(dir: &Path, persons: u64, seed: u64, faults: bool) -> PathBuf {
    let out = dir.join(format!("data-{persons}-{seed}-{faults}"));
    let mut args = vec!["generate", "--out", out.to_str().unwrap(), "--persons"];
    let p = persons.to_string();
    let s = seed.to_string();
    args.push(&p);
    args.extend(["--seed", &s]);
    if faults {
        args.push("--faults");
    }
    let o = sifund(&args);
    assert_eq!(code(&o), 0, "generate failed: {}", stderr(&o));
    out
}

pub fn validate(data: &Path, out: &Path) -> Output {
    stage("validate", data, out)
}

pub fn manifest(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap()
}

/// Reads a small CSV into rows of fields (no quoted commas in the files read this way).
pub fn csv(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

/// Every file under a folder, relative path → bytes.
pub fn tree(root: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    fn walk(root: &Path, dir: &Path, out: &mut std::collections::BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    walk(root, root, &mut out);
    out
}

/// The manifest without its timings (the only part allowed to differ between runs).
pub fn manifest_without_timings(bytes: &[u8]) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    v.as_object_mut().unwrap().remove("timings_ms");
    v
}

/// Runs one stage command (with the stages it needs) on a dataset, year 2025.
pub fn stage(name: &str, data: &Path, out: &Path) -> Output {
    stage_with(name, data, out, &[])
}

/// A stage command on a dataset, year 2025, with more arguments.
pub fn stage_with(name: &str, data: &Path, out: &Path, more: &[&str]) -> Output {
    let mut args = vec![
        name,
        "--dataset",
        data.to_str().unwrap(),
        "--year",
        "2025",
        "--output",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(more);
    sifund(&args)
}

/// Writes `p.toml` in `dir` (dataset, year 2025, output `out`, then `extra` TOML) and runs
/// `sifund budget` on it.
pub fn budget_with(dir: &Path, data: &Path, extra: &str) -> Output {
    let pipeline = write_pipeline(dir, data, extra);
    sifund(&["budget", pipeline.to_str().unwrap()])
}

/// Writes `p.toml` in `dir`: dataset, year 2025, output `out`, then `extra` TOML.
pub fn write_pipeline(dir: &Path, data: &Path, extra: &str) -> PathBuf {
    let pipeline = dir.join("p.toml");
    std::fs::write(
        &pipeline,
        format!(
            "dataset = \"{}\"\nyear = 2025\noutput = \"out\"\n{extra}",
            data.display()
        ),
    )
    .unwrap();
    pipeline
}

/// Copies a dataset folder's files to `dst`, leaving out the named ones.
pub fn copy_dataset(src: &Path, dst: &Path, except: &[&str]) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let p = e.unwrap().path();
        if !except.iter().any(|x| p.file_name().unwrap() == *x) {
            std::fs::copy(&p, dst.join(p.file_name().unwrap())).unwrap();
        }
    }
}

/// Reads a CSV with quoted fields (RFC 4180) into rows of fields, header skipped.
pub fn csv_quoted(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut rows = Vec::new();
    let (mut row, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => row.push(std::mem::take(&mut field)),
            ('\n', false) => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            _ => field.push(c),
        }
    }
    rows.into_iter().skip(1).collect()
}

/// Names of the worksheets of an XLSX file, in order.
pub fn xlsx_sheets(path: &Path) -> Vec<String> {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut xml = String::new();
    z.by_name("xl/workbook.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    xml.split("<sheet name=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_string())
        .collect()
}

/// The distinct values of a string column of a Parquet file.
pub fn distinct_strings(path: &Path, column: &str) -> std::collections::BTreeSet<String> {
    sifund::engine::read_all(path)
        .unwrap()
        .column(column)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.unwrap().to_string())
        .collect()
}

/// Rewrites a dataset so that every table is read in many slices: each table in row groups
/// of `rows` rows, and `contributions` and `payouts` split over three files in a folder of
/// the table's name (non-Parquet files are copied as they are).
pub fn many_slices(src: &Path, dst: &Path, rows: usize) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        let Some(table) = name.strip_suffix(".parquet") else {
            std::fs::copy(&p, dst.join(&name)).unwrap();
            continue;
        };
        let df = sifund::engine::read_all(&p).unwrap();
        let parts = if ["contributions", "payouts"].contains(&table) {
            3
        } else {
            1
        };
        let per_file = df.height().div_ceil(parts).max(1);
        for k in 0..parts {
            let part = df.slice((k * per_file) as i64, per_file);
            let path = if parts == 1 {
                dst.join(&name)
            } else {
                std::fs::create_dir_all(dst.join(table)).unwrap();
                dst.join(table).join(format!("part-{k}.parquet"))
            };
            let mut sink = sifund::engine::ParquetSink::create(&path, &part).unwrap();
            let mut off = 0;
            while off < part.height() {
                sink.write(part.slice(off as i64, rows)).unwrap();
                off += rows;
            }
            sink.finish().unwrap();
        }
    }
}

/// A string column of a frame, cell by cell.
pub fn strings(df: &sifund::engine::DataFrame, name: &str) -> Vec<Option<String>> {
    df.column(name)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.map(str::to_string))
        .collect()
}

/// Row numbers listed in `rejects/<table>.parquet` (for single-file tables).
pub fn rejected_rows(out: &Path, table: &str) -> std::collections::BTreeSet<u64> {
    let df = sifund::engine::read_all(&out.join(format!("rejects/{table}.parquet"))).unwrap();
    df.column("source_row")
        .unwrap()
        .u64()
        .unwrap()
        .iter()
        .flatten()
        .collect()
}

/// `Some` of a string cell, for hand-made input rows.
pub fn s(v: &str) -> Option<String> {
    Some(v.to_string())
}

/// Fen of a yuan text ("1234.50"), for hand-made money cells.
pub fn fen(v: &str) -> Option<i64> {
    sifund::model::money::parse_yuan(v)
}

/// An `opening_balances` row of region 440300 (the hand-made years' region): book balance
/// `amount`, and the same on the statement of a bank account.
pub fn opening(
    scheme: &str,
    account: &str,
    amount: &str,
) -> sifund::generate::records::OpeningBalance {
    sifund::generate::records::OpeningBalance {
        region: s("440300"),
        scheme: s(scheme),
        account: s(account),
        book: fen(amount),
        statement: (account != "investment").then(|| fen(amount).unwrap()),
    }
}
