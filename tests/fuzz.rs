//! The fuzz campaign (issue 14): thousands of malformed datasets, each run through every stage.
//!
//! Each case starts from a small clean dataset of the generator and applies one to three
//! mutations drawn from a seeded generator: wrong column types, nulls everywhere, extreme
//! dates, amounts and integers, odd strings, truncated, empty and byte-flipped files, odd or
//! non-UTF-8 Hive folder names, duplicate column names in the footer, missing and extra
//! columns, a file present twice. For every case sifund must end with exit 0, 1 or 2 — never
//! 3 and never a signal; on 2 nothing is written; on 0 and 1 the manifest's rows read equal the
//! rows of the dataset's Parquet files as this test counts them, and read = accepted + rejected.
//!
//! `SIFUND_FUZZ_CASES` sets the number of cases (default 3000), `SIFUND_FUZZ_SEED` the seed.
//! A failing case's dataset is kept under the test's temp folder and named in the message.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use common::*;
use polars::prelude::*;

/// The input tables, by name (the product's own list: a table added there is fuzzed too).
fn tables() -> Vec<&'static str> {
    sifund::ingest::Table::ALL
        .iter()
        .map(|t| t.name())
        .collect()
}

/// SplitMix64: small, seeded, the same cases on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Mutation {
    WrongType,
    AllNull,
    ExtremeDates,
    ExtremeAmounts,
    ExtremeInts,
    OddStrings,
    Truncated,
    Empty,
    NoRows,
    ByteFlips,
    OddHiveFolder,
    DuplicateColumn,
    MissingColumn,
    ExtraColumn,
    FileTwice,
}

const MUTATIONS: [Mutation; 15] = [
    Mutation::WrongType,
    Mutation::AllNull,
    Mutation::ExtremeDates,
    Mutation::ExtremeAmounts,
    Mutation::ExtremeInts,
    Mutation::OddStrings,
    Mutation::Truncated,
    Mutation::Empty,
    Mutation::NoRows,
    Mutation::ByteFlips,
    Mutation::OddHiveFolder,
    Mutation::DuplicateColumn,
    Mutation::MissingColumn,
    Mutation::ExtraColumn,
    Mutation::FileTwice,
];

/// Where a table's data lives in a case's dataset: its single file, or its folder.
fn table_path(data: &Path, table: &str) -> Option<PathBuf> {
    let single = data.join(format!("{table}.parquet"));
    if single.is_file() {
        return Some(single);
    }
    let mut files = Vec::new();
    collect(&data.join(table), &mut files);
    files.sort();
    files.into_iter().next()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "parquet") {
            out.push(p);
        }
    }
}

fn columns_of(df: &DataFrame, pred: impl Fn(&DataType) -> bool) -> Vec<String> {
    df.columns()
        .iter()
        .filter(|c| pred(c.dtype()))
        .map(|c| c.name().to_string())
        .collect()
}

fn replace(df: &mut DataFrame, col: Column) {
    df.with_column(col).expect("same height");
}

/// A column of `n` values drawn from `pool`.
fn from_pool<T: Clone>(rng: &mut Rng, n: usize, pool: &[T]) -> Vec<T> {
    (0..n).map(|_| rng.pick(pool).clone()).collect()
}

fn decimal(name: &str, v: Vec<Option<i128>>, precision: usize, scale: usize) -> Column {
    let ca: Int128Chunked = v.into_iter().collect();
    ca.with_name(name.into())
        .into_decimal_unchecked(precision, scale)
        .into_column()
}

