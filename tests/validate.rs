//! Ingestion end to end: planted faults found by id, clean rows kept, control totals balanced,
//! bad files refused with exit 2 and no output.

mod common;
use common::*;

use std::collections::BTreeSet;

use polars::prelude::*;

#[test]
fn every_planted_bad_row_is_rejected_and_no_clean_row_is() {
    let dir = temp("planted");
    let data = dataset(&dir, 1_200, 11, true);
    let out = dir.join("out");
    let o = validate(&data, &out);
    assert_eq!(code(&o), 0, "{}", stderr(&o));

    let faults = csv(&data.join("faults.csv"));
    let want: BTreeSet<(String, u64, String)> = faults
        .iter()
        .filter(|f| f[0] == "bad_row")
        .map(|f| (f[1].clone(), f[3].parse().unwrap(), f[4].clone()))
        .collect();
    assert!(
        want.len() > 60,
        "the generator plants a fault for every rule: {}",
        want.len()
    );

    let mut got = BTreeSet::new();
    for table in [
        "contributions",
        "payouts",
        "fund_flows",
        "statements",
        "opening_balances",
        "sub_fund_balances",
        "persons",
        "deaths",
        "budget",
    ] {
        let df = sifund::engine::read_all(&out.join(format!("rejects/{table}.parquet"))).unwrap();
        let rows = df.column("source_row").unwrap().u64().unwrap().clone();
        let reasons = df.column("reason").unwrap().str().unwrap().clone();
        for (r, reason) in rows.iter().zip(reasons.iter()) {
            got.insert((table.to_string(), r.unwrap(), reason.unwrap().to_string()));
        }
    }
    let missing: Vec<_> = want.difference(&got).collect();
    let extra: Vec<_> = got.difference(&want).collect();
    assert!(missing.is_empty(), "planted faults not found: {missing:?}");
    assert!(extra.is_empty(), "clean rows rejected: {extra:?}");

    // Every planted warning is a warning, not a reject: each planted row is accepted (not in
    // `got`), and the manifest counts one per code — the generator writes none by itself.
    let m = manifest(&out);
    let warnings: Vec<(String, String)> = csv(&data.join("faults.csv"))
        .into_iter()
        .filter(|r| r[0] == "warning")
        .map(|r| (r[1].clone(), r[4].clone()))
        .collect();
    assert_eq!(warnings.len(), 4, "{warnings:?}");
    for (table, code) in &warnings {
        assert_eq!(m["tables"][table]["warnings"][code], 1, "{table} {code}");
    }
    assert_eq!(
        m["tables"]["persons"]["warnings"]
            .as_object()
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn control_totals_balance_for_every_table() {
    let dir = temp("totals");
    let data = dataset(&dir, 800, 5, true);
    let out = dir.join("out");
    assert_eq!(code(&validate(&data, &out)), 0);
    let m = manifest(&out);
    let generated: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data.join("generated.json")).unwrap()).unwrap();
    let yuan = |v: &serde_json::Value| {
        sifund::model::money::parse_yuan(v.as_str().unwrap()).unwrap() as i128
    };
    for (table, t) in m["tables"].as_object().unwrap() {
        let n = |k: &str| t["rows"][k].as_str().unwrap().parse::<i128>().unwrap();
        assert_eq!(n("read"), n("accepted") + n("rejected"), "{table} rows");
        assert_eq!(
            n("read"),
            generated["rows"][table].as_i64().unwrap() as i128,
            "{table}: every row read"
        );
        let rejected_by_reason: i128 = t["rejects_by_reason"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_i64().unwrap() as i128)
            .sum();
        assert_eq!(rejected_by_reason, n("rejected"), "{table} reasons");
        for (col, a) in t["amounts"].as_object().unwrap() {
            assert_eq!(
                yuan(&a["read"]),
                yuan(&a["accepted"]) + yuan(&a["rejected"]),
                "{table}.{col}"
            );
        }
        assert_eq!(t["balanced"], true);
    }
    // An independent exact fold of one amount column agrees with the manifest.
    let df = sifund::engine::read_all(&data.join("payouts.parquet")).unwrap();
    let ca = df.column("amount").unwrap().decimal().unwrap().clone();
    let fold: i128 = ca.physical().iter().flatten().sum();
    assert_eq!(
        fold,
        yuan(&m["tables"]["payouts"]["amounts"]["amount"]["read"])
    );
}

