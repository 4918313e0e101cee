//! Statements from the books: 试算平衡表 (trial balance, before closing), 收支表 (fund
//! statement), account balances, 资产负债表 (balance sheet) — and the invariants that tie them.

use super::chart::{self, Element, CHART};
use super::{Books, FundBook, FundId};
use crate::csv::Csv;
use crate::model::catalog::{Account, Direction, Scheme, SubFund, BENEFITS, ITEMS};
use crate::model::money::yuan;

/// One line of a 收支表.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementLine {
    /// `contribution`, `benefits.basic_pension`, `total_revenue`, …
    pub key: String,
    pub name_zh: String,
    pub amount: i128,
}

/// The 收支表 of one fund.
#[derive(Debug, Clone)]
pub struct FundStatement {
    pub fund: FundId,
    pub revenue: Vec<StatementLine>,
    /// `benefits` first, then its details, then the other expenditure items.
    pub expenditure: Vec<StatementLine>,
    pub total_revenue: i128,
    pub total_expenditure: i128,
    pub opening_balance: i128,
}

impl FundStatement {
    pub fn surplus(&self) -> i128 {
        self.total_revenue - self.total_expenditure
    }
    pub fn closing_balance(&self) -> i128 {
        self.opening_balance + self.surplus()
    }
    /// Amount of an item key (0 if it did not occur).
    pub fn amount(&self, key: &str) -> i128 {
        self.revenue
            .iter()
            .chain(&self.expenditure)
            .find(|l| l.key == key)
            .map(|l| l.amount)
            .unwrap_or(0)
    }
}

fn net(slots: &[[i128; 2]], slot: usize, element: Element) -> (i128, bool) {
    let [d, c] = slots[slot];
    let v = if element.debit_normal() { d - c } else { c - d };
    (v, d != 0 || c != 0)
}

/// The 收支表 of a fund: every SPEC §4 item that occurs, benefit details, totals.
pub fn fund_statement(fund: &FundId, fb: &FundBook) -> FundStatement {
    statement_of(fund, &fb.slots, fb.opening_balance())
}

/// The 收支表 over a set of slots (a fund's or one part's) from an opening balance.
fn statement_of(fund: &FundId, slots: &[[i128; 2]], opening_balance: i128) -> FundStatement {
    let mut revenue = Vec::new();
    let mut expenditure = Vec::new();
    for item in ITEMS {
        let k = CHART
            .iter()
            .position(|s| s.item == Some(item.key))
            .expect("item subject");
        let element = CHART[k].element;
        if item.key == "benefits" {
            let mut details = Vec::new();
            let mut total = 0;
            for (b, ben) in BENEFITS.iter().enumerate().filter(|(_, b)| !b.own_item) {
                let (v, occurs) = net(slots, CHART.len() + b, Element::Expenditure);
                if occurs {
                    total += v;
                    details.push(StatementLine {
                        key: format!("benefits.{}", ben.key),
                        name_zh: ben.name_zh.into(),
                        amount: v,
                    });
                }
            }
            if !details.is_empty() {
                expenditure.push(StatementLine {
                    key: "benefits".into(),
                    name_zh: item.name_zh.into(),
                    amount: total,
                });
                expenditure.extend(details);
            }
            continue;
        }
        let (v, occurs) = net(slots, k, element);
        if occurs {
            let line = StatementLine {
                key: item.key.into(),
                name_zh: item.name_zh.into(),
                amount: v,
            };
            match item.direction {
                Direction::Revenue => revenue.push(line),
                Direction::Expenditure => expenditure.push(line),
            }
        }
    }
    let total_revenue = revenue.iter().map(|l| l.amount).sum();
    let total_expenditure = expenditure
        .iter()
        .filter(|l| !l.key.starts_with("benefits."))
        .map(|l| l.amount)
        .sum();
    FundStatement {
        fund: fund.clone(),
        revenue,
        expenditure,
        total_revenue,
        total_expenditure,
        opening_balance,
    }
}

