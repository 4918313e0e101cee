//! Sub-funds 分账核算 worked by hand: a 310 fund kept as 统筹基金 and 个人账户 and a 410 fund
//! with its reserve 储备金, a dozen rows each way, every figure below computed on paper from
//! the rules in docs/accounting.md (account share of a person's own contribution up to 2 % of
//! the base, rounded half up to the fen; the employer's part, premiums paid by another fund,
//! late fees and interest to the pool; account_medical and 310's transfers out from the
//! account part; retirees' credits a transfer between parts).

mod common;
use common::*;

use sifund::engine::build;
use sifund::engine::write_parquet;
use sifund::generate::records::*;
use sifund::model::date::day;
use sifund::model::ids::{make_citizen_id, make_uscc};
use std::path::{Path, PathBuf};

const REGION: &str = "440300";

/// (id, scheme, payer, base, employer, individual, late fee, kind), received 10 January.
type C<'a> = (
    &'a str,
    &'a str,
    &'a str,
    Option<&'a str>,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
);

fn contribution(c: C, person: &str) -> Contribution {
    let (id, scheme, payer, base, e, i, late, kind) = c;
    Contribution {
        txn_id: s(id),
        region: s(REGION),
        scheme: s(scheme),
        person_id: s(person),
        employer_id: (payer == "employee").then(|| make_uscc(440305, 1)),
        payer_kind: s(payer),
        period: Some(202501),
        received_on: Some(day(2025, 1, 10)),
        account: s("income"),
        receipt_ref: None,
        base: base.and_then(fen),
        employer_amount: fen(e),
        individual_amount: fen(i),
        late_fee: fen(late),
        kind: s(kind),
    }
}

fn payout(
    id: &str,
    scheme: &str,
    benefit: &str,
    payee: &str,
    person: &str,
    md: (u32, u32),
    amount: &str,
) -> Payout {
    Payout {
        payment_id: s(id),
        region: s(REGION),
        scheme: s(scheme),
        person_id: (payee == "person").then(|| person.to_string()),
        payee_kind: s(payee),
        benefit: s(benefit),
        period: Some(202500 + md.0 as i32),
        paid_on: Some(day(2025, md.0, md.1)),
        amount: fen(amount),
        batch_id: s(&format!("B{id}")),
        returned_on: None,
    }
}

fn flow(
    id: &str,
    scheme: &str,
    md: (u32, u32),
    kind: &str,
    from: &str,
    to: &str,
    amount: &str,
) -> FundFlow {
    FundFlow {
        flow_id: s(id),
        region: s(REGION),
        scheme: s(scheme),
        date: Some(day(2025, md.0, md.1)),
        kind: s(kind),
        from_account: s(from),
        to_account: s(to),
        amount: fen(amount),
        counter_region: None,
        counter_scheme: None,
        r#ref: s(&format!("V{id}")),
    }
}

/// `sub_fund_balances.parquet` from (scheme, part, opening) rows.
fn write_parts(data: &Path, rows: &[(&str, &str, &str)]) {
    let col =
        |k: usize| -> Vec<Option<&str>> { rows.iter().map(|r| Some([r.0, r.1, r.2][k])).collect() };
    let df = build::frame(vec![
        build::utf8("region", &vec![Some(REGION); rows.len()]),
        build::utf8("scheme", &col(0)),
        build::utf8("sub_fund", &col(1)),
        build::money("opening", rows.iter().map(|r| fen(r.2)).collect()),
    ]);
    write_parquet(&data.join("sub_fund_balances.parquet"), df).unwrap();
}