fn rewrite(src: &std::path::Path, dst: &std::path::Path, f: impl FnOnce(DataFrame) -> DataFrame) {
    let df = f(sifund::engine::read_all(src).unwrap());
    sifund::engine::write_parquet(dst, df).unwrap();
}

fn bad_dataset(
    name: &str,
    table: &str,
    f: impl FnOnce(&std::path::Path, &std::path::Path),
) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = temp(name);
    let clean = dataset(&dir, 300, 3, false);
    let bad = dir.join("bad");
    copy_dataset(&clean, &bad, &[]);
    let target = bad.join(format!("{table}.parquet"));
    f(&clean.join(format!("{table}.parquet")), &target);
    (bad, dir.join("out"))
}

fn assert_refused(data: &std::path::Path, out: &std::path::Path, file: &str, column: &str) {
    let o = validate(data, out);
    let err = stderr(&o);
    assert_eq!(code(&o), 2, "{err}");
    assert!(err.contains(file), "names the file: {err}");
    assert!(err.contains(column), "names the column: {err}");
    assert!(!out.exists(), "no output folder");
    assert!(
        !out.with_file_name(".out.partial").exists(),
        "no partial folder left"
    );
}

#[test]
fn a_float_amount_column_is_refused() {
    let (data, out) = bad_dataset("float", "payouts", |src, dst| {
        rewrite(src, dst, |mut df| {
            let c = df
                .column("amount")
                .unwrap()
                .cast(&DataType::Float64)
                .unwrap();
            df.with_column(c).unwrap();
            df
        })
    });
    assert_refused(&data, &out, "payouts.parquet", "amount");
}

#[test]
fn a_missing_column_is_refused() {
    let (data, out) = bad_dataset("missing", "contributions", |src, dst| {
        rewrite(src, dst, |df| df.drop("late_fee").unwrap())
    });
    assert_refused(&data, &out, "contributions.parquet", "late_fee");
}

#[test]
fn a_truncated_file_is_refused() {
    let (data, out) = bad_dataset("truncated", "statements", |src, dst| {
        let bytes = std::fs::read(src).unwrap();
        std::fs::write(dst, &bytes[..bytes.len() / 2]).unwrap();
    });
    assert_refused(&data, &out, "statements.parquet", "column");
}

#[test]
fn amounts_of_scale_0_and_1_are_scaled_not_truncated() {
    let dir = temp("scales");
    let clean = dataset(&dir, 200, 9, false);
    let bad = dir.join("scaled");
    copy_dataset(&clean, &bad, &[]);
    // budget.amount as Decimal(18,0) in whole yuan; opening book as Decimal(18,1).
    rewrite(
        &clean.join("budget.parquet"),
        &bad.join("budget.parquet"),
        |mut df| {
            let yuan: Int128Chunked = df
                .column("amount")
                .unwrap()
                .decimal()
                .unwrap()
                .physical()
                .iter()
                .map(|v| v.map(|f| f / 100))
                .collect();
            df.with_column(
                yuan.with_name("amount".into())
                    .into_decimal_unchecked(18, 0)
                    .into_column(),
            )
            .unwrap();
            df
        },
    );
    let out = dir.join("out");
    assert_eq!(code(&validate(&bad, &out)), 0);
    let m = manifest(&out);
    let read = m["tables"]["budget"]["amounts"]["amount"]["read"]
        .as_str()
        .unwrap()
        .to_string();
    let df = sifund::engine::read_all(&clean.join("budget.parquet")).unwrap();
    let whole: i128 = df
        .column("amount")
        .unwrap()
        .decimal()
        .unwrap()
        .physical()
        .iter()
        .flatten()
        .map(|f| f / 100)
        .sum();
    assert_eq!(read, format!("{whole}.00"), "whole yuan become fen ×100");
}

