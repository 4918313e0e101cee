//! Population projection 参保人员推算: every insured person of `persons`, month by month
//! through the projection years — ageing, deaths by the life table, suspensions, retirement at
//! the statutory month of the 2025 reform once the minimum contribution months are met.
//!
//! What comes out are *exposures* per fund and year: sums of (amount or head) × probability,
//! exact integers at a probability scale of 10⁻¹². They do not depend on wage growth, the
//! pension adjustment or rates: the draft multiplies them by those once per fund, so every
//! scenario shares one pass over the persons.
//!
//! Two projectors compute the same numbers: [`slow`], one person and one month at a time
//! through an explicit state machine, and [`fast`], closed-form retirement months, month
//! ranges and a parallel (rayon) reduction. A test holds them equal to the last unit.
//!
//! Model decisions (per month m of projection year j, deaths spread evenly over the year):
//! - a benefit is paid for a month the person starts alive: P = S(j−1) · (1 − q·(m−1)/12);
//! - a fee is paid for a month the person ends alive and still working:
//!   P = SW(j−1) · (1 − q·m/12) · (1 − s·m/12), s the fund's yearly suspension rate;
//! - survival carries from year to year rounded to 10⁻¹² (half up): S(j) = S(j−1)·(1 − q).
//! - when fees stop, by scheme (the month F, from the statutory retirement month — or January
//!   of the first year, if that has passed):
//!   - pensions (110, 120): the first month at which contribution months (+1 per month
//!     worked) reach the pension minimum of that month's year; a pension starts then;
//!     suspended persons retire at the statutory month only if their frozen months suffice;
//!   - employee medical (310): the first month at which the months reach the local minimum
//!     years of medical insurance (by sex, a pipeline key): a retiree short of them pays on;
//!   - unemployment, work injury, maternity (210, 410, 510): the statutory month itself —
//!     these cover employment, which ends at the statutory age, whatever the months;
//!   - residents' pension (170): the pension age; residents' medical (390) never.

use rayon::prelude::*;

use super::mortality::{Table, PPM};
use crate::model::date::{add_months, months_between};
use crate::model::retirement::min_contribution_months;

/// Probability scale: 10¹².
pub const P1: i128 = 1_000_000_000_000;

/// What a person is at the end of the base year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum State {
    /// Paying fees (`contributing`, with a base for wage-based schemes).
    Contributing,
    /// Enrolled, not paying (`suspended`), or a member who pays nothing (310 retirees…).
    Suspended,
    /// Drawing a recurring pension.
    Receiving,
}

/// How a scheme's members are projected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// 110, 120: fees on the base until retirement, then a pension.
    EmployeePension,
    /// 210, 410, 510: fees on the base until the statutory retirement month.
    EmployeeInsurance,
    /// 310: fees on the base until the local minimum years of medical insurance are met,
    /// from the statutory retirement month on.
    EmployeeMedical,
    /// 170: a yearly premium until the pension age, then a pension.
    ResidentPension,
    /// 390: a yearly premium, collected in the autumn.
    ResidentMedical,
}

impl Class {
    pub fn of(scheme: &str) -> Class {
        match scheme {
            "110" | "120" => Class::EmployeePension,
            "170" => Class::ResidentPension,
            "390" => Class::ResidentMedical,
            "310" => Class::EmployeeMedical,
            _ => Class::EmployeeInsurance,
        }
    }
}

/// One person in one fund, compact (persons are counted in millions).
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct Member {
    pub fund: u32,
    pub male: bool,
    pub state: State,
    /// Birth month yyyymm.
    pub birth: i32,
    /// Statutory retirement month yyyymm.
    pub retire: i32,
    /// Cumulative contribution months at the end of the base year.
    pub months: i32,
    /// December base (contributing) or December monthly benefit (receiving), fen.
    pub amount: i64,
}

/// Exposure measures per fund and year (the pension-by-retirement-year block follows them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Σ base × P(fee): fen·10⁻¹².
    FeeBase = 0,
    /// Σ P(fee): contributor-months.
    FeeMonths,
    /// Σ P(flat premium paid) (170, 390): payers.
    PremiumPayers,
    /// Σ December benefit × P(paid) of those receiving at the base year's end.
    PensionInPayment,
    /// Σ P(paid) over all pensioners, old and new: recipient-months.
    PensionMonths,
    /// Σ P(alive at the retirement month) of new retirees: heads.
    NewRetirees,
    /// Σ S(j−1)·q: expected deaths.
    Deaths,
    /// Σ S(j): members alive at the year's end.
    AliveEnd,
}

pub const MEASURES: usize = 8;