/// The year of the two funds. `account_payout_day`: when the 800.00 account payout is made;
/// `more`: flows added to the year's.
fn dataset_with(dir: &Path, account_payout_day: (u32, u32), more: Vec<FundFlow>) -> PathBuf {
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let worker = make_citizen_id(440305, 1980, 3, 3, 11);
    let flexible = make_citizen_id(440305, 1985, 4, 4, 13);
    let jobless = make_citizen_id(440305, 1990, 9, 9, 31);
    let contributions = vec![
        // 2 % of 10,000.00 = 200.00: all of the 200.00 own part to the account
        contribution(
            (
                "C1",
                "310",
                "employee",
                Some("10000"),
                "600.00",
                "200.00",
                "0",
                "normal",
            ),
            &worker,
        ),
        // 2 % of 8,000.00 = 160.00; the late fee 12.00 is the pool's 其他收入
        contribution(
            (
                "C2",
                "310",
                "employee",
                Some("8000"),
                "480.00",
                "160.00",
                "12.00",
                "normal",
            ),
            &worker,
        ),
        // a flexible worker pays 450.00 alone: 2 % of 5,000.00 = 100.00 to the account, 350.00 pooled
        contribution(
            (
                "C3",
                "310",
                "flexible",
                Some("5000"),
                "0",
                "450.00",
                "0",
                "normal",
            ),
            &flexible,
        ),
        // 2 % of 3,333.33 = 66.6666, half up 66.67: all of the 66.67 to the account
        contribution(
            (
                "C4",
                "310",
                "employee",
                Some("3333.33"),
                "200.00",
                "66.67",
                "0",
                "normal",
            ),
            &worker,
        ),
        // a refund of 60.00 + 20.00: the account gives back 20.00, the pool 60.00
        contribution(
            (
                "C5",
                "310",
                "employee",
                Some("10000"),
                "60.00",
                "20.00",
                "0",
                "refund",
            ),
            &worker,
        ),
        // 210 pays the jobless person's premium: the pool's
        contribution(
            ("C6", "310", "fund", None, "300.00", "0", "0", "normal"),
            &jobless,
        ),
        // 410: the employer alone
        contribution(
            (
                "W1",
                "410",
                "employee",
                Some("100000"),
                "1000.00",
                "0",
                "0",
                "normal",
            ),
            &worker,
        ),
    ];
    let payouts = vec![
        payout(
            "P1",
            "310",
            "pooled_medical",
            "institution",
            &worker,
            (3, 5),
            "2000.00",
        ),
        payout(
            "P2",
            "310",
            "account_medical",
            "person",
            &worker,
            account_payout_day,
            "800.00",
        ),
        payout(
            "P3",
            "310",
            "maternity_allowance",
            "person",
            &flexible,
            (4, 5),
            "500.00",
        ),
        payout(
            "W2",
            "410",
            "injury_medical",
            "institution",
            &worker,
            (5, 5),
            "300.00",
        ),
    ];
    let mut flows = vec![
        // the receipts of 10 January swept: 2,376.67 of fees + 12.00 late fee
        flow("F1", "310", (1, 20), "sweep", "income", "fiscal", "2388.67"),
        flow(
            "F2",
            "310",
            (1, 31),
            "account_credit",
            "fiscal",
            "fiscal",
            "150.00",
        ),
        flow(
            "F3",
            "310",
            (3, 21),
            "interest",
            "external",
            "fiscal",
            "30.00",
        ),
        flow(
            "F4",
            "310",
            (3, 1),
            "allocation",
            "fiscal",
            "expense",
            "3000.00",
        ),
        flow(
            "F5",
            "310",
            (6, 30),
            "transfer_out",
            "expense",
            "external",
            "1000.00",
        ),
        flow("W3", "410", (1, 20), "sweep", "income", "fiscal", "1000.00"),
        flow(
            "W4",
            "410",
            (3, 31),
            "reserve_set_aside",
            "fiscal",
            "fiscal",
            "100.00",
        ),
        flow(
            "W5",
            "410",
            (9, 30),
            "reserve_release",
            "fiscal",
            "fiscal",
            "50.00",
        ),
        flow(
            "W6",
            "410",
            (5, 1),
            "allocation",
            "fiscal",
            "expense",
            "300.00",
        ),
    ];
    flows.extend(more);
    let openings = vec![
        opening("310", "income", "0"),
        opening("310", "fiscal", "100000.00"),
        opening("310", "expense", "5000.00"),
        opening("410", "income", "0"),
        opening("410", "fiscal", "10000.00"),
        opening("410", "expense", "0"),
    ];
    write_parquet(
        &data.join("contributions.parquet"),
        Contribution::frame(&contributions),
    )
    .unwrap();
    write_parquet(&data.join("payouts.parquet"), Payout::frame(&payouts)).unwrap();
    write_parquet(&data.join("fund_flows.parquet"), FundFlow::frame(&flows)).unwrap();
    write_parquet(
        &data.join("opening_balances.parquet"),
        OpeningBalance::frame(&openings),
    )
    .unwrap();
    write_parquet(&data.join("statements.parquet"), StatementLine::frame(&[])).unwrap();
    write_parquet(&data.join("persons.parquet"), Person::frame(&[])).unwrap();
    write_parquet(&data.join("deaths.parquet"), Death::frame(&[])).unwrap();
    data
}

