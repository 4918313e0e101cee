//! Presentation rounding 元 → 万元, done once, at presentation: each figure is rounded half
//! away from zero to 0.01 万元 (100 元); a total is the rounded exact total; when the rounded
//! rows do not add up to it, the difference (a few 0.01 万元) goes to the rows with the largest
//! rounding remainders (largest-remainder rule), so every published table foots.

/// Fen in one unit of 0.01 万元 (= 100 元).
const UNIT: i128 = 10_000;

/// Fen → hundredths of 万元, half away from zero.
pub fn round_wan(fen: i128) -> i128 {
    let q = (fen.abs() + UNIT / 2) / UNIT;
    if fen < 0 {
        -q
    } else {
        q
    }
}

/// Rounds rows and their total so that the rounded rows sum to the rounded total.
pub fn foot(rows: &[i128]) -> (Vec<i128>, i128) {
    let total = round_wan(rows.iter().sum());
    let mut r: Vec<i128> = rows.iter().map(|&f| round_wan(f)).collect();
    let mut diff = total - r.iter().sum::<i128>();
    // remainder of each row against its rounded value, in fen: who gains or loses a unit first
    let mut order: Vec<usize> = (0..rows.len()).collect();
    let rem = |i: usize| rows[i] - r[i] * UNIT;
    if diff > 0 {
        order.sort_by_key(|&i| (std::cmp::Reverse(rem(i)), i));
    } else {
        order.sort_by_key(|&i| (rem(i), i));
    }
    let mut k = 0;
    while diff != 0 && !order.is_empty() {
        let i = order[k % order.len()];
        r[i] += diff.signum();
        diff -= diff.signum();
        k += 1;
    }
    (r, total)
}

/// Hundredths of 万元 as text: `12345.67`.
pub fn wan_text(h: i128) -> String {
    let sign = if h < 0 { "-" } else { "" };
    let a = h.unsigned_abs();
    format!("{sign}{}.{:02}", group(a / 100), a % 100)
}

/// Thousands separators.
pub fn group(n: u128) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(round_wan(5_000), 1); // 50 元 = 0.005 万元 → 0.01
        assert_eq!(round_wan(4_999), 0);
        assert_eq!(round_wan(-5_000), -1);
        assert_eq!(wan_text(123_456_789), "1,234,567.89");
    }

    #[test]
    fn three_thirds_foot() {
        // 3 × 0.0033 万元 → each 0.00, total 0.01: one row takes the unit
        let (r, t) = foot(&[3_300, 3_300, 3_400]);
        assert_eq!(t, 1);
        assert_eq!(r.iter().sum::<i128>(), 1);
        assert_eq!(r, [0, 0, 1], "the largest remainder gets it");
    }

    proptest! {
        #[test]
        fn rounded_rows_always_sum_to_the_rounded_total(rows in prop::collection::vec(-10_000_000_000i128..10_000_000_000, 1..40)) {
            let (r, t) = foot(&rows);
            prop_assert_eq!(r.iter().sum::<i128>(), t);
            for (x, f) in r.iter().zip(&rows) {
                prop_assert!((x * UNIT - f).abs() <= 2 * UNIT, "each row within a unit of its exact value");
            }
        }
    }
}