/// Applies one mutation to `table` of the dataset at `data`; returns a short description.
fn mutate(rng: &mut Rng, data: &Path, table: &str, m: Mutation) -> String {
    let Some(path) = table_path(data, table) else {
        return format!("{table}: absent, {m:?} skipped");
    };
    let bytes = std::fs::read(&path).unwrap();
    // polars may panic on a file an earlier mutation corrupted: that file is left as it is.
    let read = std::panic::catch_unwind(|| sifund::engine::read_all(&path));
    let Ok(Ok(df)) = read else {
        return format!("{table}: unreadable already, {m:?} skipped");
    };
    let frame = || df.clone();
    let write = |df: DataFrame| sifund::engine::write_parquet(&path, df).unwrap();
    match m {
        Mutation::Truncated => {
            let at = rng.below(bytes.len().max(1));
            std::fs::write(&path, &bytes[..at]).unwrap();
            format!("{table}: truncated at {at} of {}", bytes.len())
        }
        Mutation::Empty => {
            std::fs::write(&path, b"").unwrap();
            format!("{table}: empty file")
        }
        Mutation::ByteFlips => {
            let mut b = bytes;
            let k = 1 + rng.below(8);
            for _ in 0..k {
                let i = rng.below(b.len());
                b[i] ^= 1 << rng.below(8);
            }
            std::fs::write(&path, b).unwrap();
            format!("{table}: {k} bits flipped")
        }
        Mutation::DuplicateColumn => {
            // Two names of equal length in the footer: the second becomes the first.
            let df = frame();
            let names = columns_of(&df, |_| true);
            let a = rng.pick(&names).clone();
            let same: Vec<&String> = names
                .iter()
                .filter(|n| n.len() == a.len() && **n != a)
                .collect();
            let Some(b) = same.first() else {
                return format!("{table}: no column of the length of {a}");
            };
            let tail = bytes.len().saturating_sub(4096);
            let mut out = bytes.clone();
            let (needle, with) = (b.as_bytes(), a.as_bytes());
            let mut i = tail;
            while i + needle.len() <= out.len() {
                if &out[i..i + needle.len()] == needle {
                    out[i..i + needle.len()].copy_from_slice(with);
                }
                i += 1;
            }
            std::fs::write(&path, out).unwrap();
            format!("{table}: column {b} renamed {a} in the footer")
        }
        Mutation::FileTwice => {
            let dir = data.join(table);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::copy(&path, dir.join("copy-a.parquet")).unwrap();
            std::fs::rename(&path, dir.join("copy-b.parquet")).unwrap();
            format!("{table}: the file twice")
        }
        Mutation::OddHiveFolder => {
            use std::os::unix::ffi::OsStrExt;
            let odd: [&[u8]; 9] = [
                b"region=",
                b"=440100",
                b"region=%FF%FE",
                b"region=440100=3",
                b"scheme=110 ",
                b"region=\xff\xfe",
                b"\xe5\xb9\xb4=2025",
                b"region=440100/scheme=999",
                b"region=440100\nx",
            ];
            let name = *rng.pick(&odd);
            let dir = data.join(table).join(std::ffi::OsStr::from_bytes(name));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::rename(&path, dir.join("part-0.parquet")).unwrap();
            format!("{table}: moved into {:?}", String::from_utf8_lossy(name))
        }
        Mutation::NoRows => {
            write(frame().head(Some(0)));
            format!("{table}: no rows")
        }
        Mutation::MissingColumn => {
            let df = frame();
            let c = rng.pick(&columns_of(&df, |_| true)).clone();
            write(df.drop(&c).unwrap());
            format!("{table}: without {c}")
        }
        Mutation::ExtraColumn => {
            let mut df = frame();
            let n = df.height();
            let c = Column::new("zz_extra".into(), vec![1.5f64; n]);
            replace(&mut df, c);
            write(df);
            format!("{table}: extra column")
        }
        _ => {
            let mut df = frame();
            let n = df.height();
            let d = cell_mutation(rng, &mut df, n, m);
            write(df);
            format!("{table}: {d}")
        }
    }
}

