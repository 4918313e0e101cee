//! Account-flow rules 账户管理 and overpayments (SPEC §6): every fund flow judged against the
//! allow-list of `rules`, daily book balances, month-end revenue-account balances, interest
//! remittance, and benefits paid for months after a recorded death 死亡后冒领.

pub mod rules;

use std::collections::BTreeMap;

// Fast, seedless hashing for the per-row maps (keys are ids and codes, not attacker-chosen).
use rustc_hash::FxHashMap as HashMap;

use crate::config::Pipeline;
use crate::csv::Csv;
use crate::error::Result;
use crate::ingest::cells::{col, Cells};
use crate::ingest::scan::{part, Consumer, Part, Side};
use crate::ingest::Table;
use crate::ledger::Books;
use crate::model::catalog::{benefit, Account, SubFund};
use crate::model::date::{iso, period_of, split_period, year_bounds, Day};
use crate::model::money::yuan;
use crate::model::Fen;
use rules::{allowed, party, Dir, Party};

/// A finding of SPEC §6.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Violation {
    pub region: String,
    pub scheme: String,
    pub rule: &'static str,
    pub date: Day,
    pub source_table: &'static str,
    pub source_id: String,
    pub amount: Fen,
    pub severity: &'static str,
    pub message: String,
}

/// Benefits paid for months after a death: what must be recovered (seed arts. 25, 46).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Overpayment {
    pub region: String,
    pub scheme: String,
    pub person_id: String,
    pub benefit: String,
    pub death_date: Day,
    pub first_period: i32,
    pub last_period: i32,
    pub months: u32,
    pub amount: Fen,
}

pub struct Findings {
    pub violations: Vec<Violation>,
    pub overpayments: Vec<Overpayment>,
}

/// A fund flow as the rules see it.
pub struct FlowRow<'a> {
    pub region: &'a str,
    pub scheme: &'a str,
    pub flow_id: &'a str,
    pub date: Day,
    pub kind: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    pub amount: Fen,
    pub counter_scheme: Option<&'a str>,
}

fn v(f: &FlowRow, rule: &'static str, message: String) -> Violation {
    Violation {
        region: f.region.into(),
        scheme: f.scheme.into(),
        rule,
        date: f.date,
        source_table: "fund_flows",
        source_id: f.flow_id.into(),
        amount: f.amount,
        severity: "error",
        message,
    }
}

/// Judges one flow: `item_not_of_scheme` (a kind that belongs to other schemes), `cross_scheme`,
/// then `bypass_fiscal` (an allocation or payment that does
/// not come from the fiscal account), else each side against the allow-list — a disallowed
/// inflow to the expenditure account is `expense_inflow`, a disallowed outflow from the revenue
/// account `income_outflow`, any other disallowed side `account_use` (a warning: the accounts
/// table of SPEC §1 forbids it, §6 names no rule for it).
///
/// A transfer between the parts of a fund (from = to, `catalog::is_part_transfer`) moves no
/// money between accounts: only `item_not_of_scheme` applies to it.
pub fn judge_flow(f: &FlowRow) -> Vec<Violation> {
    let mut out = Vec::new();
    if let Some(schemes) = crate::model::catalog::flow_kind_schemes(f.kind) {
        if !schemes.contains(&f.scheme) {
            out.push(v(
                f,
                "item_not_of_scheme",
                format!(
                    "`{}` belongs to scheme {} only, booked in {}",
                    f.kind,
                    schemes.join(", "),
                    f.scheme
                ),
            ));
        }
    }
    if crate::model::catalog::is_part_transfer(f.kind) {
        return out;
    }
    if let Some(cs) = f.counter_scheme.filter(|cs| *cs != f.scheme) {
        let outflow = party(f.from) != Party::External && party(f.to) == Party::External;
        if !rules::cross_scheme_allowed(f.scheme, cs, outflow) {
            out.push(v(f, "cross_scheme", format!("{} between schemes {} and {cs}: funds never lend to each other (不得相互挤占和调剂)", f.kind, f.scheme)));
        }
    }
    let bypass =
        (f.kind == "allocation" && f.from != "fiscal") || (f.from == "income" && f.to == "expense");
    if bypass {
        out.push(v(
            f,
            "bypass_fiscal",
            format!(
                "{} {} → {}: payments must pass through the fiscal special account (收支两条线)",
                f.kind, f.from, f.to
            ),
        ));
        return out;
    }
    for (acct, dir, other) in [(f.to, Dir::In, f.from), (f.from, Dir::Out, f.to)] {
        let Some(a) = Account::from_key(acct) else {
            continue;
        };
        if allowed(a, dir, f.kind, party(other)).is_some() {
            continue;
        }
        let (rule, severity) = match (a, dir) {
            (Account::Expense, Dir::In) => ("expense_inflow", "error"),
            (Account::Income, Dir::Out) => ("income_outflow", "error"),
            _ => ("account_use", "warning"),
        };
        let what = if dir == Dir::In {
            "may not receive"
        } else {
            "may not pay out"
        };
        let mut x = v(
            f,
            rule,
            format!(
                "{} account {what} `{}` {} {other}",
                a.key(),
                f.kind,
                if dir == Dir::In { "from" } else { "to" }
            ),
        );
        x.severity = severity;
        out.push(x);
    }
    out
}