/// The year with its `sub_fund_balances` written.
fn parted(
    dir: &Path,
    account_payout_day: (u32, u32),
    more: Vec<FundFlow>,
    parts: &[(&str, &str, &str)],
) -> PathBuf {
    let data = dataset_with(dir, account_payout_day, more);
    write_parts(&data, parts);
    data
}

/// A run that must succeed (exit 0); its output folder.
fn run_ok(dir: &Path, extra: &str) -> PathBuf {
    let (o, out) = run(dir, extra);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    out
}

fn run(dir: &Path, extra: &str) -> (std::process::Output, PathBuf) {
    let pipeline = dir.join("p.toml");
    std::fs::write(
        &pipeline,
        format!("dataset = \"data\"\nyear = 2025\noutput = \"out\"\n{extra}"),
    )
    .unwrap();
    (
        sifund(&["run", pipeline.to_str().unwrap()]),
        dir.join("out"),
    )
}

fn lines(path: &Path, prefix: &str) -> Vec<String> {
    csv(path)
        .iter()
        .map(|r| r.join(","))
        .filter(|l| l.starts_with(prefix))
        .collect()
}

#[test]
fn a_hand_worked_310_fund_gives_its_pooled_and_account_statements_to_the_fen() {
    let dir = temp("sub-funds");
    parted(
        &dir,
        (2, 1),
        vec![],
        &[
            ("310", "pooled", "60000.00"),
            ("310", "account", "45000.00"),
            ("410", "pooled", "9000.00"),
            ("410", "reserve", "1000.00"),
        ],
    );
    let out = run_ok(&dir, "");
    let want = [
        // pool: 600 + 480 + 350 + 200 − 60 + 300 = 1,870.00 of fees; interest 30; late fee 12
        "440300,310,pooled,contribution,社会保险费收入,1870.00",
        "440300,310,pooled,interest,利息收入,30.00",
        "440300,310,pooled,other_income,其他收入,12.00",
        // pooled_medical 2,000 + maternity_allowance 500
        "440300,310,pooled,benefits,社会保险待遇支出,2500.00",
        "440300,310,pooled,benefits.pooled_medical,统筹基金待遇支出,2000.00",
        "440300,310,pooled,benefits.maternity_allowance,生育津贴,500.00",
        "440300,310,pooled,total_revenue,本年收入合计,1912.00",
        "440300,310,pooled,total_expenditure,本年支出合计,2500.00",
        "440300,310,pooled,surplus,本年收支结余,-588.00",
        "440300,310,pooled,part_transfers,分账间划转（净划入）,-150.00",
        "440300,310,pooled,opening_balance,年初滚存结余,60000.00",
        // 60,000 − 588 − 150
        "440300,310,pooled,closing_balance,年末滚存结余,59262.00",
        // account: 200 + 160 + 100 + 66.67 − 20 = 506.67
        "440300,310,account,contribution,社会保险费收入,506.67",
        "440300,310,account,benefits,社会保险待遇支出,800.00",
        "440300,310,account,benefits.account_medical,个人账户待遇支出,800.00",
        "440300,310,account,transfer_out,转移支出,1000.00",
        "440300,310,account,total_revenue,本年收入合计,506.67",
        "440300,310,account,total_expenditure,本年支出合计,1800.00",
        "440300,310,account,surplus,本年收支结余,-1293.33",
        "440300,310,account,part_transfers,分账间划转（净划入）,150.00",
        "440300,310,account,opening_balance,年初滚存结余,45000.00",
        // 45,000 − 1,293.33 + 150
        "440300,310,account,closing_balance,年末滚存结余,43856.67",
    ];
    assert_eq!(
        lines(&out.join("ledger/sub_funds.csv"), "440300,310,"),
        want
    );
    // The fund is the sum of its parts: 105,000 − 1,881.33 = 103,118.67.
    let fund = lines(&out.join("ledger/fund_statement.csv"), "440300,310,");
    for l in [
        "440300,310,contribution,社会保险费收入,2376.67",
        "440300,310,total_expenditure,本年支出合计,4300.00",
        "440300,310,closing_balance,年末滚存结余,103118.67",
    ] {
        assert!(fund.contains(&l.to_string()), "{l} not in {fund:#?}");
    }
    let sheet = lines(
        &out.join("ledger/balance_sheet.csv"),
        "440300,310,fund_balance",
    );
    assert_eq!(
        sheet,
        [
            "440300,310,fund_balance,基金结余,105000.00,103118.67",
            "440300,310,fund_balance.pooled,其中：统筹基金,60000.00,59262.00",
            "440300,310,fund_balance.account,其中：个人账户,45000.00,43856.67",
        ]
    );
    // 410: 9,000 + 1,000 − 300 − 100 + 50 pooled; 1,000 + 100 − 50 reserve.
    let w = lines(&out.join("ledger/sub_funds.csv"), "440300,410,");
    for l in [
        "440300,410,pooled,part_transfers,分账间划转（净划入）,-50.00",
        "440300,410,pooled,closing_balance,年末滚存结余,9650.00",
        "440300,410,reserve,total_revenue,本年收入合计,0.00",
        "440300,410,reserve,part_transfers,分账间划转（净划入）,50.00",
        "440300,410,reserve,closing_balance,年末滚存结余,1050.00",
    ] {
        assert!(w.contains(&l.to_string()), "{l} not in {w:#?}");
    }
    // No part went below zero; no finding of the parts.
    let v = std::fs::read_to_string(out.join("flows/violations.csv")).unwrap();
    assert!(
        !v.contains("sub_fund_misuse") && !v.contains("reserve_outside_policy"),
        "{v}"
    );
    // The manifest's invariant of the parts holds; the split was given.
    let m = manifest(&out);
    let inv = m["invariants"].as_array().unwrap();
    assert!(
        inv.iter()
            .any(|i| i["name"].as_str().unwrap().contains("分账核算") && i["holds"] == true),
        "{inv:#?}"
    );
    assert_eq!(
        m["stages"]["ledger"]["opening_all_pooled"],
        serde_json::json!([])
    );
}

