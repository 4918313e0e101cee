//! The fund books and the account-flow rules end to end: planted breaches and overpayments
//! found by id, rule and amount, nothing else flagged; outputs present and consistent.

mod common;
use common::*;
use sifund::engine::read_all;
use std::collections::BTreeMap;

use std::collections::BTreeSet;

#[test]
fn every_planted_breach_and_overpayment_is_found_and_nothing_else() {
    let dir = temp("breaches");
    let data = dataset(&dir, 2_500, 13, true);
    // The demo's reserve policy (pipelines/demo.toml), so the planted `reserve_outside_policy`
    // is judged; the generator's other 410 funds set aside 11 % and stay below the cap.
    let pipeline = write_pipeline(&dir, &data, "[reserve]\nshare = 0.10\ncap = 0.30\n");
    let out = dir.join("out");
    let o = sifund(&["flows", pipeline.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));

    let faults = csv(&data.join("faults.csv"));
    // (rule, source_table, source_id, amount or "" when it depends on the data)
    let want: BTreeSet<(String, String, String, String)> = faults
        .iter()
        .filter(|f| f[0] == "violation")
        .map(|f| (f[4].clone(), f[1].clone(), f[2].clone(), f[5].clone()))
        .collect();
    assert!(want.len() >= 10, "{want:?}");
    let got: BTreeSet<(String, String, String, String)> = csv(&out.join("flows/violations.csv"))
        .iter()
        .map(|v| {
            let fixed = want.iter().any(|w| w.2 == v[5] && !w.3.is_empty());
            (
                v[0].clone(),
                v[4].clone(),
                v[5].clone(),
                if fixed { v[7].clone() } else { String::new() },
            )
        })
        .collect();
    assert_eq!(got, want, "violations differ from the planted ones");

    let want_over: BTreeSet<(String, String, String)> = faults
        .iter()
        .filter(|f| f[0] == "overpayment")
        .map(|f| {
            (
                f[2].clone(),
                f[4].split(':').nth(1).unwrap().to_string(),
                f[5].clone(),
            )
        })
        .collect();
    assert!(!want_over.is_empty());
    let got_over: BTreeSet<(String, String, String)> = csv(&out.join("flows/overpayments.csv"))
        .iter()
        .map(|o| (o[2].clone(), o[7].clone(), o[8].clone()))
        .collect();
    assert_eq!(got_over, want_over);
}