pub fn fund_statements(books: &Books) -> Vec<FundStatement> {
    books
        .funds
        .iter()
        .map(|(f, fb)| fund_statement(f, fb))
        .collect()
}

/// The 收支表 of one part of a fund 分账核算: its own revenue and expenditure, and what moved
/// between it and the fund's other parts (`transfers`, net into this part: 统筹基金划入个人账户,
/// 提取/动用储备金), which is neither revenue nor expenditure of the fund.
#[derive(Debug, Clone)]
pub struct PartStatement {
    pub part: SubFund,
    pub statement: FundStatement,
    pub transfers: i128,
}

impl PartStatement {
    pub fn closing_balance(&self) -> i128 {
        self.statement.closing_balance() + self.transfers
    }
}

/// The parts a fund is kept in (SPEC §2): 310 统筹基金 + 个人账户, 410 统筹基金 + 储备金, every
/// other fund `pooled` alone.
pub fn parts_of(fund: &FundId) -> &'static [SubFund] {
    Scheme::from_code(&fund.1).map_or(&[SubFund::Pooled], SubFund::of)
}

pub fn part_statements(fund: &FundId, fb: &FundBook) -> Vec<PartStatement> {
    parts_of(fund)
        .iter()
        .map(|&part| {
            let p = part as usize;
            PartStatement {
                part,
                statement: statement_of(fund, &fb.part_slots[p], fb.part_opening[p]),
                transfers: fb.part_transfers[p],
            }
        })
        .collect()
}

/// `ledger/sub_funds.csv`: the 收支表 of every part of every fund — items as in
/// `fund_statement.csv`, totals, the transfers between parts (funds kept in parts only),
/// opening and closing balances. Per fund the parts add up to `fund_statement.csv`.
pub fn sub_funds_csv(books: &Books) -> Vec<u8> {
    let mut csv = Csv::new(&["region", "scheme", "sub_fund", "item", "name", "amount"]);
    for (fund, fb) in &books.funds {
        let parts = part_statements(fund, fb);
        let kept_in_parts = parts.len() > 1;
        for ps in &parts {
            let (r, s, k) = (&fund.0, &fund.1, ps.part.key());
            let st = &ps.statement;
            for l in st.revenue.iter().chain(&st.expenditure) {
                csv.row([r, s, k, &l.key, &l.name_zh, &yuan(l.amount)]);
            }
            let mut totals = vec![
                ("total_revenue", "本年收入合计", st.total_revenue),
                ("total_expenditure", "本年支出合计", st.total_expenditure),
                ("surplus", "本年收支结余", st.surplus()),
            ];
            if kept_in_parts {
                totals.push(("part_transfers", "分账间划转（净划入）", ps.transfers));
            }
            totals.push(("opening_balance", "年初滚存结余", st.opening_balance));
            totals.push(("closing_balance", "年末滚存结余", ps.closing_balance()));
            for (key, name, v) in totals {
                csv.row([r.as_str(), s, k, key, name, &yuan(v)]);
            }
        }
    }
    csv.into_bytes()
}

pub fn fund_statement_csv(statements: &[FundStatement]) -> Vec<u8> {
    let mut csv = Csv::new(&["region", "scheme", "item", "name", "amount"]);
    for st in statements {
        let (r, s) = (&st.fund.0, &st.fund.1);
        for l in st.revenue.iter().chain(&st.expenditure) {
            csv.row([r, s, &l.key, &l.name_zh, &yuan(l.amount)]);
        }
        for (key, name, v) in [
            ("total_revenue", "本年收入合计", st.total_revenue),
            ("total_expenditure", "本年支出合计", st.total_expenditure),
            ("surplus", "本年收支结余", st.surplus()),
            ("opening_balance", "年初滚存结余", st.opening_balance),
            ("closing_balance", "年末滚存结余", st.closing_balance()),
        ] {
            csv.row([r.as_str(), s, key, name, &yuan(v)]);
        }
    }
    csv.into_bytes()
}

