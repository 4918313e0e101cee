//! Planted faults (`--faults`): one bad row for each row rule of `ingest::rules`, a duplicate
//! of a clean row per table, and one warning-only row. Each is written to `faults.csv` with the
//! table, id, row number and the rule that must catch it, so tests can check every one.

use super::records::*;
use crate::model::date::day;
use crate::model::ids::make_citizen_id;

/// A planted fault: the row and what must catch it.
pub struct Planted<T> {
    pub row: T,
    pub expected: Expect,
}

/// What a planted row must meet: a reject with its reason, or a warning (the row is kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Reject(&'static str),
    Warning(&'static str),
}

impl Expect {
    pub fn code(self) -> &'static str {
        match self {
            Expect::Reject(c) | Expect::Warning(c) => c,
        }
    }
}

fn plant<T: Clone>(template: &T, list: Vec<(&'static str, fn(&mut T))>) -> Vec<Planted<T>> {
    list.into_iter()
        .map(|(code, f)| {
            let mut r = template.clone();
            f(&mut r);
            Planted {
                row: r,
                expected: Expect::Reject(code),
            }
        })
        .collect()
}

fn pid() -> Option<String> {
    Some(make_citizen_id(440106, 1980, 5, 17, 123))
}

/// The same ID with a wrong check character.
fn bad_check() -> Option<String> {
    let mut id = pid().unwrap();
    let last = id.pop().unwrap();
    id.push(if last == '1' { '2' } else { '1' });
    Some(id)
}

fn s(v: &str) -> Option<String> {
    Some(v.to_string())
}

pub fn contributions(year: i32) -> Vec<Planted<Contribution>> {
    let t = Contribution {
        txn_id: None,
        region: s("440300"),
        scheme: s("110"),
        person_id: pid(),
        employer_id: s("91350200776049653A"),
        payer_kind: s("employee"),
        period: Some(year * 100 + 3),
        received_on: Some(day(year, 3, 15)),
        account: s("income"),
        receipt_ref: None,
        base: Some(800_000),
        employer_amount: Some(128_000),
        individual_amount: Some(64_000),
        late_fee: Some(0),
        kind: s("normal"),
    };
    let mut v = plant(
        &t,
        vec![
            ("txn_id.null", |r| r.txn_id = None),
            ("region.null", |r| r.region = None),
            ("region.unknown", |r| r.region = s("990100")),
            ("scheme.unknown", |r| r.scheme = s("999")),
            ("payer_kind.unknown", |r| r.payer_kind = s("robot")),
            ("person_id.format", |r| r.person_id = s("12345")),
            ("person_id.region", |r| {
                r.person_id = Some(make_citizen_id(990106, 1980, 5, 17, 123))
            }),
            ("person_id.birth_date", |r| {
                r.person_id = Some(make_citizen_id(440106, 1980, 2, 30, 123))
            }),
            ("person_id.check_digit", |r| r.person_id = bad_check()),
            ("person_id.null", |r| r.person_id = None),
            ("employer_id.malformed", |r| {
                r.employer_id = s("NOT-A-CREDIT-CODE")
            }),
            ("employer_id.null", |r| r.employer_id = None),
            ("payer_kind.scheme", |r| r.payer_kind = s("resident")),
            ("period.null", |r| r.period = None),
            ("period.invalid", |r| {
                r.period = Some(r.period.unwrap() / 100 * 100 + 13)
            }),
            ("period.outside_window", |r| {
                r.period = Some((r.period.unwrap() / 100 - 3) * 100 + 1)
            }),
            ("received_on.null", |r| r.received_on = None),
            ("received_on.outside_year", |r| {
                r.received_on = Some(r.received_on.unwrap() + 366)
            }),
            ("account.not_receiving", |r| r.account = s("expense")),
            ("base.null", |r| r.base = None),
            ("base.negative", |r| r.base = Some(-100)),
            // a monthly base of 10 million yuan: cents typed as yuan, or worse
            ("base.implausible", |r| r.base = Some(1_000_000_000)),
            ("employer_amount.null", |r| r.employer_amount = None),
            ("employer_amount.negative", |r| r.employer_amount = Some(-1)),
            ("employer_amount.implausible", |r| {
                r.employer_amount = Some(10_000_000_000_000_000)
            }),
            ("individual_amount.negative", |r| {
                r.individual_amount = Some(-64_000)
            }),
            ("late_fee.negative", |r| r.late_fee = Some(-5)),
            ("kind.unknown", |r| r.kind = s("gift")),
        ],
    );
    // A wrong credit-code check character is a warning (SPEC §2), the row is accepted. It
    // lands in a tax-collected fund's fiscal account, where no sweep is expected.
    let mut warn = t.clone();
    warn.employer_id = s("91350203M0001QAY9B");
    warn.region = s("440100");
    warn.account = s("fiscal");
    warn.receipt_ref = s("XWREF");
    v.push(Planted {
        row: warn,
        expected: Expect::Warning("employer_id.check_char"),
    });
    v
}

pub fn payouts(year: i32) -> Vec<Planted<Payout>> {
    let t = Payout {
        payment_id: None,
        region: s("440100"),
        scheme: s("110"),
        person_id: pid(),
        payee_kind: s("person"),
        benefit: s("basic_pension"),
        period: Some(year * 100 + 4),
        paid_on: Some(day(year, 4, 5)),
        amount: Some(420_000),
        batch_id: s("BX-FAULTS"),
        returned_on: None,
    };
    plant(
        &t,
        vec![
            ("payment_id.null", |r| r.payment_id = None),
            ("region.unknown", |r| r.region = s("000000")),
            ("scheme.null", |r| r.scheme = None),
            ("payee_kind.unknown", |r| r.payee_kind = s("cousin")),
            ("person_id.null", |r| r.person_id = None),
            ("person_id.check_digit", |r| r.person_id = bad_check()),
            ("benefit.unknown", |r| r.benefit = s("bonus")),
            ("benefit.scheme", |r| r.benefit = s("unemployment_benefit")),
            ("benefit.payee", |r| {
                r.payee_kind = s("institution");
                r.person_id = None
            }),
            ("period.invalid", |r| {
                r.period = Some(r.period.unwrap() / 100 * 100)
            }),
            ("period.outside_window", |r| {
                r.period = Some((r.period.unwrap() / 100 - 7) * 100 + 1)
            }),
            ("paid_on.outside_year", |r| {
                r.paid_on = Some(r.paid_on.unwrap() - 400)
            }),
            ("amount.null", |r| r.amount = None),
            ("amount.not_positive", |r| r.amount = Some(0)),
            ("amount.implausible", |r| {
                r.amount = Some(-1_000_000_000_000_001)
            }),
            ("batch_id.null", |r| r.batch_id = None),
            ("returned_on.invalid", |r| {
                r.returned_on = Some(r.paid_on.unwrap() - 2)
            }),
        ],
    )
}

pub fn fund_flows(year: i32) -> Vec<Planted<FundFlow>> {
    let t = FundFlow {
        flow_id: None,
        region: s("440300"),
        scheme: s("110"),
        date: Some(day(year, 5, 31)),
        kind: s("sweep"),
        from_account: s("income"),
        to_account: s("fiscal"),
        amount: Some(1_000_000),
        counter_region: None,
        counter_scheme: None,
        r#ref: s("VX-FAULTS"),
    };
    plant(
        &t,
        vec![
            ("flow_id.null", |r| r.flow_id = None),
            ("scheme.unknown", |r| r.scheme = s("320")),
            ("date.null", |r| r.date = None),
            ("date.outside_year", |r| {
                r.date = Some(r.date.unwrap() + 300)
            }),
            ("kind.unknown", |r| r.kind = s("gift")),
            ("from_account.unknown", |r| r.from_account = s("cash")),
            ("to_account.unknown", |r| r.to_account = s("pocket")),
            ("to_account.same", |r| r.to_account = s("income")),
            // a transfer between parts names one account twice; this one names two
            ("to_account.not_same", |r| r.kind = s("account_credit")),
            ("amount.not_positive", |r| r.amount = Some(-5)),
            ("counter_region.unknown", |r| r.counter_region = s("12")),
            ("counter_region.national", |r| {
                r.scheme = s("210");
                r.counter_region = s("100000")
            }),
            ("counter_scheme.unknown", |r| r.counter_scheme = s("999")),
        ],
    )
}

pub fn statements(year: i32) -> Vec<Planted<StatementLine>> {
    let t = StatementLine {
        line_id: None,
        region: s("440300"),
        scheme: s("110"),
        account: s("expense"),
        date: Some(day(year, 6, 5)),
        direction: s("out"),
        amount: Some(250_000),
        r#ref: None,
        memo: s("planted"),
    };
    plant(
        &t,
        vec![
            ("line_id.null", |r| r.line_id = None),
            ("region.unknown", |r| r.region = s("44030")),
            ("account.unknown", |r| r.account = s("investment")),
            ("date.outside_year", |r| {
                r.date = Some(r.date.unwrap() - 200)
            }),
            ("direction.unknown", |r| r.direction = s("sideways")),
            ("amount.not_positive", |r| r.amount = Some(0)),
        ],
    )
}

pub fn opening_balances() -> Vec<Planted<OpeningBalance>> {
    let t = OpeningBalance {
        region: s("440300"),
        scheme: s("110"),
        account: s("fiscal"),
        book: Some(100_000_000),
        statement: Some(100_000_000),
    };
    plant(
        &t,
        vec![
            ("account.unknown", |r| r.account = s("vault")),
            ("statement.null", |r| r.statement = None),
            ("scheme.unknown", |r| r.scheme = s("111")),
            ("book.null", |r| r.book = None),
        ],
    )
}

pub fn sub_fund_balances() -> Vec<Planted<SubFundBalance>> {
    let t = SubFundBalance {
        region: s("440300"),
        scheme: s("310"),
        sub_fund: s("account"),
        opening: Some(1_000_000),
    };
    plant(
        &t,
        vec![
            ("sub_fund.unknown", |r| r.sub_fund = s("savings")),
            ("sub_fund.scheme", |r| r.scheme = s("110")),
            ("opening.negative", |r| {
                r.sub_fund = s("reserve");
                r.scheme = s("410");
                r.opening = Some(-100)
            }),
        ],
    )
}

pub fn persons(year: i32) -> Vec<Planted<Person>> {
    let t = Person {
        person_id: pid(),
        region: s("440100"),
        scheme: s("110"),
        sex: s("M"),
        birth_date: Some(day(1980, 5, 17)),
        category: s("male"),
        status: s("contributing"),
        enrolled_on: Some(day(2003, 7, 1)),
        contribution_months: Some(240),
        monthly_base: Some(900_000),
        benefit_start: None,
        monthly_benefit: None,
    };
    let _ = year;
    let mut v = plant(
        &t,
        vec![
            ("person_id.null", |r| r.person_id = None),
            ("person_id.check_digit", |r| r.person_id = bad_check()),
            ("region.unknown", |r| r.region = s("abcdef")),
            ("sex.unknown", |r| r.sex = s("X")),
            ("sex.mismatch_id", |r| r.sex = s("F")),
            ("birth_date.mismatch_id", |r| {
                r.birth_date = Some(day(1981, 5, 17))
            }),
            ("category.unknown", |r| r.category = s("pilot")),
            ("category.mismatch", |r| r.category = s("resident")),
            ("status.unknown", |r| r.status = s("retired")),
            ("enrolled_on.invalid", |r| {
                r.enrolled_on = Some(day(1970, 1, 1))
            }),
            ("contribution_months.invalid", |r| {
                r.contribution_months = Some(-1)
            }),
            ("monthly_base.negative", |r| r.monthly_base = Some(-10)),
            ("monthly_base.implausible", |r| {
                r.monthly_base = Some(100_000_001)
            }),
            ("benefit_start.invalid", |r| {
                r.status = s("receiving");
                r.benefit_start = Some(209901);
                r.monthly_benefit = Some(300_000)
            }),
            ("monthly_benefit.negative", |r| {
                r.status = s("receiving");
                r.benefit_start = Some(202001);
                r.monthly_benefit = Some(-1)
            }),
        ],
    );
    // Usable for the census but not for the projection: kept, with a warning.
    let warnings: [(&'static str, fn(&mut Person)); 3] = [
        ("monthly_base.null", |r| r.monthly_base = None),
        ("benefit_start.null", |r| {
            r.status = s("receiving");
            r.monthly_benefit = Some(300_000)
        }),
        ("monthly_benefit.null", |r| {
            r.status = s("receiving");
            r.benefit_start = Some(202001)
        }),
    ];
    for (k, (code, f)) in warnings.into_iter().enumerate() {
        // A person of its own (odd sequence: a man), so that the kept rows' keys differ.
        let mut row = t.clone();
        row.person_id = Some(make_citizen_id(440106, 1980, 5, 17, 125 + 2 * k as u32));
        f(&mut row);
        v.push(Planted {
            row,
            expected: Expect::Warning(code),
        });
    }
    v
}

pub fn deaths(year: i32) -> Vec<Planted<Death>> {
    let t = Death {
        person_id: pid(),
        death_date: Some(day(year, 8, 8)),
        source: s("police"),
    };
    plant(
        &t,
        vec![
            ("person_id.null", |r| r.person_id = None),
            ("person_id.format", |r| {
                r.person_id = s("11010519491231002x")
            }),
            ("death_date.invalid", |r| {
                r.death_date = Some(r.death_date.unwrap() + 200)
            }),
            ("source.unknown", |r| r.source = s("rumour")),
        ],
    )
}

pub fn budget() -> Vec<Planted<BudgetLine>> {
    let t = BudgetLine {
        region: s("440100"),
        scheme: s("110"),
        item: s("contribution"),
        amount: Some(1_000_000),
    };
    plant(
        &t,
        vec![
            ("item.unknown", |r| r.item = s("lottery")),
            ("amount.negative", |r| r.amount = Some(-1)),
            ("region.null", |r| r.region = None),
        ],
    )
}

/// A breach of the account rules planted as valid rows, and what sifund must report.
pub struct Breach {
    pub flows: Vec<FundFlow>,
    /// (rule, source_table, source_id, amount in fen if fixed by the plant)
    pub expected: Vec<(&'static str, &'static str, String, Option<i64>)>,
}

fn flow(
    id: &str,
    region: &str,
    year: i32,
    (m, d): (u32, u32),
    kind: &str,
    from: &str,
    to: &str,
    amount: i64,
) -> FundFlow {
    FundFlow {
        flow_id: s(id),
        region: s(region),
        scheme: s("110"),
        date: Some(day(year, m, d)),
        kind: s(kind),
        from_account: s(from),
        to_account: s(to),
        amount: Some(amount),
        counter_region: None,
        counter_scheme: None,
        r#ref: s(&format!("V{id}")),
    }
}

/// Account-rule breaches in 440100/110 (expenditure account) and 440300/110 (revenue
/// account). Each breach comes with the allowed flows that leave the day's balance as it was,
/// so one breach is one finding and nothing else moves.
pub fn breaches(year: i32) -> Breach {
    let (gz, sz) = ("440100", "440300");
    let mut flows = vec![
        flow(
            "XB01",
            gz,
            year,
            (5, 14),
            "other_income",
            "external",
            "expense",
            1_234_567,
        ),
        flow(
            "XB02",
            gz,
            year,
            (5, 14),
            "other_expense",
            "expense",
            "external",
            1_234_567,
        ),
        flow(
            "XB03",
            sz,
            year,
            (5, 14),
            "transfer_out",
            "income",
            "external",
            200_000,
        ),
        flow(
            "XB04",
            sz,
            year,
            (5, 14),
            "transfer_in",
            "external",
            "income",
            200_000,
        ),
        flow(
            "XB05",
            sz,
            year,
            (6, 11),
            "allocation",
            "income",
            "expense",
            300_000,
        ),
        flow(
            "XB06",
            sz,
            year,
            (6, 11),
            "transfer_in",
            "external",
            "income",
            300_000,
        ),
        flow(
            "XB07",
            sz,
            year,
            (6, 11),
            "other_expense",
            "expense",
            "external",
            300_000,
        ),
        flow(
            "XB08",
            gz,
            year,
            (7, 9),
            "other_expense",
            "expense",
            "external",
            400_000,
        ),
        flow(
            "XB09",
            gz,
            year,
            (7, 9),
            "returned_prior_year",
            "external",
            "expense",
            400_000,
        ),
        flow(
            "XB10",
            gz,
            year,
            (12, 29),
            "interest",
            "external",
            "expense",
            8_888,
        ),
        flow(
            "XB11",
            gz,
            year,
            (8, 13),
            "other_expense",
            "expense",
            "external",
            1_000_000_000,
        ),
        flow(
            "XB12",
            gz,
            year,
            (8, 14),
            "returned_prior_year",
            "external",
            "expense",
            1_000_000_000,
        ),
        flow(
            "XB13",
            sz,
            year,
            (11, 30),
            "transfer_in",
            "external",
            "income",
            50_000,
        ),
        flow(
            "XB14",
            sz,
            year,
            (12, 1),
            "sweep",
            "income",
            "fiscal",
            50_000,
        ),
    ];
    flows[7].counter_scheme = s("410");
    let expected = vec![
        (
            "expense_inflow",
            "fund_flows",
            "XB01".into(),
            Some(1_234_567),
        ),
        ("income_outflow", "fund_flows", "XB03".into(), Some(200_000)),
        ("bypass_fiscal", "fund_flows", "XB05".into(), Some(300_000)),
        ("cross_scheme", "fund_flows", "XB08".into(), Some(400_000)),
        (
            "interest_not_remitted",
            "fund_flows",
            "XB10".into(),
            Some(8_888),
        ),
        (
            "negative_balance",
            "balances",
            format!("expense:{year}-08-13"),
            None,
        ),
        (
            "income_not_cleared",
            "balances",
            format!("income:{year}-11"),
            Some(50_000),
        ),
    ];
    Breach { flows, expected }
}

/// The 410 fund whose world sets aside less than the province's share (`--faults`):
/// `reserve_outside_policy` where the pipeline gives `[reserve] share`.
pub const UNDER_RESERVED: (&str, &str) = ("320500", "410");

/// Breaches of the parts of a fund 分账核算, planted as valid rows on the world's balances
/// (`parts`, updated so that it stays the truth of the dataset written):
/// - 440300/310 on 31 December pays a transfer out 转移支出 of the individual accounts
///   4,000.00 beyond what they hold; a prior-year payment returned the same day keeps the
///   expenditure account's balance (the pool gains what the accounts lose): `sub_fund_misuse`
///   of the account part, one day, −4,000.00;
/// - 440100/410 on 31 December releases 2,500.00 more than its reserve holds:
///   `sub_fund_misuse` of the reserve, −2,500.00;
/// - an `account_credit` in 440300/110 and a `reserve_set_aside` in 440100/210:
///   `item_not_of_scheme`;
/// - `UNDER_RESERVED` set aside 5 % of its contributions: `reserve_outside_policy` (share),
///   amount = what it set aside.
pub fn part_breaches(
    year: i32,
    parts: &mut std::collections::BTreeMap<(&'static str, &'static str), super::accounts::Parts>,
) -> Breach {
    let mut flows = Vec::new();
    let mut expected = Vec::new();
    let of = |mut f: FundFlow, scheme: &str| {
        f.scheme = s(scheme);
        f
    };
    if let Some(p) = parts.get_mut(&("440300", "310")) {
        let x = p.account + 400_000;
        let sz = "440300";
        flows.push(of(
            flow(
                "XP01",
                sz,
                year,
                (12, 31),
                "transfer_out",
                "expense",
                "external",
                x,
            ),
            "310",
        ));
        flows.push(of(
            flow(
                "XP02",
                sz,
                year,
                (12, 31),
                "returned_prior_year",
                "external",
                "expense",
                x,
            ),
            "310",
        ));
        p.account -= x;
        p.transfer_out += x;
        let id = format!("account:{year}-12-31");
        expected.push(("sub_fund_misuse", "sub_funds", id, Some(-400_000)));
    }
    if let Some(p) = parts.get_mut(&("440100", "410")) {
        let x = p.reserve + 250_000;
        flows.push(of(
            flow(
                "XP03",
                "440100",
                year,
                (12, 31),
                "reserve_release",
                "fiscal",
                "fiscal",
                x,
            ),
            "410",
        ));
        p.reserve -= x;
        p.released += x;
        let id = format!("reserve:{year}-12-31");
        expected.push(("sub_fund_misuse", "sub_funds", id, Some(-250_000)));
    }
    flows.push(of(
        flow(
            "XP04",
            "440300",
            year,
            (3, 5),
            "account_credit",
            "fiscal",
            "fiscal",
            300_000,
        ),
        "110",
    ));
    flows.push(of(
        flow(
            "XP05",
            "440100",
            year,
            (4, 30),
            "reserve_set_aside",
            "fiscal",
            "fiscal",
            200_000,
        ),
        "210",
    ));
    expected.push((
        "item_not_of_scheme",
        "fund_flows",
        "XP04".into(),
        Some(300_000),
    ));
    expected.push((
        "item_not_of_scheme",
        "fund_flows",
        "XP05".into(),
        Some(200_000),
    ));
    if let Some(p) = parts.get(&UNDER_RESERVED) {
        let id = "reserve:share".to_string();
        expected.push(("reserve_outside_policy", "sub_funds", id, Some(p.set_aside)));
    }
    Breach { flows, expected }
}

/// Deaths the benefit roll missed: the pensioner dies on 10 September; the pensions for
/// October to December are overpaid (seed arts. 25, 46).
pub fn missed_death(year: i32, person_id: &str) -> Death {
    Death {
        person_id: s(person_id),
        death_date: Some(day(year, 9, 10)),
        source: s("civil_affairs"),
    }
}

/// The statement lines a bank would print for planted flows: one per bank-account side. A
/// transfer between the parts of a fund (from = to) moves no money: the bank prints nothing.
pub fn mirror(flows: &[FundFlow]) -> Vec<StatementLine> {
    let mut out = Vec::new();
    for f in flows.iter().filter(|f| f.from_account != f.to_account) {
        for (acct, dir) in [(&f.from_account, "out"), (&f.to_account, "in")] {
            if matches!(acct.as_deref(), Some("income" | "expense" | "fiscal")) {
                out.push(StatementLine {
                    line_id: Some(format!(
                        "XS{}{}",
                        f.flow_id.as_deref().unwrap_or_default(),
                        dir
                    )),
                    region: f.region.clone(),
                    scheme: f.scheme.clone(),
                    account: acct.clone(),
                    date: f.date,
                    direction: s(dir),
                    amount: f.amount,
                    r#ref: f.r#ref.clone(),
                    memo: f.kind.clone(),
                });
            }
        }
    }
    out
}

/// Reconciliation differences: a timing item at year end, a bank charge, a 0.01 difference, a
/// duplicate statement line, a returned payment the agency has not booked, an ambiguous pair.
pub struct Differences {
    pub flows: Vec<FundFlow>,
    pub lines: Vec<StatementLine>,
    /// (side, id, reason, amount in fen)
    pub expected: Vec<(&'static str, String, &'static str, i64)>,
}

fn line(
    id: &str,
    region: &str,
    account: &str,
    (year, m, d): (i32, u32, u32),
    dir: &str,
    amount: i64,
    r: Option<&str>,
    memo: &str,
) -> StatementLine {
    StatementLine {
        line_id: s(id),
        region: s(region),
        scheme: s("110"),
        account: s(account),
        date: Some(day(year, m, d)),
        direction: s(dir),
        amount: Some(amount),
        r#ref: r.map(str::to_string),
        memo: s(memo),
    }
}

/// `returned`: (region, scheme, payment_id, amount) of a December payment the bank returned.
pub fn differences(
    year: i32,
    returned: Option<(&str, &str, &str, i64)>,
    breach_mirror: &[StatementLine],
) -> Differences {
    let gz = "440100";
    let mut xr03 = flow(
        "XR03",
        gz,
        year,
        (9, 10),
        "other_income",
        "external",
        "fiscal",
        77_700,
    );
    xr03.r#ref = None;
    let flows = vec![
        flow(
            "XR01",
            gz,
            year,
            (12, 31),
            "transfer_out",
            "expense",
            "external",
            10_000,
        ),
        flow(
            "XR02",
            "440300",
            year,
            (4, 15),
            "fiscal_subsidy",
            "external",
            "fiscal",
            1_000_000,
        ),
        xr03,
    ];
    let mut lines = vec![
        line(
            "XSCHARGE",
            gz,
            "expense",
            (year, 6, 30),
            "out",
            2_500,
            None,
            "bank charge",
        ),
        line(
            "XSXR02",
            "440300",
            "fiscal",
            (year, 4, 15),
            "in",
            999_999,
            Some("VXR02"),
            "fiscal subsidy",
        ),
        line(
            "XSAMB1",
            gz,
            "fiscal",
            (year, 9, 9),
            "in",
            77_700,
            None,
            "other income",
        ),
        line(
            "XSAMB2",
            gz,
            "fiscal",
            (year, 9, 11),
            "in",
            77_700,
            None,
            "other income",
        ),
        // the credit of the accepted warning-only contribution (see `contributions`)
        line(
            "XSWARN",
            gz,
            "fiscal",
            (year, 3, 15),
            "in",
            192_000,
            Some("XWREF"),
            "collection",
        ),
    ];
    let mut expected = vec![
        ("book", "F:XR01:out".to_string(), "not_on_statement", 10_000),
        ("statement", "XSCHARGE".to_string(), "not_booked", 2_500),
        ("book", "F:XR02:in".to_string(), "amount_differs", 1_000_000),
        ("statement", "XSXR02".to_string(), "amount_differs", 999_999),
        ("book", "F:XR03:in".to_string(), "ambiguous", 77_700),
        ("statement", "XSAMB1".to_string(), "ambiguous", 77_700),
        ("statement", "XSAMB2".to_string(), "ambiguous", 77_700),
    ];
    // The bank printed the interest credit XB10 twice.
    if let Some(orig) = breach_mirror
        .iter()
        .find(|l| l.line_id.as_deref() == Some("XSXB10in"))
    {
        let mut dup = orig.clone();
        dup.line_id = s("XSXB10DUP");
        expected.push((
            "statement",
            "XSXB10DUP".into(),
            "duplicate",
            dup.amount.unwrap_or(0),
        ));
        lines.push(dup);
    }
    if let Some((region, scheme, payment_id, amount)) = returned {
        let mut l = line(
            "XSRET",
            region,
            "expense",
            (year, 12, 30),
            "in",
            amount,
            Some(payment_id),
            "returned payment",
        );
        l.scheme = s(scheme);
        lines.push(l);
        expected.push(("statement", "XSRET".into(), "not_booked", amount));
    }
    Differences {
        flows,
        lines,
        expected,
    }
}

/// Every row rule has a failing case (the planted rows) and a passing one (their template).
#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::rules::{self, Amt, Ctx, Warnings};

    const Y: i32 = 2025;

    fn a(v: Option<i64>) -> Amt {
        v.map(Ok)
    }

    fn contribution(r: &Contribution) -> rules::Contribution<'_> {
        rules::Contribution {
            txn_id: r.txn_id.as_deref(),
            region: r.region.as_deref(),
            scheme: r.scheme.as_deref(),
            person_id: r.person_id.as_deref(),
            employer_id: r.employer_id.as_deref(),
            payer_kind: r.payer_kind.as_deref(),
            period: r.period,
            received_on: r.received_on,
            account: r.account.as_deref(),
            receipt_ref: r.receipt_ref.as_deref(),
            base: a(r.base),
            employer_amount: a(r.employer_amount),
            individual_amount: a(r.individual_amount),
            late_fee: a(r.late_fee),
            kind: r.kind.as_deref(),
        }
    }

    fn check_all<T: Clone>(
        planted: Vec<Planted<T>>,
        (id_null, set_id): (&str, fn(&mut T)),
        check: &dyn Fn(&T) -> Result<(), &'static str>,
    ) -> Vec<&'static str> {
        let mut seen = Vec::new();
        for p in planted {
            let mut row = p.row.clone();
            if p.expected.code() != id_null || matches!(p.expected, Expect::Warning(_)) {
                set_id(&mut row);
            }
            match p.expected {
                Expect::Reject(code) => {
                    assert_eq!(check(&row), Err(code), "planted row for {code}");
                    seen.push(code);
                }
                Expect::Warning(code) => {
                    assert_eq!(check(&row), Ok(()), "warning-only row for {code} passes")
                }
            }
        }
        seen
    }

    #[test]
    fn each_rule_fails_its_planted_row_and_passes_the_template() {
        let ctx = Ctx::new(Y);
        let mut covered: Vec<&str> = Vec::new();
        let mut w = Warnings::default();

        let c = |r: &Contribution| {
            rules::check_contribution(&contribution(r), &ctx, &mut Warnings::default())
        };
        covered.extend(check_all(
            contributions(Y),
            ("txn_id.null", |r| r.txn_id = Some("T1".into())),
            &c,
        ));
        let mut ok = contributions(Y).remove(0).row;
        ok.txn_id = Some("T1".into());
        assert_eq!(
            rules::check_contribution(&contribution(&ok), &ctx, &mut w),
            Ok(())
        );

        let p = |r: &Payout| {
            rules::check_payout(
                &rules::Payout {
                    payment_id: r.payment_id.as_deref(),
                    region: r.region.as_deref(),
                    scheme: r.scheme.as_deref(),
                    person_id: r.person_id.as_deref(),
                    payee_kind: r.payee_kind.as_deref(),
                    benefit: r.benefit.as_deref(),
                    period: r.period,
                    paid_on: r.paid_on,
                    amount: a(r.amount),
                    batch_id: r.batch_id.as_deref(),
                    returned_on: r.returned_on,
                },
                &ctx,
            )
        };
        covered.extend(check_all(
            payouts(Y),
            ("payment_id.null", |r| r.payment_id = Some("P1".into())),
            &p,
        ));
        let mut ok = payouts(Y).remove(0).row;
        ok.payment_id = Some("P1".into());
        assert_eq!(p(&ok), Ok(()));

        let f = |r: &FundFlow| {
            rules::check_fund_flow(
                &rules::FundFlow {
                    flow_id: r.flow_id.as_deref(),
                    region: r.region.as_deref(),
                    scheme: r.scheme.as_deref(),
                    date: r.date,
                    kind: r.kind.as_deref(),
                    from_account: r.from_account.as_deref(),
                    to_account: r.to_account.as_deref(),
                    amount: a(r.amount),
                    counter_region: r.counter_region.as_deref(),
                    counter_scheme: r.counter_scheme.as_deref(),
                },
                &ctx,
            )
        };
        covered.extend(check_all(
            fund_flows(Y),
            ("flow_id.null", |r| r.flow_id = Some("F1".into())),
            &f,
        ));
        let mut ok = fund_flows(Y).remove(0).row;
        ok.flow_id = Some("F1".into());
        assert_eq!(f(&ok), Ok(()));

        let s = |r: &StatementLine| {
            rules::check_statement(
                &rules::StatementLine {
                    line_id: r.line_id.as_deref(),
                    region: r.region.as_deref(),
                    scheme: r.scheme.as_deref(),
                    account: r.account.as_deref(),
                    date: r.date,
                    direction: r.direction.as_deref(),
                    amount: a(r.amount),
                },
                &ctx,
            )
        };
        covered.extend(check_all(
            statements(Y),
            ("line_id.null", |r| r.line_id = Some("S1".into())),
            &s,
        ));
        let mut ok = statements(Y).remove(0).row;
        ok.line_id = Some("S1".into());
        assert_eq!(s(&ok), Ok(()));

        let o = |r: &OpeningBalance| {
            rules::check_opening_balance(&rules::OpeningBalance {
                region: r.region.as_deref(),
                scheme: r.scheme.as_deref(),
                account: r.account.as_deref(),
                book: a(r.book),
                statement: a(r.statement),
            })
        };
        covered.extend(check_all(opening_balances(), ("", |_| {}), &o));

        let pe = |r: &Person| {
            rules::check_person(
                &rules::Person {
                    person_id: r.person_id.as_deref(),
                    region: r.region.as_deref(),
                    scheme: r.scheme.as_deref(),
                    sex: r.sex.as_deref(),
                    birth_date: r.birth_date,
                    category: r.category.as_deref(),
                    status: r.status.as_deref(),
                    enrolled_on: r.enrolled_on,
                    contribution_months: r.contribution_months,
                    monthly_base: a(r.monthly_base),
                    benefit_start: r.benefit_start,
                    monthly_benefit: a(r.monthly_benefit),
                },
                &ctx,
                &mut Warnings::default(),
            )
        };
        covered.extend(check_all(persons(Y), ("", |_| {}), &pe));

        let d = |r: &Death| {
            rules::check_death(
                &rules::Death {
                    person_id: r.person_id.as_deref(),
                    death_date: r.death_date,
                    source: r.source.as_deref(),
                },
                &ctx,
            )
        };
        covered.extend(check_all(deaths(Y), ("", |_| {}), &d));

        let sf = |r: &SubFundBalance| {
            rules::check_sub_fund_balance(&rules::SubFundBalance {
                region: r.region.as_deref(),
                scheme: r.scheme.as_deref(),
                sub_fund: r.sub_fund.as_deref(),
                opening: a(r.opening),
            })
        };
        covered.extend(check_all(sub_fund_balances(), ("", |_| {}), &sf));

        let b = |r: &BudgetLine| {
            rules::check_budget(&rules::BudgetLine {
                region: r.region.as_deref(),
                scheme: r.scheme.as_deref(),
                item: r.item.as_deref(),
                amount: a(r.amount),
            })
        };
        covered.extend(check_all(budget(), ("", |_| {}), &b));

        // Templates of the other tables pass too.
        let mut t = opening_balances().remove(0).row;
        t.account = Some("fiscal".into());
        assert_eq!(o(&t), Ok(()));
        let mut t = persons(Y).remove(0).row;
        t.person_id = pid();
        assert_eq!(pe(&t), Ok(()));
        let mut t = deaths(Y).remove(0).row;
        t.person_id = pid();
        assert_eq!(d(&t), Ok(()));
        let mut t = sub_fund_balances().remove(0).row;
        t.sub_fund = Some("account".into());
        assert_eq!(sf(&t), Ok(()));
        t.sub_fund = Some("pooled".into());
        t.opening = Some(-5);
        assert_eq!(sf(&t), Ok(()), "the pool may start below zero");
        let mut t = budget().remove(0).row;
        t.item = Some("contribution".into());
        assert_eq!(b(&t), Ok(()));

        // Every specific rule of RULES has its failing case.
        for (_, code, _) in rules::RULES {
            if code.starts_with('<') {
                continue;
            }
            assert!(
                covered.contains(code),
                "no planted failing row for rule {code}"
            );
        }
    }
}
