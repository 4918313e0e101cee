//! The partitioned run (issue 13): `sifund map` → `sifund reduce` with W local processes →
//! `sifund merge` writes the output folder `sifund run` writes, to the byte, for every W; each
//! group's partial is the same whatever W; a missing partial stops the merge with exit 2;
//! a dataset whose files and rows are shuffled gives the partitioned run the single run's
//! outputs on it too. The dataset has movers between regions, inter-level pairs, duplicates
//! (some across persons), deaths with payments after them, sub-funds and every planted fault.

mod common;
use common::*;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const EXTRA: &str = "horizon = 3\n[reserve]\nshare = 0.10\ncap = 0.30\n";

fn ok(args: &[&str], env: &[(&str, String)]) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sifund"));
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().unwrap();
    assert_eq!(code(&o), 0, "{args:?}: {}", stderr(&o));
}

/// An output folder as bytes, the manifest without its timings.
fn outputs(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut t = tree(dir);
    let m = manifest_without_timings(&t["manifest.json"]);
    t.insert("manifest.json".into(), serde_json::to_vec(&m).unwrap());
    t
}

fn single(dir: &Path, data: &Path) -> BTreeMap<String, Vec<u8>> {
    single_with(dir, data, EXTRA)
}

fn single_with(dir: &Path, data: &Path, extra: &str) -> BTreeMap<String, Vec<u8>> {
    std::fs::create_dir_all(dir).unwrap();
    let pipeline = write_pipeline(dir, data, extra);
    ok(&["run", pipeline.to_str().unwrap()], &[]);
    outputs(&dir.join("out"))
}

/// map (M indices) → reduce (W processes at once) → merge; the output folder and the work
/// folder.
fn partitioned(
    dir: &Path,
    data: &Path,
    m: usize,
    w: usize,
) -> (BTreeMap<String, Vec<u8>>, PathBuf) {
    partitioned_with(dir, data, (m, w), EXTRA)
}