#[test]
fn a_table_in_hive_partition_folders_reads_like_one_file() {
    let dir = temp("hive");
    let clean = dataset(&dir, 400, 12, false);
    let hive = dir.join("hive");
    copy_dataset(&clean, &hive, &["contributions.parquet"]);
    // contributions/region=<code>/part-0.parquet, the region column only in the folder name
    let df = sifund::engine::read_all(&clean.join("contributions.parquet")).unwrap();
    let regions = distinct_strings(&clean.join("contributions.parquet"), "region");
    assert!(regions.len() > 1);
    for r in &regions {
        let mask = df
            .column("region")
            .unwrap()
            .str()
            .unwrap()
            .equal(r.as_str());
        let part = df.filter(&mask).unwrap().drop("region").unwrap();
        let folder = hive.join(format!("contributions/region={r}"));
        std::fs::create_dir_all(&folder).unwrap();
        sifund::engine::write_parquet(&folder.join("part-0.parquet"), part).unwrap();
    }
    let (a, b) = (dir.join("out-file"), dir.join("out-hive"));
    assert_eq!(code(&validate(&clean, &a)), 0);
    let o = validate(&hive, &b);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let (ma, mb) = (manifest(&a), manifest(&b));
    assert_eq!(
        ma["tables"]["contributions"]["rows"],
        mb["tables"]["contributions"]["rows"]
    );
    assert_eq!(
        ma["tables"]["contributions"]["amounts"],
        mb["tables"]["contributions"]["amounts"]
    );
    let files = mb["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["table"] == "contributions")
        .count();
    assert_eq!(files, regions.len());
}

#[test]
fn dictionary_typed_strings_are_read_as_strings() {
    // A producer that writes `scheme` as a polars Enum (a Parquet dictionary with polars'
    // schema metadata): the values are the same strings, and sifund reads them as such.
    let (data, out) = bad_dataset("enum-strings", "contributions", |src, dst| {
        rewrite(src, dst, |mut df| {
            let schemes: Vec<Option<String>> = df
                .column("scheme")
                .unwrap()
                .str()
                .unwrap()
                .iter()
                .map(|s| s.map(str::to_string))
                .collect();
            let mut cats: Vec<&str> = schemes.iter().flatten().map(String::as_str).collect();
            cats.sort();
            cats.dedup();
            let codes = schemes
                .iter()
                .map(|s| {
                    s.as_deref()
                        .map(|s| cats.iter().position(|c| *c == s).unwrap() as u8)
                })
                .collect();
            df.with_column(sifund::engine::build::enumerated("scheme", codes, &cats))
                .unwrap();
            df
        })
    });
    let o = validate(&data, &out);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let m = manifest(&out);
    assert_eq!(
        m["tables"]["contributions"]["rows"]["rejected"], "0",
        "{}",
        m["tables"]["contributions"]
    );
}

#[test]
fn a_file_present_twice_is_rejected_row_by_row_and_changes_no_figure() {
    let dir = temp("twice");
    let base = dataset(&dir, 1_200, 5, false);
    // Contributions in three files of small row groups, then the first file again.
    let sliced = dir.join("sliced");
    many_slices(&base, &sliced, 500);
    let twice = dir.join("twice");
    copy_dataset(&sliced, &twice, &["contributions", "payouts"]);
    for t in ["contributions", "payouts"] {
        std::fs::create_dir_all(twice.join(t)).unwrap();
        for k in 0..3 {
            let f = format!("part-{k}.parquet");
            std::fs::copy(sliced.join(t).join(&f), twice.join(t).join(&f)).unwrap();
        }
    }
    let copy = twice.join("contributions/part-3.parquet");
    std::fs::copy(sliced.join("contributions/part-0.parquet"), &copy).unwrap();
    let copied = sifund::engine::read_all(&copy).unwrap().height() as u64;

    let (a, b) = (dir.join("a"), dir.join("b"));
    assert_eq!(code(&stage("disclose", &sliced, &a)), 0);
    let o = stage("disclose", &twice, &b);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let m = manifest(&b);
    let reasons = &m["tables"]["contributions"]["rejects_by_reason"];
    assert_eq!(
        reasons["txn_id.duplicate"].as_u64(),
        Some(copied),
        "{reasons}"
    );
    // The books, the head counts and the public figures are those of the data without the copy.
    for f in [
        "ledger/fund_statement.csv",
        "ledger/trial_balance.csv",
        "disclose/disclosure.csv",
    ] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f}"
        );
    }
    let rejects = sifund::engine::read_all(&b.join("rejects/contributions.parquet")).unwrap();
    let files = distinct_strings(&b.join("rejects/contributions.parquet"), "source_file");
    assert_eq!(rejects.height() as u64, copied);
    assert_eq!(
        files.into_iter().collect::<Vec<_>>(),
        ["contributions/part-3.parquet"]
    );
}

