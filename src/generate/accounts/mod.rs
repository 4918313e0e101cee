//! The fund's money, day by day: institution settlements, allocations 拨付, sweeps 缴存,
//! subsidies, interest and its remittance, inter-level remittances 上解/补助, transfers and
//! entrusted investment — recorded as `fund_flows` — and the bank and fiscal statements that
//! mirror every movement of the three accounts.

use std::collections::BTreeMap;

use super::people::{Agg, FundKey};
use super::records::{BudgetLine, FundFlow, OpeningBalance, Payout, StatementLine, SubFundBalance};
use super::rng::Rng;
use super::world::{self, PROVINCES, PROVINCE_SCHEMES, REGIONS};
use crate::model::date::{day, period_of, Day};
use crate::model::Fen;

mod levels;
mod settlements;
mod statements;

use levels::*;
pub use settlements::institution_payouts;
use settlements::*;
use statements::*;

/// The accounts of one fund while they are simulated.
struct Book {
    fund: FundKey,
    tax_collected: bool,
    bal: BTreeMap<&'static str, Fen>,
    flows: Vec<FundFlow>,
    lines: Vec<StatementLine>,
    seq: u64,
    line_seq: u64,
    parts: Parts,
}

/// The parts of a fund kept in parts 分账核算 (310 and 410 of a city) as the world holds
/// them: the individual accounts' and the reserve's money (the pool's is the rest of the
/// fund), and the year's movements of each, the truth `sub_funds.csv` records.
#[derive(Default, Clone, Copy)]
pub struct Parts {
    pub account: Fen,
    pub reserve: Fen,
    /// Opening balances: (pooled, account, reserve).
    pub opening: [Fen; 3],
    /// Contribution revenue of 410 since the last set-aside.
    quarter_fees: Fen,
    pub account_contribution: Fen,
    pub account_medical: Fen,
    pub transfer_in: Fen,
    pub transfer_out: Fen,
    pub credited: Fen,
    pub set_aside: Fen,
    pub released: Fen,
    /// The fund's money at year end (every part).
    pub total: Fen,
}

/// A movement that is not a contribution credit or a payment batch.
struct Move {
    kind: &'static str,
    from: &'static str,
    to: &'static str,
    amount: Fen,
    counter_region: Option<&'static str>,
    counter_scheme: Option<&'static str>,
    /// The reference both levels quote (else the book's own voucher number).
    reference: Option<String>,
}

fn mv(kind: &'static str, from: &'static str, to: &'static str, amount: Fen) -> Move {
    Move {
        kind,
        from,
        to,
        amount,
        counter_region: None,
        counter_scheme: None,
        reference: None,
    }
}

impl Book {
    fn line(
        &mut self,
        account: &str,
        d: Day,
        dir: &str,
        amount: Fen,
        r: Option<String>,
        memo: &str,
    ) {
        self.line_seq += 1;
        self.lines.push(StatementLine {
            line_id: Some(format!(
                "S{}{}{}{:07}",
                self.fund.0,
                self.fund.1,
                &account[..2],
                self.line_seq
            )),
            region: Some(self.fund.0.into()),
            scheme: Some(self.fund.1.into()),
            account: Some(account.into()),
            date: Some(d),
            direction: Some(dir.into()),
            amount: Some(amount),
            r#ref: r,
            memo: Some(memo.into()),
        });
    }