/// Opening balance of a subject, signed on its normal side.
fn opening_of(fb: &FundBook, code: &str) -> i128 {
    match chart::account_of(code) {
        Some(a) => fb.opening[a as usize] as i128,
        None if code == chart::FUND_BALANCE => fb.opening.iter().map(|&b| b as i128).sum(),
        None => 0,
    }
}

/// (debit, credit) of a subject over the year, benefit details folded into 5001.
fn movement(fb: &FundBook, k: usize) -> (i128, i128) {
    let [mut d, mut c] = fb.slots[k];
    if CHART[k].code == chart::BENEFITS {
        for b in 0..BENEFITS.len() {
            d += fb.slots[CHART.len() + b][0];
            c += fb.slots[CHART.len() + b][1];
        }
    }
    (d, c)
}

/// 试算平衡表 before closing: per fund and subject, opening, debit, credit, closing (each
/// balance signed on the subject's normal side).
pub fn trial_balance_csv(books: &Books) -> Vec<u8> {
    let mut csv = Csv::new(&[
        "region",
        "scheme",
        "account_code",
        "name",
        "opening",
        "debit",
        "credit",
        "closing",
    ]);
    for ((r, s), fb) in &books.funds {
        for (k, subj) in CHART.iter().enumerate() {
            let (d, c) = movement(fb, k);
            let open = opening_of(fb, subj.code);
            if d == 0 && c == 0 && open == 0 {
                continue;
            }
            let close = if subj.element.debit_normal() {
                open + d - c
            } else {
                open + c - d
            };
            csv.row([
                r.as_str(),
                s,
                subj.code,
                subj.name_zh,
                &yuan(open),
                &yuan(d),
                &yuan(c),
                &yuan(close),
            ]);
        }
    }
    csv.into_bytes()
}

/// Book movements of one fund account: (opening, inflow, outflow, closing).
pub fn account_balance(fb: &FundBook, a: Account) -> (i128, i128, i128, i128) {
    let k = CHART
        .iter()
        .position(|s| s.code == chart::deposit(a))
        .expect("deposit subject");
    let [d, c] = fb.slots[k];
    let open = fb.opening[a as usize] as i128;
    (open, d, c, open + d - c)
}

pub fn balances_csv(books: &Books) -> Vec<u8> {
    let mut csv = Csv::new(&[
        "region", "scheme", "account", "opening", "inflow", "outflow", "closing",
    ]);
    for ((r, s), fb) in &books.funds {
        for a in Account::ALL {
            let (open, i, o, close) = account_balance(fb, a);
            if fb.has_account[a as usize] || i != 0 || o != 0 {
                csv.row([
                    r.as_str(),
                    s,
                    a.key(),
                    &yuan(open),
                    &yuan(i),
                    &yuan(o),
                    &yuan(close),
                ]);
            }
        }
    }
    csv.into_bytes()
}

/// One line of the 资产负债表: (key, name, opening, closing).
pub type SheetLine = (&'static str, &'static str, i128, i128);