/// Interest of the revenue and expenditure accounts must reach the fiscal account by
/// 31 December: remittances are matched to interest credits first in, first out; what is left
/// of a credit is `interest_not_remitted`.
pub fn unremitted_interest(
    flows: &[(String, String, Day, String, String, String, Fen)],
) -> Vec<Violation> {
    // (region, scheme, date, flow_id, kind, account, amount), in date order per fund+account
    let mut by: BTreeMap<(&str, &str, &str), Vec<(Day, &str, &str, Fen)>> = BTreeMap::new();
    for (r, s, d, id, kind, acct, amt) in flows {
        by.entry((r, s, acct))
            .or_default()
            .push((*d, kind, id, *amt));
    }
    let mut out = Vec::new();
    for ((r, s, acct), mut events) in by {
        events.sort();
        let mut open: std::collections::VecDeque<(Day, &str, Fen)> = Default::default();
        for (d, kind, id, amt) in events {
            if kind == "interest" {
                open.push_back((d, id, amt));
            } else {
                let mut left = amt;
                while left > 0 {
                    let Some(front) = open.front_mut() else { break };
                    let take = front.2.min(left);
                    front.2 -= take;
                    left -= take;
                    if front.2 == 0 {
                        open.pop_front();
                    }
                }
            }
        }
        for (d, id, amt) in open {
            out.push(Violation {
                region: r.into(),
                scheme: s.into(),
                rule: "interest_not_remitted",
                date: d,
                source_table: "fund_flows",
                source_id: id.into(),
                amount: amt,
                severity: "error",
                message: format!("interest of the {acct} account not handed to the fiscal account by 31 December"),
            });
        }
    }
    out
}

