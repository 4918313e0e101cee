//! The budget stage on generated data: the backtest against the generator's simulated next
//! year, traceability of every draft line, `--explain`, the workbook, the projection, and
//! exclusions counted in the manifest.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;

fn yuan(s: &str) -> f64 {
    s.parse().unwrap()
}

/// (region, scheme, item) → (base-year actual, budget) from `draft.csv`.
fn draft(out: &Path) -> BTreeMap<(String, String, String), (f64, f64)> {
    csv(&out.join("budget/draft.csv"))
        .into_iter()
        .map(|r| {
            (
                (r[0].clone(), r[1].clone(), r[2].clone()),
                (yuan(&r[4]), yuan(&r[5])),
            )
        })
        .collect()
}

#[test]
fn backtest_against_the_simulated_next_year() {
    let dir = temp("budget-backtest");
    let data = dataset(&dir, 40_000, 11, false);
    let out = dir.join("out");
    let o = stage("budget", &data, &out);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let d = draft(&out);
    let truth: BTreeMap<(String, String, String), f64> = csv(&data.join("next_year.csv"))
        .into_iter()
        .map(|r| ((r[0].clone(), r[1].clone(), r[2].clone()), yuan(&r[3])))
        .collect();
    // Naive: this year × (1 + the item's growth assumption): wage growth for fees, the
    // pension adjustment for pensions (pipeline defaults 0.05 and 0.02).
    let mut checked = 0;
    for region in ["440100", "440300", "320100", "320500"] {
        for (item, growth) in [("contribution", 0.05), ("benefits.basic_pension", 0.02)] {
            let k = (region.to_string(), "110".to_string(), item.to_string());
            let t = truth[&k];
            let (base, budget) = d[&k];
            let err = (budget - t) / t;
            let naive = (base * (1.0 + growth) - t) / t;
            eprintln!(
                "backtest {region} 110 {item}: truth {t:.2} draft {budget:.2} ({:+.2} %) naive {:+.2} % (× 1.05: {:+.2} %)",
                100.0 * err,
                100.0 * naive,
                100.0 * (base * 1.05 - t) / t
            );
            assert!(
                err.abs() <= 0.02,
                "{region} {item}: draft off by {:.2} %",
                100.0 * err
            );
            assert!(
                err.abs() < naive.abs(),
                "{region} {item}: naive draft closer"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 8);
    // Every item the generator's world has a truth for, for the closing note: the draft's
    // error beside the naive one (no bound: the other schemes' models are coarser).
    for ((region, scheme, item), t) in &truth {
        let k = (region.clone(), scheme.clone(), item.clone());
        if let (Some((base, budget)), true) = (d.get(&k), *t != 0.0) {
            eprintln!(
                "all {region} {scheme} {item}: truth {t:.2} draft {:+.2} % naive {:+.2} %",
                100.0 * (budget - t) / t,
                100.0 * (base * 1.05 - t) / t
            );
        }
    }
}

#[test]
fn every_draft_line_traces_to_a_driver_and_explains_itself() {
    let dir = temp("budget-trace");
    let data = dataset(&dir, 3_000, 5, true);
    let out = dir.join("out");
    let o = stage("budget", &data, &out);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let basis = csv_quoted(&out.join("budget/basis.csv"));
    let mut used: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for r in &basis {
        assert_eq!(r.len(), 9, "{r:?}");
        assert!(!r[8].is_empty(), "driver {} has no method", r[2]);
        used.entry((r[0].clone(), r[1].clone()))
            .or_default()
            .extend(
                r[7].split(' ')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
            );
    }
    let totals = [
        "total_revenue",
        "total_expenditure",
        "surplus",
        "opening_balance",
        "closing_balance",
        "benefits",
    ];
    let mut lines = 0;
    for (region, scheme, item) in draft(&out).keys() {
        if totals.contains(&item.as_str()) {
            continue;
        }
        let u = &used[&(region.clone(), scheme.clone())];
        assert!(
            u.contains(item),
            "{region}/{scheme}/{item} traces to no driver in basis.csv"
        );
        lines += 1;
    }
    assert!(lines > 50);
    // --explain prints the computation with the line's amount.
    let d = draft(&out);
    let (_, budget) = d[&("440100".into(), "110".into(), "contribution".into())];
    let o = stage_with(
        "budget",
        &data,
        &out,
        &["--explain", "440100,110,contribution"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains(&format!("{budget:.2}")), "{text}");
    assert!(
        text.contains("effective rate") && text.contains("average_base"),
        "{text}"
    );
    // An unknown line is an error that says where to look.
    let o = stage_with(
        "budget",
        &data,
        &out,
        &["--explain", "440100,110,no_such_item"],
    );
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("draft.csv"));
}

#[test]
fn the_draft_foots_and_the_workbook_has_the_budget_tables() {
    let dir = temp("budget-foot");
    let data = dataset(&dir, 3_000, 5, true);
    let out = dir.join("out");
    assert_eq!(code(&stage("budget", &data, &out)), 0);
    let d = draft(&out);
    let funds: std::collections::BTreeSet<(String, String)> =
        d.keys().map(|k| (k.0.clone(), k.1.clone())).collect();
    for (r, s) in &funds {
        let get = |i: &str| d[&(r.clone(), s.clone(), i.to_string())].1;
        let cents = |x: f64| (x * 100.0).round() as i64;
        let mut rev = 0i64;
        let mut exp = 0i64;
        let mut details = 0i64;
        for ((r2, s2, item), (_, v)) in &d {
            if (r2, s2) != (r, s) {
                continue;
            }
            match item.as_str() {
                "contribution" | "fiscal_subsidy" | "collective_subsidy" | "interest"
                | "investment_income" | "transfer_in" | "subsidy_from_upper"
                | "remit_from_lower" | "other_income" => rev += cents(*v),
                i if i.starts_with("benefits.") => details += cents(*v),
                "benefits" | "transfer_out" | "subsidy_to_lower" | "remit_to_upper"
                | "other_expense" | "job_retention" | "skill_upgrade" | "assessment_fee"
                | "prevention_fee" => exp += cents(*v),
                _ => {}
            }
        }
        assert_eq!(rev, cents(get("total_revenue")), "{r}/{s} revenue");
        assert_eq!(exp, cents(get("total_expenditure")), "{r}/{s} expenditure");
        assert_eq!(details, cents(get("benefits")), "{r}/{s} benefits");
        assert_eq!(
            cents(get("opening_balance")) + cents(get("surplus")),
            cents(get("closing_balance"))
        );
    }
    let sheets = xlsx_sheets(&out.join("budget/draft.xlsx"));
    for s in [
        "社预01表",
        "社预02表",
        "社预08表",
        "社预附01表",
        "社预附03表",
    ] {
        assert!(sheets.iter().any(|x| x == s), "{s} missing from {sheets:?}");
    }
    // The approved budget of the generated year gives the execution table.
    let exec = csv(&out.join("budget/execution.csv"));
    assert!(!exec.is_empty());
    assert!(exec.iter().all(|r| r.len() == 6));
    // progress_pct = actual ÷ budget × 100, to the hundredth; actual is the year's 收支表.
    let base = draft(&out);
    let mut checked = 0;
    for r in &exec {
        let (budget, actual) = (yuan(&r[3]), yuan(&r[4]));
        if let Some((a, _)) = base.get(&(r[0].clone(), r[1].clone(), r[2].clone())) {
            assert_eq!(
                *a, actual,
                "{r:?}: actual differs from the base year in draft.csv"
            );
            checked += 1;
        }
        if budget != 0.0 {
            let want = actual / budget * 100.0;
            assert!(
                (yuan(&r[5]) - want).abs() <= 0.006,
                "{r:?}: progress {want}"
            );
        }
    }
    assert!(
        checked > 20,
        "{checked} execution lines matched draft items"
    );
    let m = manifest(&out);
    assert!(m["invariants"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["name"].as_str().unwrap().starts_with("budget:"))
        .all(|i| i["holds"] == true));
}

#[test]
fn horizon_projects_scenarios_and_the_year_the_balance_runs_out() {
    let dir = temp("budget-horizon");
    let data = dataset(&dir, 3_000, 5, false);
    let o = budget_with(
        &dir,
        &data,
        "horizon = 30\n\n[scenarios.low]\nwage_growth = 0.0\ncollection_rate = 0.5\n",
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rows = csv(&dir.join("out/budget/projection.csv"));
    let of = |sc: &str| {
        rows.iter()
            .filter(|r| r[0] == "440100" && r[1] == "110" && r[2] == sc)
            .collect::<Vec<_>>()
    };
    let (central, low) = (of("central"), of("low"));
    assert_eq!(central.len(), 30);
    assert_eq!(low.len(), 30);
    assert_eq!(central[0][3], "2026");
    let sheets = xlsx_sheets(&dir.join("out/budget/draft.xlsx"));
    assert!(sheets.iter().any(|s| s == "中长期测算"), "{sheets:?}");
    // The draft is the central scenario's first year.
    let d = draft(&dir.join("out"));
    let closing = d[&("440100".into(), "110".into(), "closing_balance".into())].1;
    assert_eq!(yuan(&central[0][7]), closing);
    // Half the fees collected and no wage growth: the balance runs out, and says when.
    let out_year = &low[0][9];
    assert!(
        !out_year.is_empty(),
        "the low scenario should exhaust the fund"
    );
    let first_negative = low.iter().find(|r| yuan(&r[7]) < 0.0).unwrap();
    assert_eq!(&first_negative[3], out_year);
    // Each year: opening (last closing) + surplus = closing.
    for w in central.windows(2) {
        let (a, b) = (yuan(&w[0][7]), yuan(&w[1][7]));
        assert!(((a + yuan(&w[1][6])) - b).abs() < 0.005);
    }
}

#[test]
fn persons_outside_the_life_table_are_counted_not_dropped() {
    let dir = temp("budget-life");
    let data = dataset(&dir, 2_000, 9, false);
    // A life table that ends at 80: everyone older cannot be projected.
    let mut table = String::from("age,sex,qx\n");
    for age in 0..=80 {
        for sex in ["M", "F"] {
            table.push_str(&format!("{age},{sex},0.01\n"));
        }
    }
    std::fs::write(dir.join("life.csv"), table).unwrap();
    let extra = "\n[assumptions]\nmortality = \"life.csv\"\n";
    let o = budget_with(&dir, &data, extra);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let m = manifest(&dir.join("out"));
    let outside = m["stages"]["budget"]["persons_not_projected"]["outside_mortality_table"]
        .as_u64()
        .unwrap_or(0);
    assert!(outside > 10, "{}", m["stages"]["budget"]);
    let inv = m["invariants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| {
            i["name"]
                .as_str()
                .unwrap()
                .starts_with("budget: every person row")
        })
        .unwrap()
        .clone();
    assert_eq!(inv["holds"], true, "{inv}");
    // A broken life table is a config error: exit 2, nothing written.
    std::fs::write(dir.join("life.csv"), "age,sex,qx\n0,M,2\n").unwrap();
    let _ = std::fs::remove_dir_all(dir.join("out"));
    let o = budget_with(&dir, &data, extra);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("life.csv"), "{}", stderr(&o));
    assert!(!dir.join("out").exists());
}

#[test]
fn fast_and_slow_projectors_agree_on_generated_data() {
    let dir = temp("budget-projectors");
    let data = dataset(&dir, 3_000, 13, false);
    let pipeline = write_pipeline(&dir, &data, "horizon = 12\n");
    let p = sifund::config::Pipeline::load(&pipeline).unwrap();
    let (members, years, agree) = sifund::budget::projectors_agree(&p).unwrap();
    assert!(members > 5_000, "{members}");
    assert_eq!(years, 12);
    assert!(agree, "fast and slow projections differ");
}
