//! Mortality table 生命表: one-year death probabilities qx by age and sex, in millionths.
//!
//! Decision (DOMAIN.md §10.10): the basic schemes prescribe no life table for budgeting. The
//! built-in table is a Gompertz curve qx = 0.0005 · e^(0.085 (x − 30)), capped at 0.35 and
//! closed at age 110 (q = 1), the same for both sexes — **[R]**: it sits near China's
//! population tables (q60 ≈ 0.64 %, q80 ≈ 3.5 %) but is no published table; it is also the
//! curve of `sifund generate`, so backtests on generated data measure the projection and not a
//! table mismatch. For real drafts name a CSV (`mortality = "path.csv"`, columns
//! `age,sex,qx`), e.g. the 中国人身保险业经验生命表(2025) pension tables (CL5/CL6 养老类业务表).

use std::path::Path;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::error::{Error, Result};

/// One million: probabilities are integer millionths (ppm).
pub const PPM: i64 = 1_000_000;

/// The built-in qx in ppm for ages 0..=110 (see the module note).
#[rustfmt::skip]
const BUILTIN: [u32; 111] = [
    39, 43, 46, 50, 55, 60, 65, 71, 77, 84, 91, 99,
    108, 118, 128, 140, 152, 166, 180, 196, 214, 233, 253, 276,
    300, 327, 356, 387, 422, 459, 500, 544, 593, 645, 702, 765,
    833, 907, 987, 1074, 1170, 1274, 1387, 1510, 1644, 1789, 1948, 2121,
    2309, 2514, 2737, 2980, 3244, 3532, 3845, 4186, 4558, 4962, 5402, 5882,
    6404, 6972, 7590, 8264, 8997, 9795, 10664, 11610, 12640, 13761, 14982, 16311,
    17758, 19334, 21049, 22916, 24949, 27163, 29573, 32196, 35053, 38162, 41548, 45234,
    49247, 53616, 58373, 63552, 69190, 75328, 82011, 89287, 97208, 105832, 115221, 125443,
    136572, 148688, 161880, 176241, 191877, 208899, 227432, 247609, 269577, 293493, 319531, 347878,
    350000, 350000, 1_000_000,
];

/// A life table: qx by sex (`[male, female]`) and age.
#[derive(Debug, Clone)]
pub struct Table {
    pub source: String,
    q: [Vec<u32>; 2],
}

impl Table {
    pub fn builtin() -> Table {
        Table {
            source: "builtin Gompertz qx = 0.0005·e^(0.085(x−30)), cap 0.35, ω = 110 [R]".into(),
            q: [BUILTIN.to_vec(), BUILTIN.to_vec()],
        }
    }

    /// `builtin` or a CSV path (relative to the pipeline's folder).
    pub fn load(spec: &str, base: &Path) -> Result<Table> {
        if spec == "builtin" {
            return Ok(Table::builtin());
        }
        let path = base.join(spec);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Error::Config(format!("mortality {}: {e}", path.display())))?;
        Table::parse(&text, &path.display().to_string())
    }

    /// Parses `age,sex,qx`; every age from 0 up to the table's last age must be given for
    /// both sexes, qx in [0, 1].
    pub fn parse(text: &str, name: &str) -> Result<Table> {
        let bad = |line: usize, why: &str| Error::Config(format!("{name}: line {line}: {why}"));
        let mut q: [Vec<Option<u32>>; 2] = [Vec::new(), Vec::new()];
        let mut lines = text.lines().enumerate();
        match lines.next() {
            Some((_, h)) if h.trim().replace(' ', "") == "age,sex,qx" => {}
            _ => return Err(bad(1, "header must be age,sex,qx")),
        }
        for (i, line) in lines {
            if line.trim().is_empty() {
                continue;
            }
            let f: Vec<&str> = line.split(',').map(str::trim).collect();
            if f.len() != 3 {
                return Err(bad(i + 1, "expected 3 fields"));
            }
            let age: usize = f[0]
                .parse()
                .ok()
                .filter(|a| *a <= 130)
                .ok_or_else(|| bad(i + 1, "age must be an integer 0..=130"))?;
            let sex = match f[1] {
                "M" => 0,
                "F" => 1,
                _ => return Err(bad(i + 1, "sex must be M or F")),
            };
            let qx: Decimal = f[2]
                .parse()
                .ok()
                .filter(|d: &Decimal| *d >= Decimal::ZERO && *d <= Decimal::ONE)
                .ok_or_else(|| bad(i + 1, "qx must be a decimal in [0, 1]"))?;
            let ppm = (qx * Decimal::from(PPM))
                .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
                .to_u32()
                .expect("in [0, 1e6]");
            let v = &mut q[sex];
            if v.len() <= age {
                v.resize(age + 1, None);
            }
            if v[age].replace(ppm).is_some() {
                return Err(bad(i + 1, "age and sex given twice"));
            }
        }
        let mut out: [Vec<u32>; 2] = [Vec::new(), Vec::new()];
        for s in 0..2 {
            for (age, v) in q[s].iter().enumerate() {
                out[s].push(v.ok_or_else(|| {
                    Error::Config(format!(
                        "{name}: no qx for age {age}, sex {}",
                        ["M", "F"][s]
                    ))
                })?);
            }
            if out[s].is_empty() {
                return Err(Error::Config(format!(
                    "{name}: no rows for sex {}",
                    ["M", "F"][s]
                )));
            }
        }
        Ok(Table {
            source: name.to_string(),
            q: out,
        })
    }

    /// qx in ppm, or `None` past the table's last age.
    pub fn qx(&self, male: bool, age: i32) -> Option<i64> {
        let v = &self.q[usize::from(!male)];
        usize::try_from(age)
            .ok()
            .and_then(|a| v.get(a))
            .map(|&q| q as i64)
    }

    /// The last age of the table for a sex.
    pub fn last_age(&self, male: bool) -> i32 {
        self.q[usize::from(!male)].len() as i32 - 1
    }
}

/// The generator's death probability: the built-in table, as a probability.
pub fn builtin_probability(age: i32) -> f64 {
    let a = age.clamp(0, 110) as usize;
    BUILTIN[a] as f64 / PPM as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_is_the_documented_curve_and_rises_with_age() {
        for age in 0..110 {
            let want = (0.0005 * (0.085 * (age as f64 - 30.0)).exp()).min(0.35);
            let got = BUILTIN[age] as f64 / 1e6;
            assert!((got - want).abs() <= 0.5e-6, "age {age}: {got} vs {want}");
            assert!(BUILTIN[age + 1] >= BUILTIN[age]);
        }
        assert_eq!(BUILTIN[110], 1_000_000, "the table closes at 110");
    }

    #[test]
    fn csv_tables_are_checked() {
        let t = Table::parse("age,sex,qx\n0,M,0.001\n1,M,0.5\n0,F,0.0005\n", "t").unwrap();
        assert_eq!(t.qx(true, 1), Some(500_000));
        assert_eq!(t.qx(false, 0), Some(500));
        assert_eq!(t.qx(false, 1), None);
        assert_eq!(t.last_age(true), 1);
        for bad in [
            "age,sex,q\n",
            "age,sex,qx\n0,X,0.1\n0,F,0.1\n",
            "age,sex,qx\n0,M,1.5\n0,F,0.1\n",
            "age,sex,qx\n1,M,0.1\n0,F,0.1\n",
            "age,sex,qx\n0,M,0.1\n",
            "age,sex,qx\n0,M,0.1\n0,M,0.2\n0,F,0.1\n",
        ] {
            assert!(Table::parse(bad, "t").is_err(), "{bad:?} accepted");
        }
    }
}