/// The mutations that rewrite the cells of one column.
fn cell_mutation(rng: &mut Rng, df: &mut DataFrame, n: usize, m: Mutation) -> String {
    let all = columns_of(df, |_| true);
    let strings = columns_of(df, |t| matches!(t, DataType::String));
    let dates = columns_of(df, |t| matches!(t, DataType::Date));
    let money = columns_of(df, |t| matches!(t, DataType::Decimal(..)));
    let ints = columns_of(df, |t| matches!(t, DataType::Int32));
    let pick = |rng: &mut Rng, v: &[String]| -> Option<String> {
        (!v.is_empty()).then(|| rng.pick(v).clone())
    };
    match m {
        Mutation::WrongType => {
            let c = rng.pick(&all).clone();
            let kind = rng.below(6);
            let col = match kind {
                0 => Column::new(c.as_str().into(), vec![12.5f64; n]),
                1 => Column::new(c.as_str().into(), vec![440100i64; n]),
                2 => Column::new(c.as_str().into(), vec!["20250101"; n]),
                3 => Column::new(c.as_str().into(), vec![true; n]),
                4 => decimal(&c, vec![Some(123_456); n], 38, 4),
                _ => decimal(&c, vec![Some(1); n], 18, 3),
            };
            replace(df, col);
            format!("{c} as type {kind}")
        }
        Mutation::AllNull => {
            let c = rng.pick(&all).clone();
            let dtype = df.column(&c).unwrap().dtype().clone();
            replace(df, Column::full_null(c.as_str().into(), n, &dtype));
            format!("{c} all null")
        }
        Mutation::ExtremeDates => {
            let Some(c) = pick(rng, &dates) else {
                return "no date column".into();
            };
            let pool = [
                i32::MIN,
                i32::MAX,
                -719_162,
                2_932_896,
                1_735_689_600,
                -1,
                0,
                20_089,
                20_453,
            ];
            let v: Vec<Option<i32>> = from_pool(rng, n, &pool).into_iter().map(Some).collect();
            replace(df, sifund::engine::build::date(&c, v));
            format!("{c} extreme dates")
        }
        Mutation::ExtremeAmounts => {
            let Some(c) = pick(rng, &money) else {
                return "no money column".into();
            };
            let wide = rng.below(2) == 0;
            let pool: Vec<i128> = if wide {
                vec![
                    10i128.pow(37),
                    -(10i128.pow(37)),
                    i64::MAX as i128 * 1000,
                    1,
                    0,
                ]
            } else {
                vec![
                    999_999_999_999_999_999,
                    -999_999_999_999_999_999,
                    1_000_000_000_000_000,
                    1_000_000_000_000_001,
                    99_999_999_999_999,
                    100_000_001,
                    -1,
                    0,
                ]
            };
            let v: Vec<Option<i128>> = from_pool(rng, n, &pool).into_iter().map(Some).collect();
            let precision = if wide { 38 } else { 18 };
            replace(df, decimal(&c, v, precision, 2));
            format!("{c} extreme amounts (precision {precision})")
        }
        Mutation::ExtremeInts => {
            let Some(c) = pick(rng, &ints) else {
                return "no integer column".into();
            };
            let pool = [
                i32::MIN,
                i32::MAX,
                0,
                -1,
                202513,
                202500,
                999_999,
                10_000_000,
            ];
            let v: Vec<Option<i32>> = from_pool(rng, n, &pool).into_iter().map(Some).collect();
            replace(df, sifund::engine::build::i32(&c, v));
            format!("{c} extreme integers")
        }
        Mutation::OddStrings => {
            let Some(c) = pick(rng, &strings) else {
                return "no string column".into();
            };
            let long = "9".repeat(100_000);
            let pool: Vec<Option<&str>> = vec![
                Some(""),
                Some(" "),
                Some("\0"),
                Some("４４０１００"),
                Some("440100\n"),
                Some("😀😀😀"),
                Some("110 "),
                Some("'; DROP TABLE x; --"),
                Some("X"),
                Some(&long),
                Some("11010519491231002X"),
                None,
            ];
            let v = from_pool(rng, n, &pool);
            replace(df, sifund::engine::build::utf8(&c, &v));
            format!("{c} odd strings")
        }
        _ => unreachable!("file mutations are handled by mutate"),
    }
}

/// Rows of each table's Parquet files, counted by this test (polars, not sifund's reader).
fn rows_per_table(data: &Path) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for t in tables() {
        let mut files = Vec::new();
        let single = data.join(format!("{t}.parquet"));
        if single.is_file() {
            files.push(single);
        }
        collect(&data.join(t), &mut files);
        if files.is_empty() {
            continue;
        }
        let n: u64 = files
            .iter()
            .map(|f| {
                let file = std::fs::File::open(f).unwrap();
                let mut r = ParquetReader::new(file);
                r.num_rows().unwrap() as u64
            })
            .sum();
        out.insert(t.to_string(), n);
    }
    out
}