/// The journal books each line in its part, and each part's lines balance in every voucher
/// except the transfers between parts, which balance across the two.
#[test]
fn journal_lines_carry_their_part() {
    let dir = temp("sub-funds-journal");
    parted(
        &dir,
        (2, 1),
        vec![],
        &[
            ("310", "pooled", "60000.00"),
            ("310", "account", "45000.00"),
        ],
    );
    let out = run_ok(&dir, "");
    let df = sifund::engine::read_all(&out.join("ledger/journal.parquet")).unwrap();
    let parts = strings(&df, "sub_fund");
    let items = strings(&df, "item");
    let codes = strings(&df, "account_code");
    let scheme = strings(&df, "scheme");
    // fen of the credit column (DECIMAL(18,2))
    let credit: Vec<Option<i128>> = df
        .column("credit")
        .unwrap()
        .decimal()
        .unwrap()
        .physical()
        .iter()
        .collect();
    // C1–C5 share one receipt voucher (same day, account, null reference): the account
    // part's credit on 4001 is 506.67 + 20.00 refunded in its own voucher.
    let account_revenue: Vec<i128> = (0..df.height())
        .filter(|&k| {
            parts[k].as_deref() == Some("account") && items[k].as_deref() == Some("contribution")
        })
        .filter_map(|k| credit[k])
        .collect();
    assert_eq!(
        account_revenue,
        [52_667, 0],
        "the receipt voucher's credit, the refund's debit"
    );
    // 基金结余 3001 per part over the year's journal (closing entries and transfers between
    // parts): credits − debits = the part's surplus + transfers = closing − opening,
    // −588 − 150 = −738.00 pooled and −1,293.33 + 150 = −1,143.33 in the accounts.
    let debit: Vec<Option<i128>> = df
        .column("debit")
        .unwrap()
        .decimal()
        .unwrap()
        .physical()
        .iter()
        .collect();
    let fund_balance_moved = |part: &str| -> i128 {
        (0..df.height())
            .filter(|&k| {
                scheme[k].as_deref() == Some("310")
                    && parts[k].as_deref() == Some(part)
                    && codes[k].as_deref() == Some("3001")
            })
            .map(|k| credit[k].unwrap() - debit[k].unwrap())
            .sum()
    };
    assert_eq!(fund_balance_moved("pooled"), -73_800);
    assert_eq!(fund_balance_moved("account"), -114_333);
    // 410 without a split: it opens all pooled, its reserve flows still move money into
    // and out of the reserve on 1003; a 410 account part never appears, nor a 310 reserve.
    for k in 0..df.height() {
        let (sch, part) = (scheme[k].as_deref(), parts[k].as_deref());
        assert!(
            !matches!(
                (sch, part),
                (Some("410"), Some("account")) | (Some("310"), Some("reserve"))
            ),
            "line {k}"
        );
        if sch == Some("410") && part == Some("reserve") {
            assert!(
                matches!(codes[k].as_deref(), Some("1003") | Some("3001")),
                "line {k}: {:?}",
                codes[k]
            );
        }
    }
    let m = manifest(&out);
    assert_eq!(
        m["stages"]["ledger"]["opening_all_pooled"],
        serde_json::json!(["440300/410"])
    );
    // Its parts are not known: neither published nor drafted; 310's are.
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("disclose/disclosure.json")).unwrap())
            .unwrap();
    for f in json["funds"].as_array().unwrap() {
        let parts = &f["sub_funds"];
        match f["scheme"].as_str().unwrap() {
            "310" => assert!(parts.is_array(), "{f}"),
            _ => assert!(parts.is_null(), "{f}"),
        }
    }
    let drafted = csv(&out.join("budget/draft_sub_funds.csv"));
    assert!(drafted.iter().all(|r| r[1] == "310") && !drafted.is_empty());
}