/// Shape of the exposure array: funds × years × (measures + years of retirement).
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub funds: usize,
    pub years: usize,
}

impl Shape {
    fn width(self) -> usize {
        MEASURES + self.years
    }
    pub fn len(self) -> usize {
        self.funds * self.years * self.width()
    }
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }
    /// Index of a measure for a fund and year (0-based).
    pub fn at(self, fund: usize, year: usize, m: Measure) -> usize {
        (fund * self.years + year) * self.width() + m as usize
    }
    /// Index of "pension of those retiring in year `k`, paid in year `year`": Σ weight × P,
    /// weight = contribution months at retirement (110/120) or 1 (170).
    pub fn new_pension(self, fund: usize, year: usize, k: usize) -> usize {
        (fund * self.years + year) * self.width() + MEASURES + k
    }
}

/// Everything the projectors need besides the persons.
pub struct Setup<'a> {
    /// The base year; projection years are base+1 ..= base+years.
    pub base_year: i32,
    pub years: usize,
    pub table: &'a Table,
    /// Class and yearly suspension rate (ppm) per fund index.
    pub funds: Vec<(Class, i64)>,
    /// Employee medical insurance: the local minimum months after which a retiree pays no
    /// more fees, `[men, women]`.
    pub medical_min_months: [i32; 2],
}

impl Setup<'_> {
    /// The months a member of a class must have for fees to stop in year `y` (0: none).
    fn months_needed(&self, class: Class, male: bool, y: i32) -> i32 {
        match class {
            Class::EmployeePension => min_contribution_months(y),
            Class::EmployeeMedical => self.medical_min_months[usize::from(!male)],
            _ => 0,
        }
    }
}

fn div_round(n: i128, d: i128) -> i128 {
    (n + d / 2) / d
}

/// P(a benefit is paid for month m) given survival `s` to the year's start.
pub fn paid(s: i128, q: i64, m: i32) -> i128 {
    div_round(
        s * (12 * PPM - q * (m as i64 - 1)) as i128,
        12 * PPM as i128,
    )
}

/// P(a fee is paid for month m) given survival-and-working `sw` to the year's start.
pub fn fee(sw: i128, q: i64, susp: i64, m: i32) -> i128 {
    let a = (12 * PPM - q * m as i64) as i128;
    let b = (12 * PPM - susp * m as i64) as i128;
    div_round(sw * a * b, 144 * (PPM as i128) * (PPM as i128))
}

/// Survival to the next year's start.
pub fn survive(s: i128, q: i64) -> i128 {
    div_round(s * (PPM - q) as i128, PPM as i128)
}

/// Survival and still working to the next year's start.
pub fn survive_working(sw: i128, q: i64, susp: i64) -> i128 {
    div_round(
        sw * (PPM - q) as i128 * (PPM - susp) as i128,
        (PPM as i128) * (PPM as i128),
    )
}

/// qx (ppm) of a member in projection year `y` (age reached on 31 December); past the
/// table's end, certain death.
pub fn q_of(table: &Table, m: &Member, y: i32) -> i64 {
    let age = months_between(m.birth, y * 100 + 12) / 12;
    table.qx(m.male, age).unwrap_or(PPM)
}

/// First month (yyyymm) from `from` at which contribution months — `months` at `first`, +1
/// for every month worked from `first` — reach `needed(year)`, the minimum of that month's
/// year; searched year by year; `None` after `last`.
pub fn retirement_month(
    months: i32,
    first: i32,
    from: i32,
    last: i32,
    needed: impl Fn(i32) -> i32,
) -> Option<i32> {
    let mut y = from / 100;
    while y * 100 + 1 <= last {
        let need = needed(y) - months;
        let t = add_months(first, need.max(0)).max(from).max(y * 100 + 1);
        if t / 100 == y && t <= last {
            return Some(t);
        }
        y += 1;
    }
    None
}