pub fn balance_sheet(fb: &FundBook, st: &FundStatement) -> Vec<SheetLine> {
    let sub = |code: &str| {
        let k = CHART.iter().position(|s| s.code == code).expect("subject");
        let (d, c) = movement(fb, k);
        let open = opening_of(fb, code);
        if CHART[k].element.debit_normal() {
            (open, open + d - c)
        } else {
            (open, open + c - d)
        }
    };
    let assets = [
        ("income_deposit", "收入户存款", chart::INCOME_DEPOSIT),
        ("fiscal_deposit", "财政专户存款", chart::FISCAL_DEPOSIT),
        ("expense_deposit", "支出户存款", chart::EXPENSE_DEPOSIT),
        ("advances", "暂付款", chart::ADVANCES),
        ("investment", "委托投资", chart::INVESTMENT),
    ];
    let mut out = Vec::new();
    let (mut ao, mut ac) = (0, 0);
    for (key, name, code) in assets {
        let (o, c) = sub(code);
        ao += o;
        ac += c;
        out.push((key, name, o, c));
    }
    out.push(("total_assets", "资产合计", ao, ac));
    let (so, sc) = sub(chart::SUSPENSE);
    out.push(("suspense", "暂收款", so, sc));
    out.push(("total_liabilities", "负债合计", so, sc));
    out.push((
        "fund_balance",
        "基金结余",
        st.opening_balance,
        st.closing_balance(),
    ));
    out.push((
        "total_liabilities_and_fund_balance",
        "负债和基金结余合计",
        so + st.opening_balance,
        sc + st.closing_balance(),
    ));
    out
}

/// The 资产负债表 of every fund; a fund kept in parts shows its fund balance by part
/// (`fund_balance.pooled`, … "其中：统筹基金") right after `fund_balance`.
pub fn balance_sheet_csv(books: &Books, statements: &[FundStatement]) -> Vec<u8> {
    let mut csv = Csv::new(&["region", "scheme", "line", "name", "opening", "closing"]);
    for (((r, s), fb), st) in books.funds.iter().zip(statements) {
        let parts = part_statements(&st.fund, fb);
        for (key, name, o, c) in balance_sheet(fb, st) {
            csv.row([r.as_str(), s, key, name, &yuan(o), &yuan(c)]);
            if key == "fund_balance" && parts.len() > 1 {
                for ps in &parts {
                    csv.row([
                        r.as_str(),
                        s,
                        &format!("fund_balance.{}", ps.part.key()),
                        &format!("其中：{}", ps.part.name_zh()),
                        &yuan(ps.statement.opening_balance),
                        &yuan(ps.closing_balance()),
                    ]);
                }
            }
        }
    }
    csv.into_bytes()
}

/// The invariants of the books, checked for every fund.
pub struct Check {
    pub name: &'static str,
    pub failures: Vec<String>,
}

pub fn check(books: &Books, statements: &[FundStatement]) -> Vec<Check> {
    let mut balanced = Check {
        name: "ledger: debits = credits in every fund, every voucher and the journal (试算平衡)",
        failures: vec![],
    };
    let mut foots = Check {
        name: "ledger: 收支表 foots: items sum to totals, totals equal the subjects' balances",
        failures: vec![],
    };
    let mut rolled = Check {
        name: "ledger: opening + revenue - expenditure = closing net assets (年末滚存结余)",
        failures: vec![],
    };
    let mut sheet = Check {
        name: "ledger: assets = liabilities + fund balance (资产负债表)",
        failures: vec![],
    };
    let mut parted = Check {
        name: "ledger: the parts of every fund add up to the fund, item by item and in every balance; each part's closing balance = opening + revenue - expenditure + transfers between parts = its net assets (分账核算)",
        failures: vec![],
    };
    for (((r, s), fb), st) in books.funds.iter().zip(statements) {
        let (d, c) = fb
            .slots
            .iter()
            .fold((0i128, 0i128), |a, b| (a.0 + b[0], a.1 + b[1]));
        if d != c {
            balanced
                .failures
                .push(format!("{r}/{s}: debits {} credits {}", yuan(d), yuan(c)));
        }
        // Footing, by an independent path: the subjects' balances by accounting element.
        let by_element = |e: Element| -> i128 {
            CHART
                .iter()
                .enumerate()
                .filter(|(_, x)| x.element == e)
                .map(|(k, _)| {
                    let (d, c) = movement(fb, k);
                    if e.debit_normal() {
                        d - c
                    } else {
                        c - d
                    }
                })
                .sum()
        };
        let details: i128 = st
            .expenditure
            .iter()
            .filter(|l| l.key.starts_with("benefits."))
            .map(|l| l.amount)
            .sum();
        if st.total_revenue != by_element(Element::Revenue)
            || st.total_expenditure != by_element(Element::Expenditure)
            || st.amount("benefits") != details
        {
            foots.failures.push(format!("{r}/{s}"));
        }
        // Closing net assets from the accounts themselves.
        let accounts: i128 = Account::ALL.iter().map(|a| account_balance(fb, *a).3).sum();
        let lines = balance_sheet(fb, st);
        let get = |k: &str| lines.iter().find(|l| l.0 == k).expect("line").clone();
        let net_assets = accounts + get("advances").3 - get("suspense").3;
        if st.closing_balance() != net_assets {
            rolled.failures.push(format!(
                "{r}/{s}: {} vs net assets {}",
                yuan(st.closing_balance()),
                yuan(net_assets)
            ));
        }
        let (assets, liab) = (
            get("total_assets"),
            get("total_liabilities_and_fund_balance"),
        );
        if assets.2 != liab.2 || assets.3 != liab.3 {
            sheet.failures.push(format!(
                "{r}/{s}: assets {} vs {}",
                yuan(assets.3),
                yuan(liab.3)
            ));
        }
        parted.failures.extend(check_parts(fb, st));
    }
    if books.journal_debit != books.journal_credit {
        balanced.failures.push(format!(
            "journal: debits {} credits {}",
            yuan(books.journal_debit),
            yuan(books.journal_credit)
        ));
    }
    if books.unbalanced_vouchers > 0 {
        balanced.failures.push(format!(
            "{} vouchers whose debits differ from their credits",
            books.unbalanced_vouchers
        ));
    }
    vec![balanced, foots, rolled, sheet, parted]
}