/// The account part paying before it is credited, and the reserve released beyond its
/// balance: `sub_fund_misuse`, one finding per run of days below zero, with the lowest
/// balance; and the province's reserve policy checked when given.
#[test]
fn a_part_driven_below_zero_is_misuse_and_the_reserve_is_held_to_policy() {
    let dir = temp("sub-funds-misuse");
    // The account pays 800.00 on 5 January, five days before 506.67 arrives.
    parted(
        &dir,
        (1, 5),
        vec![],
        &[
            ("310", "pooled", "104500.00"),
            ("310", "account", "500.00"),
            ("410", "pooled", "10000.00"),
            ("410", "reserve", "0"),
        ],
    );
    // share 0.2 of 1,000.00 of fees = 200.00 expected, 100.00 set aside; cap 0.05 of the
    // fund's 10,700.00 = 535.00, the reserve holds 50.00: within it.
    let out = run_ok(&dir, "[reserve]\nshare = 0.2\ncap = 0.05\n");
    // rule, severity, region, scheme, source_table, source_id, date, amount, message
    let v: Vec<Vec<String>> = csv(&out.join("flows/violations.csv"));
    let found: Vec<(String, String, String, String)> = v
        .iter()
        .filter(|r| r[0].starts_with("sub_fund") || r[0].starts_with("reserve"))
        .map(|r| (r[3].clone(), r[0].clone(), r[6].clone(), r[7].clone()))
        .collect();
    assert_eq!(
        found,
        [
            // 500 − 800 on 5 January; +506.67 on the 10th
            (
                "310".into(),
                "sub_fund_misuse".into(),
                "2025-01-05".into(),
                "-300.00".into()
            ),
            // 500 − 800 + 506.67 + 150 − 1,000 on 30 June, to the year's end
            (
                "310".into(),
                "sub_fund_misuse".into(),
                "2025-06-30".into(),
                "-643.33".into()
            ),
            (
                "410".into(),
                "reserve_outside_policy".into(),
                "2025-12-31".into(),
                "100.00".into()
            ),
        ]
    );
    // The cap broken: the reserve's 50.00 is above 0.001 of the fund's 10,700.00 (10.70).
    let out = run_ok(&dir, "[reserve]\ncap = 0.001\n");
    let v = std::fs::read_to_string(out.join("flows/violations.csv")).unwrap();
    assert!(v.contains("reserve:cap"), "{v}");
    assert!(!v.contains("reserve:share"), "{v}");
}

