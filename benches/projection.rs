//! The population projection at scale: 10 million members (SPEC: "seconds, in parallel, with
//! bounded memory"). `cargo bench --bench projection [-- MEMBERS]`.
//!
//! Members are synthetic (ages 18–95, a fifth receiving a pension, a few suspended) spread
//! over 40 funds; the projector is `budget::project::fast`, the one the budget stage runs.

use std::time::Instant;

use sifund::budget::mortality::Table;
use sifund::budget::project::{self, Class, Member, Setup, State};
use sifund::model::date::add_months;
use sifund::model::retirement::{retirement_period, Category};

fn members(n: usize) -> Vec<Member> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let age_months = 18 * 12 + (x % (78 * 12)) as i32;
            let birth = add_months(202512, -age_months);
            let cat = [
                Category::Male,
                Category::FemaleWorker,
                Category::FemaleStaff,
            ][(x >> 20) as usize % 3];
            let retire = retirement_period(cat, birth);
            let state = if retire <= 202512 {
                State::Receiving
            } else if (x >> 30) % 25 == 0 {
                State::Suspended
            } else {
                State::Contributing
            };
            Member {
                fund: (i % 40) as u32,
                male: cat == Category::Male,
                state,
                birth,
                retire,
                months: ((age_months / 12 - 20).max(0) * 12) * 9 / 10,
                amount: 300_000 + ((x >> 40) % 2_000_000) as i64,
            }
        })
        .collect()
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000_000);
    let t = Instant::now();
    let m = members(n);
    eprintln!(
        "{n} members built in {:.2} s ({} MB)",
        t.elapsed().as_secs_f64(),
        n * std::mem::size_of::<Member>() / 1_000_000
    );
    let table = Table::builtin();
    let classes = [
        Class::EmployeePension,
        Class::EmployeeInsurance,
        Class::ResidentPension,
        Class::ResidentMedical,
    ];
    for years in [1usize, 10] {
        let setup = Setup {
            base_year: 2025,
            years,
            table: &table,
            funds: (0..40).map(|f| (classes[f % 4], 20_000)).collect(),
            medical_min_months: [300, 240],
        };
        for round in 1..=2 {
            let t = Instant::now();
            let out = project::fast(&setup, &m);
            let s = t.elapsed().as_secs_f64();
            let nonzero = out.iter().filter(|v| **v != 0).count();
            eprintln!(
                "projection of {n} members, {years} year(s), round {round}: {s:.2} s ({:.1} M member-years/s, {nonzero} exposures), {} threads",
                (n * years) as f64 / s / 1e6,
                rayon::current_num_threads()
            );
        }
    }
}