/// Daily book balances: a run of days below zero is one `negative_balance` (amount = the
/// lowest balance); a month-end balance of the revenue account other than nil is
/// `income_not_cleared` (warning).
pub fn balance_findings(books: &Books) -> Vec<Violation> {
    let (first, _) = year_bounds(books.year);
    let mut out = Vec::new();
    for ((r, s), fb) in &books.funds {
        for a in [
            Account::Income,
            Account::Expense,
            Account::Fiscal,
            Account::Investment,
        ] {
            let opening = fb.opening[a as usize] as i128;
            let (balances, runs) = end_of_day(opening, fb.daily.iter().map(|d| d[a as usize]));
            for (k, low, days) in runs {
                let start = first + k as i32;
                out.push(Violation {
                    region: r.clone(),
                    scheme: s.clone(),
                    rule: "negative_balance",
                    date: start,
                    source_table: "balances",
                    source_id: format!("{}:{}", a.key(), iso(start)),
                    amount: low as Fen,
                    severity: "error",
                    message: format!(
                        "{} account below zero at the end of {days} day(s) from {}",
                        a.key(),
                        iso(start)
                    ),
                });
            }
            if a != Account::Income {
                continue;
            }
            for (k, &bal) in balances.iter().enumerate() {
                let d = first + k as i32;
                let month_end = k + 1 == balances.len()
                    || split_period(period_of(d + 1)).map(|p| p.1)
                        != split_period(period_of(d)).map(|p| p.1);
                if month_end && bal != 0 {
                    out.push(Violation {
                        region: r.clone(),
                        scheme: s.clone(),
                        rule: "income_not_cleared",
                        date: d,
                        source_table: "balances",
                        source_id: format!("income:{}", &iso(d)[..7]),
                        amount: bal as Fen,
                        severity: "warning",
                        message: "revenue account not swept to nil at month end (月末无余额)"
                            .into(),
                    });
                }
            }
        }
    }
    out
}

/// A run of consecutive days ending below zero: (index of its first day, lowest balance,
/// days).
type NegativeRun = (usize, i128, u32);

/// The end-of-day balances of the year from an opening balance and each day's net movement,
/// and the runs of days they end below zero — shared by the accounts (`negative_balance`) and
/// the parts of a fund (`sub_fund_misuse`).
fn end_of_day(opening: i128, moves: impl Iterator<Item = i128>) -> (Vec<i128>, Vec<NegativeRun>) {
    let mut bal = opening;
    let balances: Vec<i128> = moves
        .map(|m| {
            bal += m;
            bal
        })
        .collect();
    let mut runs: Vec<NegativeRun> = Vec::new();
    let mut open = false;
    for (k, &b) in balances.iter().enumerate() {
        match (b < 0, open) {
            (true, true) => {
                let r = runs.last_mut().expect("an open run");
                r.1 = r.1.min(b);
                r.2 += 1;
            }
            (true, false) => runs.push((k, b, 1)),
            (false, _) => {}
        }
        open = b < 0;
    }
    (balances, runs)
}

/// The parts of a fund 分账核算: a run of days on which a part of a fund kept in parts ends
/// below zero is one `sub_fund_misuse` (amount = the lowest balance) — the individual
/// accounts paying more than they hold (财务制度 art. 28), the reserve released beyond its
/// balance (工伤保险条例 art. 17), or the pool living on the other part's money. A fund whose
/// opening split `sub_fund_balances` does not give is not judged: its parts' balances are not
/// known (the manifest lists it).
pub fn part_findings(books: &Books) -> Vec<Violation> {
    let (first, _) = year_bounds(books.year);
    let mut out = Vec::new();
    for (fund, fb) in &books.funds {
        let parts = crate::ledger::statements::parts_of(fund);
        if parts.len() < 2 || !fb.part_opening_given {
            continue;
        }
        for &part in parts {
            let p = part as usize;
            let what = match part {
                SubFund::Account => {
                    "individual accounts 个人账户 paid more than they hold (财务制度 art. 28)"
                }
                SubFund::Reserve => {
                    "reserve 储备金 released beyond its balance (工伤保险条例 art. 17)"
                }
                SubFund::Pooled => {
                    "pooled fund 统筹基金 below zero: it lived on another part's money (分账核算)"
                }
            };
            let (_, runs) = end_of_day(fb.part_opening[p], fb.part_daily.iter().map(|d| d[p]));
            for (k, low, days) in runs {
                let start = first + k as i32;
                out.push(Violation {
                    region: fund.0.clone(),
                    scheme: fund.1.clone(),
                    rule: "sub_fund_misuse",
                    date: start,
                    source_table: "sub_funds",
                    source_id: format!("{}:{}", part.key(), iso(start)),
                    amount: Fen::try_from(low).unwrap_or(Fen::MIN),
                    severity: "error",
                    message: format!(
                        "{what}: below zero at the end of {days} day(s) from {}",
                        iso(start)
                    ),
                });
            }
        }
    }
    out
}