#[test]
fn parts_that_do_not_add_up_to_the_fund_stop_the_run() {
    let dir = temp("sub-funds-sum");
    parted(
        &dir,
        (2, 1),
        vec![],
        &[
            ("310", "pooled", "60000.00"),
            ("310", "account", "44999.99"),
        ],
    );
    let (o, out) = run(&dir, "");
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("440300/310") && e.contains("104999.99") && e.contains("105000.00"),
        "{e}"
    );
    assert!(!out.exists(), "nothing written on exit 2");
}

#[test]
fn part_transfers_of_the_wrong_scheme_are_not_of_their_scheme() {
    let dir = temp("sub-funds-scheme");
    let flows = vec![
        flow(
            "X1",
            "410",
            (2, 2),
            "account_credit",
            "fiscal",
            "fiscal",
            "10.00",
        ),
        flow(
            "X2",
            "310",
            (2, 2),
            "reserve_set_aside",
            "fiscal",
            "fiscal",
            "10.00",
        ),
        flow(
            "X3",
            "310",
            (2, 3),
            "account_credit",
            "fiscal",
            "income",
            "10.00",
        ),
    ];
    dataset_with(&dir, (2, 1), flows);
    let out = run_ok(&dir, "");
    let v = std::fs::read_to_string(out.join("flows/violations.csv")).unwrap();
    for id in ["X1", "X2"] {
        assert!(
            v.lines()
                .any(|l| l.contains("item_not_of_scheme") && l.contains(id)),
            "{id}: {v}"
        );
    }
    // Outside its scheme a part transfer moves nothing between parts.
    let w = lines(
        &out.join("ledger/sub_funds.csv"),
        "440300,310,pooled,part_transfers",
    );
    assert_eq!(
        w,
        ["440300,310,pooled,part_transfers,分账间划转（净划入）,-150.00"]
    );
    // A part transfer naming two accounts is rejected.
    assert!(rejected_rows(&out, "fund_flows").len() == 1);
}

