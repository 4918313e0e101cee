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
        12,
        "three files for two tables"
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

#[test]
fn a_killed_run_leaves_the_previous_output_and_a_rerun_is_identical() {
    let dir = temp("kill");
    let data = dataset(&dir, 60_000, 4, true);
    let p = pipeline(&dir, &data, "out", "");
    assert_eq!(code(&sifund(&["run", p.to_str().unwrap()])), 0);
    let before = tree(&dir.join("out"));

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_sifund"))
        .args(["--threads", "1", "run", p.to_str().unwrap()])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once it has started writing, or after a moment.
    for _ in 0..200 {
        if dir.join(".out.partial").exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "the run was still going when killed"
    );
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert_eq!(
        tree(&dir.join("out")).keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>()
    );
    for (k, v) in tree(&dir.join("out")) {
        assert!(v == before[&k], "{k} was touched by the killed run");
    }

    std::fs::rename(dir.join("out"), dir.join("first")).unwrap();
    assert_eq!(code(&sifund(&["run", p.to_str().unwrap()])), 0);
    assert!(!dir.join(".out.partial").exists());
    assert_same_outputs(&dir.join("first"), &dir.join("out"));
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
