//! Reconciliation end to end: every planted difference reported with its side and reason,
//! nothing else unmatched, adjusted balances equal except where planted; fail_on exits 1.

mod common;
use common::*;

use std::collections::BTreeSet;
use std::path::Path;

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
    banks_list_payers_and_every_payer_line_is_matched(&data, &out);
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

/// Some days the banks print the day's unreferenced credits per payer (or in a few parts):
/// such days exist in the generated data, every such line is in `matches.parquet`, the days
/// of several lines by rule `day_total`; statement line ids stay unique.
fn banks_list_payers_and_every_payer_line_is_matched(data: &Path, out: &Path) {
    let st = sifund::engine::read_all(&data.join("statements.parquet")).unwrap();
    let (ids, memos) = (strings(&st, "line_id"), strings(&st, "memo"));
    // (the planted rows without an id, and the planted repeat, are rejects)
    let named: Vec<&String> = ids.iter().flatten().collect();
    let mut seen = BTreeSet::new();
    let twice: Vec<String> = named
        .iter()
        .filter(|x| !seen.insert(**x))
        .map(|x| x.to_string())
        .collect();
    let planted: Vec<String> = csv(&data.join("faults.csv"))
        .into_iter()
        .filter(|f| f[4] == "line_id.duplicate")
        .map(|f| f[2].clone())
        .collect();
    assert_eq!(
        twice, planted,
        "statement line ids are unique but the planted one"
    );
    let split: BTreeSet<String> = ids
        .iter()
        .zip(&memos)
        .filter(|(_, m)| matches!(m.as_deref(), Some("payer credit" | "collections, part")))
        .filter_map(|(id, _)| id.clone())
        .collect();
    assert!(split.len() > 500, "{} payer lines", split.len());
    let m = sifund::engine::read_all(&out.join("reconcile/matches.parquet")).unwrap();
    let (lines, rules) = (strings(&m, "statement_line_id"), strings(&m, "rule"));
    let matched: BTreeSet<String> = lines.iter().map(|l| l.clone().unwrap()).collect();
    let missing: Vec<&String> = split.difference(&matched).collect();
    assert!(missing.is_empty(), "payer lines not matched: {missing:?}");
    let by_day: BTreeSet<String> = lines
        .iter()
        .zip(&rules)
        .filter(|(_, r)| r.as_deref() == Some("day_total"))
        .map(|(l, _)| l.clone().unwrap())
        .collect();
    assert!(by_day.len() > 300, "{} lines matched by day", by_day.len());
    assert!(
        by_day.is_subset(&split),
        "only split days need the day rule"
    );
}