fn partitioned_with(
    dir: &Path,
    data: &Path,
    (m, w): (usize, usize),
    extra: &str,
) -> (BTreeMap<String, Vec<u8>>, PathBuf) {
    std::fs::create_dir_all(dir).unwrap();
    let pipeline = write_pipeline(dir, data, extra);
    let p = pipeline.to_str().unwrap();
    let work = dir.join("work");
    let work_s = work.to_str().unwrap();
    for i in 0..m {
        let (ms, is) = (m.to_string(), i.to_string());
        ok(
            &["map", p, "--work", work_s, "--slices", &ms, "--index", &is],
            &[],
        );
    }
    let reduces: Vec<_> = (0..w)
        .map(|i| {
            Command::new(env!("CARGO_BIN_EXE_sifund"))
                .args(["reduce", p, "--work", work_s, "--workers", &w.to_string()])
                .env("JOB_COMPLETION_INDEX", i.to_string())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut r in reduces {
        assert!(r.wait().unwrap().success(), "a reduce of {w} failed");
    }
    let o = sifund(&["merge", p, "--work", work_s]);
    assert_eq!(code(&o), 0, "merge: {}", stderr(&o));
    std::fs::write(dir.join("merge.log"), stderr(&o)).unwrap();
    (outputs(&dir.join("out")), work)
}

fn assert_same(what: &str, got: &BTreeMap<String, Vec<u8>>, want: &BTreeMap<String, Vec<u8>>) {
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "{what}: the same files"
    );
    for (name, bytes) in want {
        assert!(got[name] == *bytes, "{what}: {name} differs");
    }
}

fn partials(work: &Path) -> BTreeMap<String, Vec<u8>> {
    tree(&work.join("reduce"))
}

#[test]
fn map_reduce_merge_writes_the_single_runs_outputs_for_any_number_of_workers() {
    let dir = temp("partitioned");
    let data = dataset(&dir, 1_200, 29, true);
    let want = single(&dir.join("single"), &data);
    assert!(want.len() > 20, "{} files", want.len());
    let mut first: Option<BTreeMap<String, Vec<u8>>> = None;
    for w in [1, 2, 3, 7] {
        let (got, work) = partitioned(&dir.join(format!("w{w}")), &data, 3, w);
        assert_same(&format!("W = {w}"), &got, &want);
        // The planted duplicates under two persons: found across groups, by a group reduced
        // again (the single run's "first accepted occurrence wins" spans groups).
        let log = std::fs::read_to_string(dir.join(format!("w{w}/merge.log"))).unwrap();
        assert!(log.contains("groups reduced again"), "{log}");
        let parts = partials(&work);
        let top = |k: &&String| !k.contains('/') && k.ends_with(".bin");
        assert_eq!(
            parts.keys().filter(top).count(),
            65,
            "one partial per group"
        );
        // Keys of contributions and payouts; those of persons and deaths hold the person, so
        // they never cross groups.
        let keys = |k: &&String| k.contains("/keys-g");
        assert_eq!(
            parts.keys().filter(keys).count(),
            2 * 65,
            "keys per table whose key can cross groups"
        );
        match &first {
            None => first = Some(parts),
            Some(f) => assert_same(&format!("partials of W = {w}"), &parts, f),
        }
    }
}

#[test]
fn a_missing_partial_stops_the_merge_and_names_it() {
    let dir = temp("partitioned-missing");
    let data = dataset(&dir, 800, 31, true);
    let (_, work) = partitioned(&dir.join("run"), &data, 2, 2);
    let g05 = std::fs::read(work.join("reduce/g05.bin")).unwrap();
    std::fs::remove_file(work.join("reduce/g05.bin")).unwrap();
    let pipeline = dir.join("run/p.toml");
    let before = tree(&dir.join("run/out"));
    let o = sifund(&[
        "merge",
        pipeline.to_str().unwrap(),
        "--work",
        work.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("g05"), "{}", stderr(&o));
    assert!(
        tree(&dir.join("run/out")) == before,
        "the previous output is left as it was"
    );
    // A map's states missing, or left by a map of another split (a rerun with another
    // --slices cut short before its manifest): refused, never folded.
    let merge = || {
        let p = pipeline.to_str().unwrap();
        sifund(&["merge", p, "--work", work.to_str().unwrap()])
    };
    std::fs::write(work.join("reduce/g05.bin"), g05).unwrap();
    let states = work.join("map/m0000.bin");
    let kept = std::fs::read(&states).unwrap();
    std::fs::remove_file(&states).unwrap();
    let o = merge();
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("map/m0000.bin missing"),
        "{}",
        stderr(&o)
    );
    let other = dir.join("other-work");
    let p = pipeline.to_str().unwrap();
    let w = other.to_str().unwrap();
    let o = sifund(&["map", p, "--work", w, "--slices", "3", "--index", "0"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    std::fs::copy(other.join("map/m0000.bin"), &states).unwrap();
    let o = merge();
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("map/m0000.bin was made from other"),
        "{}",
        stderr(&o)
    );
    std::fs::write(&states, kept).unwrap();
    // A map manifest missing: the reduce refuses too.
    std::fs::remove_file(work.join("map/m0001.json")).unwrap();
    let o = sifund(&[
        "reduce",
        pipeline.to_str().unwrap(),
        "--work",
        work.to_str().unwrap(),
        "--workers",
        "1",
        "--index",
        "0",
    ]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("map indices 1 of 2"), "{}", stderr(&o));
}

/// A copy of `data` whose large tables are split into several files, each in its own row
/// order, the files named so that their order is not the original's.
fn shuffled(data: &Path, to: &Path) -> PathBuf {
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(data).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        let table = name.trim_end_matches(".parquet");
        let parts = match table {
            "contributions" => 5,
            "payouts" => 3,
            "persons" => 2,
            _ => 0,
        };
        if parts == 0 {
            std::fs::copy(&p, to.join(&name)).unwrap();
            continue;
        }
        let df = sifund::engine::read_all(&p).unwrap();
        let n = df.height() as u64;
        // A fixed permutation: rows sorted by a multiplicative hash of their number.
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_by_key(|&i| (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) % 1_000_003);
        let df = sifund::engine::reorder(&df, &order).unwrap();
        std::fs::create_dir_all(to.join(table)).unwrap();
        let per = (n as usize).div_ceil(parts);
        if table == "payouts" {
            // One file of several row groups: more map shares than input files.
            let file = to.join(table).join("all.parquet");
            let mut sink = sifund::engine::ParquetSink::create(&file, &df).unwrap();
            for k in 0..parts {
                sink.write(df.slice((k * per) as i64, per)).unwrap();
            }
            sink.finish().unwrap();
            continue;
        }
        for k in 0..parts {
            let piece = df.slice((k * per) as i64, per);
            // z-, y-, … : the first rows land in the last file.
            let file = to
                .join(table)
                .join(format!("{}-part.parquet", (b'z' - k as u8) as char));
            sifund::engine::write_parquet(&file, piece).unwrap();
        }
    }
    to.to_path_buf()
}

#[test]
fn shuffled_files_and_rows_give_the_partitioned_run_the_single_runs_outputs() {
    let dir = temp("partitioned-shuffled");
    let data = dataset(&dir, 800, 31, true);
    let data = shuffled(&data, &dir.join("shuffled"));
    let want = single(&dir.join("single"), &data);
    let (got, _) = partitioned(&dir.join("run"), &data, 4, 3);
    assert_same("shuffled", &got, &want);
    // The inputs really were split: the manifest lists several files of a table.
    let m: serde_json::Value = serde_json::from_slice(&want["manifest.json"]).unwrap();
    let files = m["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["table"] == "contributions")
        .count();
    assert_eq!(files, 5);
}

#[test]
fn a_rerun_of_an_index_writes_the_same_bytes() {
    let dir = temp("partitioned-rerun");
    let data = dataset(&dir, 800, 31, true);
    let (_, work) = partitioned(&dir.join("run"), &data, 2, 2);
    let before = tree(&work);
    let p = dir.join("run/p.toml");
    let (p, w) = (p.to_str().unwrap(), work.to_str().unwrap());
    ok(
        &["map", p, "--work", w, "--slices", "2", "--index", "1"],
        &[],
    );
    ok(
        &["reduce", p, "--work", w, "--workers", "2", "--index", "0"],
        &[],
    );
    assert_same("rerun", &tree(&work), &before);
}

/// `data` with its contributions delivered twice, as `contributions/a.parquet` and
/// `b.parquet`: `b` re-encoded (other bytes, so checked row by row) or a byte copy.
fn delivered_twice(data: &Path, to: &Path, reencoded: bool) -> PathBuf {
    copy_dataset(data, to, &["contributions.parquet"]);
    std::fs::create_dir_all(to.join("contributions")).unwrap();
    let original = data.join("contributions.parquet");
    std::fs::copy(&original, to.join("contributions/a.parquet")).unwrap();
    let b = to.join("contributions/b.parquet");
    match reencoded {
        true => {
            sifund::engine::write_parquet(&b, sifund::engine::read_all(&original).unwrap()).unwrap()
        }
        false => drop(std::fs::copy(&original, &b).unwrap()),
    }
    to.to_path_buf()
}

/// Every contribution delivered a second time, re-encoded (other bytes: checked row by row):
/// each second row repeats a key and is rejected — in the single run found in the scan, in
/// the partitioned run by the reduces and read again from the inputs by the merge. Both runs
/// agree to the byte, and a rejected row's warnings do not count: the manifest's warnings are
/// those of the data delivered once.
#[test]
fn rows_delivered_twice_count_no_warnings_in_either_run() {
    let dir = temp("partitioned-twice");
    let data = dataset(&dir, 600, 37, true);
    let twice = delivered_twice(&data, &dir.join("twice"), true);
    let extra = format!("max_reject_share = 0.6\n{EXTRA}");
    let once = single_with(&dir.join("once"), &data, &extra);
    let want = single_with(&dir.join("single"), &twice, &extra);
    let (got, _) = partitioned_with(&dir.join("run"), &twice, (3, 2), &extra);
    assert_same("delivered twice", &got, &want);
    let warnings = |t: &BTreeMap<String, Vec<u8>>| {
        let m: serde_json::Value = serde_json::from_slice(&t["manifest.json"]).unwrap();
        m["tables"]["contributions"]["warnings"].clone()
    };
    assert!(!warnings(&once).as_object().unwrap().is_empty());
    assert_eq!(warnings(&want), warnings(&once));
}

/// A contributions file delivered twice, byte for byte: the maps know the copy from the files'
/// checksums and reject its rows themselves, after the rules, so nothing of it travels to the
/// reduces; the outputs are the single run's, whose scan takes the same shortcut.
#[test]
fn a_file_delivered_twice_ships_nothing_and_changes_nothing() {
    let dir = temp("partitioned-copy");
    let data = dataset(&dir, 600, 41, true);
    let twice = delivered_twice(&data, &dir.join("twice"), false);
    let extra = format!("max_reject_share = 0.6\n{EXTRA}");
    let want = single_with(&dir.join("single"), &twice, &extra);
    let (got, work) = partitioned_with(&dir.join("run"), &twice, (3, 2), &extra);
    assert_same("a file delivered twice", &got, &want);
    let m: serde_json::Value = serde_json::from_slice(&want["manifest.json"]).unwrap();
    let copy_of = m["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|i| i["copy_of"].as_str());
    assert_eq!(copy_of, Some("contributions/a.parquet"));
    // What the maps passed on of contributions: as much as without the copy.
    let (_, once) = partitioned_with(&dir.join("once"), &data, (3, 2), &extra);
    let passed = |w: &Path| -> i64 {
        (0..3)
            .map(|i| {
                let bytes = std::fs::read(w.join(format!("map/m{i:04}.json"))).unwrap();
                let m: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                let t = m["tables"].as_array().unwrap().iter();
                let c = t.clone().find(|t| t["table"] == "contributions").unwrap();
                c["totals"]["rows"]["accepted"].as_i64().unwrap()
            })
            .sum()
    };
    assert!(passed(&once) > 0);
    assert_eq!(
        passed(&work),
        passed(&once),
        "the copy's rows are not shipped"
    );
}