/// A byte-for-byte copy is not checked again (`ingest::copies`): its rows take their
/// original's outcome. Against the same rows re-encoded (other bytes, so checked row by row),
/// with planted faults and duplicates in the original, every output is the same.
#[test]
fn a_copied_file_gets_the_outcome_of_its_rows_checked_one_by_one() {
    let dir = temp("copied");
    let base = dataset(&dir, 1_200, 7, true);
    let sliced = dir.join("sliced");
    many_slices(&base, &sliced, 500);
    let (copied, reencoded) = (dir.join("copied"), dir.join("reencoded"));
    for d in [&copied, &reencoded] {
        copy_dataset(&sliced, d, &["contributions", "payouts"]);
        for t in ["contributions", "payouts"] {
            std::fs::create_dir_all(d.join(t)).unwrap();
            for k in 0..3 {
                let f = format!("{t}/part-{k}.parquet");
                std::fs::copy(sliced.join(&f), d.join(&f)).unwrap();
            }
        }
    }
    // Every part again (the planted faults are in one of them), as parts 3-5.
    for k in 0..3 {
        let original = sliced.join(format!("contributions/part-{k}.parquet"));
        let again = format!("contributions/part-{}.parquet", k + 3);
        std::fs::copy(&original, copied.join(&again)).unwrap();
        rewrite(&original, &reencoded.join(&again), |df| df);
        assert_ne!(
            std::fs::read(copied.join(&again)).unwrap(),
            std::fs::read(reencoded.join(&again)).unwrap(),
            "the re-encoded copy must differ in bytes, or both runs take the shortcut"
        );
    }

    // Half the rows are copies: above the default max_reject_share.
    let run = |data: &std::path::Path, name: &str| {
        let d = dir.join(name);
        std::fs::create_dir_all(&d).unwrap();
        let p = write_pipeline(&d, data, "max_reject_share = 0.9\n");
        let o = sifund(&["disclose", p.to_str().unwrap()]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        d.join("out")
    };
    let (a, b) = (run(&copied, "a"), run(&reencoded, "b"));
    let (ma, mb) = (manifest(&a), manifest(&b));
    let t = |m: &serde_json::Value| {
        let c = &m["tables"]["contributions"];
        (
            c["rows"].clone(),
            c["amounts"].clone(),
            c["rejects_by_reason"].clone(),
            c["warnings"].clone(),
        )
    };
    assert_eq!(t(&ma), t(&mb));
    // The manifest names each copy's original; the re-encoded files are no copies.
    let copies = |m: &serde_json::Value| -> Vec<(String, String)> {
        let inputs = m["inputs"].as_array().unwrap().iter();
        inputs
            .filter_map(|i| Some((i["path"].as_str()?.into(), i["copy_of"].as_str()?.into())))
            .collect()
    };
    let want: Vec<(String, String)> = (0..3)
        .map(|k| {
            let f = |n: usize| format!("contributions/part-{n}.parquet");
            (f(k + 3), f(k))
        })
        .collect();
    assert_eq!(copies(&ma), want);
    assert!(copies(&mb).is_empty());
    // A rejected row's warnings do not count: the copies add none to the originals'.
    let mc = manifest(&run(&sliced, "c"));
    let warnings = &mc["tables"]["contributions"]["warnings"];
    assert!(!warnings.as_object().unwrap().is_empty(), "{warnings}");
    assert_eq!(&ma["tables"]["contributions"]["warnings"], warnings);
    // The original holds planted faults, so the copy's rejects are not all duplicates.
    let reasons = ma["tables"]["contributions"]["rejects_by_reason"]
        .as_object()
        .unwrap()
        .clone();
    assert!(reasons.len() > 2, "{reasons:?}");
    for f in [
        "rejects/contributions.parquet",
        "ledger/fund_statement.csv",
        "ledger/journal.parquet",
        "disclose/disclosure.csv",
    ] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f}"
        );
    }
}

