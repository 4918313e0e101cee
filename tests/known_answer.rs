//! Known answers: a hand-made year of three funds, with the 收支表 and balances worked out by
//! hand below, to the fen.

mod common;
use common::*;

use sifund::engine::write_parquet;
use sifund::generate::records::*;
use sifund::model::date::day;
use sifund::model::ids::{make_citizen_id, make_uscc};

#[allow(clippy::too_many_arguments)]
fn contribution(
    id: &str,
    scheme: &str,
    payer: &str,
    person: &str,
    (m, d): (u32, u32),
    acct: &str,
    e: &str,
    i: &str,
    late: &str,
    kind: &str,
    period: i32,
) -> Contribution {
    let employee = payer == "employee";
    Contribution {
        txn_id: s(id),
        region: s("440300"),
        scheme: s(scheme),
        person_id: s(person),
        employer_id: employee.then(|| make_uscc(440305, 1)),
        payer_kind: s(payer),
        period: Some(period),
        received_on: Some(day(2025, m, d)),
        account: s(acct),
        receipt_ref: None,
        base: employee.then(|| fen("10000").unwrap()),
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
    (m, d): (u32, u32),
    amount: &str,
    returned: Option<(u32, u32)>,
) -> Payout {
    Payout {
        payment_id: s(id),
        region: s("440300"),
        scheme: s(scheme),
        person_id: s(person),
        payee_kind: s(payee),
        benefit: s(benefit),
        period: Some(202500 + m as i32),
        paid_on: Some(day(2025, m, d)),
        amount: fen(amount),
        batch_id: s(&format!("B{scheme}{m}")),
        returned_on: returned.map(|(m, d)| day(2025, m, d)),
    }
}

fn flow(
    id: &str,
    scheme: &str,
    (m, d): (u32, u32),
    kind: &str,
    from: &str,
    to: &str,
    amount: &str,
) -> FundFlow {
    FundFlow {
        flow_id: s(id),
        region: s("440300"),
        scheme: s(scheme),
        date: Some(day(2025, m, d)),
        kind: s(kind),
        from_account: s(from),
        to_account: s(to),
        amount: fen(amount),
        counter_region: (kind == "remit_to_upper").then(|| "440000".to_string()),
        counter_scheme: None,
        r#ref: s(&format!("V{id}")),
    }
}

#[test]
fn a_hand_made_year_gives_the_hand_computed_statements() {
    let dir = temp("known");
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let worker = make_citizen_id(440305, 1980, 3, 3, 11);
    let retiree = make_citizen_id(440305, 1950, 6, 6, 21);
    let jobless = make_citizen_id(440305, 1990, 9, 9, 31);

    let contributions = vec![
        contribution(
            "C1",
            "110",
            "employee",
            &worker,
            (1, 10),
            "income",
            "1600.00",
            "800.00",
            "0",
            "normal",
            202501,
        ),
        contribution(
            "C2",
            "110",
            "employee",
            &worker,
            (1, 10),
            "income",
            "3200.00",
            "1600.00",
            "0",
            "normal",
            202501,
        ),
        contribution(
            "C3",
            "110",
            "employee",
            &worker,
            (2, 12),
            "income",
            "1600.00",
            "800.00",
            "36.00",
            "back_pay",
            202410,
        ),
        contribution(
            "C4",
            "110",
            "employee",
            &worker,
            (2, 20),
            "income",
            "160.00",
            "80.00",
            "0",
            "refund",
            202501,
        ),
        contribution(
            "C5",
            "310",
            "fund",
            &jobless,
            (3, 15),
            "income",
            "500.00",
            "0",
            "0",
            "normal",
            202503,
        ),
    ];
    let mut c5 = contributions[4].clone();
    c5.base = None;
    let contributions = [&contributions[..4], &[c5]].concat();
    let payouts = vec![
        payout(
            "P1",
            "110",
            "basic_pension",
            "person",
            &retiree,
            (1, 5),
            "3000.00",
            None,
        ),
        payout(
            "P2",
            "110",
            "basic_pension",
            "person",
            &retiree,
            (2, 5),
            "3000.00",
            Some((2, 10)),
        ),
        payout(
            "P3",
            "110",
            "funeral_survivor",
            "person",
            &retiree,
            (3, 5),
            "20000.00",
            None,
        ),
        payout(
            "P4",
            "210",
            "medical_premium",
            "fund",
            &jobless,
            (3, 15),
            "500.00",
            None,
        ),
        payout(
            "P5",
            "120",
            "basic_pension",
            "person",
            &retiree,
            (12, 5),
            "3000.00",
            None,
        ),
    ];
    let flows = vec![
        flow("F1", "110", (1, 31), "sweep", "income", "fiscal", "7200.00"),
        flow("F2", "110", (2, 28), "sweep", "income", "fiscal", "2196.00"),
        flow(
            "F3",
            "110",
            (1, 4),
            "allocation",
            "fiscal",
            "expense",
            "3000.00",
        ),
        flow(
            "F4",
            "110",
            (3, 4),
            "allocation",
            "fiscal",
            "expense",
            "20000.00",
        ),
        flow(
            "F5",
            "110",
            (3, 20),
            "fiscal_subsidy",
            "external",
            "fiscal",
            "50000.00",
        ),
        flow(
            "F6",
            "110",
            (3, 21),
            "interest",
            "external",
            "fiscal",
            "1200.00",
        ),
        flow(
            "F7",
            "110",
            (3, 21),
            "interest",
            "external",
            "expense",
            "10.00",
        ),
        flow(
            "F8",
            "110",
            (3, 25),
            "interest_remit",
            "expense",
            "fiscal",
            "10.00",
        ),
        flow(
            "F9",
            "110",
            (3, 28),
            "remit_to_upper",
            "fiscal",
            "external",
            "5000.00",
        ),
        flow(
            "F11",
            "210",
            (3, 14),
            "allocation",
            "fiscal",
            "expense",
            "500.00",
        ),
        flow("F12", "310", (3, 31), "sweep", "income", "fiscal", "500.00"),
    ];
    let openings = vec![
        opening("110", "income", "0"),
        opening("110", "fiscal", "1000000.00"),
        opening("110", "expense", "10000.00"),
        opening("210", "fiscal", "100000.00"),
        opening("210", "expense", "1000.00"),
        opening("310", "income", "0"),
        opening("310", "fiscal", "0"),
        opening("120", "expense", "5000.00"),
    ];
    let person = |id: &str, scheme: &str, birth: (i32, u32, u32), status: &str| Person {
        person_id: s(id),
        region: s("440300"),
        scheme: s(scheme),
        sex: s("M"),
        birth_date: Some(day(birth.0, birth.1, birth.2)),
        category: s("male"),
        status: s(status),
        enrolled_on: Some(day(2010, 1, 1)),
        contribution_months: Some(180),
        monthly_base: (status == "contributing").then(|| fen("3000").unwrap()),
        benefit_start: (status == "receiving").then_some(201006),
        monthly_benefit: (status == "receiving").then(|| fen("3000").unwrap()),
    };
    let persons = vec![
        person(&worker, "110", (1980, 3, 3), "contributing"),
        person(
            &make_citizen_id(440305, 1940, 1, 1, 41),
            "110",
            (1940, 1, 1),
            "deceased",
        ),
        person(&retiree, "120", (1950, 6, 6), "receiving"),
        person(&jobless, "310", (1990, 9, 9), "contributing"),
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
    write_parquet(&data.join("persons.parquet"), Person::frame(&persons)).unwrap();
    write_parquet(&data.join("deaths.parquet"), Death::frame(&[])).unwrap();

    // Every stage; no head count withheld (min_persons = 1) so the counts can be checked.
    let pipeline = dir.join("known.toml");
    std::fs::write(
        &pipeline,
        "dataset = \"data\"\nyear = 2025\noutput = \"out\"\n[disclose]\nmin_persons = 1\n",
    )
    .unwrap();
    let out = dir.join("out");
    let o = sifund(&["run", pipeline.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));

    let statement: Vec<String> = csv(&out.join("ledger/fund_statement.csv"))
        .iter()
        .map(|r| r.join(","))
        .collect();
    let want = [
        // 110: fees 2400 + 4800 + 2400 − 240 = 9360; late fee 36; subsidy 50000; interest 1200 + 10
        "440300,110,contribution,社会保险费收入,9360.00",
        "440300,110,fiscal_subsidy,财政补贴收入,50000.00",
        "440300,110,interest,利息收入,1210.00",
        "440300,110,other_income,其他收入,36.00",
        // pensions 3000 + 3000 − 3000 returned; funeral 20000
        "440300,110,benefits,社会保险待遇支出,23000.00",
        "440300,110,benefits.basic_pension,基本养老金,3000.00",
        "440300,110,benefits.funeral_survivor,丧葬补助金和抚恤金,20000.00",
        "440300,110,remit_to_upper,上解上级支出,5000.00",
        "440300,110,total_revenue,本年收入合计,60606.00",
        "440300,110,total_expenditure,本年支出合计,28000.00",
        "440300,110,surplus,本年收支结余,32606.00",
        "440300,110,opening_balance,年初滚存结余,1010000.00",
        "440300,110,closing_balance,年末滚存结余,1042606.00",
        // 120: one December pension out of the expenditure account's opening 5,000
        "440300,120,benefits,社会保险待遇支出,3000.00",
        "440300,120,benefits.basic_pension,基本养老金,3000.00",
        "440300,120,total_revenue,本年收入合计,0.00",
        "440300,120,total_expenditure,本年支出合计,3000.00",
        "440300,120,surplus,本年收支结余,-3000.00",
        "440300,120,opening_balance,年初滚存结余,5000.00",
        "440300,120,closing_balance,年末滚存结余,2000.00",
        // 210 pays 310's premium: an expenditure of 210 …
        "440300,210,benefits,社会保险待遇支出,500.00",
        "440300,210,benefits.medical_premium,基本医疗保险费,500.00",
        "440300,210,total_revenue,本年收入合计,0.00",
        "440300,210,total_expenditure,本年支出合计,500.00",
        "440300,210,surplus,本年收支结余,-500.00",
        "440300,210,opening_balance,年初滚存结余,101000.00",
        "440300,210,closing_balance,年末滚存结余,100500.00",
        // … and a contribution of 310, in 310's own books.
        "440300,310,contribution,社会保险费收入,500.00",
        "440300,310,total_revenue,本年收入合计,500.00",
        "440300,310,total_expenditure,本年支出合计,0.00",
        "440300,310,surplus,本年收支结余,500.00",
        "440300,310,opening_balance,年初滚存结余,0.00",
        "440300,310,closing_balance,年末滚存结余,500.00",
    ];
    assert_eq!(statement, want);

    let balances: Vec<String> = csv(&out.join("ledger/balances.csv"))
        .iter()
        .map(|r| r.join(","))
        .collect();
    assert_eq!(
        balances,
        [
            "440300,110,income,0.00,9636.00,9636.00,0.00",
            "440300,110,expense,10000.00,26010.00,26010.00,10000.00",
            "440300,110,fiscal,1000000.00,60606.00,28000.00,1032606.00",
            "440300,120,expense,5000.00,0.00,3000.00,2000.00",
            "440300,210,expense,1000.00,500.00,500.00,1000.00",
            "440300,210,fiscal,100000.00,0.00,500.00,99500.00",
            "440300,310,income,0.00,500.00,500.00,0.00",
            "440300,310,fiscal,0.00,500.00,0.00,500.00",
        ]
    );
    let sheet: Vec<String> = csv(&out.join("ledger/balance_sheet.csv"))
        .iter()
        .filter(|r| r[1] == "110")
        .map(|r| format!("{},{}", r[2], r[5]))
        .collect();
    assert!(
        sheet.contains(&"total_assets,1042606.00".to_string()),
        "{sheet:?}"
    );
    assert!(
        sheet.contains(&"fund_balance,1042606.00".to_string()),
        "{sheet:?}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("flows/violations.csv"))
            .unwrap()
            .lines()
            .count(),
        1,
        "a clean year has no findings"
    );

    // No voucher touches two funds.
    let j = sifund::engine::read_all(&out.join("ledger/journal.parquet")).unwrap();
    let ids = j.column("voucher_id").unwrap().u64().unwrap().clone();
    let schemes = j.column("scheme").unwrap().str().unwrap().clone();
    let mut fund_of: std::collections::HashMap<u64, String> = Default::default();
    for (id, sc) in ids.iter().zip(schemes.iter()) {
        let prev = fund_of
            .entry(id.unwrap())
            .or_insert_with(|| sc.unwrap().to_string());
        assert_eq!(prev, sc.unwrap(), "voucher {} spans two funds", id.unwrap());
    }
}
