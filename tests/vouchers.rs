//! The journal's summary vouchers 汇总记账凭证 against the inputs: each voucher's key is the
//! filter that finds its rows, and those rows sum to its lines; with `trace = true` every
//! accepted row appears once in `postings.parquet`, under the voucher its key names.
//!
//! The test groups the input rows itself (its own reading of SPEC §5's key), so a voucher that
//! summarised the wrong rows, lost one or counted one twice fails here.

mod common;
use common::*;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use sifund::engine::{read_all, Column, DataFrame};

/// (source_table, origin, region, scheme, date, account or item, reference)
type VKey = (String, String, String, String, i32, String, Option<String>);

/// Rows and amounts of a voucher: (rows, amount, late fee).
/// (rows, amount, late fee, the fees' share in 310's individual account part)
type VSums = (u64, i128, i128, i128);

fn strs(c: &Column) -> Vec<Option<String>> {
    c.str()
        .unwrap()
        .iter()
        .map(|v| v.map(str::to_string))
        .collect()
}

fn dates(c: &Column) -> Vec<Option<i32>> {
    c.date().unwrap().physical().iter().collect()
}

/// A decimal column in fen, whatever its scale (0–2).
fn fens(c: &Column) -> Vec<Option<i128>> {
    let d = c.decimal().unwrap();
    let k = 10i128.pow(2 - d.scale() as u32);
    d.physical().iter().map(|v| v.map(|x| x * k)).collect()
}

fn add(map: &mut BTreeMap<VKey, VSums>, k: VKey, amount: i128, late: i128, account: i128) {
    let e = map.entry(k).or_default();
    e.0 += 1;
    e.1 += amount;
    e.2 += late;
    e.3 += account;
}

/// The part of a 310 row's own contribution that goes to the individual account: at most 2 %
/// (the default `[sub_funds] account_rate`) of the base, half up to the fen; the employer's
/// part and fees paid by others are the pool's (docs/accounting.md, 分账核算).
fn account_part(scheme: &str, payer: &str, base: Option<i128>, individual: i128) -> i128 {
    match (scheme, payer, base) {
        ("310", "employee" | "flexible", Some(b)) if b > 0 => individual.min((b * 2 + 50) / 100),
        _ => 0,
    }
}

/// The vouchers the inputs call for, grouped by the test from the raw rows; and per
/// (table, row) the key of the voucher that summarises the row.
fn expected(data: &Path, out: &Path) -> (BTreeMap<VKey, VSums>, BTreeMap<(String, u64), VKey>) {
    let mut want = BTreeMap::new();
    let mut row_key = BTreeMap::new();
    let c = read_all(&data.join("contributions.parquet")).unwrap();
    let rej = rejected_rows(out, "contributions");
    let col = |df: &DataFrame, n: &str| df.column(n).unwrap().clone();
    let (reg, sch, day, acct, rref, kind) = (
        strs(&col(&c, "region")),
        strs(&col(&c, "scheme")),
        dates(&col(&c, "received_on")),
        strs(&col(&c, "account")),
        strs(&col(&c, "receipt_ref")),
        strs(&col(&c, "kind")),
    );
    let (ea, ia, lf) = (
        fens(&col(&c, "employer_amount")),
        fens(&col(&c, "individual_amount")),
        fens(&col(&c, "late_fee")),
    );
    let (payer, base) = (strs(&col(&c, "payer_kind")), fens(&col(&c, "base")));
    for i in 0..c.height() {
        if rej.contains(&(i as u64)) {
            continue;
        }
        let origin = if kind[i].as_deref() == Some("refund") {
            "refund"
        } else {
            "receipt"
        };
        let k: VKey = (
            "contributions".into(),
            origin.into(),
            reg[i].clone().unwrap(),
            sch[i].clone().unwrap(),
            day[i].unwrap(),
            acct[i].clone().unwrap(),
            rref[i].clone(),
        );
        let scheme = sch[i].as_deref().unwrap();
        let payer = payer[i].as_deref().unwrap();
        add(
            &mut want,
            k.clone(),
            ea[i].unwrap() + ia[i].unwrap(),
            lf[i].unwrap(),
            account_part(scheme, payer, base[i], ia[i].unwrap()),
        );
        row_key.insert(("contributions".to_string(), i as u64), k);
    }
    let p = read_all(&data.join("payouts.parquet")).unwrap();
    let rej = rejected_rows(out, "payouts");
    let (reg, sch, paid, ben, batch, amt, ret) = (
        strs(&col(&p, "region")),
        strs(&col(&p, "scheme")),
        dates(&col(&p, "paid_on")),
        strs(&col(&p, "benefit")),
        strs(&col(&p, "batch_id")),
        fens(&col(&p, "amount")),
        dates(&col(&p, "returned_on")),
    );
    for i in 0..p.height() {
        if rej.contains(&(i as u64)) {
            continue;
        }
        let key = |origin: &str, date: i32| -> VKey {
            (
                "payouts".into(),
                origin.into(),
                reg[i].clone().unwrap(),
                sch[i].clone().unwrap(),
                date,
                ben[i].clone().unwrap(),
                batch[i].clone(),
            )
        };
        add(
            &mut want,
            key("payment", paid[i].unwrap()),
            amt[i].unwrap(),
            0,
            0,
        );
        row_key.insert(
            ("payouts".to_string(), i as u64),
            key("payment", paid[i].unwrap()),
        );
        if let Some(back) = ret[i] {
            add(&mut want, key("returned", back), amt[i].unwrap(), 0, 0);
        }
    }
    let f = read_all(&data.join("fund_flows.parquet")).unwrap();
    let rej = rejected_rows(out, "fund_flows");
    let (id, reg, sch, day, amt) = (
        strs(&col(&f, "flow_id")),
        strs(&col(&f, "region")),
        strs(&col(&f, "scheme")),
        dates(&col(&f, "date")),
        fens(&col(&f, "amount")),
    );
    for i in 0..f.height() {
        if rej.contains(&(i as u64)) {
            continue;
        }
        let k: VKey = (
            "fund_flows".into(),
            "flow".into(),
            reg[i].clone().unwrap(),
            sch[i].clone().unwrap(),
            day[i].unwrap(),
            String::new(),
            id[i].clone(),
        );
        add(&mut want, k.clone(), amt[i].unwrap(), 0, 0);
        row_key.insert(("fund_flows".to_string(), i as u64), k);
    }
    (want, row_key)
}