/// The parts of one fund against the fund (see the `parted` check).
fn check_parts(fb: &FundBook, st: &FundStatement) -> Vec<String> {
    let (r, s) = (&st.fund.0, &st.fund.1);
    let mut out = Vec::new();
    let own = parts_of(&st.fund);
    for k in 0..fb.slots.len() {
        let sum = (0..3).fold([0i128; 2], |a, p| {
            [a[0] + fb.part_slots[p][k][0], a[1] + fb.part_slots[p][k][1]]
        });
        if sum != fb.slots[k] {
            out.push(format!(
                "{r}/{s}: slot {k}: parts {sum:?} vs fund {:?}",
                fb.slots[k]
            ));
        }
    }
    for part in SubFund::ALL.into_iter().filter(|p| !own.contains(p)) {
        let p = part as usize;
        let touched = fb.part_slots[p].iter().any(|x| x != &[0, 0])
            || fb.part_opening[p] != 0
            || fb.part_transfers[p] != 0;
        if touched {
            out.push(format!(
                "{r}/{s}: the part `{}` is not one of this fund's",
                part.key()
            ));
        }
    }
    if fb.part_opening.iter().sum::<i128>() != st.opening_balance {
        out.push(format!(
            "{r}/{s}: opening balances of the parts do not add up"
        ));
    }
    if fb.part_transfers.iter().sum::<i128>() != 0 {
        out.push(format!(
            "{r}/{s}: transfers between parts do not net to zero"
        ));
    }
    let parts = part_statements(&st.fund, fb);
    let closing: i128 = parts.iter().map(PartStatement::closing_balance).sum();
    if closing != st.closing_balance() {
        out.push(format!(
            "{r}/{s}: closing balances of the parts {} vs the fund {}",
            yuan(closing),
            yuan(st.closing_balance())
        ));
    }
    for ps in &parts {
        let p = ps.part as usize;
        let net_assets = fb.part_opening[p] + fb.part_daily.iter().map(|d| d[p]).sum::<i128>();
        if ps.closing_balance() != net_assets {
            out.push(format!(
                "{r}/{s}/{}: closing {} vs net assets {}",
                ps.part.key(),
                yuan(ps.closing_balance()),
                yuan(net_assets)
            ));
        }
    }
    out
}