    fn apply(&mut self, d: Day, m: Move) {
        if m.amount <= 0 {
            return;
        }
        self.seq += 1;
        let voucher = m
            .reference
            .clone()
            .unwrap_or_else(|| format!("V{}{}{:06}", self.fund.0, self.fund.1, self.seq));
        let p = &mut self.parts;
        match (self.fund.1, m.kind) {
            // Between the parts of the fund: the money stays in its account (from = to).
            (_, "account_credit") => {
                p.account += m.amount;
                p.credited += m.amount;
            }
            (_, "reserve_set_aside") => {
                p.reserve += m.amount;
                p.set_aside += m.amount;
            }
            (_, "reserve_release") => {
                p.reserve -= m.amount;
                p.released += m.amount;
            }
            // 310's transfers of insured persons move their individual accounts.
            ("310", "transfer_in") => {
                p.account += m.amount;
                p.transfer_in += m.amount;
            }
            ("310", "transfer_out") => {
                p.account -= m.amount;
                p.transfer_out += m.amount;
            }
            _ => {}
        }
        for (acct, dir) in [(m.from, "out"), (m.to, "in")] {
            if m.from == m.to {
                break; // no bank movement, no statement line
            }
            if acct == "external" {
                continue;
            }
            let b = self.bal.entry(acct).or_default();
            *b += if dir == "in" { m.amount } else { -m.amount };
            if acct != "investment" {
                self.line(acct, d, dir, m.amount, Some(voucher.clone()), m.kind);
            }
        }
        self.flows.push(FundFlow {
            flow_id: Some(format!("F{}{}{:06}", self.fund.0, self.fund.1, self.seq)),
            region: Some(self.fund.0.into()),
            scheme: Some(self.fund.1.into()),
            date: Some(d),
            kind: Some(m.kind.into()),
            from_account: Some(m.from.into()),
            to_account: Some(m.to.into()),
            amount: Some(m.amount),
            counter_region: m.counter_region.map(Into::into),
            counter_scheme: m.counter_scheme.map(Into::into),
            r#ref: Some(voucher),
        });
    }

    fn get(&self, a: &str) -> Fen {
        self.bal.get(a).copied().unwrap_or(0)
    }

    /// The fund's money (every account and the investment) less its other parts.
    fn pooled(&self) -> Fen {
        self.bal.values().sum::<Fen>() - self.parts.account - self.parts.reserve
    }
}

/// What the simulation writes.
#[derive(Default)]
pub struct Money {
    pub flows: Vec<FundFlow>,
    pub statements: Vec<StatementLine>,
    pub opening: Vec<OpeningBalance>,
    pub budget: Vec<BudgetLine>,
    pub sub_funds: Vec<SubFundBalance>,
    /// The world's parts of every fund kept in parts, at year end.
    pub parts: BTreeMap<FundKey, Parts>,
}

fn province_of(region: &str) -> &'static str {
    REGIONS
        .iter()
        .find(|r| r.code == region)
        .map(|r| r.province)
        .unwrap_or("440000")
}

/// Simulates every fund's year. Funds are independent, so they run in any order.
/// `planted`: `--faults` is on (one 410 fund then sets aside less than the others, see
/// `faults::UNDER_RESERVED`).
pub fn simulate(year: i32, agg: &Agg, seed: u64, planted: bool) -> Money {
    let mut funds: Vec<FundKey> = agg
        .fees
        .keys()
        .copied()
        .chain(agg.batches.keys().map(|k| k.0))
        .collect();
    for (p, _) in PROVINCES {
        for s in PROVINCE_SCHEMES {
            funds.push((p, s));
        }
    }
    funds.sort();
    funds.dedup();
    let days = Days::of(agg, seed);
    let mut money = Money::default();
    for fund in funds {
        simulate_fund(year, agg, seed, fund, &days, planted, &mut money);
    }
    money
}

fn fees_of(agg: &Agg, fund: FundKey) -> Fen {
    agg.fees.get(&fund).map(|f| f.0 + f.1).unwrap_or(0)
}

