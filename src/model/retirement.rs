//! Statutory retirement age 法定退休年龄 under the 2025 reform (渐进式延迟法定退休年龄,
//! DOMAIN.md §10.2): an exact integer-month table keyed by birth month and category, never a
//! fractional slope. The minimum contribution months rise from 180 (to 2029) by 6 a year to 240.

use super::date::add_months;

/// Retirement-age group (persons.category).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// Men: old age 60, +1 month per 4 months of birth from 1965-01, up to +36 (63).
    Male,
    /// Women workers: old age 50, +1 month per 2 months from 1975-01, up to +60 (55).
    FemaleWorker,
    /// Women cadres/staff: old age 55, +1 month per 4 months from 1970-01, up to +36 (58).
    FemaleStaff,
    /// Residents' pension: age 60, unchanged by the reform.
    Resident,
}

impl Category {
    pub fn from_key(k: &str) -> Option<Category> {
        Some(match k {
            "male" => Category::Male,
            "female_worker" => Category::FemaleWorker,
            "female_staff" => Category::FemaleStaff,
            "resident" => Category::Resident,
            _ => return None,
        })
    }
    pub fn key(self) -> &'static str {
        match self {
            Category::Male => "male",
            Category::FemaleWorker => "female_worker",
            Category::FemaleStaff => "female_staff",
            Category::Resident => "resident",
        }
    }
    /// (old age in years, first delayed birth month yyyymm, birth months per extra month, cap).
    fn rule(self) -> (i32, i32, i32, i32) {
        match self {
            Category::Male => (60, 196501, 4, 36),
            Category::FemaleWorker => (50, 197501, 2, 60),
            Category::FemaleStaff => (55, 197001, 4, 36),
            Category::Resident => (60, i32::MAX, 1, 0),
        }
    }
}

/// Months of delay over the old age for a birth month (yyyymm).
pub fn delay_months(cat: Category, birth_period: i32) -> i32 {
    let (_, start, k, cap) = cat.rule();
    if birth_period < start {
        return 0;
    }
    let since = super::date::months_between(start, birth_period);
    (since / k + 1).min(cap)
}

/// The month (yyyymm) in which a person born in `birth_period` reaches the statutory age.
pub fn retirement_period(cat: Category, birth_period: i32) -> i32 {
    let (old_age, ..) = cat.rule();
    add_months(birth_period, old_age * 12 + delay_months(cat, birth_period))
}

/// Minimum cumulative contribution months for a monthly pension when retiring in `year`.
pub fn min_contribution_months(year: i32) -> i32 {
    if year <= 2029 {
        180
    } else {
        (180 + 6 * (year - 2029)).min(240)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::date::add_months;
    use proptest::prelude::*;

    #[test]
    fn worked_cases_of_domain_10_2() {
        use Category::*;
        let cases = [
            (Male, 196412, 202412),
            (Male, 196501, 202502),
            (Male, 196505, 202507),
            (Male, 196512, 202603),
            (Male, 197612, 203912),
            (FemaleStaff, 197001, 202502),
            (FemaleStaff, 198201, 204001),
            (FemaleWorker, 197501, 202502),
            (FemaleWorker, 197503, 202505),
            (FemaleWorker, 198412, 203912),
        ];
        for (cat, birth, want) in cases {
            assert_eq!(retirement_period(cat, birth), want, "{cat:?} born {birth}");
        }
    }

    #[test]
    fn minimum_months() {
        assert_eq!(min_contribution_months(2029), 180);
        assert_eq!(min_contribution_months(2030), 186);
        assert_eq!(min_contribution_months(2039), 240);
        assert_eq!(min_contribution_months(2050), 240);
    }

    proptest! {
        #[test]
        fn never_earlier_for_a_later_birth_and_steps_of_one_month(
            cat in prop_oneof![Just(Category::Male), Just(Category::FemaleWorker), Just(Category::FemaleStaff), Just(Category::Resident)],
            idx in 0i32..(60 * 12),
        ) {
            let birth = add_months(194001, idx);
            let next = add_months(birth, 1);
            let (a, b) = (retirement_period(cat, birth), retirement_period(cat, next));
            prop_assert!(b >= a);
            // a month later birth retires at most two months later (one for ageing, one of delay)
            prop_assert!(crate::model::date::months_between(a, b) <= 2);
            let d = delay_months(cat, next) - delay_months(cat, birth);
            prop_assert!((0..=1).contains(&d));
        }
    }
}
