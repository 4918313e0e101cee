//! The following year 下一年度 of every simulated person, under the same dynamics as the
//! base year: the true totals of `next_year.csv`, against which budget drafts are backtested.

use super::people::{death_probability, Block, Ctx};
use super::rng::Rng;
use super::world::{self, bp, Region};
use crate::model::Fen;

/// A worker's state on 31 December, carried into the following year.
#[derive(Clone, Copy)]
pub(crate) enum Carried {
    /// Drawing `pension` (December amount).
    Retired { pension: Fen },
    /// Paying fees on `base`; `wage` is the hidden wage behind it.
    Working,
    /// Jobless since the year; `ui_left` months of unemployment benefit remain.
    Suspended { ui_left: i32 },
}

/// What `next_worker` needs besides the state.
pub(crate) struct Worker {
    pub male: bool,
    pub scheme: &'static str,
    pub flexible: bool,
    pub enterprise: bool,
    pub wage: Fen,
    pub months: i32,
    /// Months of employee medical insurance (equal to `months` until a retiree pays on).
    pub medical_months: i32,
    /// The December base, for a retiree still paying 310 fees.
    pub base: Fen,
    pub ret_p: i32,
    pub injury_bp: u32,
}

fn add_next(b: &mut Block, region: &'static str, scheme: &'static str, item: &'static str, v: Fen) {
    *b.next.entry(((region, scheme), item)).or_default() += v;
}

/// The person's following year under the same dynamics (backtest truth, `next_year.csv`):
/// wages and the average wage +5 %, pensions in payment +2 % from January, deaths by the
/// world's table, a pension from the statutory month once the months suffice, 210/410/510
/// fees until the statutory month, 310 fees until the local medical minimum is held, jobless
/// spells at the same rate, no re-entry of the jobless and no new entrants.
pub(crate) fn next_worker(
    ctx: &Ctx,
    idx: u64,
    age: i32,
    region: &'static Region,
    w: &Worker,
    state: Carried,
    b: &mut Block,
) {
    let y1 = ctx.year + 1;
    let (mut rng, dm) = next_year_start(ctx, idx, w.male, age);
    let avg1 = region.avg_wage * (10_000 + world::NEXT_WAGE_GROWTH_BP) / 10_000;
    let wage1 = w.wage * (10_000 + world::NEXT_WAGE_GROWTH_BP) / 10_000;
    let base1 = (wage1.clamp(avg1 * 60 / 100, avg1 * 3) / 100) * 100;
    let pension_at = |months: i32| -> Fen {
        let index_avg = (avg1 + wage1.clamp(avg1 * 60 / 100, avg1 * 3)) / 2;
        let basic = index_avg * months as i64 / 12 / 100;
        let account = bp(base1, 800) * months as i64 * 12 / 10 / 139;
        (basic + account) / 10 * 10
    };
    let code = region.code;
    let premium = bp(avg1 * 60 / 100, 800);
    let ui = region.min_wage * 9 / 10;
    let first = y1 * 100 + 1;
    let last = y1 * 100 + 12;
    // First month without 310 fees, for one who holds `months` at January and pays on.
    let medical_stop = |months: i32, from: i32| -> u32 {
        let need = |_| world::MEDICAL_MIN_MONTHS[usize::from(!w.male)];
        world::first_month_holding((months, first), (from, last), need)
            .map(|t| (t % 100) as u32)
            .unwrap_or(13)
    };
    match state {
        Carried::Retired { pension } => {
            let p1 = pension * (10_000 + world::NEXT_PENSION_ADJUSTMENT_BP) / 10_000 / 10 * 10;
            add_next(
                b,
                code,
                w.scheme,
                "benefits.basic_pension",
                p1 * 12u32.min(dm) as i64,
            );
            // A retiree short of the medical minimum pays 310 on his last base until held.
            let stop = medical_stop(w.medical_months, first).min(dm);
            let base = (w.base * (10_000 + world::NEXT_WAGE_GROWTH_BP) / 10_000 / 100) * 100;
            for _ in 1..stop {
                let fee = world::month_fee("310", base, region.maternity_separate);
                add_next(b, code, "310", "contribution", fee);
            }
        }
        Carried::Suspended { ui_left } => {
            for _ in 1..=(ui_left.max(0) as u32).min(12).min(dm) {
                add_next(b, code, "310", "contribution", premium);
                add_next(b, code, "210", "benefits.unemployment_benefit", ui);
            }
            if w.ret_p / 100 == y1
                && w.months >= crate::model::retirement::min_contribution_months(y1)
            {
                let p = pension_at(w.months);
                for _ in (w.ret_p % 100) as u32..=12u32.min(dm) {
                    add_next(b, code, w.scheme, "benefits.basic_pension", p);
                }
            }
        }
        Carried::Working => {
            let min = crate::model::retirement::min_contribution_months;
            let retire = world::first_month_holding((w.months, first), (w.ret_p, last), min);
            let ret_m = retire.map(|r| (r % 100) as u32).unwrap_or(13);
            // Employment-linked schemes end at the statutory month, medical at its minimum.
            let statutory_m = match w.ret_p {
                p if p < first => 1,
                p if p <= last => (p % 100) as u32,
                _ => 13,
            };
            let medical_m = medical_stop(w.months, w.ret_p);
            let jm: u32 = if w.enterprise && retire.is_none() && rng.chance(0.03) {
                rng.range(2, 11) as u32
            } else {
                13
            };
            let stop = dm.min(jm);
            let schemes: &[&'static str] = if w.flexible {
                &["110", "310"]
            } else if region.maternity_separate {
                &["P", "210", "310", "410", "510"]
            } else {
                &["P", "210", "310", "410"]
            };
            for m in 1..stop {
                for &s in schemes {
                    let s = if s == "P" { w.scheme } else { s };
                    let ends = match s {
                        "310" => medical_m,
                        "210" | "410" | "510" => statutory_m,
                        _ => ret_m,
                    };
                    if m >= ends {
                        continue;
                    }
                    let fee = match (w.flexible, s) {
                        (true, "110") => bp(base1, world::FLEXIBLE_110_BP),
                        (true, _) => bp(base1, world::FLEXIBLE_310_BP),
                        (false, "410") => bp(base1, w.injury_bp),
                        (false, s) => world::month_fee(s, base1, region.maternity_separate),
                    };
                    add_next(b, code, s, "contribution", fee);
                }
            }
            let month_fee = world::month_fee(w.scheme, base1, false);
            let stop = stop.min(ret_m);
            if !w.flexible && rng.chance(0.01) && stop > 6 {
                add_next(b, code, w.scheme, "contribution", 3 * month_fee);
            }
            if !w.flexible && stop > 8 && rng.chance(0.003) {
                add_next(b, code, w.scheme, "contribution", -month_fee);
            }
            if jm < 13 && w.months >= 12 {
                let duration = match w.months / 12 {
                    0..=4 => 12,
                    5..=9 => 18,
                    _ => 24,
                };
                for _ in (jm + 1)..=12u32.min(jm + duration).min(dm) {
                    add_next(b, code, "310", "contribution", premium);
                    add_next(b, code, "210", "benefits.unemployment_benefit", ui);
                }
            }
            if retire.is_some() {
                let p = pension_at(w.months + ret_m as i32 - 1);
                for _ in ret_m..=12u32.min(dm) {
                    add_next(b, code, w.scheme, "benefits.basic_pension", p);
                }
            }
        }
    }
}