/// Opening balances: ~15 months of payments in the fiscal account (medical: 8), a buffer in
/// the expenditure account, nothing left in the revenue account.
fn open_fund(agg: &Agg, fund: FundKey, money: &mut Money) -> Book {
    let region = REGIONS.iter().find(|r| r.code == fund.0);
    let is_province = region.is_none();
    let tax_collected = region.is_some_and(|r| r.tax_collected);
    let out: Fen = agg
        .batches
        .iter()
        .filter(|(k, _)| k.0 == fund)
        .map(|(_, v)| v.1)
        .sum();
    let months = if matches!(fund.1, "310" | "390" | "510") {
        8
    } else {
        15
    };
    let fiscal0 = if is_province {
        // The adjustment fund holds a fifth of its cities' yearly fees: enough to pay the
        // quarter's subsidies before the quarter's remittances arrive, at any size.
        let cities: Fen = REGIONS
            .iter()
            .filter(|r| r.province == fund.0)
            .map(|r| fees_of(agg, (r.code, fund.1)))
            .sum();
        2_000_000_000 + cities / 5
    } else {
        out / 12 * months + 100_000_000
    };
    let mut book = Book {
        fund,
        tax_collected,
        bal: BTreeMap::new(),
        flows: vec![],
        lines: vec![],
        seq: 0,
        line_seq: 0,
        parts: Parts::default(),
    };
    book.bal.insert("fiscal", fiscal0);
    book.bal.insert("expense", 5_000_000);
    if !tax_collected && !is_province {
        book.bal.insert("income", 0);
    }
    let invests = fund.1 == "110" && matches!(fund.0, "440100" | "320100");
    if invests {
        book.bal.insert("investment", fiscal0 / 5);
    }
    // The opening split of a fund kept in parts: it adds up to the fund's opening balance.
    let total: Fen = book.bal.values().sum();
    let other = match fund.1 {
        "310" if !is_province => Some(("account", total * world::ACCOUNT_OPENING_PCT / 100)),
        "410" if !is_province => Some(("reserve", total * world::RESERVE_OPENING_PCT / 100)),
        _ => None,
    };
    if let Some((part, amount)) = other {
        if part == "account" {
            book.parts.account = amount;
        } else {
            book.parts.reserve = amount;
        }
        book.parts.opening = [total - amount, book.parts.account, book.parts.reserve];
        for (k, v) in [("pooled", total - amount), (part, amount)] {
            money.sub_funds.push(SubFundBalance {
                region: Some(fund.0.into()),
                scheme: Some(fund.1.into()),
                sub_fund: Some(k.into()),
                opening: Some(v),
            });
        }
    }
    for (acct, b) in &book.bal {
        money.opening.push(OpeningBalance {
            region: Some(fund.0.into()),
            scheme: Some(fund.1.into()),
            account: Some(acct.to_string()),
            book: Some(*b),
            statement: (*acct != "investment").then_some(*b),
        });
    }
    book
}

