//! A worker's year 职工: fees by scheme until each scheme's stop (the pension at its minimum
//! months, 210/410/510 at the statutory age, 310 at the medical minimum), back pay and refunds,
//! unemployment spells, injuries, maternity, retirement and first pensions, survivors' benefits,
//! the person rows and the carry-over into next year.

use super::next_year::{next_worker, Carried, Worker};
use super::people::{employer, month_day, Ctx, Identity, Line, Pensioner, PersonOut, WorkerKind};
use super::rng::Rng;
use super::world::{self, bp, Region, REGIONS};
use crate::model::date::{add_months, day, Day};
use crate::model::retirement::{retirement_period, Category};
use crate::model::Fen;

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
pub(super) fn worker_year(
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
        o.b.agg.retiree(region.code, m);
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
            o.b.agg.retiree(o.region.code, m);
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