/// 410's reserve against the province's policy, when the pipeline gives it (`[reserve]`):
/// `reserve_outside_policy` (warning) when the year set aside less than `share` × the fund's
/// contribution revenue, or when the reserve ends the year above `cap` × the fund's closing
/// balance. Products are rounded half away from zero to the fen. Judged only where
/// `sub_fund_balances` gives the fund's opening split.
pub fn reserve_findings(books: &Books, policy: &crate::config::ReserveConfig) -> Vec<Violation> {
    use crate::ledger::statements::{fund_statement, part_statements};
    let (_, last) = year_bounds(books.year);
    let mut out = Vec::new();
    let times = |share: rust_decimal::Decimal, v: i128| -> i128 {
        use rust_decimal::prelude::ToPrimitive;
        (share * rust_decimal::Decimal::from_i128_with_scale(v, 0))
            .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
            .to_i128()
            .expect("a share of a fund total fits")
    };
    // Like `sub_fund_misuse`: a fund whose opening split is not given is not judged.
    for (fund, fb) in books
        .funds
        .iter()
        .filter(|(f, fb)| f.1 == "410" && fb.part_opening_given)
    {
        let st = fund_statement(fund, fb);
        let r = SubFund::Reserve as usize;
        let mut warn = |id: &str, amount: i128, message: String| {
            out.push(Violation {
                region: fund.0.clone(),
                scheme: fund.1.clone(),
                rule: "reserve_outside_policy",
                date: last,
                source_table: "sub_funds",
                source_id: format!("reserve:{id}"),
                amount: Fen::try_from(amount).unwrap_or(Fen::MAX),
                severity: "warning",
                message,
            });
        };
        if let Some(share) = policy.share {
            let expected = times(share, st.amount("contribution"));
            let set_aside = fb.part_transfers_in[r];
            if set_aside < expected {
                warn(
                    "share",
                    set_aside,
                    format!(
                        "reserve set aside {} is below {share} of the contribution revenue ({})",
                        yuan(set_aside),
                        yuan(expected)
                    ),
                );
            }
        }
        if let Some(cap) = policy.cap {
            let reserve = part_statements(fund, fb)
                .iter()
                .find(|p| p.part == SubFund::Reserve)
                .map_or(0, |p| p.closing_balance());
            let limit = times(cap, st.closing_balance());
            if reserve > limit {
                warn(
                    "cap",
                    reserve,
                    format!(
                        "reserve {} at year end is above {cap} of the fund balance ({})",
                        yuan(reserve),
                        yuan(limit)
                    ),
                );
            }
        }
    }
    out
}

/// An interest credit or remittance of the revenue or expenditure account:
/// (region, scheme, date, flow id, kind, account, amount).
type InterestMove = (String, String, Day, String, String, String, Fen);

/// A recurring benefit paid for a month after the payee's death:
/// (region, scheme, person, benefit, death date, period, amount, payment id, paid on).
type PaidAfter = (String, String, String, String, Day, i32, Fen, String, Day);

/// The flow rules fed by the shared scan: every fund flow judged, interest moves collected,
/// deaths read before payouts so each payment is checked against them as it passes.
pub struct Checks<'p> {
    p: &'p Pipeline,
    violations: Vec<Violation>,
    interest_moves: Vec<InterestMove>,
    deaths: HashMap<String, Day>,
    after: Vec<PaidAfter>,
    side: Side,
}