/// The draft per part 分账预算: each part opens with its closing of this year, the account part
/// keeps its share of the contributions and all of `account_medical`, the parts add up to the
/// fund's draft.
#[test]
fn the_draft_is_split_by_part_and_adds_up_to_the_fund() {
    let dir = temp("sub-funds-budget");
    parted(
        &dir,
        (2, 1),
        vec![],
        &[
            ("310", "pooled", "60000.00"),
            ("310", "account", "45000.00"),
        ],
    );
    let out = run_ok(&dir, "");
    // region, scheme, sub_fund, item, name, base_year_actual, budget
    let parts = csv(&out.join("budget/draft_sub_funds.csv"));
    let get = |part: &str, item: &str| -> (i64, i64) {
        let r = parts
            .iter()
            .find(|r| r[1] == "310" && r[2] == part && r[3] == item)
            .unwrap_or_else(|| panic!("{part} {item}"));
        (fen(&r[5]).unwrap(), fen(&r[6]).unwrap())
    };
    // region, scheme, item, name, base_year_actual, budget, …
    let draft = csv(&out.join("budget/draft.csv"));
    let fund = |item: &str| -> i64 {
        let r = draft
            .iter()
            .find(|r| r[1] == "310" && r[2] == item)
            .unwrap();
        fen(&r[5]).unwrap()
    };
    assert_eq!(
        get("account", "opening_balance").1,
        4_385_667,
        "this year's closing, 43,856.67"
    );
    assert_eq!(get("pooled", "opening_balance").1, 5_926_200);
    assert_eq!(get("account", "contribution").0, 50_667);
    let (a, p) = (
        get("account", "contribution").1,
        get("pooled", "contribution").1,
    );
    assert_eq!(a + p, fund("contribution"));
    // the account's share of the fees: 506.67 of 2,376.67, within a fen
    let share = fund("contribution") as i128 * 50_667 / 237_667;
    assert!((a as i128 - share).abs() <= 1, "{a} vs {share}");
    assert_eq!(
        get("account", "benefits.account_medical").1,
        fund("benefits.account_medical")
    );
    assert_eq!(get("pooled", "benefits.account_medical").1, 0);
    assert_eq!(get("account", "interest").1, 0, "interest is the pool's");
    // the retirees' credits move from the pool into the accounts, netting to zero
    let (ta, tp) = (
        get("account", "part_transfers"),
        get("pooled", "part_transfers"),
    );
    assert_eq!((ta.0, tp.0), (15_000, -15_000));
    assert_eq!(ta.1 + tp.1, 0);
    assert!(ta.1 > 0);
    assert_eq!(
        get("account", "closing_balance").1 + get("pooled", "closing_balance").1,
        fund("closing_balance")
    );
}