/// The journal's vouchers read back: key, sums and id, and the number of lines.
struct Journal {
    vouchers: BTreeMap<VKey, (VSums, u64)>,
    lines: usize,
    closing: usize,
}

/// Reads a voucher's key back from its lines: the deposit line (1002/1003/1004) tells the
/// account and the direction; the expense line of a payment tells the benefit.
fn journal(out: &Path) -> Journal {
    let j = read_all(&out.join("ledger/journal.parquet")).unwrap();
    let col = |n: &str| j.column(n).unwrap().clone();
    let ids: Vec<u64> = col("voucher_id")
        .u64()
        .unwrap()
        .iter()
        .map(|v| v.unwrap())
        .collect();
    let (day, reg, sch, code, item, table, reference, sub) = (
        dates(&col("date")),
        strs(&col("region")),
        strs(&col("scheme")),
        strs(&col("account_code")),
        strs(&col("item")),
        strs(&col("source_table")),
        strs(&col("reference")),
        strs(&col("sub_fund")),
    );
    let rows: Vec<u64> = col("rows")
        .u64()
        .unwrap()
        .iter()
        .map(|v| v.unwrap())
        .collect();
    let (debit, credit) = (fens(&col("debit")), fens(&col("credit")));
    let mut by_id: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for (i, id) in ids.iter().enumerate() {
        by_id.entry(*id).or_default().push(i);
    }
    let mut vouchers = BTreeMap::new();
    let mut closing = 0;
    for (id, lines) in &by_id {
        let first = lines[0];
        let balance = |part: Option<&str>| -> i128 {
            lines
                .iter()
                .filter(|&&i| part.is_none() || sub[i].as_deref() == part)
                .map(|&i| debit[i].unwrap() - credit[i].unwrap())
                .sum()
        };
        assert_eq!(balance(None), 0, "voucher {id} balances");
        let table = table[first].clone().unwrap();
        let parts: BTreeSet<&str> = lines.iter().map(|&i| sub[i].as_deref().unwrap()).collect();
        let allowed: &[&str] = match sch[first].as_deref() {
            Some("310") => &["pooled", "account"],
            Some("410") => &["pooled", "reserve"],
            _ => &["pooled"],
        };
        assert!(
            parts.iter().all(|p| allowed.contains(p)),
            "voucher {id}: parts {parts:?}"
        );
        // Each part balances on its own, transfers between parts included (the giving part's
        // deposit and 基金结余 go down, the receiving part's up).
        for p in &parts {
            assert_eq!(balance(Some(p)), 0, "voucher {id}: part {p} balances");
        }
        for &i in lines {
            assert_eq!(day[i], day[first], "voucher {id}: one date");
            assert_eq!(reg[i], reg[first], "voucher {id}: one fund");
            assert_eq!(sch[i], sch[first], "voucher {id}: one fund");
            assert_eq!(rows[i], rows[first], "voucher {id}: one row count");
        }
        if table == "closing" {
            closing += 1;
            continue;
        }
        let deposit = lines
            .iter()
            .copied()
            .find(|&i| ["1002", "1003", "1004"].contains(&code[i].as_deref().unwrap()));
        // Σ of a subject's lines (both parts), and of its account-part lines.
        let sum_of = |c: &str, account_only: bool| -> i128 {
            lines
                .iter()
                .filter(|&&i| code[i].as_deref() == Some(c))
                .filter(|&&i| !account_only || sub[i].as_deref() == Some("account"))
                .map(|&i| debit[i].unwrap() + credit[i].unwrap())
                .sum()
        };
        let amount_of = |i: Option<usize>| {
            i.map(|i| debit[i].unwrap() + credit[i].unwrap())
                .unwrap_or(0)
        };
        let (origin, detail, sums) = match table.as_str() {
            "contributions" => {
                let d = deposit.expect("a contribution voucher has its deposit line");
                let acct = match code[d].as_deref().unwrap() {
                    "1002" => "income",
                    "1003" => "fiscal",
                    other => panic!("contribution into {other}"),
                };
                let origin = if credit[d].unwrap() > 0 {
                    "refund"
                } else {
                    "receipt"
                };
                let sums = (
                    rows[first],
                    sum_of("4001", false),
                    sum_of("4009", false),
                    sum_of("4001", true),
                );
                (origin, acct.to_string(), sums)
            }
            "payouts" => {
                let e = lines
                    .iter()
                    .copied()
                    .find(|&i| item[i].is_some())
                    .expect("a payout voucher has its benefit line");
                let benefit = item[e].clone().unwrap();
                let benefit = benefit
                    .strip_prefix("benefits.")
                    .unwrap_or(&benefit)
                    .to_string();
                let origin = if debit[e].unwrap() > 0 {
                    "payment"
                } else {
                    "returned"
                };
                (origin, benefit, (rows[first], amount_of(Some(e)), 0, 0))
            }
            "fund_flows" => {
                // the amount moved: the debits other than 基金结余's (a transfer between parts
                // also moves 3001 from one part to the other)
                let a = lines
                    .iter()
                    .filter(|&&i| code[i].as_deref() != Some("3001"))
                    .map(|&i| debit[i].unwrap())
                    .sum();
                ("flow", String::new(), (rows[first], a, 0, 0))
            }
            other => panic!("source_table {other}"),
        };
        let key: VKey = (
            table,
            origin.into(),
            reg[first].clone().unwrap(),
            sch[first].clone().unwrap(),
            day[first].unwrap(),
            detail,
            reference[first].clone(),
        );
        assert!(
            vouchers.insert(key.clone(), (sums, *id)).is_none(),
            "{key:?} twice"
        );
    }
    Journal {
        vouchers,
        lines: ids.len(),
        closing,
    }
}