impl Consumer for Checks<'_> {
    fn uses(&self, table: Table) -> &'static [&'static str] {
        match table {
            Table::FundFlows => &[
                "flow_id",
                "region",
                "scheme",
                "date",
                "kind",
                "from_account",
                "to_account",
                "amount",
                "counter_scheme",
            ],
            Table::Deaths | Table::Payouts if !self.side.takes(true) => &[],
            Table::Deaths => &["person_id", "death_date"],
            // Without deaths there is nothing to check payments against.
            Table::Payouts if !self.deaths.is_empty() => &[
                "payment_id",
                "region",
                "scheme",
                "person_id",
                "benefit",
                "period",
                "paid_on",
                "amount",
                "returned_on",
            ],
            _ => &[],
        }
    }

    fn map(&self, table: Table, cells: &[Cells], _: usize, _: u64, acc: &[u32]) -> Part {
        match table {
            Table::FundFlows => Box::new(judge_flows(self.p, cells, acc)),
            Table::Deaths => {
                let (id, d) = (
                    col(Table::Deaths, cells, "person_id"),
                    col(Table::Deaths, cells, "death_date"),
                );
                let v: Vec<(String, Day)> = acc
                    .iter()
                    .map(|&i| {
                        (
                            id.s(i as usize).unwrap_or_default().to_string(),
                            d.n(i as usize).unwrap_or_default(),
                        )
                    })
                    .collect();
                Box::new(v)
            }
            _ => Box::new(paid_after_death(self.p, &self.deaths, cells, acc)),
        }
    }

    fn absorb(&mut self, table: Table, p: Part) -> Result<()> {
        match table {
            Table::FundFlows => {
                let (f, i) = *part::<(Vec<Violation>, Vec<InterestMove>)>(p)?;
                self.violations.extend(f);
                self.interest_moves.extend(i);
            }
            Table::Deaths => self.deaths.extend(*part::<Vec<(String, Day)>>(p)?),
            _ => self.after.extend(*part::<Vec<PaidAfter>>(p)?),
        }
        Ok(())
    }
}

/// The flow rules' part of a partial.
#[derive(serde::Serialize, serde::Deserialize)]
struct ChecksState {
    violations: Vec<ViolationState>,
    interest_moves: Vec<InterestMove>,
    deaths: Vec<(String, Day)>,
    after: Vec<PaidAfter>,
}

/// A [`Violation`] as stored, its codes as strings.
#[derive(serde::Serialize, serde::Deserialize)]
struct ViolationState {
    region: String,
    scheme: String,
    rule: String,
    date: Day,
    source_table: String,
    source_id: String,
    amount: Fen,
    severity: String,
    message: String,
}

impl crate::ingest::scan::Fold for Checks<'_> {
    /// The deaths check needs a person's rows together and flows have no person: nothing is
    /// done on [`Side::Rows`], so nothing is taken back.
    fn subtract(&mut self, other: Self) -> Result<()> {
        crate::ensure_invariant!(
            other.violations.is_empty()
                && other.interest_moves.is_empty()
                && other.deaths.is_empty()
                && other.after.is_empty(),
            "flow findings taken back: they are found by person or from flows"
        );
        Ok(())
    }

    fn set_side(&mut self, side: Side) {
        self.side = side;
    }

    /// Findings and moves are sorted before use; deaths and payouts of a person are in the
    /// same partition.
    fn fold(&mut self, other: Self) -> Result<()> {
        self.violations.extend(other.violations);
        self.interest_moves.extend(other.interest_moves);
        self.deaths.extend(other.deaths);
        self.after.extend(other.after);
        Ok(())
    }

    /// Through [`ChecksState`]: findings and moves in their order, deaths sorted, the
    /// payments after a death.
    fn save(&mut self) -> Result<Vec<u8>> {
        let mut deaths: Vec<(String, Day)> = std::mem::take(&mut self.deaths).into_iter().collect();
        deaths.sort_unstable();
        let state = ChecksState {
            violations: std::mem::take(&mut self.violations)
                .into_iter()
                .map(|v| ViolationState {
                    region: v.region,
                    scheme: v.scheme,
                    rule: v.rule.to_string(),
                    date: v.date,
                    source_table: v.source_table.to_string(),
                    source_id: v.source_id,
                    amount: v.amount,
                    severity: v.severity.to_string(),
                    message: v.message,
                })
                .collect(),
            interest_moves: std::mem::take(&mut self.interest_moves),
            deaths,
            after: std::mem::take(&mut self.after),
        };
        crate::ingest::scan::encode(&state)
    }

    fn load(&mut self, bytes: &[u8]) -> Result<()> {
        use crate::ingest::scan::intern;
        let state: ChecksState = crate::ingest::scan::decode(bytes)?;
        self.violations = state
            .violations
            .into_iter()
            .map(|v| Violation {
                region: v.region,
                scheme: v.scheme,
                rule: intern(&v.rule),
                date: v.date,
                source_table: intern(&v.source_table),
                source_id: v.source_id,
                amount: v.amount,
                severity: intern(&v.severity),
                message: v.message,
            })
            .collect();
        self.interest_moves = state.interest_moves;
        self.deaths = state.deaths.into_iter().collect();
        self.after = state.after;
        Ok(())
    }
}

