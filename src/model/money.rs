//! Money 金额: exact integer fen (分) inside sifund.
//!
//! Decision (SPEC §1, ENGINEERING "Money"): every amount is an `i64` count of fen. Parquet
//! `DECIMAL(p, s)` with `s <= 2` is read through its unscaled integer and multiplied up to fen
//! (`s = 0` → ×100, `s = 1` → ×10); a scale above 2 is refused at the schema check. Sums that
//! are not proven small are carried in `i128`. Formatting to yuan happens only at the edges.

use rust_decimal::{Decimal, RoundingStrategy};

/// An amount in fen (1 yuan = 100 fen).
pub type Fen = i64;

/// Plausibility bound of one money cell: ±10¹³ yuan (10 万亿元, more than any fund's balance or
/// any one transfer between levels). A cell beyond it is rejected as `<column>.implausible`.
pub const MAX_CELL: Fen = 1_000_000_000_000_000;

/// Plausibility bound of a person's monthly value (contribution base, pension): 10⁶ yuan a
/// month (100 万元, about 30 times the highest contribution ceiling of any province).
pub const MAX_PERSON_MONTH: Fen = 100_000_000;

/// The dataset's accepted amounts, summed in absolute value over every money column of every
/// table, may not exceed 10¹⁷ fen (10¹⁵ yuan, over 100 times the national social insurance
/// funds' yearly revenue): beyond it the run stops with exit 2. This bound is what makes every
/// sum inside sifund fit in `i64` fen with room to spare (a few amounts are counted twice,
/// debit and credit), and the budget's projection fit in `Decimal` (see `config` for the
/// bounds on growth rates and horizon).
pub const MAX_DATASET: i128 = 100_000_000_000_000_000;

/// Converts a Parquet decimal's unscaled value at `scale` (0..=2) to fen.
/// Returns `None` if the value does not fit in `i64` fen (≈ 9.2 × 10¹⁶ yuan).
pub fn decimal_to_fen(unscaled: i128, scale: usize) -> Option<Fen> {
    let factor: i128 = match scale {
        0 => 100,
        1 => 10,
        2 => 1,
        _ => return None,
    };
    unscaled
        .checked_mul(factor)
        .and_then(|v| i64::try_from(v).ok())
}

/// Formats fen as yuan with exactly two decimals (`-1234.50`), for CSV and JSON.
pub fn yuan(fen: i128) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// Parses `"1234.5"` / `"-0.01"` / `"12"` yuan into fen. Refuses more than two decimals.
pub fn parse_yuan(s: &str) -> Option<Fen> {
    let s = s.trim();
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if int.is_empty() || frac.len() > 2 || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut fen: i64 = int.parse::<i64>().ok()?.checked_mul(100)?;
    let frac_fen = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse::<i64>().ok()?,
    };
    fen = fen.checked_add(frac_fen)?;
    Some(if neg { -fen } else { fen })
}

/// `amount × rate` rounded half away from zero to the fen (四舍五入), with the rate given as
/// an exact decimal. Used by the generator and the budget for contribution = base × rate.
pub fn apply_rate(amount: Fen, rate: rust_decimal::Decimal) -> Fen {
    use rust_decimal::prelude::ToPrimitive;
    use rust_decimal::{Decimal, RoundingStrategy};
    let v = (Decimal::from(amount) * rate)
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
    v.to_i64().expect("fen × rate fits in i64")
}

/// `num ÷ den` to `dp` places, half away from zero; `None` when `den` is 0.
fn ratio(num: i128, den: i128, dp: u32) -> Option<Decimal> {
    (den != 0).then(|| {
        (Decimal::from_i128_with_scale(num, 0) / Decimal::from_i128_with_scale(den, 0))
            .round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
    })
}

/// Return rate: returns ÷ ((opening + closing) ÷ 2).
pub fn return_rate(returns: i128, opening: i128, closing: i128) -> Option<Decimal> {
    ratio(2 * returns, opening + closing, 4)
}

/// 可支付月数: closing ÷ (expenditure ÷ 12).
pub fn months_payable(closing: i128, expenditure: i128) -> Option<Decimal> {
    ratio(12 * closing, expenditure, 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_up_never_truncates() {
        assert_eq!(decimal_to_fen(123456, 2), Some(123456)); // 1234.56
        assert_eq!(decimal_to_fen(12345, 1), Some(123450)); // 1234.5
        assert_eq!(decimal_to_fen(1234, 0), Some(123400)); // 1234
        assert_eq!(decimal_to_fen(-1, 2), Some(-1));
        assert_eq!(decimal_to_fen(i128::MAX, 0), None);
        assert_eq!(decimal_to_fen(5, 3), None);
    }

    #[test]
    fn formats_and_parses_yuan() {
        assert_eq!(yuan(123456), "1234.56");
        assert_eq!(yuan(-5), "-0.05");
        assert_eq!(yuan(0), "0.00");
        assert_eq!(parse_yuan("1234.5"), Some(123450));
        assert_eq!(parse_yuan("-0.01"), Some(-1));
        assert_eq!(parse_yuan("12"), Some(1200));
        assert_eq!(parse_yuan("1.234"), None);
        assert_eq!(parse_yuan("abc"), None);
    }

    #[test]
    fn rate_rounds_half_away_from_zero() {
        // 0.5 fen rounds up, not to even: 1 fen × 0.5 = 0.5 → 1
        assert_eq!(apply_rate(1, Decimal::new(5, 1)), 1);
        assert_eq!(apply_rate(3, Decimal::new(5, 1)), 2); // 1.5 → 2
        assert_eq!(apply_rate(5, Decimal::new(5, 1)), 3); // 2.5 → 3 (banker's would give 2)
        assert_eq!(apply_rate(1_000_000, Decimal::new(16, 2)), 160_000);
    }
}