#[test]
fn every_voucher_key_finds_exactly_its_rows_and_the_trace_names_it() {
    let dir = temp("vouchers");
    let data = dataset(&dir, 1_500, 8, true);
    let pipeline = write_pipeline(&dir, &data, "[ledger]\ntrace = true\n");
    let o = sifund(&["ledger", pipeline.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = dir.join("out");

    let (want, row_key) = expected(&data, &out);
    let j = journal(&out);
    let got: BTreeMap<VKey, VSums> = j.vouchers.iter().map(|(k, v)| (k.clone(), v.0)).collect();
    assert_eq!(got.len(), want.len(), "one voucher per distinct key");
    for (k, w) in &want {
        assert_eq!(
            got.get(k),
            Some(w),
            "voucher {k:?}: rows, amount, late fee, account part"
        );
    }
    let m = manifest(&out);
    let funds = m["stages"]["ledger"]["funds"].as_u64().unwrap() as usize;
    assert!(
        j.closing > 0 && j.closing <= funds,
        "a closing voucher per fund with movements"
    );
    assert_eq!(
        m["stages"]["ledger"]["vouchers"].as_u64().unwrap() as usize,
        want.len() + j.closing
    );
    // The one-entry-per-row journal had two lines or more per row; vouchers have fewer lines
    // than rows even on this small dataset (on the benchmark's 24 M rows: 25 k lines).
    let source_rows: usize = row_key.len();
    assert!(
        j.lines * 2 < source_rows,
        "{} journal lines for {source_rows} rows",
        j.lines
    );

    // The trace: every accepted row once, under the voucher of its key.
    let t = read_all(&out.join("ledger/postings.parquet")).unwrap();
    let (table, file) = (
        strs(t.column("source_table").unwrap()),
        strs(t.column("source_file").unwrap()),
    );
    let rows: Vec<u64> = t
        .column("source_row")
        .unwrap()
        .u64()
        .unwrap()
        .iter()
        .map(|v| v.unwrap())
        .collect();
    let vid: Vec<u64> = t
        .column("voucher_id")
        .unwrap()
        .u64()
        .unwrap()
        .iter()
        .map(|v| v.unwrap())
        .collect();
    let mut seen = BTreeSet::new();
    for i in 0..t.height() {
        let tb = table[i].clone().unwrap();
        assert_eq!(file[i].clone().unwrap(), format!("{tb}.parquet"));
        assert!(
            seen.insert((tb.clone(), rows[i])),
            "row {tb}:{} twice",
            rows[i]
        );
        let key = &row_key[&(tb.clone(), rows[i])];
        assert_eq!(
            j.vouchers[key].1, vid[i],
            "{tb} row {} traced to its voucher",
            rows[i]
        );
    }
    assert_eq!(seen.len(), row_key.len(), "every accepted row traced");
}

#[test]
fn without_trace_no_postings_file() {
    let dir = temp("vouchers-no-trace");
    let data = dataset(&dir, 300, 3, false);
    let out = dir.join("out");
    let o = stage("ledger", &data, &out);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(out.join("ledger/journal.parquet").is_file());
    assert!(!out.join("ledger/postings.parquet").exists());
}
