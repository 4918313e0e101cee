//! A resident's year 城乡居民: residents' medical insurance (390) from birth — newborns paying
//! on enrolment, the subsidised paying nothing — and residents' pension (170) from 16, students
//! excluded, with its pension from 60.

use super::next_year::next_resident;
use super::people::{month_day, Ctx, Identity, Line, PersonOut};
use super::rng::Rng;
use super::world;
use crate::model::date::{add_months, day, period_of, split_period, Day};
use crate::model::retirement::{retirement_period, Category};
use crate::model::Fen;

#[allow(clippy::too_many_arguments)]
pub(super) fn resident_year(
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