/// Runs one case; `Err` describes a finding.
fn run_case(base: &Path, root: &Path, case: usize, seed: u64) -> Result<(i32, String), String> {
    let mut rng = Rng(seed ^ (case as u64).wrapping_mul(0xA24B_AED4_963E_E407));
    let dir = root.join(format!("case-{case}"));
    let _ = std::fs::remove_dir_all(&dir);
    let data = dir.join("data");
    copy_dataset(base, &data, &[]);
    let k = 1 + rng.below(3);
    let mut what = Vec::new();
    for j in 0..k {
        // Every mutation comes first in some case; the rest are drawn at random.
        let m = if j == 0 {
            MUTATIONS[case % MUTATIONS.len()]
        } else {
            *rng.pick(&MUTATIONS)
        };
        let table = *rng.pick(&tables());
        what.push(mutate(&mut rng, &data, table, m));
    }
    let what = what.join("; ");
    // Half the cases ask to fail on findings, so that exit 1 is reached too.
    let extra = match case % 2 {
        0 => "horizon = 3\n",
        _ => "horizon = 50\nfail_on = [\"violations\", \"unreconciled\"]\n",
    };
    let pipeline = write_pipeline(&dir, &data, extra);
    let out = dir.join("out");
    let o = sifund(&["run", pipeline.to_str().unwrap()]);
    let Some(code) = o.status.code() else {
        return Err(format!(
            "case {case} ({what}): killed by a signal: {:?}",
            o.status
        ));
    };
    let fail = |m: String| Err(format!("case {case} ({what}): {m}\n{}", stderr(&o)));
    match code {
        2 => {
            let leftovers: Vec<_> = std::fs::read_dir(&dir)
                .unwrap()
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.contains("out"))
                .collect();
            if !leftovers.is_empty() {
                return fail(format!("exit 2 but {leftovers:?} written"));
            }
        }
        0 | 1 => {
            let m = manifest(&out);
            let counted = rows_per_table(&data);
            for (t, n) in &counted {
                let rows = &m["tables"][t.as_str()]["rows"];
                let num = |k: &str| rows[k].as_str().unwrap_or("-1").parse::<i128>().unwrap();
                let (read, acc, rej) = (num("read"), num("accepted"), num("rejected"));
                if read != *n as i128 || read != acc + rej {
                    return fail(format!(
                        "{t}: {n} rows in the files, manifest read {read} = {acc} + {rej}?"
                    ));
                }
            }
        }
        _ => return fail(format!("exit {code}")),
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok((code, what))
}

#[test]
fn thousands_of_malformed_datasets_end_in_exit_0_1_or_2() {
    let cases: usize = std::env::var("SIFUND_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let seed: u64 = std::env::var("SIFUND_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20261129);
    let root = temp("fuzz");
    let base = dataset(&root, 12, 3, false);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, Result<(i32, String), String>)>> = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let case = next.fetch_add(1, Ordering::Relaxed);
                if case >= cases {
                    break;
                }
                let r = run_case(&base, &root, case, seed);
                results.lock().unwrap().push((case, r));
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|r| r.0);
    let mut by_code: BTreeMap<i32, usize> = BTreeMap::new();
    let mut findings = Vec::new();
    for (_, r) in &results {
        match r {
            Ok((code, _)) => *by_code.entry(*code).or_default() += 1,
            Err(e) => findings.push(e.clone()),
        }
    }
    eprintln!(
        "fuzz: {cases} cases (seed {seed}); exit codes {by_code:?}; {} findings",
        findings.len()
    );
    assert!(
        findings.is_empty(),
        "{} of {cases} cases failed:\n{}",
        findings.len(),
        findings
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
    // The campaign must reach both sides: datasets that run and datasets refused.
    assert!(
        by_code.get(&2).copied().unwrap_or(0) > cases / 10,
        "{by_code:?}"
    );
    assert!(
        by_code.get(&0).copied().unwrap_or(0) + by_code.get(&1).copied().unwrap_or(0) > cases / 10,
        "{by_code:?}"
    );
}
