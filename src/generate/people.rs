//! Insured persons 参保人员: who they are (identity, birth, the world's own mortality), the
//! rows a person writes (fees, payments, person rows) and one person's year, one random stream
//! each. The years themselves: `residents.rs` (390, 170) and `workers.rs` (employees, flexible
//! workers, pensioners).

use std::collections::BTreeMap;

use super::records::{Contribution, Death, Payout, Person};
use super::residents::resident_year;
use super::rng::Rng;
use super::workers::worker_year;
use super::world::{Region, REGIONS};
use crate::model::date::{add_months, day, period_of, split_period, Day};
use crate::model::ids::{make_citizen_id, make_uscc};
use crate::model::retirement::Category;
use crate::model::Fen;

/// Fund key: (region code, scheme code).
pub type FundKey = (&'static str, &'static str);

/// What the money-flow simulation needs from the persons, summed over blocks.
#[derive(Default)]
pub struct Agg {
    /// Bank credits of contributions: (fund, account, day, receipt_ref) → amount.
    pub credits: BTreeMap<(FundKey, &'static str, Day, Option<String>), Fen>,
    /// The unreferenced credits one by one, in person order: (fund, account, day) → amounts
    /// (for the banks that list each payer).
    pub payers: BTreeMap<(FundKey, &'static str, Day), Vec<Fen>>,
    /// Refunds paid out of the receiving account: (fund, account, day, ref) → amount.
    pub refunds: BTreeMap<(FundKey, &'static str, Day, String), Fen>,
    /// Payment batches: (fund, batch_id) → (paid_on, total).
    pub batches: BTreeMap<(FundKey, String), (Day, Fen)>,
    /// Returned payments: (fund, returned_on, payment_id) → amount.
    pub returns: BTreeMap<(FundKey, Day, String), Fen>,
    /// Normal fees per fund: (employer, individual).
    pub fees: BTreeMap<FundKey, (Fen, Fen)>,
    /// Paid benefits per fund, benefit key and month.
    pub benefits: BTreeMap<(FundKey, &'static str, u32), Fen>,
    /// Contributors per fund (for settlements and subsidies).
    pub contributors: BTreeMap<FundKey, u64>,
    /// The funds kept in parts (310, 410), by day of receipt: (contribution revenue, of it the
    /// individual accounts' share — `world::account_share`), refunds negative.
    pub parts_in: BTreeMap<(FundKey, Day), (Fen, Fen)>,
    /// 310's account-funded payments 个人账户待遇支出 by day paid.
    pub account_out: BTreeMap<(FundKey, Day), Fen>,
    /// Retirees paid a pension, per 310 fund and month: the heads whose individual accounts
    /// the pool credits that month (`world::retiree_credit`).
    pub retirees: BTreeMap<(FundKey, u32), u64>,
}

impl Agg {
    pub fn merge(&mut self, o: Agg) {
        fn add<K: Ord>(a: &mut BTreeMap<K, Fen>, b: BTreeMap<K, Fen>) {
            for (k, v) in b {
                *a.entry(k).or_default() += v;
            }
        }
        add(&mut self.credits, o.credits);
        for (k, mut v) in o.payers {
            self.payers.entry(k).or_default().append(&mut v);
        }
        add(&mut self.refunds, o.refunds);
        add(&mut self.returns, o.returns);
        add(&mut self.benefits, o.benefits);
        for (k, (d, v)) in o.batches {
            let e = self.batches.entry(k).or_insert((d, 0));
            debug_assert_eq!(e.0, d, "a batch is paid on one day");
            e.1 += v;
        }
        for (k, (e, i)) in o.fees {
            let f = self.fees.entry(k).or_default();
            f.0 += e;
            f.1 += i;
        }
        for (k, v) in o.contributors {
            *self.contributors.entry(k).or_default() += v;
        }
        for (k, (f, a)) in o.parts_in {
            let e = self.parts_in.entry(k).or_default();
            e.0 += f;
            e.1 += a;
        }
        add(&mut self.account_out, o.account_out);
        for (k, v) in o.retirees {
            *self.retirees.entry(k).or_default() += v;
        }
    }

    /// A retiree paid a pension in month `m`: his 310 account is credited that month.
    pub fn retiree(&mut self, region: &'static str, m: u32) {
        *self.retirees.entry(((region, "310"), m)).or_default() += 1;
    }
}

/// Everything a block of persons produces.
#[derive(Default)]
pub struct Block {
    pub contributions: Vec<Contribution>,
    pub payouts: Vec<Payout>,
    pub persons: Vec<Person>,
    pub deaths: Vec<Death>,
    pub agg: Agg,
    /// Pensioners alive all year with their twelve payments: where `--faults` plants deaths
    /// that the benefit roll did not see.
    pub pensioners: Vec<Pensioner>,
    /// The following year's true totals (fund, item) → fen, for budget backtests.
    pub next: BTreeMap<(FundKey, &'static str), Fen>,
}

/// A pensioner's year of payments (payment_id, period, amount, paid_on).
#[derive(Debug, Clone)]
pub struct Pensioner {
    pub person_id: String,
    pub region: &'static str,
    pub scheme: &'static str,
    pub payments: Vec<(String, i32, Fen, Day)>,
}

/// Who a person is: drawn from a stream of its own so IDs can be made unique in one cheap
/// sequential pass before the parallel simulation.
#[derive(Debug, Clone, Copy)]
pub struct Identity {
    pub region: usize,
    pub male: bool,
    pub birth: Day,
    /// Address code in the citizen ID (place of first registration).
    pub addr: u32,
    pub kind: WorkerKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerKind {
    Enterprise,
    Public,
    Flexible,
    Resident,
}

/// Birth places of migrants (GB/T 2260 county codes).
const MIGRANT_ADDRS: [u32; 6] = [510104, 430102, 360102, 450102, 411302, 420102];

pub fn identity(seed: u64, idx: u64, year: i32) -> Identity {
    let mut rng = Rng::new(seed, idx * 2);
    let region = rng.weighted(&REGIONS.map(|r| r.share));
    let male = rng.chance(0.5);
    let kind = match rng.weighted(&[470, 70, 90, 370]) {
        0 => WorkerKind::Enterprise,
        1 => WorkerKind::Public,
        2 => WorkerKind::Flexible,
        _ => WorkerKind::Resident,
    };
    // Age at 31 December in months; fewer people at old ages. Residents' medical insurance
    // covers children from birth: about a third of the residents here are under 18.
    let age_m = if kind == WorkerKind::Resident && rng.chance(0.33) {
        rng.range(0, 18 * 12 - 1) as i32
    } else {
        loop {
            let a = rng.range(18 * 12, 96 * 12 - 1) as i32;
            let years = a / 12;
            if years < 62 || rng.chance((-(years - 62) as f64 / 11.0).exp()) {
                break a;
            }
        }
    };
    let bp_ = add_months(year * 100 + 12, -age_m);
    let (by, bm) = split_period(bp_).expect("valid period");
    let birth = day(by, bm, rng.range(1, 28) as u32);
    let addr = if rng.chance(0.7) {
        REGIONS[region].county
    } else {
        MIGRANT_ADDRS[rng.below(MIGRANT_ADDRS.len() as u64) as usize]
    };
    Identity {
        region,
        male,
        birth,
        addr,
        kind,
    }
}

/// One-year death probability of the generated world, by sex: a Gompertz–Makeham curve of
/// its own — not the budget's built-in table (`model::mortality`), so that a backtest on
/// generated data measures the budget's table against a world it does not know. Shape: a
/// constant accident term, a childhood term and an ageing term; men die at 1.5–1.7 times
/// women's rate at 60–80 (life expectancy at birth 76.5 and 81.9 years).
pub fn death_probability(male: bool, age: i32) -> f64 {
    let x = age.clamp(0, 110) as f64;
    if x >= 110.0 {
        return 1.0;
    }
    let (accident, child, a, b) = if male {
        (0.0003, 0.0050, 0.00075, 0.088)
    } else {
        (0.00012, 0.0042, 0.00038, 0.094)
    };
    (accident + child * (-1.8 * x).exp() + a * (b * (x - 30.0)).exp()).min(0.4)
}

pub struct Ctx {
    pub seed: u64,
    pub year: i32,
    pub persons: u64,
}

fn account_of(r: &Region) -> &'static str {
    if r.tax_collected {
        "fiscal"
    } else {
        "income"
    }
}

/// Employer serial and credit code of a person's employer (about 25 employees each).
pub(super) fn employer(ctx: &Ctx, region: usize, rng: &mut Rng) -> (u64, String) {
    let n = (ctx.persons * REGIONS[region].share as u64 / 1000 / 25).max(5);
    let serial = rng.below(n);
    (
        serial,
        make_uscc(REGIONS[region].county, region as u64 * 10_000_000 + serial),
    )
}

pub(super) struct Line<'a> {
    pub(super) scheme: &'static str,
    pub(super) payer: &'static str,
    pub(super) employer_id: Option<&'a str>,
    pub(super) period: i32,
    pub(super) received_on: Day,
    pub(super) receipt_ref: Option<String>,
    pub(super) base: Option<Fen>,
    pub(super) employer_amount: Fen,
    pub(super) individual_amount: Fen,
    pub(super) late_fee: Fen,
    pub(super) kind: &'static str,
}

/// Appends lines and payouts for one person, keeping the per-person id counters.
pub(super) struct PersonOut<'b> {
    pub(super) idx: u64,
    pub(super) pid: String,
    pub(super) region: &'static Region,
    pub(super) b: &'b mut Block,
    pub(super) nc: u32,
    pub(super) np: u32,
}

impl PersonOut<'_> {
    pub(super) fn fee(&mut self, l: Line) {
        let acct = account_of(self.region);
        let fund = (self.region.code, l.scheme);
        let total = l.employer_amount + l.individual_amount + l.late_fee;
        if matches!(l.scheme, "310" | "410") {
            let share = if l.scheme == "310" {
                super::world::account_share(l.payer, l.base, l.individual_amount)
            } else {
                0
            };
            let sign = if l.kind == "refund" { -1 } else { 1 };
            let e = self
                .b
                .agg
                .parts_in
                .entry((fund, l.received_on))
                .or_default();
            e.0 += sign * (l.employer_amount + l.individual_amount);
            e.1 += sign * share;
        }
        let txn_id = format!("C{:09}{:03}", self.idx, self.nc);
        self.nc += 1;
        match l.kind {
            "refund" => {
                let r = l
                    .receipt_ref
                    .clone()
                    .expect("refunds carry their own reference");
                *self
                    .b
                    .agg
                    .refunds
                    .entry((fund, acct, l.received_on, r))
                    .or_default() += total;
            }
            // A fully subsidised premium moves no money: no bank credit.
            _ if total == 0 => {}
            _ => {
                *self
                    .b
                    .agg
                    .credits
                    .entry((fund, acct, l.received_on, l.receipt_ref.clone()))
                    .or_default() += total;
                if l.receipt_ref.is_none() {
                    let day = (fund, acct, l.received_on);
                    self.b.agg.payers.entry(day).or_default().push(total);
                }
                if l.kind == "normal" {
                    let f = self.b.agg.fees.entry(fund).or_default();
                    f.0 += l.employer_amount;
                    f.1 += l.individual_amount;
                }
            }
        }
        self.b.contributions.push(Contribution {
            txn_id: Some(txn_id),
            region: Some(self.region.code.into()),
            scheme: Some(l.scheme.into()),
            person_id: Some(self.pid.clone()),
            employer_id: l.employer_id.map(str::to_string),
            payer_kind: Some(l.payer.into()),
            period: Some(l.period),
            received_on: Some(l.received_on),
            account: Some(acct.into()),
            receipt_ref: l.receipt_ref,
            base: l.base,
            employer_amount: Some(l.employer_amount),
            individual_amount: Some(l.individual_amount),
            late_fee: Some(l.late_fee),
            kind: Some(l.kind.into()),
        });
    }

    /// A benefit payment in a batch of (fund, month, benefit, bank).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn pay(
        &mut self,
        scheme: &'static str,
        benefit: &'static str,
        period: i32,
        paid_on: Day,
        amount: Fen,
        payee: &'static str,
        returned: Option<Day>,
    ) -> String {
        let fund = (self.region.code, scheme);
        let bank = self.idx % 3;
        let batch = format!(
            "B{}-{}-{}-{}-{}",
            self.region.code,
            scheme,
            period_of(paid_on),
            benefit,
            bank
        );
        let payment_id = format!("P{:09}{:03}", self.idx, self.np);
        self.np += 1;
        let e = self
            .b
            .agg
            .batches
            .entry((fund, batch.clone()))
            .or_insert((paid_on, 0));
        e.1 += amount;
        let month = split_period(period_of(paid_on)).expect("valid").1;
        match returned {
            Some(r) => {
                *self
                    .b
                    .agg
                    .returns
                    .entry((fund, r, payment_id.clone()))
                    .or_default() += amount;
            }
            None => {
                *self
                    .b
                    .agg
                    .benefits
                    .entry((fund, benefit, month))
                    .or_default() += amount
            }
        }
        self.b.payouts.push(Payout {
            payment_id: Some(payment_id.clone()),
            region: Some(self.region.code.into()),
            scheme: Some(scheme.into()),
            person_id: Some(self.pid.clone()),
            payee_kind: Some(payee.into()),
            benefit: Some(benefit.into()),
            period: Some(period),
            paid_on: Some(paid_on),
            amount: Some(amount),
            batch_id: Some(batch),
            returned_on: returned,
        });
        payment_id
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn person_row(
        &mut self,
        id: &Identity,
        cat: Category,
        scheme: &'static str,
        status: &str,
        enrolled: Day,
        months: i32,
        base: Option<Fen>,
        start: Option<i32>,
        benefit: Option<Fen>,
    ) {
        if status == "contributing" {
            *self
                .b
                .agg
                .contributors
                .entry((self.region.code, scheme))
                .or_default() += 1;
        }
        self.b.persons.push(Person {
            person_id: Some(self.pid.clone()),
            region: Some(self.region.code.into()),
            scheme: Some(scheme.into()),
            sex: Some(if id.male { "M" } else { "F" }.into()),
            birth_date: Some(id.birth),
            category: Some(cat.key().into()),
            status: Some(status.into()),
            enrolled_on: Some(enrolled),
            contribution_months: Some(months),
            monthly_base: base,
            benefit_start: start,
            monthly_benefit: benefit,
        });
    }
}

pub(super) fn month_day(year: i32, m: u32, d: u32) -> Day {
    day(year, m, d.min(28))
}

/// Simulates one person's year.
pub fn simulate(ctx: &Ctx, idx: u64, id: &Identity, seq: u32, b: &mut Block) {
    let y = ctx.year;
    let mut rng = Rng::new(ctx.seed, idx * 2 + 1);
    let region = &REGIONS[id.region];
    let bd = crate::model::date::to_naive(id.birth);
    use chrono::Datelike;
    let pid = make_citizen_id(id.addr, bd.year(), bd.month(), bd.day(), seq);
    let birth_p = period_of(id.birth);
    let age = (y * 12 + 12 - (bd.year() * 12 + bd.month() as i32)) / 12;
    let death: Option<Day> = rng
        .chance(death_probability(id.male, age))
        .then(|| month_day(y, rng.range(1, 12) as u32, rng.range(1, 28) as u32));
    let death_m = death
        .map(|d| split_period(period_of(d)).expect("valid").1)
        .unwrap_or(13);
    if let Some(d) = death {
        let source = ["police", "civil_affairs", "health", "court"][rng.weighted(&[60, 25, 14, 1])];
        b.deaths.push(Death {
            person_id: Some(pid.clone()),
            death_date: Some(d),
            source: Some(source.into()),
        });
    }
    let cat = match (id.kind, id.male) {
        (WorkerKind::Resident, _) => Category::Resident,
        (_, true) => Category::Male,
        (WorkerKind::Public, false) => Category::FemaleStaff,
        (_, false) if rng.chance(0.3) => Category::FemaleStaff,
        _ => Category::FemaleWorker,
    };
    let mut out = PersonOut {
        idx,
        pid,
        region,
        b,
        nc: 0,
        np: 0,
    };
    if id.kind == WorkerKind::Resident {
        resident_year(ctx, id, cat, birth_p, death, death_m, &mut rng, &mut out);
    } else {
        worker_year(
            ctx, id, cat, birth_p, age, death, death_m, &mut rng, &mut out,
        );
    }
}