/// Interest credited on the 20th of each quarter's last month 结息日 (that of the revenue and
/// expenditure accounts kept for remittance), remitted on the 25th.
fn interest_moves(
    book: &Book,
    m: u32,
    dom: u32,
    pending: &mut Vec<(&'static str, Fen)>,
    moves: &mut Vec<Move>,
) {
    if dom == 20 && m % 3 == 0 {
        for acct in ["income", "expense", "fiscal"] {
            if !book.bal.contains_key(acct) {
                continue;
            }
            let rate = if acct == "fiscal" {
                world::FISCAL_RATE_BP
            } else {
                world::CURRENT_RATE_BP
            };
            let i = book.get(acct).max(0) * rate / 4 / 10_000;
            moves.push(mv("interest", "external", acct, i));
            if acct != "fiscal" {
                pending.push((acct, i));
            }
        }
    }
    if dom == 25 {
        for (acct, i) in pending.drain(..) {
            moves.push(mv("interest_remit", acct, "fiscal", i));
        }
    }
}

/// One fund's year, day by day.
fn simulate_fund(
    year: i32,
    agg: &Agg,
    seed: u64,
    fund: FundKey,
    days: &Days,
    planted: bool,
    money: &mut Money,
) {
    let mut rng = Rng::new(
        seed,
        0xF00D ^ (fund.0.parse::<u64>().unwrap_or(0) * 1000 + fund.1.parse::<u64>().unwrap_or(0)),
    );
    let is_province = !REGIONS.iter().any(|r| r.code == fund.0);
    let benefit_in =
        |fund: FundKey, key: &str, m: u32| agg.benefits.get(&(fund, key, m)).copied().unwrap_or(0);
    let (first, last) = crate::model::date::year_bounds(year);
    let mut book = open_fund(agg, fund, money);
    let invested0 = book.get("investment");
    let mut pending_interest: Vec<(&'static str, Fen)> = Vec::new();
    for d in first..=last {
        let date = crate::model::date::to_naive(d);
        use chrono::Datelike;
        let (m, dom) = (date.month(), date.day());
        let month_end = (d + 1 > last) || crate::model::date::to_naive(d + 1).day() == 1;
        let mut moves: Vec<Move> = Vec::new();
        interest_moves(&book, m, dom, &mut pending_interest, &mut moves);
        if is_province {
            province_subsidy(agg, seed, fund, d, &mut moves);
            national_moves(agg, fund, m, dom, &mut moves);
        } else {
            let fees = fees_of(agg, fund);
            // The pool credits the retirees' accounts with the month's pensions.
            if dom == 5 {
                let credit = credits_of(agg, fund, Some(m));
                moves.push(mv("account_credit", "fiscal", "fiscal", credit));
            }
            scheduled(
                fund,
                m,
                dom,
                &mut rng,
                &mut moves,
                &benefit_in,
                fees,
                agg,
                invested0,
                &book,
            );
        }
        level_moves(agg, seed, fund, is_province, d, &mut moves);
        // Allocation 拨付: the day's batches and other payments out of the expenditure account.
        let other_out: Fen = moves
            .iter()
            .filter(|mv| mv.from == "expense" && mv.kind != "interest_remit")
            .map(|mv| mv.amount)
            .sum();
        let allocation = days.paid(fund, d) + other_out;
        book.apply(d, mv("allocation", "fiscal", "expense", allocation));
        // Contributions arrive; refunds leave by the original channel.
        days.settle(&mut book, fund, d);
        if let Some(&(fees, share)) = agg.parts_in.get(&(fund, d)) {
            book.parts.account += share;
            book.parts.account_contribution += share;
            book.parts.quarter_fees += fees;
        }
        if let Some(&paid) = agg.account_out.get(&(fund, d)) {
            book.parts.account -= paid;
            book.parts.account_medical += paid;
        }
        for mv_ in moves {
            book.apply(d, mv_);
        }
        if fund.1 == "410" && !is_province {
            // The reserve: a share of the quarter's contributions set aside on its last day,
            // a fifth of it released on 20 August.
            if month_end && m % 3 == 0 {
                let pct = if planted && fund == super::faults::UNDER_RESERVED {
                    world::RESERVE_SHARE_LOW_PCT
                } else {
                    world::RESERVE_SHARE_PCT
                };
                let amount = book.parts.quarter_fees * pct / 100;
                book.parts.quarter_fees = 0;
                book.apply(d, mv("reserve_set_aside", "fiscal", "fiscal", amount));
            }
            if (m, dom) == (8, 20) {
                let amount = book.parts.reserve / 5;
                book.apply(d, mv("reserve_release", "fiscal", "fiscal", amount));
            }
        }
        // Month end: the revenue account is swept to nil 月末无余额.
        if month_end && book.bal.contains_key("income") {
            let b = book.get("income");
            book.apply(d, mv("sweep", "income", "fiscal", b));
        }
        // The world never overdraws a part: the individual accounts, the reserve and the
        // pool (the rest of the fund's money) each end every day at zero or above.
        debug_assert!(
            book.parts.account >= 0 && book.parts.reserve >= 0 && book.pooled() >= 0,
            "{fund:?} {d}: account {} reserve {} pooled {}",
            book.parts.account,
            book.parts.reserve,
            book.pooled()
        );
    }
    debug_assert!(
        book.bal.values().all(|b| *b >= 0),
        "{fund:?} {:?}",
        book.bal
    );
    budget_lines(fund, agg, &book, &mut rng, &mut money.budget);
    if matches!(fund.1, "310" | "410") && !is_province {
        book.parts.total = book.bal.values().sum();
        money.parts.insert(fund, book.parts);
    }
    money.flows.append(&mut book.flows);
    money.statements.append(&mut book.lines);
}

/// Subsidies, transfers, investment and other items of a city fund on a given day.
#[allow(clippy::too_many_arguments)]
fn scheduled(
    fund: FundKey,
    m: u32,
    dom: u32,
    rng: &mut Rng,
    moves: &mut Vec<Move>,
    benefit_in: &dyn Fn(FundKey, &str, u32) -> Fen,
    fees: Fen,
    agg: &Agg,
    invested0: Fen,
    book: &Book,
) {
    let scheme = fund.1;
    let receiving = if book.tax_collected {
        "fiscal"
    } else {
        "income"
    };
    // Fiscal subsidies 财政补贴: residents' basic pension in full, monthly; residents' medical
    // per head, quarterly; employee pensions a share, quarterly.
    if dom == 3 && scheme == "170" {
        moves.push(mv(
            "fiscal_subsidy",
            "external",
            "fiscal",
            benefit_in(fund, "resident_basic_pension", m),
        ));
    }
    if dom == 10 && matches!(m, 1 | 4 | 7 | 10) {
        let heads = agg.contributors.get(&fund).copied().unwrap_or(0) as i64;
        let amount = match scheme {
            "390" => heads * world::RESIDENT_MEDICAL_SUBSIDY / 4,
            "110" => {
                (1..=3)
                    .map(|k| benefit_in(fund, "basic_pension", m + k - 1))
                    .sum::<Fen>()
                    * 12
                    / 100
            }
            "120" => {
                (1..=3)
                    .map(|k| benefit_in(fund, "basic_pension", m + k - 1))
                    .sum::<Fen>()
                    * 45
                    / 100
            }
            _ => 0,
        };
        moves.push(mv("fiscal_subsidy", "external", "fiscal", amount));
    }
    if scheme == "170" && m == 11 && dom == 15 && fund.0.starts_with("32") {
        let heads = agg.contributors.get(&fund).copied().unwrap_or(0) as i64;
        // Collected like the residents' own contributions: into the revenue account, or the
        // fiscal account where the tax bureau collects.
        moves.push(mv(
            "collective_subsidy",
            "external",
            receiving,
            heads * 5_000,
        ));
    }
    // Transfers of insured persons across pooling regions 转移接续.
    if matches!(scheme, "110" | "310") && dom == 12 {
        let others = ["510100", "430100", "360100", "450100"];
        let amount = fees / 400 * rng.range(80, 120) / 100;
        moves.push(Move {
            kind: "transfer_in",
            from: "external",
            to: receiving,
            amount,
            counter_region: Some(others[m as usize % 4]),
            counter_scheme: None,
            reference: None,
        });
        let amount = fees / 600 * rng.range(80, 120) / 100;
        moves.push(Move {
            kind: "transfer_out",
            from: "expense",
            to: "external",
            amount,
            counter_region: Some(others[(m as usize + 1) % 4]),
            counter_scheme: None,
            reference: None,
        });
    }
    // Prior-year payments returned by the original channel; small other items.
    if matches!(scheme, "110" | "210") && dom == 16 && m % 3 == 1 {
        moves.push(mv(
            "returned_prior_year",
            "external",
            "expense",
            rng.range(50_000, 900_000),
        ));
    }
    if dom == 27 && m == 6 {
        moves.push(mv(
            "other_income",
            "external",
            "fiscal",
            rng.range(100_000, 2_000_000),
        ));
    }
    if dom == 27 && m == 9 {
        moves.push(mv(
            "other_expense",
            "expense",
            "external",
            rng.range(50_000, 500_000),
        ));
    }
    // Entrusted investment 委托投资 (province-pooled pension funds).
    if invested0 > 0 {
        if m == 3 && dom == 16 {
            moves.push(mv(
                "investment_out",
                "fiscal",
                "investment",
                book.get("fiscal") / 10,
            ));
        }
        if m == 11 && dom == 20 {
            moves.push(mv("investment_back", "investment", "fiscal", invested0 / 5));
        }
        if m == 12 && dom == 15 {
            moves.push(mv(
                "investment_income",
                "external",
                "fiscal",
                invested0 * 3 / 100,
            ));
        }
    }
}

/// The approved budget of the year 本年预算: this year's outturn ± a few per cent, as if
/// drafted a year ago.
fn budget_lines(fund: FundKey, agg: &Agg, book: &Book, rng: &mut Rng, out: &mut Vec<BudgetLine>) {
    let mut items: BTreeMap<String, Fen> = BTreeMap::new();
    if let Some((e, i)) = agg.fees.get(&fund) {
        items.insert("contribution".into(), e + i);
    }
    for ((f, key, _), v) in &agg.benefits {
        if *f == fund {
            let k = match crate::model::catalog::benefit(key) {
                Some(b) if b.own_item => key.to_string(),
                _ => format!("benefits.{key}"),
            };
            *items.entry(k).or_default() += v;
        }
    }
    for f in &book.flows {
        let kind = f.kind.as_deref().unwrap_or_default();
        let external = f.from_account.as_deref() == Some("external")
            || f.to_account.as_deref() == Some("external");
        if external && crate::model::catalog::item(kind).is_some() {
            *items.entry(kind.to_string()).or_default() += f.amount.unwrap_or(0);
        }
    }
    for (item, actual) in items {
        let amount = actual * rng.range(960, 1040) / 1000;
        out.push(BudgetLine {
            region: Some(fund.0.into()),
            scheme: Some(fund.1.into()),
            item: Some(item),
            amount: Some(amount),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::super::people::{self, identity, Block, Ctx, Identity};
    use super::*;

    /// A small world: its persons' totals, the institutions' settlements and the funds' year.
    fn world(persons: u64, seed: u64, planted: bool) -> (Agg, Money) {
        let year = 2025;
        let seqs = super::super::id_sequences(seed, persons, year);
        let ctx = Ctx {
            seed,
            year,
            persons,
        };
        let mut b = Block::default();
        for idx in 0..persons {
            let (seq, shift) = seqs[idx as usize];
            let drawn = identity(seed, idx, year);
            let id = Identity {
                birth: drawn.birth + shift as i32,
                ..drawn
            };
            people::simulate(&ctx, idx, &id, seq as u32, &mut b);
        }
        let mut agg = b.agg;
        institution_payouts(year, &mut agg, seed);
        let money = simulate(year, &agg, seed, planted);
        (agg, money)
    }

    /// The opening split adds up to the fund's opening balance; the retirees' credits are one
    /// flow per 310 fund and month; 410 sets aside at least 10 % of its contributions; every
    /// part ends the year at zero or above (and, by the simulation's own check, every day).
    #[test]
    fn the_parts_of_the_world() {
        let (agg, money) = world(600, 3, false);
        assert_eq!(money.parts.len(), 8, "310 and 410 of four cities");
        for (fund, p) in &money.parts {
            let key = |o: &Option<String>| o.as_deref().unwrap_or_default().to_string();
            let of_fund = |r: &Option<String>, s: &Option<String>| {
                (key(r), key(s)) == (fund.0.to_string(), fund.1.to_string())
            };
            let opening: Fen = money
                .opening
                .iter()
                .filter(|o| of_fund(&o.region, &o.scheme))
                .map(|o| o.book.unwrap_or(0))
                .sum();
            let split: Vec<_> = money
                .sub_funds
                .iter()
                .filter(|o| of_fund(&o.region, &o.scheme))
                .collect();
            assert_eq!(split.len(), 2, "{fund:?}");
            assert_eq!(
                split.iter().map(|o| o.opening.unwrap()).sum::<Fen>(),
                opening,
                "{fund:?}"
            );
            assert!(p.account >= 0 && p.reserve >= 0, "{fund:?}");
            assert!(p.total - p.account - p.reserve >= 0, "{fund:?}");
            let kinds = |k: &str| {
                money
                    .flows
                    .iter()
                    .filter(|f| of_fund(&f.region, &f.scheme) && f.kind.as_deref() == Some(k))
                    .inspect(|f| assert_eq!(f.from_account, f.to_account))
                    .count()
            };
            if fund.1 == "310" {
                assert_eq!(kinds("account_credit"), 12, "{fund:?}");
                assert_eq!(p.credited, credits_of(&agg, *fund, None));
                assert!(p.credited > 0 && p.account_contribution > 0);
            } else {
                let revenue: Fen = agg
                    .parts_in
                    .range((*fund, Day::MIN)..=(*fund, Day::MAX))
                    .map(|(_, v)| v.0)
                    .sum();
                assert_eq!(kinds("reserve_set_aside"), 4, "{fund:?}");
                assert!(p.set_aside * 10 >= revenue, "{fund:?}");
                assert!(p.released > 0);
            }
        }
        // 310's account credits and 410's reserve flows only there.
        for f in &money.flows {
            match f.kind.as_deref() {
                Some("account_credit") => assert_eq!(f.scheme.as_deref(), Some("310")),
                Some("reserve_set_aside" | "reserve_release") => {
                    assert_eq!(f.scheme.as_deref(), Some("410"))
                }
                _ => {}
            }
        }
        // --faults: one fund under-reserves.
        let (_, planted) = world(600, 3, true);
        let low = planted.parts[&crate::generate::faults::UNDER_RESERVED];
        assert!(low.set_aside < money.parts[&crate::generate::faults::UNDER_RESERVED].set_aside);
    }
}