/// A resident's following year: the medical premium in the autumn, the pension contribution
/// in the spring below age 60, the pension (held flat) from the pension month; `ret_p` is
/// `None` for one who is not in residents' pension (children, students).
pub(crate) fn next_resident(
    ctx: &Ctx,
    idx: u64,
    male: bool,
    age: i32,
    region: &'static Region,
    ret_p: Option<i32>,
    account_part: Option<Fen>,
    b: &mut Block,
) {
    let y1 = ctx.year + 1;
    let (mut rng, dm) = next_year_start(ctx, idx, male, age);
    let code = region.code;
    if (rng.range(9, 12) as u32) < dm {
        add_next(
            b,
            code,
            "390",
            "contribution",
            if world::subsidised(idx) {
                0
            } else {
                world::RESIDENT_MEDICAL_PREMIUM
            },
        );
    }
    // Not a member of 170 (a child, a student): the medical premium only.
    let Some(ret_p) = ret_p else {
        return;
    };
    if ret_p > y1 * 100 + 1 {
        let m = rng.range(3, 6) as u32;
        let grade = world::RESIDENT_PENSION_GRADES[rng.weighted(&[40, 25, 15, 10, 6, 4])];
        if m < dm && y1 * 100 + m as i32 <= ret_p {
            add_next(b, code, "170", "contribution", grade);
        }
    }
    if ret_p <= y1 * 100 + 12 {
        let account = account_part.unwrap_or_else(|| rng.range(2_000, 15_000));
        let basic = world::RESIDENT_BASIC_MIN + region.resident_top_up;
        let first = ret_p.max(y1 * 100 + 1) % 100;
        for _ in first as u32..=12u32.min(dm) {
            add_next(b, code, "170", "benefits.resident_basic_pension", basic);
            add_next(b, code, "170", "benefits.resident_account_pension", account);
        }
    }
}

/// The following year's random stream of a person and its month of death (13: survives).
fn next_year_start(ctx: &Ctx, idx: u64, male: bool, age: i32) -> (Rng, u32) {
    let mut rng = Rng::new(ctx.seed ^ NEXT_STREAM, idx);
    let dm = if rng.chance(death_probability(male, age + 1)) {
        rng.range(1, 12) as u32
    } else {
        13
    };
    (rng, dm)
}

/// Random stream family of the following year (disjoint from the base year's streams).
const NEXT_STREAM: u64 = 0x4E45_5854_5945_4152;