impl<'p> Checks<'p> {
    pub fn new(p: &'p Pipeline) -> Self {
        Checks {
            p,
            violations: Vec::new(),
            interest_moves: Vec::new(),
            deaths: HashMap::default(),
            after: Vec::new(),
            side: Side::Both,
        }
    }

    /// Judges the year: the flows seen, balances, interest, deaths.
    pub fn finish(self, books: &Books) -> Findings {
        let mut violations = self.violations;
        violations.extend(unremitted_interest(&self.interest_moves));
        violations.extend(balance_findings(books));
        violations.extend(part_findings(books));
        violations.extend(reserve_findings(books, &self.p.reserve));
        let overpayments = overpayments(self.after, &mut violations);
        violations.sort();
        Findings {
            violations,
            overpayments,
        }
    }
}

/// The flows of a slice judged against the allow-list; interest moves of the revenue and
/// expenditure accounts kept for the remittance check.
fn judge_flows(p: &Pipeline, cells: &[Cells], acc: &[u32]) -> (Vec<Violation>, Vec<InterestMove>) {
    let c = |n: &str| col(Table::FundFlows, cells, n);
    let (id, reg, sch, date, kind) = (c("flow_id"), c("region"), c("scheme"), c("date"), c("kind"));
    let (from, to, amt, cs) = (
        c("from_account"),
        c("to_account"),
        c("amount"),
        c("counter_scheme"),
    );
    let mut found = Vec::new();
    let mut interest = Vec::new();
    for &i in acc {
        let i = i as usize;
        let f = FlowRow {
            region: reg.s(i).unwrap_or_default(),
            scheme: sch.s(i).unwrap_or_default(),
            flow_id: id.s(i).unwrap_or_default(),
            date: date.n(i).unwrap_or_default(),
            kind: kind.s(i).unwrap_or_default(),
            from: from.s(i).unwrap_or_default(),
            to: to.s(i).unwrap_or_default(),
            amount: amt.m(i).and_then(Result::ok).unwrap_or(0),
            counter_scheme: cs.s(i),
        };
        if !p.selects(f.region, f.scheme) {
            continue;
        }
        found.extend(judge_flow(&f));
        let income_or_expense = |a: &str| matches!(a, "income" | "expense");
        if (f.kind == "interest" && income_or_expense(f.to))
            || (f.kind == "interest_remit" && income_or_expense(f.from))
        {
            let acct = if f.kind == "interest" { f.to } else { f.from };
            interest.push((
                f.region.to_string(),
                f.scheme.to_string(),
                f.date,
                f.flow_id.to_string(),
                f.kind.to_string(),
                acct.to_string(),
                f.amount,
            ));
        }
    }
    (found, interest)
}

