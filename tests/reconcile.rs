//! Reconciliation end to end: every planted difference reported with its side and reason,
//! nothing else unmatched, adjusted balances equal except where planted; fail_on exits 1.

mod common;
use common::*;

use std::collections::BTreeSet;

#[test]
fn every_planted_difference_is_reported_and_nothing_else() {
    let dir = temp("recon");
    let data = dataset(&dir, 2_000, 17, true);
    let out = dir.join("out");
    let o = stage("reconcile", &data, &out);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let faults = csv(&data.join("faults.csv"));
    let want: BTreeSet<(String, String, String, String)> = faults
        .iter()
        .filter(|f| f[0] == "unmatched")
        .map(|f| (f[1].clone(), f[2].clone(), f[4].clone(), f[5].clone()))
        .collect();
    assert_eq!(want.len(), 9, "{want:?}");
    let got: BTreeSet<(String, String, String, String)> = csv(&out.join("reconcile/unmatched.csv"))
        .iter()
        .map(|u| (u[3].clone(), u[4].clone(), u[8].clone(), u[7].clone()))
        .collect();
    assert_eq!(got, want);

    // Adjusted balances equal everywhere but the account planted with a wrong opening statement.
    let unequal: Vec<(String, String)> = csv(&out.join("reconcile/adjustment.csv"))
        .iter()
        .filter(|a| a[11] != "0.00")
        .map(|a| (format!("{}/{}/{}", a[0], a[1], a[2]), a[11].clone()))
        .collect();
    let planted: Vec<(String, String)> = faults
        .iter()
        .filter(|f| f[0] == "unreconciled")
        .map(|f| (f[2].clone(), f[5].clone()))
        .collect();
    assert_eq!(unequal, planted);
    for a in csv(&out.join("reconcile/adjustment.csv")) {
        let y = |k: usize| sifund::model::money::parse_yuan(&a[k]).unwrap();
        assert_eq!(y(3) + y(4) - y(5), y(6), "adjusted book");
        assert_eq!(y(7) + y(8) - y(9), y(10), "adjusted statement");
        assert_eq!(y(6) - y(10), y(11), "difference");
    }
    // Every match names its rule; the manifest carries the counts.
    let m = manifest(&out);
    assert!(m["stages"]["reconcile"]["matched_pairs"].as_u64().unwrap() > 1_000);
    let rules = distinct_strings(&out.join("reconcile/matches.parquet"), "rule");
    assert!(
        rules.contains("reference") && rules.contains("amount_date"),
        "{rules:?}"
    );
    assert!(
        out.join("reconcile/reconcile.xlsx").is_file()
            && out.join("reconcile/monthly.csv").is_file()
    );
}

#[test]
fn fail_on_unreconciled_exits_1_and_still_writes_the_reports() {
    let dir = temp("recon-fail");
    let data = dataset(&dir, 600, 5, true);
    let p = dir.join("p.toml");
    std::fs::write(
        &p,
        format!(
            "dataset = \"{}\"\nyear = 2025\noutput = \"out\"\nfail_on = [\"unreconciled\"]\n",
            data.display()
        ),
    )
    .unwrap();
    let o = sifund(&["run", p.to_str().unwrap()]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("440300/210/expense"), "{}", stderr(&o));
    assert!(dir.join("out/reconcile/adjustment.csv").is_file());
}
