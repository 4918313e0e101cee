//! Insured persons and their year: contributions, benefits, retirements under the 2025
//! reform, unemployment spells, injuries, births and deaths. One person = one random stream.

use std::collections::BTreeMap;

use super::next_year::{next_resident, next_worker, Carried, Worker};
use super::records::{Contribution, Death, Payout, Person};
use super::rng::Rng;
use super::world::{self, bp, Region, REGIONS};
use crate::model::date::{add_months, day, period_of, split_period, Day};
use crate::model::ids::{make_citizen_id, make_uscc};
use crate::model::retirement::{retirement_period, Category};
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
fn employer(ctx: &Ctx, region: usize, rng: &mut Rng) -> (u64, String) {
    let n = (ctx.persons * REGIONS[region].share as u64 / 1000 / 25).max(5);
    let serial = rng.below(n);
    (
        serial,
        make_uscc(REGIONS[region].county, region as u64 * 10_000_000 + serial),
    )
}

struct Line<'a> {
    scheme: &'static str,
    payer: &'static str,
    employer_id: Option<&'a str>,
    period: i32,
    received_on: Day,
    receipt_ref: Option<String>,
    base: Option<Fen>,
    employer_amount: Fen,
    individual_amount: Fen,
    late_fee: Fen,
    kind: &'static str,
}

/// Appends lines and payouts for one person, keeping the per-person id counters.
struct PersonOut<'b> {
    idx: u64,
    pid: String,
    region: &'static Region,
    b: &'b mut Block,
    nc: u32,
    np: u32,
}

