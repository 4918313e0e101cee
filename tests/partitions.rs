//! The consumers of the shared scan run as in-process partitions by person (issue 13, the
//! first step of the partitioned run): each slice's rows are split by the person's virtual
//! bucket, each partition absorbs its own, and the partitions are folded before the stages
//! finish (`SIFUND_PARTITIONS`). Every output must be the one-consumer run's to the byte, so a
//! consumer whose state does not add up across persons fails here before any partial is
//! stored. The dataset has what makes folding hard: movers between regions, duplicates,
//! inter-level pairs, deaths with payments after them, sub-funds and every planted fault.

mod common;
use common::*;

use std::collections::BTreeMap;
use std::path::Path;

fn run_in(dir: &Path, data: &Path, partitions: Option<&str>) -> BTreeMap<String, Vec<u8>> {
    std::fs::create_dir_all(dir).unwrap();
    let pipeline = write_pipeline(
        dir,
        data,
        "horizon = 3\n[reserve]\nshare = 0.10\ncap = 0.30\n",
    );
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_sifund"));
    cmd.args(["run", pipeline.to_str().unwrap()]);
    if let Some(n) = partitions {
        cmd.env("SIFUND_PARTITIONS", n);
    }
    let o = cmd.output().unwrap();
    assert_eq!(code(&o), 0, "{partitions:?}: {}", stderr(&o));
    let mut t = tree(&dir.join("out"));
    let m = manifest_without_timings(&t["manifest.json"]);
    t.insert("manifest.json".into(), serde_json::to_vec(&m).unwrap());
    t
}

#[test]
fn partitioned_consumers_fold_to_the_same_outputs() {
    let dir = temp("partitions");
    let data = dataset(&dir, 1_200, 29, true);
    let one = run_in(&dir.join("one"), &data, None);
    assert!(one.len() > 20, "{} files", one.len());
    for n in ["1", "3", "7", "64"] {
        let got = run_in(&dir.join(format!("p{n}")), &data, Some(n));
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            one.keys().collect::<Vec<_>>(),
            "{n} partitions: the same files"
        );
        for (name, bytes) in &one {
            assert!(got[name] == *bytes, "{n} partitions: {name} differs");
        }
    }
}

#[test]
fn a_bad_partition_count_is_a_configuration_error() {
    let dir = temp("partitions-bad");
    let data = dataset(&dir, 200, 3, false);
    let pipeline = write_pipeline(&dir, &data, "");
    for bad in ["0", "4097", "x"] {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_sifund"))
            .args(["run", pipeline.to_str().unwrap()])
            .env("SIFUND_PARTITIONS", bad)
            .output()
            .unwrap();
        assert_eq!(code(&o), 2, "{bad}: {}", stderr(&o));
        assert!(stderr(&o).contains("SIFUND_PARTITIONS"), "{}", stderr(&o));
    }
}