/// Recurring benefits of a slice paid for a period after the month of a recorded death, not
/// returned.
fn paid_after_death(
    p: &Pipeline,
    deaths: &HashMap<String, Day>,
    cells: &[Cells],
    acc: &[u32],
) -> Vec<PaidAfter> {
    let c = |n: &str| col(Table::Payouts, cells, n);
    let (id, reg, sch, pid, ben) = (
        c("payment_id"),
        c("region"),
        c("scheme"),
        c("person_id"),
        c("benefit"),
    );
    let (per, paid, amt, ret) = (c("period"), c("paid_on"), c("amount"), c("returned_on"));
    let mut out = Vec::new();
    for &i in acc {
        let i = i as usize;
        let (Some(person), Some(key)) = (pid.s(i), ben.s(i)) else {
            continue;
        };
        let Some(&died) = deaths.get(person) else {
            continue;
        };
        let period = per.n(i).unwrap_or_default();
        let recurring = benefit(key).is_some_and(|b| b.recurring);
        let (r, s) = (reg.s(i).unwrap_or_default(), sch.s(i).unwrap_or_default());
        if recurring && period > period_of(died) && ret.n(i).is_none() && p.selects(r, s) {
            let amount = amt.m(i).and_then(Result::ok).unwrap_or(0);
            out.push((
                r.into(),
                s.into(),
                person.into(),
                key.into(),
                died,
                period,
                amount,
                id.s(i).unwrap_or_default().into(),
                paid.n(i).unwrap_or_default(),
            ));
        }
    }
    out
}

/// A violation per payment after death, and what must be recovered per person and benefit.
fn overpayments(after: Vec<PaidAfter>, violations: &mut Vec<Violation>) -> Vec<Overpayment> {
    let mut over: BTreeMap<(String, String, String, String), Overpayment> = BTreeMap::new();
    for (r, s, person, key, died, period, amount, payment_id, paid) in after {
        violations.push(Violation {
            region: r.clone(),
            scheme: s.clone(),
            rule: "paid_after_death",
            date: paid,
            source_table: "payouts",
            source_id: payment_id,
            amount,
            severity: "error",
            message: format!(
                "{key} for {period} paid after the death on {} (经办条例 arts. 25, 46: recover)",
                iso(died)
            ),
        });
        let o = over
            .entry((r.clone(), s.clone(), person.clone(), key.clone()))
            .or_insert(Overpayment {
                region: r,
                scheme: s,
                person_id: person,
                benefit: key,
                death_date: died,
                first_period: period,
                last_period: period,
                months: 0,
                amount: 0,
            });
        o.first_period = o.first_period.min(period);
        o.last_period = o.last_period.max(period);
        o.months += 1;
        o.amount += amount;
    }
    over.into_values().collect()
}

pub fn violations_csv(v: &[Violation]) -> Vec<u8> {
    let mut csv = Csv::new(&[
        "rule",
        "severity",
        "region",
        "scheme",
        "source_table",
        "source_id",
        "date",
        "amount",
        "message",
    ]);
    for x in v {
        csv.row([
            x.rule,
            x.severity,
            &x.region,
            &x.scheme,
            x.source_table,
            &x.source_id,
            &iso(x.date),
            &yuan(x.amount as i128),
            &x.message,
        ]);
    }
    csv.into_bytes()
}

