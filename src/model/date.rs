//! Dates and periods. A date is `i32` days since 1970-01-01 (Arrow `Date32`, polars `Date`);
//! a period 所属期 is `yyyymm` as `i32`.

use chrono::{Datelike, NaiveDate};

/// Days since the Unix epoch.
pub type Day = i32;

const EPOCH_CE: i32 = 719_163; // NaiveDate(1970-01-01).num_days_from_ce()

pub fn day(y: i32, m: u32, d: u32) -> Day {
    NaiveDate::from_ymd_opt(y, m, d)
        .expect("valid calendar date")
        .num_days_from_ce()
        - EPOCH_CE
}

pub fn try_day(y: i32, m: u32, d: u32) -> Option<Day> {
    NaiveDate::from_ymd_opt(y, m, d).map(|n| n.num_days_from_ce() - EPOCH_CE)
}

pub fn to_naive(d: Day) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(d + EPOCH_CE).expect("date within chrono's range")
}

/// `YYYY-MM-DD`; a day outside chrono's calendar (epoch seconds written into a Date column,
/// say) is shown as its day number, so a reject can always be described.
pub fn iso(d: Day) -> String {
    match d
        .checked_add(EPOCH_CE)
        .and_then(NaiveDate::from_num_days_from_ce_opt)
    {
        // By hand: chrono's formatter parses its pattern on every call (hot for rejects).
        Some(n) if (0..=9999).contains(&n.year()) => {
            format!("{:04}-{:02}-{:02}", n.year(), n.month(), n.day())
        }
        Some(n) => n.format("%Y-%m-%d").to_string(),
        None => format!("<day {d} since 1970-01-01, outside the calendar>"),
    }
}

pub fn year_of(d: Day) -> i32 {
    to_naive(d).year()
}

/// The period (yyyymm) a day falls in.
pub fn period_of(d: Day) -> i32 {
    let n = to_naive(d);
    n.year() * 100 + n.month() as i32
}

/// First and last day of a calendar year.
pub fn year_bounds(year: i32) -> (Day, Day) {
    (day(year, 1, 1), day(year, 12, 31))
}

/// `Some((year, month))` for a well-formed yyyymm.
pub fn split_period(p: i32) -> Option<(i32, u32)> {
    let (y, m) = (p / 100, p % 100);
    ((1900..=2200).contains(&y) && (1..=12).contains(&m)).then_some((y, m as u32))
}

/// Months from period a to period b (b − a); both must be valid.
pub fn months_between(a: i32, b: i32) -> i32 {
    (b / 100 - a / 100) * 12 + (b % 100 - a % 100)
}

/// Adds `n` months to a period.
pub fn add_months(p: i32, n: i32) -> i32 {
    let idx = (p / 100) * 12 + (p % 100 - 1) + n;
    (idx.div_euclid(12)) * 100 + idx.rem_euclid(12) + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_outside_the_calendar_is_described_not_a_panic() {
        assert_eq!(iso(0), "1970-01-01");
        assert!(iso(i32::MAX).contains("outside the calendar"));
        assert!(iso(1_700_000_000).contains("outside the calendar"));
    }

    #[test]
    fn days_round_trip() {
        assert_eq!(day(1970, 1, 1), 0);
        assert_eq!(iso(day(2025, 12, 31)), "2025-12-31");
        assert_eq!(period_of(day(2025, 2, 28)), 202502);
        assert_eq!(year_of(day(2024, 2, 29)), 2024);
    }

    #[test]
    fn periods() {
        assert_eq!(split_period(202513), None);
        assert_eq!(split_period(202500), None);
        assert_eq!(split_period(202512), Some((2025, 12)));
        assert_eq!(add_months(202512, 1), 202601);
        assert_eq!(add_months(202501, -1), 202412);
        assert_eq!(months_between(202411, 202502), 3);
    }
}
