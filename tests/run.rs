//! The run as a whole: pipeline keys, determinism across thread counts, atomic output after a
//! crash, exit codes.

mod common;
use common::*;

use std::path::Path;

fn pipeline(dir: &Path, data: &Path, out: &str, extra: &str) -> std::path::PathBuf {
    let p = dir.join(format!("{out}.toml"));
    std::fs::write(
        &p,
        format!(
            "dataset = \"{}\"\nyear = 2025\noutput = \"{out}\"\n{extra}",
            data.display()
        ),
    )
    .unwrap();
    p
}

fn assert_same_outputs(a: &Path, b: &Path) {
    let (ta, tb) = (tree(a), tree(b));
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (k, va) in &ta {
        if k == "manifest.json" {
            assert_eq!(
                manifest_without_timings(va),
                manifest_without_timings(&tb[k]),
                "manifest differs"
            );
        } else {
            assert!(va == &tb[k], "{k} differs");
        }
    }
}

#[test]
fn one_thread_and_several_write_the_same_bytes() {
    let dir = temp("threads");
    // Many slices per table (row groups of 997 rows, two tables in three files each), so the
    // windows of slices differ between thread counts and partials merge in many steps.
    let data = dir.join("sliced");
    many_slices(&dataset(&dir, 3_000, 21, true), &data, 997);
    let m = |out: &str| manifest(&dir.join(out));
    let p = pipeline(&dir, &data, "out", "");
    let o = sifund(&["--threads", "1", "run", p.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        m("out")["inputs"].as_array().unwrap().len(),
        13,
        "nine tables (the generator writes the optional sub_fund_balances), three files for two"
    );
    std::fs::rename(dir.join("out"), dir.join("single")).unwrap();
    for threads in ["2", "3"] {
        let o = sifund(&["--threads", threads, "run", p.to_str().unwrap()]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        assert_same_outputs(&dir.join("single"), &dir.join("out"));
    }
    let rows: u64 = m("single")["tables"]["contributions"]["rows"]["read"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(rows > 997 * 20, "many slices: {rows} rows");
}

/// The output folder with the manifest's timings left out: what two runs must agree on.
fn outputs(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut t = tree(dir);
    if let Some(m) = t.get_mut("manifest.json") {
        *m = manifest_without_timings(m).to_string().into_bytes();
    }
    t
}

fn copy_tree(from: &Path, to: &Path) {
    for (rel, bytes) in tree(from) {
        let p = to.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
}

/// Kills a run (SIGKILL) at every crash point in turn (`sifund::fault`): each time the output
/// folder is exactly the previous output or exactly the new one — never a mix, never half a
/// file — and the next run completes it. Both commit paths: the one-step exchange and the
/// two renames of filesystems without it.
#[test]
fn a_run_killed_at_any_point_leaves_one_whole_output() {
    use std::os::unix::process::ExitStatusExt;
    let dir = temp("kill");
    let data = dataset(&dir, 150, 4, true);
    let rows = dir.join("rows");
    many_slices(&data, &rows, 400); // rejects and journal in several row groups
                                    // A small dataset with planted faults: more than half of its few deaths are bad rows.
    let old_p = pipeline(&dir, &rows, "out", "max_reject_share = 1\n");
    let new_p = dir.join("new.toml");
    std::fs::write(
        &new_p,
        std::fs::read_to_string(&old_p).unwrap() + "horizon = 3\n",
    )
    .unwrap();
    // The new output: what a finished run must leave.
    assert_eq!(code(&sifund(&["run", new_p.to_str().unwrap()])), 0);
    let new = outputs(&dir.join("out"));
    assert_eq!(code(&sifund(&["run", old_p.to_str().unwrap()])), 0);
    let old = outputs(&dir.join("out"));
    assert_ne!(
        old, new,
        "the two runs must differ for the test to see which is there"
    );
    copy_tree(&dir.join("out"), &dir.join("old"));
    for no_exchange in [false, true] {
        let mut k = 0;
        loop {
            k += 1;
            // Start from the previous output each time.
            for d in ["out", ".out.old", ".out.partial"] {
                let _ = std::fs::remove_dir_all(dir.join(d));
            }
            copy_tree(&dir.join("old"), &dir.join("out"));
            let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_sifund"));
            cmd.args(["run", new_p.to_str().unwrap()])
                .env("SIFUND_FAULT_KILL_AT", k.to_string());
            if no_exchange {
                cmd.env("SIFUND_FAULT_NO_EXCHANGE", "1");
            }
            let o = cmd.output().unwrap();
            if o.status.code() == Some(0) {
                break; // k is past the last crash point
            }
            assert_eq!(
                o.status.signal(),
                Some(9),
                "crash point {k}: {}",
                stderr(&o)
            );
            let out = dir.join("out");
            let whole = if out.exists() {
                let now = outputs(&out);
                now == old || now == new
            } else {
                // Killed between the two renames: the previous output waits beside it.
                no_exchange && outputs(&dir.join(".out.old")) == old
            };
            assert!(
                whole,
                "crash point {k} (no_exchange {no_exchange}) left a mixed output"
            );
            // The next run repairs and completes.
            assert_eq!(code(&sifund(&["run", new_p.to_str().unwrap()])), 0);
            assert!(outputs(&out) == new, "crash point {k}: the rerun differs");
            assert!(!dir.join(".out.partial").exists() && !dir.join(".out.old").exists());
        }
        assert!(k > 30, "only {} crash points: is the hook wired?", k - 1);
        eprintln!(
            "no_exchange {no_exchange}: killed at each of {} crash points",
            k - 1
        );
    }
}

#[test]
fn unknown_pipeline_keys_and_strict_mode_exit_2() {
    let dir = temp("config");
    let data = dataset(&dir, 200, 2, true);
    let p = pipeline(&dir, &data, "out", "stirct = true\n");
    let o = sifund(&["run", p.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("stirct"), "{}", stderr(&o));

    let p = pipeline(&dir, &data, "out2", "strict = true\n");
    let o = sifund(&["run", p.to_str().unwrap()]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("rejected"));
    assert!(!dir.join("out2").exists());

    let clean = dataset(&dir, 200, 2, false);
    let p = pipeline(&dir, &clean, "out3", "strict = true\n");
    let o = sifund(&["run", p.to_str().unwrap()]);
    assert_eq!(
        code(&o),
        0,
        "a clean dataset passes strict mode: {}",
        stderr(&o)
    );
}

#[test]
fn generate_is_deterministic() {
    let dir = temp("gen");
    let a = dataset(&dir, 500, 77, true);
    let b = dir.join("again");
    let o = sifund(&[
        "--threads",
        "1",
        "generate",
        "--out",
        b.to_str().unwrap(),
        "--persons",
        "500",
        "--seed",
        "77",
        "--faults",
    ]);
    assert_eq!(code(&o), 0);
    assert!(tree(&a) == tree(&b), "same seed, same bytes");
}

#[test]
fn a_wrong_year_stops_at_max_reject_share_with_one_clear_line() {
    let dir = temp("wrong-year");
    let data = dataset(&dir, 400, 9, false);
    // The data are of 2025; closing 2024 rejects every dated row.
    let p = dir.join("p.toml");
    std::fs::write(
        &p,
        format!(
            "dataset = \"{}\"\nyear = 2024\noutput = \"out\"\n",
            data.display()
        ),
    )
    .unwrap();
    let o = sifund(&["run", p.to_str().unwrap()]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("max_reject_share = 0.5"), "{err}");
    assert!(err.contains("a wrong year or a broken extract"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(!dir.join("out").exists(), "nothing written");
    // A share of 1 lets the same run finish with every row rejected.
    std::fs::write(
        &p,
        format!(
            "dataset = \"{}\"\nyear = 2024\noutput = \"out\"\nmax_reject_share = 1.0\n",
            data.display()
        ),
    )
    .unwrap();
    let o = sifund(&["validate", p.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}