impl PersonOut<'_> {
    fn fee(&mut self, l: Line) {
        let acct = account_of(self.region);
        let fund = (self.region.code, l.scheme);
        let total = l.employer_amount + l.individual_amount + l.late_fee;
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
    fn pay(
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
    fn person_row(
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

fn month_day(year: i32, m: u32, d: u32) -> Day {
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

#[allow(clippy::too_many_arguments)]
fn resident_year(
    ctx: &Ctx,
    id: &Identity,
    cat: Category,
    birth_p: i32,
    death: Option<Day>,
    death_m: u32,
    rng: &mut Rng,
    o: &mut PersonOut,
) {
    let y = ctx.year;
    let by = crate::model::date::year_of(id.birth);
    let age = crate::model::date::months_between(birth_p, y * 100 + 12) / 12;
    // Children are enrolled from birth (within about 75 days); adults as before.
    let enrolled = if age < 16 {
        id.birth + 75
    } else {
        month_day(
            (by + 16).max(2012 + rng.range(0, 8) as i32).min(y),
            rng.range(1, 12) as u32,
            1,
        )
    };
    if enrolled > day(y, 12, 31) {
        return; // born late in the year: not yet enrolled
    }
    // Students 16–22 are not in residents' pension; the very poor 特困 pay no premium.
    let student = (16..=22).contains(&age) && rng.chance(0.6);
    let premium = if world::subsidised(o.idx) {
        0
    } else {
        world::RESIDENT_MEDICAL_PREMIUM
    };
    let ret_p = retirement_period(cat, birth_p).max(201107);
    let alive_dec = death.is_none();
    let status_of = |receiving: bool| {
        if !alive_dec {
            "deceased"
        } else if receiving {
            "receiving"
        } else {
            "contributing"
        }
    };
    let resident_fee = |scheme: &'static str, period: i32, d: Day, amount: Fen| Line {
        scheme,
        payer: "resident",
        employer_id: None,
        period,
        received_on: d,
        receipt_ref: None,
        base: None,
        employer_amount: 0,
        individual_amount: amount,
        late_fee: 0,
        kind: "normal",
    };
    // A newborn enrolled this year pays this year's premium on enrolment.
    let newborn = crate::model::date::year_of(enrolled) == y && age == 0;
    let enrol_m = split_period(period_of(enrolled)).expect("valid").1;
    if newborn && enrol_m < death_m {
        o.fee(resident_fee(
            "390",
            y * 100 + enrol_m as i32,
            enrolled,
            premium,
        ));
    }
    // 390: everyone pays the yearly premium for next year in the autumn (collected Sep–Dec).
    let recv_m = rng.range(9, 12) as u32;
    let paid_ahead = recv_m < death_m && (!newborn || recv_m > enrol_m);
    if paid_ahead {
        let d = month_day(y, recv_m, rng.range(1, 28) as u32);
        o.fee(resident_fee("390", (y + 1) * 100 + 1, d, premium));
    }
    // Months of the years paid: every year since enrolment, and next year if paid ahead.
    let months_390 = 12 * (y - crate::model::date::year_of(enrolled) + 1 + i32::from(paid_ahead));
    o.person_row(
        id,
        cat,
        "390",
        status_of(false),
        enrolled,
        months_390,
        None,
        None,
        None,
    );
    if age < 16 || student {
        if alive_dec {
            next_resident(ctx, o.idx, id.male, age, o.region, None, None, o.b);
        }
        return;
    }
    let years_in = (y - crate::model::date::year_of(enrolled)).max(0);
    // 170: contribute until 60, then the monthly pension.
    let basic = world::RESIDENT_BASIC_MIN + o.region.resident_top_up;
    let account_part = rng.range(2_000, 15_000);
    let receiving = ret_p <= y * 100 + 12;
    if ret_p > y * 100 + 1 {
        let m = rng.range(3, 6) as u32;
        if m < death_m && y * 100 + m as i32 <= ret_p {
            let grade = world::RESIDENT_PENSION_GRADES[rng.weighted(&[40, 25, 15, 10, 6, 4])];
            let d = month_day(y, m, rng.range(1, 28) as u32);
            o.fee(Line {
                scheme: "170",
                payer: "resident",
                employer_id: None,
                period: y * 100 + m as i32,
                received_on: d,
                receipt_ref: None,
                base: None,
                employer_amount: 0,
                individual_amount: grade,
                late_fee: 0,
                kind: "normal",
            });
        }
    }
    if receiving {
        let first = ret_p.max(y * 100 + 1);
        let mut p = first;
        while p <= y * 100 + 12 {
            let m = (p % 100) as u32;
            if m > death_m {
                break;
            }
            let paid = month_day(y, m, 10);
            let ret = rng
                .chance(0.0002)
                .then(|| paid + rng.range(3, 9) as i32)
                .filter(|d| *d <= day(y, 12, 31));
            o.pay(
                "170",
                "resident_basic_pension",
                p,
                paid,
                basic,
                "person",
                ret,
            );
            o.pay(
                "170",
                "resident_account_pension",
                p,
                paid,
                account_part,
                "person",
                None,
            );
            p = add_months(p, 1);
        }
        if death_m < 12 {
            let m = death_m + 1;
            o.pay(
                "170",
                "funeral_grant",
                y * 100 + death_m as i32,
                month_day(y, m, 18),
                100_000,
                "person",
                None,
            );
        }
    }
    if alive_dec {
        let part = receiving.then_some(account_part);
        next_resident(ctx, o.idx, id.male, age, o.region, Some(ret_p), part, o.b);
    }
    let months = years_in * 12;
    let (start, ben) = if receiving {
        (Some(ret_p), Some(basic + account_part))
    } else {
        (None, None)
    };
    o.person_row(
        id,
        cat,
        "170",
        status_of(receiving),
        enrolled,
        months.min(((y - 2009) * 12).max(0)),
        None,
        start,
        ben,
    );
}

/// A worker's standing at the start of the year: wage and base, enrolment, contribution
/// months, and whether the statutory retirement month has passed or falls in the year.
struct Worklife {
    y: i32,
    pension_scheme: &'static str,
    flexible: bool,
    wage: Fen,
    base: Fen,
    enrolled: Day,
    ret_p: i32,
    /// Contribution months before the year (frozen at retirement for retirees).
    cm0: i32,
    retired_before: bool,
    retiring: bool,
    /// Month of retirement in the year, 13 if none.
    ret_m: u32,
    /// First month past the statutory age in the year (1 if passed before, 13 if not
    /// reached): 210, 410 and 510 cover employment, which ends there.
    statutory_m: u32,
    /// First month without 310 fees: from the statutory month, once the local medical
    /// minimum is held (a new retiree short of it pays on); 13 if none in the year.
    medical_m: u32,
}

impl Worklife {
    fn draw(
        ctx: &Ctx,
        id: &Identity,
        cat: Category,
        birth_p: i32,
        age: i32,
        avg: Fen,
        rng: &mut Rng,
    ) -> Worklife {
        let y = ctx.year;
        let pension_scheme = if id.kind == WorkerKind::Public {
            "120"
        } else {
            "110"
        };
        // Wage as an integer ‰ of the average (lognormal shape), base clamped to 60 %–300 %.
        let factor = ((0.42 * rng.normal() - 0.08).exp() * 1000.0).round() as i64;
        let wage = avg * factor / 1000;
        let base = (wage.clamp(avg * 60 / 100, avg * 3) / 100) * 100;
        let start_age = 20 + rng.range(0, 6) as i32;
        let by = crate::model::date::year_of(id.birth);
        let enrolled = month_day(by + start_age, rng.range(1, 12) as u32, 1).min(day(y, 12, 1));
        let possible = ((y - 1 - (by + start_age)) * 12).max(0);
        let share = if id.kind == WorkerKind::Public {
            1000
        } else {
            rng.range(700, 1000) as i32
        };
        let ret_p = retirement_period(cat, birth_p);
        let months_to_ret = crate::model::date::months_between(y * 100 + 1, ret_p).max(0);
        // Months at retirement are frozen for retirees; the long-retired met the old 15-year rule.
        let mut cm0 = possible * share / 1000;
        if ret_p <= (y - 1) * 100 + 12 {
            cm0 = (crate::model::date::months_between(add_months(birth_p, start_age * 12), ret_p)
                * share
                / 1000)
                .max(0);
            if age >= 66 {
                cm0 = cm0.max(180);
            }
        }
        let retired_before = ret_p <= (y - 1) * 100 + 12 && cm0 >= 180;
        let retiring = !retired_before && ret_p <= y * 100 + 12 && cm0 + months_to_ret >= 180;
        Worklife {
            y,
            pension_scheme,
            flexible: id.kind == WorkerKind::Flexible,
            wage,
            base,
            enrolled,
            ret_p,
            cm0,
            retired_before,
            retiring,
            ret_m: if retiring { (ret_p % 100) as u32 } else { 13 },
            statutory_m: match ret_p {
                p if p <= y * 100 => 1,
                p if p <= y * 100 + 12 => (p % 100) as u32,
                _ => 13,
            },
            medical_m: world::first_month_holding(
                (cm0, y * 100 + 1),
                (ret_p, y * 100 + 12),
                |_| world::MEDICAL_MIN_MONTHS[usize::from(!id.male)],
            )
            .map(|t| (t % 100) as u32)
            .unwrap_or(13),
        }
    }

    /// Pension in payment (December value, after the 1 January adjustment).
    fn pension_at(&self, avg: Fen, years_paid: i32, months: i32) -> Fen {
        let index_avg = (avg + self.wage.clamp(avg * 60 / 100, avg * 3)) / 2;
        let basic = index_avg * months as i64 / 12 / 100;
        let account = bp(self.base, 800) * months as i64 * 12 / 10 / 139;
        let grown = basic + account;
        grown * (100 + 2 * years_paid.min(20) as i64) / 100 / 10 * 10
    }

    /// Unemployment benefit months 领取期限 by contribution years.
    fn ui_duration(&self) -> u32 {
        match self.cm0 / 12 {
            0..=4 => 12,
            5..=9 => 18,
            _ => 24,
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn worker_year(
    ctx: &Ctx,
    id: &Identity,
    cat: Category,
    birth_p: i32,
    age: i32,
    death: Option<Day>,
    death_m: u32,
    rng: &mut Rng,
    o: &mut PersonOut,
) {
    let w = Worklife::draw(ctx, id, cat, birth_p, age, o.region.avg_wage, rng);
    if w.retired_before {
        retired_year(ctx, id, cat, &w, age, death, death_m, rng, o);
    } else {
        working_year(ctx, id, cat, &w, age, death, death_m, rng, o);
    }
}

/// A pensioner's year: twelve monthly pensions (a few returned), survivors' benefits after a
/// death, the person rows.
#[allow(clippy::too_many_arguments)]
fn retired_year(
    ctx: &Ctx,
    id: &Identity,
    cat: Category,
    w: &Worklife,
    age: i32,
    death: Option<Day>,
    death_m: u32,
    rng: &mut Rng,
    o: &mut PersonOut,
) {
    let (y, region, alive) = (w.y, o.region, death.is_none());
    let years_paid = (y * 100 + 12 - w.ret_p) / 100;
    let monthly = w.pension_at(region.avg_wage, years_paid, w.cm0);
    let bank_day = 5;
    let mut paid_all = Vec::new();
    for m in 1..=12u32.min(death_m) {
        let paid = month_day(y, m, bank_day);
        let ret = rng
            .chance(0.0002)
            .then(|| paid + rng.range(3, 9) as i32)
            .filter(|d| *d <= day(y, 12, 31));
        let id = o.pay(
            w.pension_scheme,
            "basic_pension",
            y * 100 + m as i32,
            paid,
            monthly,
            "person",
            ret,
        );
        if ret.is_none() {
            paid_all.push((id, y * 100 + m as i32, monthly, paid));
        }
    }
    if alive && paid_all.len() == 12 && o.b.pensioners.len() < 2 {
        let p = Pensioner {
            person_id: o.pid.clone(),
            region: region.code,
            scheme: w.pension_scheme,
            payments: paid_all,
        };
        o.b.pensioners.push(p);
    }
    survivor(y, region, death_m, w.cm0, years_paid, w.pension_scheme, o);
    if alive {
        // The long-retired hold the medical minimum (paid up at retirement, in the world).
        let next = Worker {
            male: id.male,
            medical_months: w.cm0.max(world::MEDICAL_MIN_MONTHS[usize::from(!id.male)]),
            base: 0,
            scheme: w.pension_scheme,
            flexible: w.flexible,
            enterprise: false,
            wage: w.wage,
            months: w.cm0,
            ret_p: w.ret_p,
            injury_bp: 0,
        };
        let carried = Carried::Retired { pension: monthly };
        next_worker(ctx, o.idx, age, region, &next, carried, o.b);
    }
    let st = if alive { "receiving" } else { "deceased" };
    let (scheme, enrolled, cm0) = (w.pension_scheme, w.enrolled, w.cm0);
    o.person_row(
        id,
        cat,
        scheme,
        st,
        enrolled,
        cm0,
        None,
        Some(w.ret_p),
        Some(monthly),
    );
    o.person_row(id, cat, "310", st, enrolled, cm0, None, None, None);
}

/// The year's job: employer, an unemployment spell, an injury.
struct Job {
    employer_serial: u64,
    employer_id: String,
    enterprise: bool,
    /// Month the job was lost, 13 if not.
    jobless_m: u32,
    injured: bool,
    /// First month without fees (death, retirement or job loss), 13 if none.
    stop_m: u32,
    /// First month without 310 fees (death, job loss, the medical minimum held), 13 if none.
    medical_stop_m: u32,
    injury_bp: u32,
}

impl Job {
    fn draw(ctx: &Ctx, id: &Identity, w: &Worklife, death_m: u32, rng: &mut Rng) -> Job {
        let (employer_serial, employer_id) = employer(ctx, id.region, rng);
        let enterprise = id.kind == WorkerKind::Enterprise;
        let jobless_m: u32 = if enterprise && !w.retiring && rng.chance(0.03) {
            rng.range(2, 11) as u32
        } else {
            13
        };
        let injured = enterprise && jobless_m == 13 && rng.chance(0.002);
        Job {
            injury_bp: world::INJURY_RATES[(employer_serial % 8) as usize],
            employer_serial,
            employer_id,
            enterprise,
            jobless_m,
            injured,
            stop_m: death_m.min(w.ret_m).min(jobless_m),
            medical_stop_m: death_m.min(w.medical_m).min(jobless_m),
        }
    }
}

/// The receipt reference of an employer's fees of a scheme on a day.
fn acct_ref(region: &Region, scheme: &str, d: Day) -> Option<String> {
    let prefix = if region.tax_collected { 'T' } else { 'C' };
    Some(format!(
        "{prefix}{}{}{}",
        region.code,
        scheme,
        crate::model::date::iso(d).replace('-', "")
    ))
}

/// A working person's year: fees, back pay and refunds, benefits while working or out of
/// work, a first pension, the person rows and next year's carry-over.
#[allow(clippy::too_many_arguments)]
fn working_year(
    ctx: &Ctx,
    id: &Identity,
    cat: Category,
    w: &Worklife,
    age: i32,
    death: Option<Day>,
    death_m: u32,
    rng: &mut Rng,
    o: &mut PersonOut,
) {
    let job = Job::draw(ctx, id, w, death_m, rng);
    let (months_paid, medical_paid) = monthly_fees(w, &job, rng, o);
    arrears_and_refund(w, &job, rng, o);
    let receiving_ui = unemployment(w, &job, death_m, o);
    benefits_at_work(id, w, &job, age, death_m, rng, o);
    // New retiree: first pension in the statutory month.
    let months_total = w.cm0 + months_paid;
    let monthly = w.retiring.then(|| {
        let p = w.pension_at(o.region.avg_wage, 0, months_total);
        for m in w.ret_m..=12u32.min(death_m) {
            let paid = month_day(w.y, m, 5);
            let period = w.y * 100 + m as i32;
            o.pay(
                w.pension_scheme,
                "basic_pension",
                period,
                paid,
                p,
                "person",
                None,
            );
        }
        p
    });
    survivor(w.y, o.region, death_m, months_total, 0, w.pension_scheme, o);
    let alive = death.is_none();
    let year_end = YearEnd {
        alive,
        months_total,
        medical_months: w.cm0 + medical_paid,
        medical_in_december: job.medical_stop_m == 13,
        monthly,
        receiving_ui,
    };
    if alive {
        carry_worker(ctx, id, w, &job, age, &year_end, o);
    }
    worker_rows(id, cat, w, &job, &year_end, o);
}

/// The monthly fees of the year: the pension scheme until `stop_m`, 210/410/510 until the
/// statutory month, 310 until the medical minimum is held (after a retirement in the year, as
/// the retiree's own fee); returns the pension months paid and the 310 months paid.
fn monthly_fees(w: &Worklife, job: &Job, rng: &mut Rng, o: &mut PersonOut) -> (i32, i32) {
    let (y, region, base) = (w.y, o.region, w.base);
    let receive_day = 8 + (job.employer_serial % 12) as u32;
    let (mut months_paid, mut medical_paid) = (0, 0);
    for m in 1..job.stop_m.max(job.medical_stop_m).min(13) {
        let period = y * 100 + m as i32;
        let pension = m < job.stop_m;
        let medical = m < job.medical_stop_m;
        months_paid += i32::from(pension);
        medical_paid += i32::from(medical);
        if w.flexible {
            let d = month_day(y, m, rng.range(3, 27) as u32);
            for (scheme, rate, due) in [
                ("110", world::FLEXIBLE_110_BP, pension),
                ("310", world::FLEXIBLE_310_BP, medical),
            ] {
                if due {
                    o.fee(flexible_fee(scheme, period, d, base, bp(base, rate)));
                }
            }
            continue;
        }
        let d = month_day(y, m, receive_day);
        if !pension {
            // Retired in the year, short of the medical minimum: pays 310 on his own.
            if medical {
                let fee = world::month_fee("310", base, region.maternity_separate);
                o.fee(flexible_fee("310", period, d, base, fee));
            }
            continue;
        }
        let mut schemes: Vec<&'static str> = vec![w.pension_scheme];
        if m < w.statutory_m {
            schemes.push("210");
        }
        if medical {
            schemes.push("310");
        }
        if m < w.statutory_m {
            schemes.push("410");
            if region.maternity_separate {
                schemes.push("510");
            }
        }
        for s in schemes {
            let (e, i) = if s == "410" {
                (bp(base, job.injury_bp), 0)
            } else {
                let r = world::rates(s, region.maternity_separate);
                (bp(base, r.employer), bp(base, r.individual))
            };
            o.fee(Line {
                scheme: s,
                payer: "employee",
                employer_id: Some(&job.employer_id),
                period,
                received_on: d,
                receipt_ref: acct_ref(region, s, d),
                base: Some(base),
                employer_amount: e,
                individual_amount: i,
                late_fee: 0,
                kind: "normal",
            });
        }
    }
    (months_paid, medical_paid)
}

/// A fee a person pays on his own (no employer): flexible workers, retirees paying 310 on.
fn flexible_fee(
    scheme: &'static str,
    period: i32,
    d: Day,
    base: Fen,
    amount: Fen,
) -> Line<'static> {
    Line {
        scheme,
        payer: "flexible",
        employer_id: None,
        period,
        received_on: d,
        receipt_ref: None,
        base: Some(base),
        employer_amount: 0,
        individual_amount: amount,
        late_fee: 0,
        kind: "normal",
    }
}

/// Back pay of last year's arrears with the 0.05 %/day late fee 滞纳金 (1 %), and a refund of
/// an overpaid month by the original channel.
fn arrears_and_refund(w: &Worklife, job: &Job, rng: &mut Rng, o: &mut PersonOut) {
    let (y, region, base, scheme) = (w.y, o.region, w.base, w.pension_scheme);
    let r = world::rates(scheme, false);
    let (e, i) = (bp(base, r.employer), bp(base, r.individual));
    if !w.flexible && rng.chance(0.01) && job.stop_m > 6 {
        let recv = month_day(y, rng.range(3, 6) as u32, rng.range(1, 28) as u32);
        for pm in 10..=12 {
            let due = month_day(y - 1, pm as u32, 15);
            let days_late = (recv - due).max(0) as u32;
            o.fee(Line {
                scheme,
                payer: "employee",
                employer_id: Some(&job.employer_id),
                period: (y - 1) * 100 + pm,
                received_on: recv,
                receipt_ref: acct_ref(region, scheme, recv),
                base: Some(base),
                employer_amount: e,
                individual_amount: i,
                late_fee: bp(e + i, 5 * days_late),
                kind: "back_pay",
            });
        }
    }
    if !w.flexible && job.stop_m > 8 && rng.chance(0.003) {
        o.fee(Line {
            scheme,
            payer: "employee",
            employer_id: Some(&job.employer_id),
            period: y * 100 + 6,
            received_on: month_day(y, 7, 25),
            receipt_ref: Some(format!("RF{:09}", o.idx)),
            base: Some(base),
            employer_amount: e,
            individual_amount: i,
            late_fee: 0,
            kind: "refund",
        });
    }
}

/// Unemployment: benefit at 90 % of the minimum wage, medical premium paid to 310. Returns
/// whether the person still receives it in December.
fn unemployment(w: &Worklife, job: &Job, death_m: u32, o: &mut PersonOut) -> bool {
    let mut receiving_ui = false;
    if job.jobless_m == 13 || w.cm0 < 12 {
        return false;
    }
    let (y, region) = (w.y, o.region);
    let ui = region.min_wage * 9 / 10;
    let premium = bp(region.avg_wage * 60 / 100, 800);
    let last = 12u32.min(job.jobless_m + w.ui_duration()).min(death_m);
    for m in (job.jobless_m + 1)..=last {
        let period = y * 100 + m as i32;
        let paid = month_day(y, m, 15);
        o.pay(
            "210",
            "unemployment_benefit",
            period,
            paid,
            ui,
            "person",
            None,
        );
        o.pay(
            "210",
            "medical_premium",
            period,
            paid,
            premium,
            "fund",
            None,
        );
        o.fee(Line {
            scheme: "310",
            payer: "fund",
            employer_id: None,
            period,
            received_on: paid,
            receipt_ref: Some(format!("P{}210{}", region.code, period)),
            base: None,
            employer_amount: premium,
            individual_amount: 0,
            late_fee: 0,
            kind: "normal",
        });
        receiving_ui = m == 12;
    }
    receiving_ui
}

/// Benefits while at work: a work-injury allowance 伤残津贴 (80 % of the wage), a maternity
/// allowance 生育津贴 (98 days of the base), a skill-upgrade subsidy 技能提升补贴.
fn benefits_at_work(
    id: &Identity,
    w: &Worklife,
    job: &Job,
    age: i32,
    death_m: u32,
    rng: &mut Rng,
    o: &mut PersonOut,
) {
    let (y, region) = (w.y, o.region);
    if job.injured {
        for m in 1..=12u32.min(death_m) {
            let allowance = w.wage * 8 / 10 / 100 * 100;
            let (period, paid) = (y * 100 + m as i32, month_day(y, m, 12));
            o.pay(
                "410",
                "disability_benefit",
                period,
                paid,
                allowance,
                "person",
                None,
            );
        }
    }
    if !id.male && !w.flexible && (22..=40).contains(&age) && rng.chance(0.02) {
        let m = rng.range(1, 11) as u32;
        if m + 1 < death_m {
            let s = if region.maternity_separate {
                "510"
            } else {
                "310"
            };
            let (period, paid) = (y * 100 + m as i32, month_day(y, m + 1, 20));
            o.pay(
                s,
                "maternity_allowance",
                period,
                paid,
                w.base * 98 / 30,
                "person",
                None,
            );
        }
    }
    if job.enterprise && rng.chance(0.003) {
        let m = rng.range(2, 12) as u32;
        if m < death_m {
            let (period, paid) = (y * 100 + m as i32, month_day(y, m, 25));
            o.pay(
                "210",
                "skill_upgrade",
                period,
                paid,
                150_000,
                "person",
                None,
            );
        }
    }
}

/// What the person rows of a worker need from the year.
struct YearEnd {
    alive: bool,
    months_total: i32,
    /// 310 months held at the year's end, and whether 310 fees were still due in December.
    medical_months: i32,
    medical_in_december: bool,
    monthly: Option<Fen>,
    receiving_ui: bool,
}

/// A living worker carried into the following year (`next_year.csv`).
fn carry_worker(
    ctx: &Ctx,
    id: &Identity,
    w: &Worklife,
    job: &Job,
    age: i32,
    e: &YearEnd,
    o: &mut PersonOut,
) {
    let (months_total, monthly) = (e.months_total, e.monthly);
    let next = Worker {
        male: id.male,
        medical_months: e.medical_months,
        base: w.base,
        scheme: w.pension_scheme,
        flexible: w.flexible,
        enterprise: job.enterprise,
        wage: w.wage,
        months: months_total,
        ret_p: w.ret_p,
        injury_bp: job.injury_bp,
    };
    let state = match (w.retiring, monthly) {
        (true, Some(pension)) => Carried::Retired { pension },
        _ if job.stop_m == 13 => Carried::Working,
        _ => {
            let ui_left = if job.jobless_m < 13 && w.cm0 >= 12 {
                job.jobless_m as i32 + w.ui_duration() as i32 - 12
            } else {
                0
            };
            Carried::Suspended { ui_left }
        }
    };
    next_worker(ctx, o.idx, age, o.region, &next, state, o.b);
}

/// A worker's rows in `persons` on 31 December: the pension scheme, 310, and for employees
/// 210, 410 (and 510 where maternity is separate).
fn worker_rows(
    id: &Identity,
    cat: Category,
    w: &Worklife,
    job: &Job,
    e: &YearEnd,
    o: &mut PersonOut,
) {
    let (enrolled, months) = (w.enrolled, e.months_total);
    if w.retiring && e.alive {
        let (scheme, ret) = (w.pension_scheme, Some(w.ret_p));
        o.person_row(
            id,
            cat,
            scheme,
            "receiving",
            enrolled,
            months,
            None,
            ret,
            e.monthly,
        );
        // Short of the medical minimum, the retiree still pays 310 in December.
        let (st, base) = match e.medical_in_december {
            true => ("contributing", Some(w.base)),
            false => ("receiving", None),
        };
        let m = e.medical_months;
        o.person_row(id, cat, "310", st, enrolled, m, base, None, None);
        return;
    }
    let status = |contributing: bool| match (e.alive, contributing) {
        (false, _) => "deceased",
        (true, true) => "contributing",
        (true, false) => "suspended",
    };
    let working_dec = job.stop_m == 13;
    let dec_base = working_dec.then_some(w.base);
    let row = |o: &mut PersonOut, scheme: &'static str, st: &'static str, base: Option<Fen>| {
        o.person_row(id, cat, scheme, st, enrolled, months, base, None, None)
    };
    // About one worker in a hundred moved here this year from another region of the dataset:
    // the old region keeps a `transferred_out` row of the same scheme (转移接续).
    if e.alive && working_dec && o.idx % 97 == 13 {
        let here = o.region;
        o.region = &REGIONS[(id.region + 1) % REGIONS.len()];
        for scheme in [w.pension_scheme, "310"] {
            o.person_row(
                id,
                cat,
                scheme,
                "transferred_out",
                enrolled,
                months - 6,
                None,
                None,
                None,
            );
        }
        o.region = here;
    }
    row(o, w.pension_scheme, status(working_dec), dec_base);
    // 210 pays the recipient's 310 premium on 60 % of the average wage.
    let med_base = if e.receiving_ui {
        Some(o.region.avg_wage * 60 / 100)
    } else {
        dec_base
    };
    row(o, "310", status(working_dec || e.receiving_ui), med_base);
    // Past the statutory age, a person is no longer insured against unemployment, injury or
    // for maternity: those schemes cover employment, which ended there.
    if w.flexible || w.statutory_m < 13 {
        return;
    }
    let ui_status = if !e.alive {
        "deceased"
    } else if e.receiving_ui {
        "receiving"
    } else {
        status(working_dec)
    };
    row(o, "210", ui_status, dec_base);
    let inj_status = if job.injured && e.alive {
        "receiving"
    } else {
        status(working_dec)
    };
    row(o, "410", inj_status, dec_base);
    if o.region.maternity_separate {
        row(o, "510", status(working_dec), dec_base);
    }
}

/// Funeral grant and survivors' lump sum 丧葬补助金和抚恤金 (人社部发〔2021〕18号, DOMAIN.md §10.7).
fn survivor(
    y: i32,
    region: &Region,
    death_m: u32,
    months: i32,
    years_paid: i32,
    scheme: &'static str,
    o: &mut PersonOut,
) {
    if death_m >= 12 {
        return; // died in December or alive: paid next year, if at all
    }
    let extra = (9 + (months / 12 - 15).max(0)).min(24);
    let lump = (extra - years_paid).max(9);
    let amount = region.disposable_monthly * (2 + lump as i64);
    o.pay(
        scheme,
        "funeral_survivor",
        y * 100 + death_m as i32,
        month_day(y, death_m + 1, 20),
        amount,
        "person",
        None,
    );
}