/// The generated world against the books and the public report: the generator writes the
/// truth of every 310/410 part it simulated (`sub_funds.csv` beside its dataset, from its own
/// account share, credits and reserve, not the ledger's rules); the ledger's
/// `ledger/sub_funds.csv` must meet it to the fen, and the disclosure must publish the same
/// parts, adding up to the fund.
#[test]
fn the_world_s_parts_meet_the_books_and_the_public_report() {
    let dir = temp("sub-funds-world");
    let data = common::dataset(&dir, 1_500, 7, true);
    let pipeline = write_pipeline(
        &dir,
        &data,
        "[reserve]\nshare = 0.10\ncap = 0.30\n[disclose]\nmin_persons = 1\n",
    );
    let o = sifund(&["run", pipeline.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = dir.join("out");
    // region, scheme, sub_fund, item, name, amount
    let books = csv(&out.join("ledger/sub_funds.csv"));
    let book = |r: &str, s: &str, part: &str, item: &str| -> Option<String> {
        books
            .iter()
            .find(|x| x[0] == r && x[1] == s && x[2] == part && x[3] == item)
            .map(|x| x[5].clone())
    };
    // region, scheme, sub_fund, item, amount
    let truth = csv(&data.join("sub_funds.csv"));
    let mut compared = 0;
    for t in &truth {
        let comparable = matches!(
            t[3].as_str(),
            "part_transfers" | "opening_balance" | "closing_balance"
        ) || (t[2] == "account"
            && matches!(
                t[3].as_str(),
                "contribution" | "transfer_in" | "transfer_out" | "benefits.account_medical"
            ));
        if !comparable {
            continue;
        }
        assert_eq!(
            book(&t[0], &t[1], &t[2], &t[3]).as_deref(),
            Some(t[4].as_str()),
            "{t:?}"
        );
        compared += 1;
    }
    assert!(compared >= 40, "{compared} figures compared");
    // The public files: the parts of each fund kept in parts, as in the books.
    let public = csv(&out.join("disclose/disclosure.csv"));
    let mut seen = 0;
    for p in public.iter().filter(|r| r[3].starts_with("sub_fund.")) {
        let (r, s) = (&p[0], &p[2]);
        let mut it = p[3].split('.').skip(1);
        let (part, measure) = (it.next().unwrap(), it.next().unwrap());
        let item = match measure {
            "revenue" => "total_revenue",
            "expenditure" => "total_expenditure",
            other => other,
        };
        assert_eq!(
            book(r, s, part, item).as_deref(),
            Some(p[4].as_str()),
            "{p:?}"
        );
        seen += 1;
    }
    let funds_in_parts = truth
        .iter()
        .map(|t| (&t[0], &t[1]))
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    assert_eq!(
        seen,
        funds_in_parts * 2 * 4,
        "two parts × four measures per fund kept in parts"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("disclose/disclosure.json")).unwrap())
            .unwrap();
    for f in json["funds"].as_array().unwrap() {
        let parts = &f["sub_funds"];
        match f["scheme"].as_str().unwrap() {
            "310" | "410" => {
                let parts = parts.as_array().unwrap();
                let sum = |k: &str| -> i64 {
                    parts.iter().map(|p| fen(&p[k].to_string()).unwrap()).sum()
                };
                assert_eq!(
                    sum("revenue"),
                    fen(&f["revenue"].to_string()).unwrap(),
                    "{f}"
                );
                assert_eq!(
                    sum("closing_balance"),
                    fen(&f["closing_balance"].to_string()).unwrap()
                );
                assert_eq!(sum("part_transfers"), 0);
            }
            _ => assert!(parts.is_null()),
        }
    }
    let html = std::fs::read_to_string(out.join("disclose/disclosure.html")).unwrap();
    assert!(
        html.contains("分账核算")
            && html.contains("data-measure=\"sub_fund.account.closing_balance\"")
    );
}

/// A reserve released beyond its balance is `sub_fund_misuse`; the policy's share is met at
/// equality and missed one step above it.
#[test]
fn a_reserve_released_beyond_its_balance_and_the_share_at_its_boundary() {
    let dir = temp("sub-funds-reserve");
    // reserve 0 + 100 (31 March) − 50 (30 September) − 200 (1 October) = −150 to the year end
    let more = vec![flow(
        "W7",
        "410",
        (10, 1),
        "reserve_release",
        "fiscal",
        "fiscal",
        "200.00",
    )];
    parted(
        &dir,
        (2, 1),
        more,
        &[
            ("310", "pooled", "60000.00"),
            ("310", "account", "45000.00"),
            ("410", "pooled", "10000.00"),
            ("410", "reserve", "0"),
        ],
    );
    // 100.00 set aside of 1,000.00 of fees: share 0.1 is met exactly
    let out = run_ok(&dir, "[reserve]\nshare = 0.1\n");
    let v = csv(&out.join("flows/violations.csv"));
    let found: Vec<(String, String, String, String)> = v
        .iter()
        .filter(|r| r[3] == "410" && (r[0].starts_with("sub_fund") || r[0].starts_with("reserve")))
        .map(|r| (r[0].clone(), r[5].clone(), r[6].clone(), r[7].clone()))
        .collect();
    assert_eq!(
        found,
        [(
            "sub_fund_misuse".into(),
            "reserve:2025-10-01".into(),
            "2025-10-01".into(),
            "-150.00".into()
        )]
    );
    // one step above: 0.1001 of 1,000.00 = 100.10 expected, 100.00 set aside
    let out = run_ok(&dir, "[reserve]\nshare = 0.1001\n");
    let v = std::fs::read_to_string(out.join("flows/violations.csv")).unwrap();
    assert!(
        v.contains("reserve_outside_policy") && v.contains("reserve:share"),
        "{v}"
    );
}