/// Projects one member into `out` (indexed by `shape`).
fn project_one(setup: &Setup, shape: Shape, m: &Member, out: &mut [i128]) {
    let f = m.fund as usize;
    let (class, susp) = setup.funds[f];
    let first = (setup.base_year + 1) * 100 + 1;
    let last = (setup.base_year + setup.years as i32) * 100 + 12;
    let from = m.retire.max(first);
    // Retirement month and the contribution months then (the pension's weight).
    let retire: Option<(i32, i64)> = match (class, m.state) {
        (Class::ResidentMedical, _) => None,
        (Class::ResidentPension, State::Contributing | State::Suspended) => {
            (from <= last).then_some((from, 1))
        }
        // 210/410/510 need no months: their fees stop at the statutory month itself.
        (_, State::Contributing) => retirement_month(m.months, first, from, last, |y| {
            setup.months_needed(class, m.male, y)
        })
        .map(|r| (r, (m.months + months_between(first, r)) as i64)),
        (Class::EmployeePension, State::Suspended) => (from <= last
            && m.months >= setup.months_needed(class, m.male, from / 100))
        .then_some((from, m.months as i64)),
        _ => None,
    };
    let pays_fees = m.state == State::Contributing;
    let (mut s, mut sw) = (P1, if pays_fees { P1 } else { 0 });
    for j in 0..setup.years {
        let y = setup.base_year + 1 + j as i32;
        let q = q_of(setup.table, m, y);
        let at = |me: Measure| shape.at(f, j, me);
        // Months 1..=12 split at the retirement month, if it falls in this year.
        let (work_end, pension_from, k) = match retire {
            Some((r, _)) if r / 100 == y => ((r % 100) - 1, r % 100, Some(j)),
            Some((r, _)) if r / 100 < y => (0, 1, None),
            _ => (12, 13, None),
        };
        if pays_fees {
            match class {
                Class::EmployeePension | Class::EmployeeInsurance | Class::EmployeeMedical => {
                    let mut months = 0;
                    for mo in 1..=work_end {
                        months += fee(sw, q, susp, mo);
                    }
                    out[at(Measure::FeeBase)] += months * m.amount as i128;
                    out[at(Measure::FeeMonths)] += months;
                }
                Class::ResidentPension => {
                    // The yearly premium is paid in the spring while below pension age.
                    if work_end >= 6 {
                        out[at(Measure::PremiumPayers)] += paid(s, q, 6);
                    }
                }
                Class::ResidentMedical => out[at(Measure::PremiumPayers)] += paid(s, q, 10),
            }
        }
        let pensioned = matches!(class, Class::EmployeePension | Class::ResidentPension);
        if pensioned && m.state == State::Receiving {
            let mut months = 0;
            for mo in 1..=12 {
                months += paid(s, q, mo);
            }
            out[at(Measure::PensionInPayment)] += months * m.amount as i128;
            out[at(Measure::PensionMonths)] += months;
        } else if let (true, Some((r, weight))) = (pensioned, retire) {
            if pension_from <= 12 {
                let mut months = 0;
                for mo in pension_from..=12 {
                    months += paid(s, q, mo);
                }
                let ry = (r / 100 - setup.base_year - 1) as usize;
                out[shape.new_pension(f, j, ry)] += months * weight as i128;
                out[at(Measure::PensionMonths)] += months;
                if k.is_some() {
                    out[at(Measure::NewRetirees)] += paid(s, q, pension_from);
                }
            }
        }
        out[at(Measure::Deaths)] += div_round(s * q as i128, PPM as i128);
        // Fees stop for good at retirement.
        sw = if work_end == 12 {
            survive_working(sw, q, susp)
        } else {
            0
        };
        s = survive(s, q);
        out[at(Measure::AliveEnd)] += s;
    }
}

/// The fast projector: members in parallel chunks, exposures summed per chunk then added.
/// Integer sums: the result does not depend on the chunking or the thread count.
pub fn fast(setup: &Setup, members: &[Member]) -> Vec<i128> {
    let shape = Shape {
        funds: setup.funds.len(),
        years: setup.years,
    };
    members
        .par_chunks(16_384)
        .map(|chunk| {
            let mut out = vec![0i128; shape.len()];
            for m in chunk {
                project_one(setup, shape, m, &mut out);
            }
            out
        })
        .reduce(
            || vec![0i128; shape.len()],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(b) {
                    *x += y;
                }
                a
            },
        )
}