/// The world beyond the generator (issue 11): a person who moved between two regions of the
/// dataset has a row in each (key person_id, region, scheme); a five-year-old in residents'
/// medical insurance (390) with five years paid is a participant; the same child in the
/// residents' pension (170) is not; a row repeated in the same region is still a duplicate.
#[test]
fn movers_and_children_are_participants() {
    use sifund::model::ids::make_citizen_id;
    let dir = temp("movers");
    let data = dataset(&dir, 300, 5, false);
    let mine = dir.join("data");
    copy_dataset(&data, &mine, &[]);
    let persons = sifund::engine::read_all(&data.join("persons.parquet")).unwrap();
    let n = persons.height();
    let region = strings(&persons, "region");
    let status = strings(&persons, "status");
    let k = (0..n)
        .find(|&i| status[i].as_deref() == Some("contributing"))
        .unwrap();
    let other = if region[k].as_deref() == Some("440300") {
        "440100"
    } else {
        "440300"
    };
    let row = |i: usize| persons.slice(i as i64, 1);
    let set = |df: &mut DataFrame, name: &str, v: &str| {
        df.with_column(Column::new(name.into(), [v])).unwrap();
    };
    // The mover's old row, in another region, transferred out: accepted.
    let mut moved = row(k);
    set(&mut moved, "region", other);
    set(&mut moved, "status", "transferred_out");
    // The same row twice in the same region: a duplicate.
    let twice = row(k);
    // Children: born 2020, five years of 390 paid; and in 170, where they cannot be.
    let child_id = make_citizen_id(440106, 2020, 3, 1, 12);
    let mut child = row(k);
    set(&mut child, "person_id", &child_id);
    // GB 11643: the 17th character is odd for men.
    let sex = if child_id.as_bytes()[16] % 2 == 1 {
        "M"
    } else {
        "F"
    };
    set(&mut child, "sex", sex);
    set(&mut child, "category", "resident");
    set(&mut child, "region", "440100");
    set(&mut child, "scheme", "390");
    child
        .with_column(sifund::engine::build::date("birth_date", vec![Some(18322)]))
        .unwrap(); // 2020-03-01
    child
        .with_column(sifund::engine::build::date(
            "enrolled_on",
            vec![Some(18322)],
        ))
        .unwrap();
    child
        .with_column(sifund::engine::build::i32(
            "contribution_months",
            vec![Some(60)],
        ))
        .unwrap();
    child
        .with_column(sifund::engine::build::money("monthly_base", vec![None]))
        .unwrap();
    let mut pension_child = child.clone();
    set(&mut pension_child, "scheme", "170");
    let mut all = persons.clone();
    for extra in [&moved, &twice, &child, &pension_child] {
        all.vstack_mut(extra).unwrap();
    }
    sifund::engine::write_parquet(&mine.join("persons.parquet"), all).unwrap();
    let out = dir.join("out");
    let o = validate(&mine, &out);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rejects = sifund::engine::read_all(&out.join("rejects/persons.parquet")).unwrap();
    let rows: Vec<u64> = rejects
        .column("source_row")
        .unwrap()
        .u64()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    let reasons = strings(&rejects, "reason");
    let reason_of = |r: usize| {
        rows.iter()
            .position(|x| *x == r as u64)
            .map(|p| reasons[p].clone().unwrap())
    };
    assert_eq!(reason_of(n), None, "the mover's second row is accepted");
    assert_eq!(reason_of(n + 1).as_deref(), Some("person_id.duplicate"));
    assert_eq!(reason_of(n + 2), None, "a child in 390 is a participant");
    assert_eq!(
        reason_of(n + 3).as_deref(),
        Some("contribution_months.invalid"),
        "a child cannot have months in 170"
    );
}