#[test]
fn ledger_outputs_foot_and_the_invariants_hold() {
    let dir = temp("ledger-out");
    let data = dataset(&dir, 1_500, 8, true);
    let out = dir.join("out");
    let o = stage("ledger", &data, &out);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    for f in [
        "journal.parquet",
        "trial_balance.csv",
        "fund_statement.csv",
        "balances.csv",
        "balance_sheet.csv",
        "fund_statement.xlsx",
    ] {
        assert!(out.join("ledger").join(f).is_file(), "{f}");
    }
    let m = manifest(&out);
    for inv in m["invariants"].as_array().unwrap() {
        assert_eq!(inv["holds"], true, "{inv}");
    }
    let fen = |s: &str| sifund::model::money::parse_yuan(s).unwrap() as i128;
    // 收支表: per fund, items sum to totals and opening + surplus = closing.
    let rows = csv(&out.join("ledger/fund_statement.csv"));
    let mut funds: std::collections::BTreeMap<(String, String), Vec<(String, i128)>> =
        Default::default();
    for r in &rows {
        funds
            .entry((r[0].clone(), r[1].clone()))
            .or_default()
            .push((r[2].clone(), fen(&r[4])));
    }
    let revenue = [
        "contribution",
        "fiscal_subsidy",
        "collective_subsidy",
        "interest",
        "investment_income",
        "transfer_in",
        "subsidy_from_upper",
        "remit_from_lower",
        "other_income",
    ];
    for (fund, lines) in &funds {
        let get = |k: &str| lines.iter().find(|l| l.0 == k).map(|l| l.1).unwrap_or(0);
        let rev: i128 = lines
            .iter()
            .filter(|l| revenue.contains(&l.0.as_str()))
            .map(|l| l.1)
            .sum();
        let exp: i128 = lines
            .iter()
            .filter(|l| {
                !revenue.contains(&l.0.as_str())
                    && !l.0.starts_with("benefits.")
                    && !l.0.starts_with("total_")
                    && !["surplus", "opening_balance", "closing_balance"].contains(&l.0.as_str())
            })
            .map(|l| l.1)
            .sum();
        let details: i128 = lines
            .iter()
            .filter(|l| l.0.starts_with("benefits."))
            .map(|l| l.1)
            .sum();
        assert_eq!(rev, get("total_revenue"), "{fund:?}");
        assert_eq!(exp, get("total_expenditure"), "{fund:?}");
        assert_eq!(details, get("benefits"), "{fund:?}");
        assert_eq!(
            get("opening_balance") + get("total_revenue") - get("total_expenditure"),
            get("closing_balance"),
            "{fund:?}"
        );
    }
    // Journal: debits = credits per voucher, independent exact fold over the Parquet file.
    let j = sifund::engine::read_all(&out.join("ledger/journal.parquet")).unwrap();
    let ids = j.column("voucher_id").unwrap().u64().unwrap().clone();
    let d = j
        .column("debit")
        .unwrap()
        .decimal()
        .unwrap()
        .physical()
        .clone();
    let c = j
        .column("credit")
        .unwrap()
        .decimal()
        .unwrap()
        .physical()
        .clone();
    let mut per_entry: std::collections::HashMap<u64, i128> = Default::default();
    for ((id, d), c) in ids.iter().zip(d.iter()).zip(c.iter()) {
        *per_entry.entry(id.unwrap()).or_default() += d.unwrap() - c.unwrap();
    }
    assert!(
        per_entry.values().all(|v| *v == 0),
        "every voucher balances"
    );
    // 收支表 against the journal, by an independent fold: every item's amount is the sum of
    // the journal lines carrying it (revenue subjects 4xxx credit − debit, expenditure 5xxx
    // debit − credit); the opening balance is the accepted `book` rows of opening_balances.
    let col = |n: &str| strings(&j, n);
    let (region, scheme, code, item) = (
        col("region"),
        col("scheme"),
        col("account_code"),
        col("item"),
    );
    let mut by_item: BTreeMap<(String, String, String), i128> = BTreeMap::new();
    for k in 0..j.height() {
        let Some(it) = &item[k] else { continue };
        let (dk, ck) = (d.get(k).unwrap(), c.get(k).unwrap());
        let v = if code[k].as_deref().unwrap().starts_with('4') {
            ck - dk
        } else {
            dk - ck
        };
        *by_item
            .entry((
                region[k].clone().unwrap(),
                scheme[k].clone().unwrap(),
                it.clone(),
            ))
            .or_default() += v;
    }
    let mut compared = 0;
    for r in &rows {
        let key = (r[0].clone(), r[1].clone(), r[2].clone());
        let want = by_item.get(&key).copied();
        let items_of_journal = !r[2].starts_with("total_")
            && !["surplus", "opening_balance", "closing_balance", "benefits"]
                .contains(&r[2].as_str());
        if items_of_journal {
            assert_eq!(want.unwrap_or(0), fen(&r[4]), "{key:?}: 收支表 vs journal");
            compared += 1;
        }
    }
    assert!(compared > 100, "{compared} items compared");
    for (key, v) in &by_item {
        let shown = rows
            .iter()
            .any(|r| (r[0].clone(), r[1].clone(), r[2].clone()) == *key);
        assert!(
            shown || *v == 0,
            "{key:?}: {v} in the journal, not in the 收支表"
        );
    }
    let ob = read_all(&data.join("opening_balances.parquet")).unwrap();
    let rejected_ob = rejected_rows(&out, "opening_balances");
    let (obr, obs) = (strings(&ob, "region"), strings(&ob, "scheme"));
    let book = ob
        .column("book")
        .unwrap()
        .decimal()
        .unwrap()
        .physical()
        .clone();
    let mut opening: BTreeMap<(String, String), i128> = BTreeMap::new();
    for k in 0..ob.height() {
        if rejected_ob.contains(&(k as u64)) {
            continue;
        }
        *opening
            .entry((obr[k].clone().unwrap(), obs[k].clone().unwrap()))
            .or_default() += book.get(k).unwrap();
    }
    for (fund, lines) in &funds {
        let get = |k: &str| lines.iter().find(|l| l.0 == k).map(|l| l.1).unwrap_or(0);
        assert_eq!(
            get("opening_balance"),
            opening.get(fund).copied().unwrap_or(0),
            "{fund:?}"
        );
    }
    let total_debit: i128 = d.iter().flatten().sum();
    assert_eq!(
        sifund::model::money::yuan(total_debit),
        m["stages"]["ledger"]["journal_debit"].as_str().unwrap()
    );
}
