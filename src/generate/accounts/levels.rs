//! Movements between levels 上解/补助 and national pooling 全国统筹: when each level books them
//! (a pure function of the seed, so two levels simulated apart agree) and the moves they make.

use super::*;

pub(super) fn between_levels(
    kind: &'static str,
    from: &'static str,
    to: &'static str,
    amount: Fen,
    other: &'static str,
    reference: Option<String>,
) -> Move {
    Move {
        kind,
        from,
        to,
        amount,
        counter_region: Some(other),
        counter_scheme: None,
        reference,
    }
}

/// One movement between levels as the two levels book it: the paying level's day, the
/// receiving level's day (possibly in the next year: then it is not in this year's data), and
/// the reference both quote (None: each level books its own voucher number).
pub(super) struct Booking {
    payer: Day,
    payee: Day,
    reference: Option<String>,
}

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Between {
    /// 上解: the city pays on the quarter's 28th, the province books it 0–6 days later (the
    /// fourth quarter: see `booking`).
    Remit,
    /// 补助下级: the province pays mid-quarter, the city books it 0–5 days later.
    Subsidy,
}

/// When quarter `q` of `year`'s movement between `lower` and its province is booked: a pure
/// function of the seed, so the two levels, simulated apart, agree. The fourth quarter's 110
/// remittance is booked by the city on 28 or 29 December and by the province 4–8 days later,
/// in January: in transit 在途 at year end (210's: 0–2 days later, still in December).
pub(super) fn booking(
    seed: u64,
    year: i32,
    what: Between,
    lower: &str,
    scheme: &str,
    q: u32,
) -> Booking {
    let code = lower.parse::<u64>().unwrap_or(0) * 1000 + scheme.parse::<u64>().unwrap_or(0);
    let kind = (what == Between::Subsidy) as u64;
    let stream =
        0x1E7E_0000_0000_0000 ^ (code << 8) ^ ((year as u64) << 40) ^ (kind << 4) ^ q as u64;
    let mut rng = Rng::new(seed, stream);
    let (payer, lag) = match what {
        Between::Remit if q == 4 => {
            let d = day(year, 12, 28 + rng.below(2) as u32);
            // 110: the province books it in January; 210: still in December
            let lag = if scheme == "110" {
                rng.range(4, 8)
            } else {
                rng.range(0, 2)
            };
            (d, lag)
        }
        Between::Remit => (day(year, 3 * q, 28), rng.range(0, 6)),
        Between::Subsidy => (day(year, 3 * q - 1, 15), rng.range(0, 5)),
    };
    let shared = match q {
        2 => true,
        3 => false,
        _ => rng.chance(0.5),
    };
    let prefix = if what == Between::Remit { "SJ" } else { "BZ" };
    Booking {
        payer,
        payee: payer + lag as Day,
        reference: shared.then(|| format!("{prefix}{lower}{scheme}{year}Q{q}")),
    }
}

/// The bookings whose `pick`ed day is `d`: this year's quarters and last year's (a remittance
/// of last December booked by the province in January).
pub(super) fn bookings_on(
    seed: u64,
    d: Day,
    what: Between,
    lower: &str,
    scheme: &str,
    pick: fn(&Booking) -> Day,
) -> Vec<Booking> {
    use chrono::Datelike;
    let year = crate::model::date::to_naive(d).year();
    (year - 1..=year)
        .flat_map(|y| (1..=4).map(move |q| booking(seed, y, what, lower, scheme, q)))
        .filter(|b| pick(b) == d)
        .collect()
}

/// The city the province subsidises 补助下级 (its oldest).
pub(super) fn subsidised_city(province: &str) -> &'static str {
    if province == "440000" {
        "440300"
    } else {
        "320100"
    }
}

/// The province's quarterly subsidy to its oldest city 补助下级 (mid-quarter).
pub(super) fn province_subsidy(agg: &Agg, seed: u64, fund: FundKey, d: Day, moves: &mut Vec<Move>) {
    let lower = subsidised_city(fund.0);
    for b in bookings_on(seed, d, Between::Subsidy, lower, fund.1, |b| b.payer) {
        let amount = fees_of(agg, (lower, fund.1)) * 2 / 100 / 4;
        moves.push(between_levels(
            "subsidy_to_lower",
            "fiscal",
            "external",
            amount,
            lower,
            b.reference,
        ));
    }
}

/// National pooling 全国统筹 of 110: the province remits 上解 to the central adjustment fund
/// at quarter end and receives its 下拨 mid-quarter; the two need not net (Guangdong and
/// Jiangsu pay in more than they get back). The national books are not in the data.
pub(super) fn national_moves(agg: &Agg, fund: FundKey, m: u32, dom: u32, moves: &mut Vec<Move>) {
    if fund.1 != "110" {
        return;
    }
    let fees: Fen = REGIONS
        .iter()
        .filter(|r| r.province == fund.0)
        .map(|r| fees_of(agg, (r.code, fund.1)))
        .sum();
    let up = fees * 2 / 100 / 4;
    let back = if fund.0 == "440000" { 40 } else { 70 };
    let national = crate::model::ids::NATIONAL;
    if dom == 20 && m % 3 == 0 {
        moves.push(between_levels(
            "remit_to_upper",
            "fiscal",
            "external",
            up,
            national,
            None,
        ));
    }
    if dom == 25 && m % 3 == 2 {
        moves.push(between_levels(
            "subsidy_from_upper",
            "external",
            "fiscal",
            up * back / 100,
            national,
            None,
        ));
    }
}

/// Remittances up 上解 and the subsidy from the province as the city books it, each level on
/// its own day (`booking`).
pub(super) fn level_moves(
    agg: &Agg,
    seed: u64,
    fund: FundKey,
    is_province: bool,
    d: Day,
    moves: &mut Vec<Move>,
) {
    let share = if fund.1 == "110" { 3 } else { 5 };
    if !is_province && matches!(fund.1, "110" | "210") {
        let province = province_of(fund.0);
        let amount = fees_of(agg, fund) * share / 100 / 4;
        for b in bookings_on(seed, d, Between::Remit, fund.0, fund.1, |b| b.payer) {
            moves.push(between_levels(
                "remit_to_upper",
                "fiscal",
                "external",
                amount,
                province,
                b.reference,
            ));
        }
        if fund.0 == subsidised_city(province) {
            let amount = fees_of(agg, fund) * 2 / 100 / 4;
            for b in bookings_on(seed, d, Between::Subsidy, fund.0, fund.1, |b| b.payee) {
                moves.push(between_levels(
                    "subsidy_from_upper",
                    "external",
                    "fiscal",
                    amount,
                    province,
                    b.reference,
                ));
            }
        }
    }
    if is_province {
        for r in REGIONS.iter().filter(|r| r.province == fund.0) {
            let amount = fees_of(agg, (r.code, fund.1)) * share / 100 / 4;
            for b in bookings_on(seed, d, Between::Remit, r.code, fund.1, |b| b.payee) {
                moves.push(between_levels(
                    "remit_from_lower",
                    "external",
                    "fiscal",
                    amount,
                    r.code,
                    b.reference,
                ));
            }
        }
    }
}