pub fn overpayments_csv(o: &[Overpayment]) -> Vec<u8> {
    let mut csv = Csv::new(&[
        "region",
        "scheme",
        "person_id",
        "benefit",
        "death_date",
        "first_period",
        "last_period",
        "months",
        "amount",
    ]);
    for x in o {
        csv.row([
            x.region.as_str(),
            &x.scheme,
            &x.person_id,
            &x.benefit,
            &iso(x.death_date),
            &x.first_period.to_string(),
            &x.last_period.to_string(),
            &x.months.to_string(),
            &yuan(x.amount as i128),
        ]);
    }
    csv.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::date::day;

    fn flow<'a>(kind: &'a str, from: &'a str, to: &'a str) -> FlowRow<'a> {
        FlowRow {
            region: "440100",
            scheme: "110",
            flow_id: "F1",
            date: day(2025, 3, 1),
            kind,
            from,
            to,
            amount: 100,
            counter_scheme: None,
        }
    }

    fn rules_of(f: &FlowRow) -> Vec<&'static str> {
        judge_flow(f).iter().map(|v| v.rule).collect()
    }

    #[test]
    fn allowed_flows_pass() {
        for (k, f, t) in [
            ("sweep", "income", "fiscal"),
            ("allocation", "fiscal", "expense"),
            ("interest", "external", "expense"),
            ("interest_remit", "expense", "fiscal"),
            ("returned_prior_year", "external", "expense"),
            ("subsidy_from_upper", "external", "expense"),
            ("remit_to_upper", "income", "external"),
            ("investment_out", "fiscal", "investment"),
            ("fiscal_subsidy", "external", "fiscal"),
        ] {
            assert!(rules_of(&flow(k, f, t)).is_empty(), "{k} {f}->{t}");
        }
        // 集体补助 of 170, collected into the revenue or (tax-collected) the fiscal account.
        for to in ["income", "fiscal"] {
            let mut x = flow("collective_subsidy", "external", to);
            x.scheme = "170";
            assert!(rules_of(&x).is_empty(), "collective subsidy into {to}");
        }
    }

    #[test]
    fn a_collective_subsidy_outside_170_is_not_of_its_scheme() {
        let x = flow("collective_subsidy", "external", "income");
        assert_eq!(rules_of(&x), ["item_not_of_scheme"]);
    }

    #[test]
    fn each_flow_rule_has_a_failing_case() {
        assert_eq!(
            rules_of(&flow("other_income", "external", "expense")),
            ["expense_inflow"]
        );
        assert_eq!(
            rules_of(&flow("transfer_out", "income", "external")),
            ["income_outflow"]
        );
        assert_eq!(
            rules_of(&flow("allocation", "income", "expense")),
            ["bypass_fiscal"]
        );
        assert_eq!(
            rules_of(&flow("allocation", "external", "expense")),
            ["bypass_fiscal"]
        );
        assert_eq!(
            rules_of(&flow("fiscal_subsidy", "external", "income")),
            ["account_use"]
        );
        let mut x = flow("other_expense", "expense", "external");
        x.counter_scheme = Some("410");
        assert_eq!(rules_of(&x), ["cross_scheme"]);
        let mut ok = flow("other_expense", "expense", "external");
        ok.scheme = "210";
        ok.counter_scheme = Some("310");
        assert!(rules_of(&ok).is_empty(), "210 paying 310 is allowed");
    }

    #[test]
    fn runs_below_zero_are_found_with_their_lowest_balance() {
        // 5, 2, −1, −4, −2, 3, −1 (to the end)
        let (b, runs) = end_of_day(5, [0, -3, -3, -3, 2, 5, -4].into_iter());
        assert_eq!(b, [5, 2, -1, -4, -2, 3, -1]);
        assert_eq!(runs, [(2, -4, 3), (6, -1, 1)]);
        assert!(
            end_of_day(0, [0, 0].into_iter()).1.is_empty(),
            "zero is not below zero"
        );
    }

    #[test]
    fn interest_is_matched_first_in_first_out() {
        let d = |m, dd| day(2025, m, dd);
        let row = |date, id: &str, kind: &str, amt| {
            (
                "440100".to_string(),
                "110".to_string(),
                date,
                id.to_string(),
                kind.to_string(),
                "expense".to_string(),
                amt,
            )
        };
        let moves = vec![
            row(d(3, 20), "I1", "interest", 50),
            row(d(3, 25), "R1", "interest_remit", 50),
            row(d(6, 20), "I2", "interest", 70),
            row(d(6, 25), "R2", "interest_remit", 30),
            row(d(12, 20), "I3", "interest", 10),
        ];
        let v = unremitted_interest(&moves);
        let got: Vec<_> = v.iter().map(|x| (x.source_id.as_str(), x.amount)).collect();
        assert_eq!(got, [("I2", 40), ("I3", 10)]);
    }
}