/// The slow projector: one person, one month at a time, the states spelled out; sums kept in
/// a map. Obviously right rather than quick; the tests hold [`fast`] to it.
pub fn slow(setup: &Setup, members: &[Member]) -> Vec<i128> {
    use std::collections::BTreeMap;
    #[derive(PartialEq)]
    enum Now {
        Working,
        Idle,
        Pensioner,
    }
    let shape = Shape {
        funds: setup.funds.len(),
        years: setup.years,
    };
    let mut sums: BTreeMap<usize, i128> = BTreeMap::new();
    for m in members {
        let f = m.fund as usize;
        let (class, susp) = setup.funds[f];
        let pensioned = matches!(class, Class::EmployeePension | Class::ResidentPension);
        let mut now = match m.state {
            State::Contributing => Now::Working,
            State::Suspended => Now::Idle,
            State::Receiving if pensioned => Now::Pensioner,
            State::Receiving => Now::Idle,
        };
        let old_pensioner = now == Now::Pensioner;
        let mut months = m.months;
        let mut weight = 0i64;
        let mut retired_in = 0usize;
        let (mut s, mut sw) = (P1, if now == Now::Working { P1 } else { 0 });
        for j in 0..setup.years {
            let y = setup.base_year + 1 + j as i32;
            let q = q_of(setup.table, m, y);
            let mut worked_all_year = now == Now::Working;
            for mo in 1..=12 {
                let t = y * 100 + mo;
                // Does the person retire this month?
                let of_age = t >= m.retire;
                let enough = months >= setup.months_needed(class, m.male, y);
                let retires = match now {
                    _ if class == Class::ResidentMedical => false,
                    Now::Working => of_age && enough,
                    // Frozen months: only at the statutory month or the first projected one.
                    Now::Idle => {
                        m.state == State::Suspended
                            && pensioned
                            && t == m.retire.max((setup.base_year + 1) * 100 + 1)
                            && enough
                    }
                    Now::Pensioner => false,
                };
                if retires {
                    worked_all_year = false;
                    if pensioned {
                        now = Now::Pensioner;
                        weight = if class == Class::ResidentPension {
                            1
                        } else {
                            months as i64
                        };
                        retired_in = j;
                        *sums
                            .entry(shape.at(f, j, Measure::NewRetirees))
                            .or_default() += paid(s, q, mo);
                    } else {
                        now = Now::Idle;
                    }
                }
                match now {
                    Now::Working => {
                        months += 1;
                        match class {
                            Class::ResidentPension if mo == 6 => {
                                *sums
                                    .entry(shape.at(f, j, Measure::PremiumPayers))
                                    .or_default() += paid(s, q, 6)
                            }
                            Class::ResidentMedical if mo == 10 => {
                                *sums
                                    .entry(shape.at(f, j, Measure::PremiumPayers))
                                    .or_default() += paid(s, q, 10)
                            }
                            Class::EmployeePension
                            | Class::EmployeeInsurance
                            | Class::EmployeeMedical => {
                                let p = fee(sw, q, susp, mo);
                                *sums.entry(shape.at(f, j, Measure::FeeBase)).or_default() +=
                                    p * m.amount as i128;
                                *sums.entry(shape.at(f, j, Measure::FeeMonths)).or_default() += p;
                            }
                            _ => {}
                        }
                    }
                    Now::Pensioner => {
                        let p = paid(s, q, mo);
                        let key = if old_pensioner {
                            *sums
                                .entry(shape.at(f, j, Measure::PensionInPayment))
                                .or_default() += p * m.amount as i128;
                            None
                        } else {
                            Some(shape.new_pension(f, j, retired_in))
                        };
                        if let Some(k) = key {
                            *sums.entry(k).or_default() += p * weight as i128;
                        }
                        *sums
                            .entry(shape.at(f, j, Measure::PensionMonths))
                            .or_default() += p;
                    }
                    Now::Idle => {}
                }
            }
            *sums.entry(shape.at(f, j, Measure::Deaths)).or_default() +=
                div_round(s * q as i128, PPM as i128);
            sw = if worked_all_year {
                survive_working(sw, q, susp)
            } else {
                0
            };
            s = survive(s, q);
            *sums.entry(shape.at(f, j, Measure::AliveEnd)).or_default() += s;
        }
    }
    let mut out = vec![0i128; shape.len()];
    for (k, v) in sums {
        out[k] = v;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(table: &Table, years: usize) -> Setup<'_> {
        Setup {
            base_year: 2025,
            years,
            table,
            funds: vec![
                (Class::EmployeePension, 20_000),
                (Class::ResidentPension, 0),
                (Class::ResidentMedical, 0),
                (Class::EmployeeInsurance, 30_000),
                (Class::EmployeeMedical, 0),
            ],
            medical_min_months: [300, 240],
        }
    }

    fn member(fund: u32, state: State, birth: i32, retire: i32, months: i32) -> Member {
        Member {
            fund,
            male: true,
            state,
            birth,
            retire,
            months,
            amount: 500_000,
        }
    }

    #[test]
    fn retirement_waits_for_the_minimum_months() {
        // Enough months at the statutory month.
        assert_eq!(
            retirement_month(300, 202601, 202605, 203012, min_contribution_months),
            Some(202605)
        );
        // 170 months at January 2026, of age in May: 180 reached in November.
        assert_eq!(
            retirement_month(170, 202601, 202605, 203012, min_contribution_months),
            Some(202611)
        );
        // Past the statutory month, 178 months: two months from January.
        assert_eq!(
            retirement_month(178, 202601, 202601, 203012, min_contribution_months),
            Some(202603)
        );
        // Chasing the rising minimum: 180 in 2030-01 is short of 2030's 186 → 2030-07.
        assert_eq!(
            retirement_month(132, 202601, 202601, 203512, min_contribution_months),
            Some(203007)
        );
        assert_eq!(
            retirement_month(10, 202601, 202601, 202712, min_contribution_months),
            None
        );
    }

    /// Fee months in the first projected year of one contributor, with no deaths.
    fn fee_months(fund: u32, male: bool, retire: i32, months: i32) -> i128 {
        let t = Table::parse("age,sex,qx\n0,M,0\n0,F,0\n", "zero").unwrap();
        let mut s = setup(&t, 1);
        s.funds[fund as usize].1 = 0;
        let mut m = member(fund, State::Contributing, 202601, retire, months);
        m.male = male;
        let out = fast(&s, &[m]);
        assert_eq!(out, slow(&s, &[m]));
        out[Shape { funds: 5, years: 1 }.at(fund as usize, 0, Measure::FeeMonths)] / P1
    }

    #[test]
    fn fees_stop_by_scheme() {
        // 210/410/510 (fund 3): at the statutory month, whatever the months — even 10.
        assert_eq!(fee_months(3, true, 202605, 10), 4);
        assert_eq!(fee_months(3, true, 202501, 10), 0, "past the statutory age");
        // 310 (fund 4): a man with 290 months at January, of age in May, pays until 300.
        assert_eq!(fee_months(4, true, 202605, 290), 10);
        // a woman needs 240: she has them, so fees stop at the statutory month.
        assert_eq!(fee_months(4, false, 202605, 290), 4);
        // a woman with 236 months past the statutory age pays four more months.
        assert_eq!(fee_months(4, false, 202501, 236), 4);
        // the pension (fund 0) waits for 180 months: 176 in January, of age in March → May.
        assert_eq!(fee_months(0, true, 202603, 176), 4);
        // no minimum for 210 even when the pension's is not met.
        assert_eq!(fee_months(3, true, 202603, 176), 2);
    }

    #[test]
    fn a_pensioner_with_no_deaths_is_paid_twelve_months() {
        let t = Table::parse("age,sex,qx\n0,M,0\n0,F,0\n", "zero").unwrap();
        // Age 0 only: everyone older is past the table → certain death. Use age-0 members.
        let s = setup(&t, 1);
        let m = member(0, State::Receiving, 202601, 208601, 0);
        let out = fast(&s, &[m]);
        let shape = Shape { funds: 5, years: 1 };
        assert_eq!(
            out[shape.at(0, 0, Measure::PensionInPayment)],
            12 * P1 * 500_000
        );
        assert_eq!(out[shape.at(0, 0, Measure::Deaths)], 0);
    }

    #[test]
    fn a_contributor_retiring_in_june_pays_five_fees_and_draws_seven_pensions() {
        let t = Table::parse("age,sex,qx\n0,M,0\n0,F,0\n", "zero").unwrap();
        let mut s = setup(&t, 1);
        s.funds[0].1 = 0;
        let m = member(0, State::Contributing, 202601, 202606, 400);
        let out = fast(&s, &[m]);
        let shape = Shape { funds: 5, years: 1 };
        assert_eq!(out[shape.at(0, 0, Measure::FeeMonths)], 5 * P1);
        assert_eq!(out[shape.at(0, 0, Measure::PensionMonths)], 7 * P1);
        assert_eq!(out[shape.new_pension(0, 0, 0)], 7 * P1 * 405);
        assert_eq!(out[shape.at(0, 0, Measure::NewRetirees)], P1);
        assert_eq!(out, slow(&s, &[m]));
    }

    #[test]
    fn fast_and_slow_agree_on_a_mixed_population() {
        let t = Table::builtin();
        let s = setup(&t, 6);
        let mut members = Vec::new();
        let mut x: u64 = 7;
        for i in 0..4000u32 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let birth = add_months(193001, ((x >> 33) % (75 * 12)) as i32);
            let state = [State::Contributing, State::Suspended, State::Receiving][(x % 3) as usize];
            let retire = add_months(birth, 60 * 12 + ((x >> 20) % 37) as i32);
            let mut m = member(i % 5, state, birth, retire, ((x >> 40) % 420) as i32);
            m.male = x & 8 == 0;
            m.amount = ((x >> 12) % 2_000_000) as i64;
            members.push(m);
        }
        let f = fast(&s, &members);
        assert!(f.iter().any(|v| *v != 0));
        assert_eq!(f, slow(&s, &members));
    }
}
